#include "model/formats/tfjs_weights.h"

#include "model/base/error.h"

#include <ATen/ATen.h>
#include <c10/util/Half.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>

namespace fs = std::filesystem;

namespace drig::formats {

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

size_t bytes_of(const std::string& dtype, const fs::path& manifest, const std::string& name) {
  if (dtype == "float32" || dtype == "int32")
    return 4;
  if (dtype == "uint16" || dtype == "float16")
    return 2;
  if (dtype == "uint8")
    return 1;
  throw Error(fmt::format("{}: weight {} has dtype {} (float32, int32, float16, uint16 or uint8 "
                          "are supported)",
                          manifest.string(), name, dtype));
}

} // namespace

const at::Tensor& TfjsWeights::get(const std::string& name,
                                   const std::vector<int64_t>& shape) const {
  const auto it = tensors.find(name);
  DRIG_CHECK(it != tensors.end(), "{}: no weight named {}", manifest.string(), name);
  DRIG_CHECK(it->second.sizes().vec() == shape, "{}: weight {} has shape {}, expected {}",
             manifest.string(), name, shape_text(it->second.sizes().vec()), shape_text(shape));
  return it->second;
}

TfjsWeights load_tfjs_weights(const fs::path& manifest) {
  TfjsWeights out;
  out.manifest = manifest;
  std::ifstream in(manifest);
  DRIG_CHECK(in.good(), "{}: cannot read the weights manifest", manifest.string());
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  DRIG_CHECK(!j.is_discarded() && j.is_array(),
             "{}: not a TensorFlow.js weights manifest (a JSON list of weight groups)",
             manifest.string());
  try {
    for (const auto& group : j) {
      std::string data;
      for (const auto& p : group.at("paths")) {
        const fs::path shard = manifest.parent_path() / p.get<std::string>();
        std::ifstream s(shard, std::ios::binary);
        DRIG_CHECK(s.good(), "{}: the weight shard {} is missing", manifest.string(),
                   shard.string());
        data.append(std::istreambuf_iterator<char>(s), std::istreambuf_iterator<char>());
      }
      size_t offset = 0;
      for (const auto& w : group.at("weights")) {
        const std::string name = w.at("name").get<std::string>();
        const std::vector<int64_t> shape = w.at("shape").get<std::vector<int64_t>>();
        const std::string dtype = w.at("dtype").get<std::string>();
        DRIG_CHECK(dtype == "float32" || dtype == "int32",
                   "{}: weight {} has dtype {} (float32 or int32 expected)", manifest.string(),
                   name, dtype);
        int64_t count = 1;
        for (const int64_t d : shape) {
          DRIG_CHECK(d >= 0, "{}: weight {} has a negative dimension", manifest.string(), name);
          count *= d;
        }
        const bool quantized = w.contains("quantization");
        const std::string stored =
            quantized ? w.at("quantization").at("dtype").get<std::string>() : dtype;
        const size_t bytes = bytes_of(stored, manifest, name) * size_t(count);
        DRIG_CHECK(offset + bytes <= data.size(),
                   "{}: the shards end before weight {} ({} bytes needed at offset {}, {} there)",
                   manifest.string(), name, bytes, offset, data.size());
        const auto* src = reinterpret_cast<const unsigned char*>(data.data() + offset);
        at::Tensor t = at::empty(shape, at::kFloat);
        float* dst = t.data_ptr<float>();
        if (stored == "float32") {
          std::memcpy(dst, src, bytes);
        } else if (stored == "int32") {
          for (int64_t i = 0; i < count; ++i) {
            int32_t v;
            std::memcpy(&v, src + 4 * i, 4);
            dst[i] = float(v);
          }
        } else if (stored == "float16") {
          for (int64_t i = 0; i < count; ++i) {
            uint16_t bits;
            std::memcpy(&bits, src + 2 * i, 2);
            dst[i] = float(c10::Half(bits, c10::Half::from_bits()));
          }
        } else {
          // Affine dequantisation: value = q * scale + min.
          const double scale = w.at("quantization").at("scale").get<double>();
          const double min = w.at("quantization").at("min").get<double>();
          for (int64_t i = 0; i < count; ++i) {
            uint32_t q = src[i];
            if (stored == "uint16") {
              uint16_t v;
              std::memcpy(&v, src + 2 * i, 2);
              q = v;
            }
            dst[i] = float(double(q) * scale + min);
          }
        }
        offset += bytes;
        out.tensors[name] = t;
      }
      DRIG_CHECK(offset == data.size(), "{}: {} bytes of the shards are not used by any weight",
                 manifest.string(), data.size() - offset);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: malformed weights manifest: {}", manifest.string(), e.what()));
  }
  return out;
}

} // namespace drig::formats
