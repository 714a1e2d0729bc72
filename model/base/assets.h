#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace drig {

// The file kinds the user's assets come in, recognised by their first bytes.
enum class FileKind {
  Unknown,
  TorchZip,    // torch.save >= 1.6 (zip with <root>/data.pkl)
  TorchLegacy, // torch.save legacy (pickled magic number first)
  Pickle,
  Npy,
  Npz,
  WavefrontObj,
  Png,
  Jpeg,
};

std::string to_string(FileKind kind);

// Sniffs the first bytes of `path`; Unknown when unreadable or unrecognised.
FileKind sniff_file_kind(const std::filesystem::path& path);

struct AssetSpec {
  std::string file_name;
  std::string purpose;
  std::vector<FileKind> accepted;
  bool required = true;
  std::string where_to_get;
};

// The files DiffusionRig Studio reads from the assets folder.
const std::vector<AssetSpec>& asset_specs();

struct AssetStatus {
  enum class State { Present, Missing, WrongFormat } state = State::Missing;
  const AssetSpec* spec = nullptr;
  std::filesystem::path path;
  FileKind found = FileKind::Unknown;
  std::string detail; // one line for the user: what is wrong and what to do
};

struct AssetReport {
  std::filesystem::path folder;
  bool folder_exists = false;
  std::vector<AssetStatus> files;
  // True when every required file is present in the right format.
  bool usable() const;
  // One line per problem with a required file (empty when usable()).
  std::vector<std::string> problems() const;
};

AssetReport validate_assets(const std::filesystem::path& folder);

std::string to_string(AssetStatus::State state);

} // namespace drig
