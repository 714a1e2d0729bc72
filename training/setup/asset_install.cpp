#include "training/setup/asset_install.h"

#include "model/base/assets.h"
#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/formats/mapped_file.h"
#include "model/formats/model_inspect.h"
#include "model/formats/zip_archive.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;

namespace drig::setup {

const std::vector<LicenceNote>& licence_notes() {
  static const std::vector<LicenceNote> notes = {
      {"diffusionrig",
       "DiffusionRig Stage 1 model (Adobe Research)",
       "The checkpoint is released with the DiffusionRig code under Adobe Research's licence "
       "for non-commercial research. You must have obtained it under those terms; DiffusionRig "
       "Studio only reads it.",
       {"stage1.pt"}},
      {"deca",
       "DECA model and data (Max Planck Institute for Intelligent Systems)",
       "DECA's trained model and its data/ files are licensed for non-commercial scientific "
       "research and education only (the licence on the DECA project and FLAME web sites).",
       {"deca_model.tar", "landmark_embedding.npy", "head_template.obj", "uv_face_mask.png",
        "uv_face_eye_mask.png", "mean_texture.jpg", "fixed_displacement_256.npy"}},
      {"flame",
       "FLAME head model and texture space (Max Planck Institute for Intelligent Systems)",
       "FLAME 2020 and its texture space are licensed, after registration at "
       "flame.is.tue.mpg.de, for non-commercial scientific research only; they may not be "
       "passed on.",
       {"generic_model.pkl", "FLAME_texture.npz"}},
      {"bfm",
       "Basel Face Model albedo (University of Basel)",
       "The BFM-derived albedo is bound by the Basel Face Model's licence: non-commercial "
       "research after registering with the University of Basel.",
       {"FLAME_albedo_from_BFM.npz"}},
  };
  return notes;
}

const LicenceNote* licence_for(const std::string& asset_file) {
  for (const LicenceNote& note : licence_notes())
    if (std::find(note.files.begin(), note.files.end(), asset_file) != note.files.end())
      return &note;
  return nullptr;
}

namespace {

constexpr const char* kAcceptedFile = "LICENCES-ACCEPTED.txt";

bool contains(const std::string& text, std::string_view part) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return lower.find(part) != std::string::npos;
}

} // namespace

std::vector<std::string> accepted_licences(const fs::path& assets_dir) {
  std::vector<std::string> ids;
  std::ifstream in(assets_dir / kAcceptedFile);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("accepted: ", 0) == 0)
      ids.push_back(line.substr(10));
  return ids;
}

void record_accepted_licences(const fs::path& assets_dir, const std::vector<std::string>& ids) {
  std::vector<std::string> all = accepted_licences(assets_dir);
  for (const std::string& id : ids)
    if (std::find(all.begin(), all.end(), id) == all.end())
      all.push_back(id);
  std::string text = "# Licences confirmed in DiffusionRig Studio's model set-up for the files "
                     "in this folder.\n";
  for (const std::string& id : all) {
    text += "accepted: " + id + "\n";
    for (const LicenceNote& note : licence_notes())
      if (note.id == id)
        text += "# " + note.title + ": " + note.text + "\n";
  }
  write_file_atomic(assets_dir / kAcceptedFile, text);
}

std::string how_to_get(const std::string& asset) {
  static const std::string deca_zip =
      "open github.com/yfeng95/DECA, click Code > Download ZIP, and give the zip (or its data/ "
      "folder) to the set-up";
  static const std::map<std::string, std::string> how = {
      {"stage1.pt",
       "open github.com/adobe-research/diffusion-rig, follow the README's link to the Stage 1 "
       "model (trained on FFHQ), download it and give it to the set-up under any name"},
      {"deca_model.tar",
       "register at flame.is.tue.mpg.de (Sign Up), then download deca_model.tar from the link "
       "in the README of github.com/yfeng95/DECA (section 'Prepare data'), or run its "
       "fetch_data.sh; give the file to the set-up"},
      {"generic_model.pkl",
       "sign in at flame.is.tue.mpg.de, open Downloads, click 'FLAME 2020' to get "
       "FLAME2020.zip, and give the zip to the set-up"},
      {"FLAME_texture.npz",
       "sign in at flame.is.tue.mpg.de, open Downloads, click 'FLAME texture space', and give "
       "the zip to the set-up"},
      {"FLAME_albedo_from_BFM.npz",
       "optional: made with github.com/TimoBolkart/BFM_to_FLAME from the Basel Face Model"},
  };
  const auto it = how.find(asset);
  return it != how.end() ? it->second : deca_zip;
}

namespace {

struct Candidate {
  std::string origin; // what the user gave, for messages
  fs::path file;      // readable now: the input itself or a member extracted to scratch
  std::string name;   // the file or member's own name
  bool extracted = false;
  std::string asset;
};

bool is_plain_zip(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string head(4, '\0');
  in.read(head.data(), 4);
  if (in.gcount() < 4 || !formats::ZipReader::looks_like_zip(head))
    return false;
  const FileKind kind = sniff_file_kind(file);
  return kind != FileKind::TorchZip && kind != FileKind::Npz;
}

class Collector {
public:
  Collector(fs::path scratch, std::vector<FoundFile>& found)
      : scratch_(std::move(scratch)), found_(found) {}

  // `name`: the file's own name (an extracted member's, not its scratch name).
  void add(const fs::path& input, const std::string& origin, int depth, std::string name = {}) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(input, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec) && it->path().filename().string().rfind('.', 0) != 0)
          files.push_back(it->path());
      DRIG_CHECK(!ec, "{}: cannot list the folder ({})", input.string(), ec.message());
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files)
        add(f, f.string(), depth, f.filename().string());
      return;
    }
    DRIG_CHECK(fs::is_regular_file(input, ec), "{}: no such file or folder", input.string());
    if (depth < 3 && is_plain_zip(input)) {
      add_zip(input, origin, depth);
      return;
    }
    out.push_back(
        Candidate{origin, input, name.empty() ? input.filename().string() : name, depth > 0, {}});
  }

  std::vector<Candidate> out;

private:
  void add_zip(const fs::path& archive, const std::string& origin, int depth) {
    std::unique_ptr<formats::ZipReader> zip;
    try {
      zip = std::make_unique<formats::ZipReader>(formats::MappedFile::open(archive));
    } catch (const Error& e) {
      found_.push_back({origin, "", fmt::format("not a readable zip archive ({})", e.what())});
      return;
    }
    for (const formats::ZipEntry& entry : zip->entries()) {
      const std::string member = entry.name;
      if (member.empty() || member.back() == '/' || member.find("__MACOSX/") != std::string::npos)
        continue;
      const std::string where = origin + ": " + member;
      const std::string base = fs::path(member).filename().string();
      if (base.empty() || base[0] == '.')
        continue;
      std::string scratch_bytes;
      std::string_view data;
      try {
        if (!zip->check_crc(entry)) {
          found_.push_back({where, "", "damaged in the archive (its checksum does not match)"});
          continue;
        }
        data = zip->read(entry, scratch_bytes);
      } catch (const Error& e) {
        found_.push_back({where, "", fmt::format("damaged in the archive ({})", e.what())});
        continue;
      }
      const fs::path file = scratch_ / fmt::format("{:04}-{}", next_++, base);
      {
        std::ofstream f(file, std::ios::binary);
        f.write(data.data(), std::streamsize(data.size()));
        DRIG_CHECK(f.good(), "{}: cannot extract into {} (disk full?)", where, scratch_.string());
      }
      add(file, where, depth + 1, base);
    }
  }

  fs::path scratch_;
  std::vector<FoundFile>& found_;
  int next_ = 0;
};

bool obj_with_uvs(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  bool v = false, vt = false, f = false;
  for (int n = 0; std::getline(in, line) && n < 200000; ++n) {
    v |= line.rfind("v ", 0) == 0;
    vt |= line.rfind("vt ", 0) == 0;
    f |= line.rfind("f ", 0) == 0 && line.find('/') != std::string::npos;
    if (v && vt && f)
      return true;
  }
  return false;
}

// Which asset `file` is, by its content (names only tell DECA's optional
// images apart); empty with `reason` set when none.
std::string identify(const fs::path& file, const std::string& name, std::string& reason) {
  const FileKind kind = sniff_file_kind(file);
  switch (kind) {
  case FileKind::TorchZip:
  case FileKind::TorchLegacy:
  case FileKind::Pickle:
  case FileKind::Npz:
  case FileKind::Npy: {
    formats::ModelFileReport r;
    try {
      r = formats::inspect_model_file(file);
    } catch (const std::exception& e) {
      reason = fmt::format("unreadable {} ({})", to_string(kind), e.what());
      return {};
    }
    const std::string& k = r.model_kind;
    if (k.rfind("DiffusionRig model", 0) == 0)
      return "stage1.pt";
    if (k == "DECA model")
      return "deca_model.tar";
    if (k == "FLAME model")
      return "generic_model.pkl";
    if (k == "FLAME texture (albedo) space")
      return "FLAME_texture.npz";
    if (k == "FLAME landmark embedding")
      return "landmark_embedding.npy";
    if (k == "FLAME albedo space from the Basel Face Model")
      return "FLAME_albedo_from_BFM.npz";
    if (kind == FileKind::Npy && r.root && r.root->kind == formats::PickleValue::Kind::Tensor &&
        r.root->tensor.dim() == 2 && r.root->tensor.size(0) == 256 && r.root->tensor.size(1) == 256)
      return "fixed_displacement_256.npy";
    reason = k.empty() ? fmt::format("a {} that DiffusionRig does not use", to_string(kind))
                       : fmt::format("a {}, not needed here", k);
    return {};
  }
  case FileKind::WavefrontObj:
    if (obj_with_uvs(file))
      return "head_template.obj";
    reason = "a mesh without texture coordinates (the FLAME template has them)";
    return {};
  case FileKind::Png:
    if (contains(name, "uv_face_eye_mask"))
      return "uv_face_eye_mask.png";
    if (contains(name, "uv_face_mask"))
      return "uv_face_mask.png";
    reason = "an image that is not one of DECA's UV masks";
    return {};
  case FileKind::Jpeg:
    if (contains(name, "mean_texture"))
      return "mean_texture.jpg";
    reason = "an image that is not DECA's mean texture";
    return {};
  case FileKind::Unknown:
    break;
  }
  reason = "not a model file (its content is not recognised)";
  return {};
}

bool same_content(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::file_size(a, ec) != fs::file_size(b, ec) || ec)
    return false;
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  std::string ba(1 << 20, '\0'), bb(1 << 20, '\0');
  while (fa && fb) {
    fa.read(ba.data(), std::streamsize(ba.size()));
    fb.read(bb.data(), std::streamsize(bb.size()));
    if (fa.gcount() != fb.gcount() || std::string_view(ba.data(), size_t(fa.gcount())) !=
                                          std::string_view(bb.data(), size_t(fb.gcount())))
      return false;
  }
  return true;
}

// Removes the extraction folder however the install ends.
struct Scratch {
  fs::path path;
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void move_into_place(const Candidate& c, const fs::path& dest) {
  const fs::path tmp = dest.parent_path() / ("." + dest.filename().string() + ".installing");
  std::error_code ec;
  fs::remove(tmp, ec);
  if (c.extracted)
    fs::rename(c.file, tmp, ec);
  else
    fs::copy_file(c.file, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec)
    fs::rename(tmp, dest, ec);
  if (ec) {
    fs::remove(tmp, ec);
    fail("{}: cannot install it as {} ({})", c.origin, dest.string(), ec.message());
  }
}

} // namespace

void InstallOptions::check(OptionCheck& c) const {
  c.require(!inputs.empty(), "give the downloaded files, archives or folders");
  std::error_code ec;
  c.require_existing(inputs);
  c.require(!assets_dir.empty(), "no assets folder");
  c.require(!fs::exists(assets_dir, ec) || fs::is_directory(assets_dir, ec),
            fmt::format("{}: the assets folder is a file", assets_dir.string()));
}

InstallReport install_assets(const InstallOptions& o, const JobContext& job) {
  OptionCheck checked;
  o.check(checked);
  checked.throw_if_failed("assets install");
  std::error_code ec;
  fs::create_directories(o.assets_dir, ec);
  DRIG_CHECK(fs::is_directory(o.assets_dir), "{}: cannot create the assets folder ({})",
             o.assets_dir.string(), ec.message());
  Scratch scratch{o.assets_dir / fmt::format(".install-{}", ::getpid())};
  fs::create_directories(scratch.path, ec);
  DRIG_CHECK(!ec, "{}: cannot create a folder for extracting ({})", scratch.path.string(),
             ec.message());

  InstallReport report;
  Collector collect(scratch.path, report.found);
  for (const fs::path& input : o.inputs)
    collect.add(input, input.string(), 0);
  std::vector<Candidate>& candidates = collect.out;

  ProgressReporter progress(job, "assets", int64_t(candidates.size()));
  std::map<std::string, size_t> chosen; // asset -> candidate
  std::vector<std::string> reasons(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (job.cancel.cancelled())
      throw CancelledError();
    Candidate& c = candidates[i];
    c.asset = identify(c.file, c.name, reasons[i]);
    progress.advance(1, c.name);
    if (c.asset.empty())
      continue;
    auto [it, fresh] = chosen.emplace(c.asset, i);
    if (fresh)
      continue;
    // FLAME2020.zip holds three FLAME models; the generic one is wanted.
    const bool generic_wins = c.asset == "generic_model.pkl" && contains(c.name, "generic") &&
                              !contains(candidates[it->second].name, "generic");
    const size_t loser = generic_wins ? it->second : i;
    if (generic_wins)
      it->second = i;
    const Candidate& winner = candidates[it->second];
    reasons[loser] =
        same_content(candidates[loser].file, winner.file)
            ? fmt::format("the same file as {}", winner.origin)
        : c.asset == "generic_model.pkl"
            ? fmt::format("another FLAME model (the generic one, {}, is used)", winner.origin)
            : fmt::format("another {} ({} is used)", c.asset, winner.origin);
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    const bool used = !candidates[i].asset.empty() && chosen.at(candidates[i].asset) == i;
    report.found.push_back({candidates[i].origin, used ? candidates[i].asset : "", reasons[i]});
  }

  // What would change, and which licences that needs.
  struct Step {
    const Candidate* from;
    fs::path dest;
  };
  std::vector<Step> steps;
  for (const auto& [asset, index] : chosen) {
    const Candidate& c = candidates[index];
    const fs::path dest = o.assets_dir / asset;
    if (fs::exists(dest, ec)) {
      if (same_content(dest, c.file)) {
        report.unchanged.push_back(asset);
        continue;
      }
      std::string why;
      if (!o.replace && identify(dest, asset, why) == asset) {
        report.kept.push_back(asset);
        continue;
      }
    }
    steps.push_back({&c, dest});
  }
  std::vector<std::string> accepted = accepted_licences(o.assets_dir);
  accepted.insert(accepted.end(), o.accept_licences.begin(), o.accept_licences.end());
  std::set<std::string> needed;
  for (const Step& s : steps)
    if (const LicenceNote* note = licence_for(s.dest.filename().string()))
      if (std::find(accepted.begin(), accepted.end(), note->id) == accepted.end())
        needed.insert(note->id);
  report.licences_needed.assign(needed.begin(), needed.end());

  for (const Step& s : steps)
    report.to_install.push_back(s.dest.filename().string());
  if (!o.dry_run && needed.empty()) {
    if (!o.accept_licences.empty())
      record_accepted_licences(o.assets_dir, o.accept_licences);
    for (const Step& s : steps) {
      if (job.cancel.cancelled())
        throw CancelledError(); // files moved so far are complete and good
      move_into_place(*s.from, s.dest);
      report.installed.push_back(s.dest.filename().string());
      spdlog::info("installed {} from {}", s.dest.string(), s.from->origin);
    }
  }
  for (const AssetStatus& status : validate_assets(o.assets_dir).files)
    if (status.spec->required && status.state != AssetStatus::State::Present)
      report.missing.push_back(status.spec->file_name);
  return report;
}

} // namespace drig::setup
