#pragma once

#include "model/formats/pickle.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace drig::formats {

// What `diffusionrig inspect` reports about one model file.
struct ModelFileReport {
  std::filesystem::path path;
  std::string format;     // "torch.save zip", "torch.save legacy", "pickle", "npy", "npz"
  std::string model_kind; // e.g. "DiffusionRig model", "DECA model", "FLAME model", "" if unknown
  PickleRef root;
  int64_t tensor_count = 0;
  int64_t element_count = 0; // all tensor elements (parameters + buffers)
  int64_t byte_count = 0;
  // Model-specific facts (inferred configuration, counts) as JSON.
  std::shared_ptr<const nlohmann::json> details;
};

// Loads `path` with the safe readers (by content, not extension), counts
// tensors and identifies known models. Throws Error for unreadable files.
ModelFileReport inspect_model_file(const std::filesystem::path& path);

// The object tree as indented text, truncated to `max_items` children per
// node and `max_depth` levels, then totals and the model summary.
std::string report_text(const ModelFileReport& report, int max_depth = 4, int max_items = 40);
nlohmann::json report_json(const ModelFileReport& report, int max_depth = 8);

} // namespace drig::formats
