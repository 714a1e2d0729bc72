#include "model/base/assets.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>

namespace drig {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kZipMagic("PK\x03\x04", 4);
constexpr std::string_view kNpyMagic("\x93NUMPY", 6);
constexpr std::string_view kPngMagic("\x89PNG\r\n\x1a\n", 8);
constexpr std::string_view kJpegMagic("\xff\xd8\xff", 3);
// pickle PROTO 2, LONG1 of 10 bytes: torch's legacy magic number 0x1950a86a20f9469cfc6c.
constexpr std::string_view
    kTorchLegacyMagic("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 14);

bool starts_with(std::string_view data, std::string_view prefix) {
  return data.substr(0, prefix.size()) == prefix;
}

// Name of the first member of a zip archive (local file header at offset 0).
std::string first_zip_member(std::string_view data) {
  if (data.size() < 30 || !starts_with(data, kZipMagic))
    return {};
  const auto u16 = [&](size_t at) {
    return static_cast<size_t>(static_cast<uint8_t>(data[at])) |
           static_cast<size_t>(static_cast<uint8_t>(data[at + 1])) << 8;
  };
  const size_t name_length = u16(26);
  if (30 + name_length > data.size())
    return {};
  return std::string(data.substr(30, name_length));
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool looks_like_obj(std::string_view data) {
  if (data.find('\0') != std::string_view::npos)
    return false;
  size_t at = 0;
  while (at < data.size()) {
    const size_t end = std::min(data.find('\n', at), data.size());
    const std::string_view line = data.substr(at, end - at);
    if (starts_with(line, "v ") || starts_with(line, "vt ") || starts_with(line, "f "))
      return true;
    at = end + 1;
  }
  return false;
}

} // namespace

std::string to_string(FileKind kind) {
  switch (kind) {
  case FileKind::TorchZip:
    return "PyTorch checkpoint (zip)";
  case FileKind::TorchLegacy:
    return "PyTorch checkpoint (legacy)";
  case FileKind::Pickle:
    return "Python pickle";
  case FileKind::Npy:
    return "NumPy .npy";
  case FileKind::Npz:
    return "NumPy .npz";
  case FileKind::WavefrontObj:
    return "Wavefront OBJ mesh";
  case FileKind::Png:
    return "PNG image";
  case FileKind::Jpeg:
    return "JPEG image";
  case FileKind::Unknown:
    break;
  }
  return "unrecognised";
}

FileKind sniff_file_kind(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return FileKind::Unknown;
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  const std::string_view data(head);

  if (starts_with(data, kZipMagic)) {
    const std::string member = first_zip_member(data);
    if (ends_with(member, "/data.pkl") || member == "data.pkl")
      return FileKind::TorchZip;
    if (ends_with(member, ".npy"))
      return FileKind::Npz;
    return FileKind::Unknown;
  }
  if (starts_with(data, kTorchLegacyMagic))
    return FileKind::TorchLegacy;
  if (data.size() >= 2 && static_cast<uint8_t>(data[0]) == 0x80 &&
      static_cast<uint8_t>(data[1]) >= 2 && static_cast<uint8_t>(data[1]) <= 5)
    return FileKind::Pickle;
  if (starts_with(data, kNpyMagic))
    return FileKind::Npy;
  if (starts_with(data, kPngMagic))
    return FileKind::Png;
  if (starts_with(data, kJpegMagic))
    return FileKind::Jpeg;
  if (looks_like_obj(data))
    return FileKind::WavefrontObj;
  return FileKind::Unknown;
}

const std::vector<AssetSpec>& asset_specs() {
  static const std::string deca_data =
      "the data/ folder of the DECA repository (github.com/yfeng95/DECA, also fetched by its "
      "fetch_data.sh)";
  static const std::vector<AssetSpec> specs = {
      {"stage1.pt",
       "DiffusionRig Stage 1 model (generic prior, trained on FFHQ)",
       {FileKind::TorchZip, FileKind::TorchLegacy},
       true,
       "the official Stage 1 checkpoint linked from the README of "
       "github.com/adobe-research/diffusion-rig; save it here as stage1.pt"},
      {"deca_model.tar",
       "DECA encoder weights (face fitting)",
       {FileKind::TorchZip, FileKind::TorchLegacy},
       true,
       "DECA's pretrained model, downloaded by fetch_data.sh of github.com/yfeng95/DECA after "
       "registering at flame.is.tue.mpg.de (the file is a PyTorch checkpoint, not a tar archive)"},
      {"generic_model.pkl",
       "FLAME 2020 head model",
       {FileKind::Pickle},
       true,
       "FLAME 2020 (FLAME2020.zip) from flame.is.tue.mpg.de, registration required"},
      {"FLAME_texture.npz",
       "FLAME albedo (texture) space",
       {FileKind::Npz},
       true,
       "'FLAME texture space' from flame.is.tue.mpg.de, registration required"},
      {"landmark_embedding.npy", "FLAME landmark embedding", {FileKind::Npy}, true, deca_data},
      {"head_template.obj",
       "FLAME mesh topology with UV coordinates",
       {FileKind::WavefrontObj},
       true,
       deca_data},
      {"uv_face_mask.png", "UV face mask", {FileKind::Png}, false, deca_data},
      {"uv_face_eye_mask.png", "UV face and eye mask", {FileKind::Png}, false, deca_data},
      {"mean_texture.jpg", "mean face texture", {FileKind::Jpeg}, false, deca_data},
      {"fixed_displacement_256.npy",
       "fixed detail displacement",
       {FileKind::Npy},
       false,
       deca_data},
      {"FLAME_albedo_from_BFM.npz",
       "alternative albedo space (DECA's default)",
       {FileKind::Npz},
       false,
       "made with github.com/TimoBolkart/BFM_to_FLAME (only needed instead of FLAME_texture.npz)"},
  };
  return specs;
}

std::string to_string(AssetStatus::State state) {
  switch (state) {
  case AssetStatus::State::Present:
    return "present";
  case AssetStatus::State::Missing:
    return "missing";
  case AssetStatus::State::WrongFormat:
    return "wrong format";
  }
  return "?";
}

AssetReport validate_assets(const fs::path& folder) {
  AssetReport report;
  report.folder = folder;
  std::error_code ec;
  report.folder_exists = fs::is_directory(folder, ec);
  for (const AssetSpec& spec : asset_specs()) {
    AssetStatus status;
    status.spec = &spec;
    status.path = folder / spec.file_name;
    if (!report.folder_exists || !fs::is_regular_file(status.path, ec)) {
      status.state = AssetStatus::State::Missing;
      status.detail =
          fmt::format("{} is missing; get it from {}", spec.file_name, spec.where_to_get);
    } else {
      status.found = sniff_file_kind(status.path);
      const bool accepted = std::find(spec.accepted.begin(), spec.accepted.end(), status.found) !=
                            spec.accepted.end();
      if (accepted) {
        status.state = AssetStatus::State::Present;
        status.detail = to_string(status.found);
      } else {
        status.state = AssetStatus::State::WrongFormat;
        status.detail = fmt::format("{} is not a {} (content: {}); get it from {}",
                                    status.path.string(), to_string(spec.accepted.front()),
                                    to_string(status.found), spec.where_to_get);
      }
    }
    report.files.push_back(std::move(status));
  }
  return report;
}

bool AssetReport::usable() const {
  return problems().empty();
}

std::vector<std::string> AssetReport::problems() const {
  std::vector<std::string> out;
  if (!folder_exists) {
    out.push_back(fmt::format("assets folder {} does not exist (set it with --assets DIR, "
                              "DIFFUSIONRIG_ASSETS or Preferences)",
                              folder.string()));
    return out;
  }
  for (const AssetStatus& status : files)
    if (status.spec->required && status.state != AssetStatus::State::Present)
      out.push_back(status.detail);
  return out;
}

} // namespace drig
