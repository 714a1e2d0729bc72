#pragma once

// TensorFlow.js weight manifests (`*-weights_manifest.json` + `.bin` shards),
// the format of the face models in the npm package @vladmandic/face-api:
// a JSON list of groups, each with its shard files (`paths`, concatenated in
// order) and its weights (`name`, `shape`, `dtype`, optional `quantization`
// {dtype uint8|uint16|float16, scale, min}). Weights come back as float32
// tensors in TensorFlow's layout (conv filters [h, w, in, out]).
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace drig::formats {

struct TfjsWeights {
  std::filesystem::path manifest;
  std::map<std::string, at::Tensor> tensors;
  // The tensor `name` with exactly `shape`; Error naming the manifest, the
  // weight and both shapes otherwise.
  const at::Tensor& get(const std::string& name, const std::vector<int64_t>& shape) const;
};

// Error naming the file for a missing or short shard, an unknown dtype, a
// malformed manifest.
TfjsWeights load_tfjs_weights(const std::filesystem::path& manifest);

} // namespace drig::formats
