#include "model/face_api/face_descriptor.h"

#include "model/base/error.h"
#include "model/face_api/tf_conv.h"
#include "model/formats/tfjs_weights.h"

#include <ATen/ATen.h>

#include <vector>

namespace drig::face {

namespace {

// A convolution with its bias and the affine "scale" layer folded in:
// y = (conv(x) + bias) * weights + biases.
struct ConvScale {
  at::Tensor weight; // (out, in, k, k), torch layout
  at::Tensor bias;   // (out,)
};

ConvScale load_conv(const formats::TfjsWeights& w, const std::string& prefix, int k, int in,
                    int out) {
  const at::Tensor filters = w.get(prefix + "/conv/filters", {k, k, in, out});
  const at::Tensor bias = w.get(prefix + "/conv/bias", {out});
  const at::Tensor scale = w.get(prefix + "/scale/weights", {out});
  const at::Tensor shift = w.get(prefix + "/scale/biases", {out});
  ConvScale c;
  c.weight = (filters.permute({3, 2, 0, 1}) * scale.view({out, 1, 1, 1})).contiguous();
  c.bias = (bias * scale + shift).contiguous();
  return c;
}

struct Residual {
  ConvScale conv1, conv2;
  bool down = false;
};

// TensorFlow's 'same' padding for stride 1 and odd kernels: k/2 on every side.
at::Tensor conv(const at::Tensor& x, const ConvScale& c, int stride, bool same) {
  return face::conv(x, c.weight, c.bias, stride, same ? c.weight.size(2) / 2 : 0);
}

} // namespace

struct FaceDescriptorNet::Impl {
  ConvScale stem;
  std::vector<Residual> blocks;
  at::Tensor fc; // (256, 128)
};

FaceDescriptorNet::FaceDescriptorNet(const std::filesystem::path& manifest)
    : impl_(std::make_unique<Impl>()) {
  const formats::TfjsWeights w = formats::load_tfjs_weights(manifest);
  impl_->stem = load_conv(w, "conv32_down", 7, 3, 32);
  const struct {
    const char* name;
    int in, out;
    bool down;
  } layout[] = {{"conv32_1", 32, 32, false},      {"conv32_2", 32, 32, false},
                {"conv32_3", 32, 32, false},      {"conv64_down", 32, 64, true},
                {"conv64_1", 64, 64, false},      {"conv64_2", 64, 64, false},
                {"conv64_3", 64, 64, false},      {"conv128_down", 64, 128, true},
                {"conv128_1", 128, 128, false},   {"conv128_2", 128, 128, false},
                {"conv256_down", 128, 256, true}, {"conv256_1", 256, 256, false},
                {"conv256_2", 256, 256, false},   {"conv256_down_out", 256, 256, true}};
  for (const auto& b : layout) {
    const std::string n = b.name;
    impl_->blocks.push_back({load_conv(w, n + "/conv1", 3, b.in, b.out),
                             load_conv(w, n + "/conv2", 3, b.out, b.out), b.down});
  }
  impl_->fc = w.get("fc", {256, 128}).contiguous();
}

FaceDescriptorNet::~FaceDescriptorNet() = default;
FaceDescriptorNet::FaceDescriptorNet(FaceDescriptorNet&&) noexcept = default;

at::Tensor FaceDescriptorNet::forward(const at::Tensor& rgb) const {
  at::Tensor x = face_api_input(rgb, kDescriptorInput, "face descriptor");
  // Stem: 7x7 stride 2 'valid', ReLU, 3x3 stride 2 'valid' max-pool.
  x = at::relu(conv(x, impl_->stem, 2, false));
  x = at::max_pool2d(x, {3, 3}, {2, 2});
  for (const Residual& b : impl_->blocks) {
    at::Tensor out = at::relu(conv(x, b.conv1, b.down ? 2 : 1, !b.down));
    out = conv(out, b.conv2, 1, true);
    at::Tensor skip = x;
    if (b.down) {
      skip = at::avg_pool2d(x, {2, 2}, {2, 2});
      // Odd sizes: the strided conv comes out one smaller than the pooled
      // input; zeros are appended at the bottom and right, as face-api does.
      const int64_t dh = skip.size(2) - out.size(2), dw = skip.size(3) - out.size(3);
      if (dh > 0 || dw > 0)
        out = at::constant_pad_nd(out, {0, dw, 0, dh});
      // More channels: the skip path is padded with zero channels.
      if (skip.size(1) < out.size(1))
        skip = at::constant_pad_nd(skip, {0, 0, 0, 0, 0, out.size(1) - skip.size(1)});
    }
    x = at::relu(out + skip);
  }
  return at::matmul(x.mean({2, 3}), impl_->fc);
}

at::Tensor face_api_input(const at::Tensor& rgb, int size, const char* net) {
  DRIG_CHECK(rgb.dim() == 4 && rgb.size(1) == size && rgb.size(2) == size && rgb.size(3) == 3,
             "{}: input must be (B, {}, {}, 3), got {} dimensions", net, size, size, rgb.dim());
  const at::Tensor mean = at::tensor({122.782f, 117.001f, 104.298f}, at::kFloat);
  return ((rgb.to(at::kFloat) - mean) / 255.0f).permute({0, 3, 1, 2}).contiguous();
}

double descriptor_similarity(const at::Tensor& a, const at::Tensor& b) {
  return 1.0 - (a.to(at::kDouble) - b.to(at::kDouble)).norm().item<double>();
}

} // namespace drig::face
