#pragma once

// A DiffusionRig Studio project: a folder holding project.drig.json (the
// manifest documented in docs/user-guide.md), the aligned crops, rigs,
// datasets and personal models it made. Paths inside the manifest are
// relative to the folder (photos elsewhere also keep their absolute path),
// so a project folder can be moved or copied whole. No Qt: the CLI and the
// tests read projects too.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace drig::project {

inline constexpr const char* kManifestName = "project.drig.json";
inline constexpr int kProjectVersion = 1;

// A photo's way through the project; the manifest keeps the strings
// to_string gives ("queued", "aligning", "aligned", "fitting", "fitted",
// "no-face", "error"). aligning and fitting only while a job runs.
enum class PhotoState { queued, aligning, aligned, fitting, fitted, no_face, error };
// A personal model's state: "new", "dataset", "training", "paused", "trained", "failed".
enum class ModelState { fresh, dataset, training, paused, trained, failed };

std::string to_string(PhotoState state);
std::string to_string(ModelState state);
// Throw Error naming the text when it is not one of the strings above.
PhotoState parse_photo_state(const std::string& text);
ModelState parse_model_state(const std::string& text);

struct PhotoEntry {
  std::string id;                // stable within the project: the file stem, made unique
  std::filesystem::path source;  // absolute while loaded
  std::filesystem::path aligned; // the crop (absolute while loaded; empty until aligned)
  std::filesystem::path rig;     // the rig file (empty until fitted)
  PhotoState status = PhotoState::queued;
  std::string reason;    // why, for no-face and error
  bool excluded = false; // left out of personalization by the user
  int face_index = 0;    // which face of a group photo (0 = largest)
  int faces_found = 0;
  std::vector<std::filesystem::path> faces; // each face's crop of a group photo, by index
  std::string person;                       // the personal model it belongs to (empty: the first)
  // How much each face looks like the album's person (album_person.h), by
  // index into `faces`; empty until measured. face_chosen: the user picked
  // the face (Choose Face), so no check changes it.
  std::vector<double> face_likeness;
  bool face_chosen = false;
  // The likeness of the face in use; -1 until measured.
  double likeness() const {
    return face_index >= 0 && size_t(face_index) < face_likeness.size()
               ? face_likeness[size_t(face_index)]
               : -1.0;
  }
  bool usable() const {
    return !excluded && (status == PhotoState::aligned || status == PhotoState::fitted);
  }
};

struct PersonModel {
  std::string name;
  std::filesystem::path dataset;   // the create-data LMDB
  std::filesystem::path log_dir;   // the training run (checkpoints, progress.csv)
  std::filesystem::path model;     // the trained checkpoint in use (empty: not yet)
  std::filesystem::path meanshape; // the dataset's mean shape
  ModelState status = ModelState::fresh;
  int64_t steps_done = 0;
  nlohmann::json train_options = nlohmann::json::object(); // the Advanced dialog's values
};

struct Project {
  std::filesystem::path folder;
  std::string name;
  std::vector<PhotoEntry> photos;
  std::vector<PersonModel> people;
  std::map<std::string, nlohmann::json> edits; // photo id -> the edit (EditSpec JSON)
  std::string window_state;                    // opaque to this library (the GUI's)

  // A new project in `folder` (created; must be empty or absent).
  static Project create(const std::filesystem::path& folder, const std::string& name);
  // Reads folder/project.drig.json (or the manifest itself). Error naming the
  // file for anything unreadable, a newer version, or a missing field.
  static Project open(const std::filesystem::path& folder_or_manifest);
  void save() const; // atomic: a crash never leaves half a manifest
  std::filesystem::path manifest() const { return folder / kManifestName; }

  // Adds a photo (the same file twice gives the existing entry).
  PhotoEntry& add_photo(const std::filesystem::path& source);
  PhotoEntry* find(const std::string& id);
  bool remove_photo(const std::string& id);
  int usable_count() const;
  PersonModel& person(const std::string& name); // created when missing
  // Where the project keeps what it makes.
  std::filesystem::path aligned_dir() const { return folder / "aligned"; }
  std::filesystem::path rigs_dir() const { return folder / "rigs"; }
  std::filesystem::path models_dir() const { return folder / "models"; }
};

nlohmann::json to_json(const Project& project);
Project project_from_json(const nlohmann::json& j, const std::filesystem::path& folder,
                          const std::string& source);

} // namespace drig::project
