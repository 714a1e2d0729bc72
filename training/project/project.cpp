#include "training/project/project.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <set>

namespace fs = std::filesystem;

namespace drig::project {

namespace {
constexpr std::array<std::pair<PhotoState, const char*>, 7> kPhotoStates{{
    {PhotoState::queued, "queued"},
    {PhotoState::aligning, "aligning"},
    {PhotoState::aligned, "aligned"},
    {PhotoState::fitting, "fitting"},
    {PhotoState::fitted, "fitted"},
    {PhotoState::no_face, "no-face"},
    {PhotoState::error, "error"},
}};
constexpr std::array<std::pair<ModelState, const char*>, 6> kModelStates{{
    {ModelState::fresh, "new"},
    {ModelState::dataset, "dataset"},
    {ModelState::training, "training"},
    {ModelState::paused, "paused"},
    {ModelState::trained, "trained"},
    {ModelState::failed, "failed"},
}};

template <typename Enum, size_t N>
std::string name_of(const std::array<std::pair<Enum, const char*>, N>& names, Enum value) {
  for (const auto& [v, name] : names)
    if (v == value)
      return name;
  return "unknown";
}

template <typename Enum, size_t N>
Enum parse_name(const std::array<std::pair<Enum, const char*>, N>& names, const std::string& text,
                const char* what) {
  std::string known;
  for (const auto& [v, name] : names) {
    if (text == name)
      return v;
    known += known.empty() ? name : std::string(", ") + name;
  }
  throw Error(fmt::format("unknown {} state \"{}\" (known: {})", what, text, known));
}
} // namespace

std::string to_string(PhotoState state) {
  return name_of(kPhotoStates, state);
}
std::string to_string(ModelState state) {
  return name_of(kModelStates, state);
}
PhotoState parse_photo_state(const std::string& text) {
  return parse_name(kPhotoStates, text, "photo");
}
ModelState parse_model_state(const std::string& text) {
  return parse_name(kModelStates, text, "model");
}
namespace {

// Relative to the project folder when that is a plain relative path.
nlohmann::json path_json(const fs::path& p, const fs::path& folder) {
  if (p.empty())
    return nullptr;
  const fs::path rel = p.lexically_relative(folder);
  nlohmann::json j = {{"path", rel.empty() ? p.string() : rel.generic_string()}};
  if (rel.empty() || *rel.begin() == "..")
    j["absolute"] = p.string(); // outside the folder: the fallback when it moves
  return j;
}

fs::path path_from(const nlohmann::json& j, const fs::path& folder) {
  if (j.is_null())
    return {};
  const fs::path rel = j.at("path").get<std::string>();
  const fs::path resolved = rel.is_absolute() ? rel : (folder / rel).lexically_normal();
  if (!fs::exists(resolved) && j.contains("absolute"))
    return j.at("absolute").get<std::string>();
  return resolved;
}

} // namespace

nlohmann::json to_json(const Project& p) {
  nlohmann::json photos = nlohmann::json::array();
  for (const PhotoEntry& e : p.photos) {
    nlohmann::json faces = nlohmann::json::array();
    for (const fs::path& f : e.faces)
      faces.push_back(path_json(f, p.folder));
    photos.push_back({{"id", e.id},
                      {"source", path_json(e.source, p.folder)},
                      {"aligned", path_json(e.aligned, p.folder)},
                      {"rig", path_json(e.rig, p.folder)},
                      {"status", to_string(e.status)},
                      {"reason", e.reason},
                      {"excluded", e.excluded},
                      {"face_index", e.face_index},
                      {"faces_found", e.faces_found},
                      {"faces", faces},
                      {"person", e.person},
                      {"face_likeness", e.face_likeness},
                      {"face_chosen", e.face_chosen}});
  }
  nlohmann::json people = nlohmann::json::array();
  for (const PersonModel& m : p.people)
    people.push_back({{"name", m.name},
                      {"dataset", path_json(m.dataset, p.folder)},
                      {"log_dir", path_json(m.log_dir, p.folder)},
                      {"model", path_json(m.model, p.folder)},
                      {"meanshape", path_json(m.meanshape, p.folder)},
                      {"status", to_string(m.status)},
                      {"steps_done", m.steps_done},
                      {"train_options", m.train_options}});
  nlohmann::json edits = nlohmann::json::object();
  for (const auto& [id, edit] : p.edits)
    edits[id] = edit;
  return {{"format", "diffusionrig-studio-project"},
          {"version", kProjectVersion},
          {"name", p.name},
          {"photos", photos},
          {"people", people},
          {"edits", edits},
          {"window_state", p.window_state}};
}

Project project_from_json(const nlohmann::json& j, const fs::path& folder,
                          const std::string& source) {
  Project p;
  p.folder = folder;
  try {
    DRIG_CHECK(j.is_object() && j.value("format", "") == "diffusionrig-studio-project",
               "not a DiffusionRig Studio project (no \"format\": "
               "\"diffusionrig-studio-project\")");
    const int version = j.at("version").get<int>();
    DRIG_CHECK(version >= 1, "version {} is not a project version", version);
    DRIG_CHECK(version <= kProjectVersion,
               "it was written by a newer DiffusionRig Studio (project version {}; this one "
               "reads up to {}): update the Studio to open it",
               version, kProjectVersion);
    p.name = j.value("name", folder.filename().string());
    for (const auto& e : j.at("photos")) {
      PhotoEntry x;
      x.id = e.at("id").get<std::string>();
      x.source = path_from(e.at("source"), folder);
      x.aligned = path_from(e.value("aligned", nlohmann::json()), folder);
      x.rig = path_from(e.value("rig", nlohmann::json()), folder);
      x.status = parse_photo_state(e.value("status", "queued"));
      // Saved while a job ran that no longer runs (the Studio was killed):
      // back to where that job starts, so it runs again.
      if (x.status == PhotoState::aligning)
        x.status = PhotoState::queued;
      if (x.status == PhotoState::fitting)
        x.status = PhotoState::aligned;
      x.reason = e.value("reason", "");
      x.excluded = e.value("excluded", false);
      x.face_index = e.value("face_index", 0);
      x.faces_found = e.value("faces_found", 0);
      for (const auto& f : e.value("faces", nlohmann::json::array()))
        x.faces.push_back(path_from(f, folder));
      x.person = e.value("person", "");
      x.face_likeness = e.value("face_likeness", std::vector<double>{});
      x.face_chosen = e.value("face_chosen", false);
      p.photos.push_back(std::move(x));
    }
    for (const auto& m : j.value("people", nlohmann::json::array())) {
      PersonModel x;
      x.name = m.at("name").get<std::string>();
      x.dataset = path_from(m.value("dataset", nlohmann::json()), folder);
      x.log_dir = path_from(m.value("log_dir", nlohmann::json()), folder);
      x.model = path_from(m.value("model", nlohmann::json()), folder);
      x.meanshape = path_from(m.value("meanshape", nlohmann::json()), folder);
      x.status = parse_model_state(m.value("status", "new"));
      if (x.status == ModelState::training)
        x.status = ModelState::paused; // resumable from its last checkpoint
      x.steps_done = m.value("steps_done", int64_t(0));
      x.train_options = m.value("train_options", nlohmann::json::object());
      p.people.push_back(std::move(x));
    }
    const nlohmann::json edits = j.value("edits", nlohmann::json::object());
    for (const auto& [id, edit] : edits.items())
      p.edits[id] = edit;
    p.window_state = j.value("window_state", "");
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: damaged project file: {}", source, e.what()));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", source, e.what()));
  }
  return p;
}

Project Project::create(const fs::path& folder, const std::string& name) {
  std::error_code ec;
  if (fs::exists(folder)) {
    DRIG_CHECK(fs::is_directory(folder), "{}: exists and is not a folder", folder.string());
    DRIG_CHECK(fs::is_empty(folder, ec), "{}: the folder is not empty; pick an empty or new one",
               folder.string());
  }
  fs::create_directories(folder, ec);
  DRIG_CHECK(fs::is_directory(folder), "{}: cannot create the project folder: {}", folder.string(),
             ec.message());
  Project p;
  p.folder = fs::absolute(folder).lexically_normal();
  p.name = name.empty() ? p.folder.filename().string() : name;
  p.save();
  return p;
}

Project Project::open(const fs::path& where) {
  const fs::path manifest = fs::is_directory(where) ? where / kManifestName : where;
  std::ifstream in(manifest);
  DRIG_CHECK(in.good(), "{}: cannot read the project file (missing or unreadable)",
             manifest.string());
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  DRIG_CHECK(!j.is_discarded(), "{}: damaged project file (not JSON)", manifest.string());
  return project_from_json(j, fs::absolute(manifest).parent_path().lexically_normal(),
                           manifest.string());
}

void Project::save() const {
  write_file_atomic(manifest(), to_json(*this).dump(1) + "\n");
}

PhotoEntry& Project::add_photo(const fs::path& source) {
  std::error_code ec;
  const fs::path abs = fs::weakly_canonical(fs::absolute(source), ec);
  for (PhotoEntry& e : photos)
    if (e.source == abs)
      return e;
  std::set<std::string> ids;
  for (const PhotoEntry& e : photos)
    ids.insert(e.id);
  std::string id = abs.stem().string();
  for (int n = 2; ids.count(id); ++n)
    id = abs.stem().string() + "_" + std::to_string(n);
  PhotoEntry e;
  e.id = id;
  e.source = abs;
  photos.push_back(std::move(e));
  return photos.back();
}

PhotoEntry* Project::find(const std::string& id) {
  for (PhotoEntry& e : photos)
    if (e.id == id)
      return &e;
  return nullptr;
}

bool Project::remove_photo(const std::string& id) {
  const auto before = photos.size();
  photos.erase(
      std::remove_if(photos.begin(), photos.end(), [&](const PhotoEntry& e) { return e.id == id; }),
      photos.end());
  edits.erase(id);
  return photos.size() != before;
}

int Project::usable_count() const {
  int n = 0;
  for (const PhotoEntry& e : photos)
    n += e.usable();
  return n;
}

PersonModel& Project::person(const std::string& name) {
  for (PersonModel& m : people)
    if (m.name == name)
      return m;
  PersonModel m;
  m.name = name;
  people.push_back(std::move(m));
  return people.back();
}

} // namespace drig::project
