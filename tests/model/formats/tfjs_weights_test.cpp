// TensorFlow.js weight manifests: quantised and float weights decode to the
// values they stand for; broken files are clear errors.
#include "model/base/atomic_file.h"
#include "model/formats/tfjs_weights.h"
#include "tests/support/test_paths.h"

#include <ATen/ATen.h>
#include <c10/util/Half.h>

#include <gtest/gtest.h>

#include <cstring>

using namespace drig;

namespace {

template <class T>
std::string bytes(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

} // namespace

TEST(TfjsWeights, DecodesFloatQuantisedAndHalfWeightsAcrossShards) {
  test::TempDir dir("tfjs");
  const std::vector<float> f32 = {1.5f, -2.25f, 3.0f, 0.125f, 7.0f, -1.0f};
  const std::vector<uint8_t> u8 = {0, 1, 255};
  const std::vector<uint16_t> u16 = {0, 1000};
  const std::vector<uint16_t> f16 = {c10::Half(0.5f).x, c10::Half(-3.0f).x};
  const std::string all = bytes(f32) + bytes(u8) + bytes(u16) + bytes(f16);
  // Two shards, the split falling inside a weight.
  write_file_atomic(dir / "m.bin.1", all.substr(0, 10));
  write_file_atomic(dir / "m.bin.2", all.substr(10));
  write_file_atomic(dir / "m.json", R"([{"paths": ["m.bin.1", "m.bin.2"], "weights": [
    {"name": "a/filters", "shape": [1, 1, 2, 3], "dtype": "float32"},
    {"name": "b", "shape": [3], "dtype": "float32",
     "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}},
    {"name": "c", "shape": [2], "dtype": "float32",
     "quantization": {"dtype": "uint16", "scale": 0.001, "min": 2.0}},
    {"name": "d", "shape": [2], "dtype": "float32", "quantization": {"dtype": "float16"}}]}])");
  const formats::TfjsWeights w = formats::load_tfjs_weights(dir / "m.json");
  const at::Tensor a = w.get("a/filters", {1, 1, 2, 3});
  for (size_t i = 0; i < f32.size(); ++i)
    EXPECT_EQ(a.view(-1)[int64_t(i)].item<float>(), f32[i]);
  const at::Tensor b = w.get("b", {3});
  EXPECT_FLOAT_EQ(b[0].item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(b[1].item<float>(), -0.5f);
  EXPECT_FLOAT_EQ(b[2].item<float>(), 126.5f);
  const at::Tensor c = w.get("c", {2});
  EXPECT_FLOAT_EQ(c[1].item<float>(), 3.0f);
  const at::Tensor d = w.get("d", {2});
  EXPECT_FLOAT_EQ(d[0].item<float>(), 0.5f);
  EXPECT_FLOAT_EQ(d[1].item<float>(), -3.0f);

  // A consumer asking for another shape, or a name that is not there.
  EXPECT_NE(test::error_of([&] { w.get("b", {4}); }).find("has shape [3], expected [4]"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { w.get("zz", {1}); }).find("no weight named zz"),
            std::string::npos);
}

TEST(TfjsWeights, MissingOrShortShardsAndBadManifestsAreClearErrors) {
  test::TempDir dir("tfjs_bad");
  // The error of loading `name`, written first with `manifest` when given.
  const auto error_loading = [&](const std::string& name, const std::string& manifest) {
    if (!manifest.empty())
      write_file_atomic(dir / name, manifest);
    return test::error_of([&] { formats::load_tfjs_weights(dir / name); });
  };
  const auto one_weight = [](const std::string& shard, int size, const std::string& dtype) {
    return R"([{"paths": [")" + shard + R"("], "weights": [{"name": "x", "shape": [)" +
           std::to_string(size) + R"(], "dtype": ")" + dtype + R"("}]}])";
  };
  EXPECT_NE(error_loading("missing.json", one_weight("gone.bin", 2, "float32"))
                .find("gone.bin is missing"),
            std::string::npos);
  write_file_atomic(dir / "short.bin", std::string(4, '\0'));
  EXPECT_NE(error_loading("short.json", one_weight("short.bin", 2, "float32"))
                .find("end before weight x"),
            std::string::npos);
  write_file_atomic(dir / "long.bin", std::string(12, '\0'));
  EXPECT_NE(error_loading("long.json", one_weight("long.bin", 2, "float32"))
                .find("4 bytes of the shards are not used"),
            std::string::npos);
  EXPECT_NE(error_loading("type.json", one_weight("long.bin", 3, "complex64")).find("complex64"),
            std::string::npos);
  EXPECT_NE(error_loading("junk.json", "{\"not\": \"a list\"}")
                .find("junk.json: not a TensorFlow.js weights manifest"),
            std::string::npos);
  EXPECT_NE(error_loading("absent.json", "").find("absent.json: cannot read"), std::string::npos);
}
