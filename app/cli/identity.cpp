// diffusionrig identity FILES...: one face descriptor per photo and the
// pairwise similarity matrix (1 - euclidean distance; higher = more alike).
// identity --album ALIGNED: who an aligned album is of, as the Studio finds
// it (training/project/album_person.h), and which photos show someone else.
#include "app/cli/identity.h"

#include "model/base/error.h"
#include "training/align/sidecar.h"
#include "training/edit/identity_guard.h"
#include "training/project/person_faces.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <map>

namespace drig::cli {
namespace {

namespace fs = std::filesystem;

// Prints who the album in `folder` is of; 0, or 1 when no face recurs.
int album_person(const fs::path& folder, const fs::path& models, bool json, CommandEnv& env) {
  // The crops of each photo, by the source their sidecars name.
  std::map<std::string, std::vector<fs::path>> by_source;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() != ".png")
      continue;
    const auto record = align::read_sidecar(align::sidecar_path(entry.path()));
    if (record)
      by_source[record->source.string()].push_back(entry.path());
  }
  DRIG_CHECK(!by_source.empty(), "{}: no aligned crops with sidecars (make them with align)",
             folder.string());
  project::PhotoFaces photos;
  for (auto& [source, crops] : by_source) {
    std::sort(crops.begin(), crops.end());
    photos.push_back({source, crops});
  }
  const project::PhotoDescriptors described =
      project::describe_photo_faces(photos, models, env.job);
  std::vector<std::vector<project::Descriptor>> faces;
  for (const auto& [source, d] : described)
    faces.push_back(d);
  const double threshold = project::same_person_threshold();
  const project::AlbumPerson person = project::find_album_person(faces, threshold);
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < photos.size(); ++i) {
    const project::PersonMatch& m = person.photos[i];
    out.push_back({{"source", photos[i].first},
                   {"crop", m.face >= 0 ? photos[i].second[size_t(m.face)].string() : ""},
                   {"similarity", m.similarity},
                   {"is_person", person.found && m.face >= 0 && m.similarity >= threshold}});
  }
  if (json) {
    std::cout << nlohmann::json{{"found", person.found}, {"threshold", threshold}, {"photos", out}}
                     .dump(2)
              << "\n";
  } else if (person.found) {
    std::cout << fmt::format("the album's person is in {} of {} photos (same person at "
                             "similarity >= {:.2f})\n",
                             person.photos_with_person, photos.size(), threshold);
    for (const auto& p : out)
      std::cout << fmt::format("{:>5.2f}  {}  {}\n", p["similarity"].get<double>(),
                               p["is_person"].get<bool>() ? "person       " : "someone else ",
                               p["crop"].get<std::string>().empty() ? p["source"].get<std::string>()
                                                                    : p["crop"].get<std::string>());
  } else {
    std::cout << "no face recurs in two photos: the album's person cannot be told yet\n";
  }
  return person.found ? 0 : 1;
}

} // namespace

CommandRunner add_identity_command(CLI::App& sub) {
  struct Options {
    std::vector<std::string> files;
    std::string album;
    std::string models;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* files = sub.add_option("FILE", o->files,
                               "Photos (aligned crops or whole photos): the largest face of each");
  sub.add_option("--album", o->album,
                 "A folder of aligned crops (align --all-faces): find the person the album is "
                 "of, each photo's face most like them, and the photos where no face is them")
      ->check(CLI::ExistingDirectory)
      ->excludes(files);
  sub.add_flag("--json", o->json,
               "Print {\"files\": [...], \"similarity\": [[...]], \"threshold\": t} on stdout");
  sub.add_option("--face-models", o->models,
                 "Folder with face-api's face_recognition_model files (default: "
                 "$DIFFUSIONRIG_FACE_MODELS or ~/.local/share/diffusionrig/face-api)");
  sub.footer("Similarity is 1 - the euclidean distance of the 128-d descriptors; at or above "
             "the printed threshold (0.4, dlib's 0.6 distance) the faces are taken for one "
             "person. Exit status 1 when a photo has no face (the error names it).");
  return [o](CommandEnv& env) {
    const std::filesystem::path models =
        o->models.empty() ? identity::default_models_dir() : std::filesystem::path(o->models);
    if (!o->album.empty())
      return album_person(o->album, models, o->json, env);
    DRIG_CHECK(!o->files.empty(), "identity: name photos, or an aligned folder with --album");
    const identity::IdentityGuard guard(models);
    const std::vector<std::vector<double>> sim = guard.similarity_matrix(
        std::vector<std::filesystem::path>(o->files.begin(), o->files.end()));
    const size_t n = sim.size();
    const double threshold = identity::IdentityGuard::threshold();
    if (o->json) {
      std::cout << nlohmann::json{{"files", o->files},
                                  {"similarity", sim},
                                  {"threshold", threshold}}
                       .dump(2)
                << "\n";
      return 0;
    }
    for (size_t i = 0; i < n; ++i)
      std::cout << fmt::format("[{}] {}\n", i, o->files[i]);
    std::cout << "\n     ";
    for (size_t j = 0; j < n; ++j)
      std::cout << fmt::format("{:>6}", fmt::format("[{}]", j));
    std::cout << "\n";
    for (size_t i = 0; i < n; ++i) {
      std::cout << fmt::format("{:>5}", fmt::format("[{}]", i));
      for (size_t j = 0; j < n; ++j)
        std::cout << fmt::format("{:6.2f}", sim[i][j]);
      std::cout << "\n";
    }
    std::cout << fmt::format("\nsame person at similarity >= {:.2f}\n", threshold);
    return 0;
  };
}

} // namespace drig::cli
