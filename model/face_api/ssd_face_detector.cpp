#include "model/face_api/ssd_face_detector.h"

#include "model/base/error.h"
#include "model/face_api/tf_conv.h"
#include "model/formats/tfjs_weights.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace drig::face {

namespace {

constexpr double kBatchNormEpsilon = 0.0010000000474974513; // face-api's, as float32
constexpr int kAnchors = 5118;

struct Conv {
  at::Tensor weight, bias;
  int stride = 1;
  int64_t groups = 1;
};

at::Tensor clip6(const at::Tensor& x) {
  return at::clamp(x, 0.0, 6.0);
}

at::Tensor run(const Conv& c, const at::Tensor& x) {
  return conv_same(x, c.weight, c.bias, c.stride, c.groups);
}

Conv pointwise(const formats::TfjsWeights& w, const std::string& prefix, int k, int in, int out,
               int stride) {
  return {from_tf_filter(w.get(prefix + "/weights", {k, k, in, out})),
          w.get(prefix + "/convolution_bn_offset", {out}).contiguous(), stride, 1};
}

// The batch norm after a depthwise convolution, folded into it.
Conv depthwise(const formats::TfjsWeights& w, const std::string& prefix, int channels, int stride) {
  const std::vector<int64_t> c = {channels};
  const at::Tensor gamma = w.get(prefix + "/BatchNorm/gamma", c);
  const at::Tensor beta = w.get(prefix + "/BatchNorm/beta", c);
  const at::Tensor mean = w.get(prefix + "/BatchNorm/moving_mean", c);
  const at::Tensor var = w.get(prefix + "/BatchNorm/moving_variance", c);
  const at::Tensor scale = gamma / at::sqrt(var + kBatchNormEpsilon);
  const at::Tensor filter =
      from_tf_depthwise(w.get(prefix + "/depthwise_weights", {3, 3, channels, 1}));
  return {(filter * scale.view({channels, 1, 1, 1})).contiguous(),
          (beta - mean * scale).contiguous(), stride, channels};
}

Conv predictor(const formats::TfjsWeights& w, const std::string& prefix, int in, int out) {
  return {from_tf_filter(w.get(prefix + "/weights", {1, 1, in, out})),
          w.get(prefix + "/biases", {out}).contiguous(), 1, 1};
}

struct BoxPredictor {
  Conv boxes, classes;
};

// (B, A * n, H, W) -> (B, H * W * A, n): TensorFlow's NHWC order of anchors.
at::Tensor per_anchor(const at::Tensor& x, int64_t n) {
  return x.permute({0, 2, 3, 1}).reshape({x.size(0), -1, n});
}

} // namespace

struct SsdFaceDetector::Impl {
  Conv stem;
  std::vector<std::pair<Conv, Conv>> backbone; // depthwise, pointwise
  std::vector<Conv> extra;                     // the prediction layer's 8 convolutions
  std::vector<BoxPredictor> predictors;
  at::Tensor anchors; // (5118, 4)
};

SsdFaceDetector::SsdFaceDetector(const std::filesystem::path& manifest)
    : impl_(std::make_unique<Impl>()) {
  const formats::TfjsWeights w = formats::load_tfjs_weights(manifest);
  impl_->stem = pointwise(w, "MobilenetV1/Conv2d_0_pointwise", 3, 3, 32, 2);
  const int channels[] = {32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
  for (int i = 1; i <= 13; ++i) {
    const std::string p = "MobilenetV1/Conv2d_" + std::to_string(i);
    const int stride = (i == 2 || i == 4 || i == 6 || i == 12) ? 2 : 1;
    impl_->backbone.emplace_back(
        depthwise(w, p + "_depthwise", channels[i - 1], stride),
        pointwise(w, p + "_pointwise", 1, channels[i - 1], channels[i], 1));
  }
  const struct {
    int k, in, out, stride;
  } extra[] = {{1, 1024, 256, 1}, {3, 256, 512, 2}, {1, 512, 128, 1}, {3, 128, 256, 2},
               {1, 256, 128, 1},  {3, 128, 256, 2}, {1, 256, 64, 1},  {3, 64, 128, 2}};
  for (int i = 0; i < 8; ++i)
    impl_->extra.push_back(pointwise(w, "Prediction/Conv2d_" + std::to_string(i) + "_pointwise",
                                     extra[i].k, extra[i].in, extra[i].out, extra[i].stride));
  const int in[] = {512, 1024, 512, 256, 256, 128}, anchors[] = {3, 6, 6, 6, 6, 6};
  for (int i = 0; i < 6; ++i) {
    const std::string p = "Prediction/BoxPredictor_" + std::to_string(i);
    impl_->predictors.push_back({predictor(w, p + "/BoxEncodingPredictor", in[i], anchors[i] * 4),
                                 predictor(w, p + "/ClassPredictor", in[i], anchors[i] * 3)});
  }
  impl_->anchors = w.get("Output/extra_dim", {1, kAnchors, 4}).reshape({kAnchors, 4}).contiguous();
}

SsdFaceDetector::~SsdFaceDetector() = default;
SsdFaceDetector::SsdFaceDetector(SsdFaceDetector&&) noexcept = default;

at::Tensor SsdFaceDetector::input(const at::Tensor& rgb) {
  DRIG_CHECK(rgb.dim() == 3 && rgb.size(2) == 3 && rgb.size(0) > 0 && rgb.size(1) > 0,
             "face detector: the image must be (H, W, 3), got {} dimensions", rgb.dim());
  const int64_t h = rgb.size(0), w = rgb.size(1), side = std::max(h, w);
  const at::Tensor square =
      at::constant_pad_nd(rgb.to(at::kFloat), {0, 0, 0, side - w, 0, side - h});
  return tf_resize_bilinear(square, kSsdInput, kSsdInput).unsqueeze(0).contiguous();
}

SsdOutput SsdFaceDetector::forward(const at::Tensor& x) const {
  DRIG_CHECK(x.dim() == 4 && x.size(1) == kSsdInput && x.size(2) == kSsdInput && x.size(3) == 3,
             "face detector: input must be (B, {}, {}, 3), got {} dimensions", kSsdInput, kSsdInput,
             x.dim());
  const Impl& m = *impl_;
  at::Tensor h = (x.to(at::kFloat) / 127.5f - 1.0f).permute({0, 3, 1, 2}).contiguous();
  h = clip6(run(m.stem, h));
  at::Tensor conv11;
  for (size_t i = 0; i < m.backbone.size(); ++i) {
    h = clip6(run(m.backbone[i].second, clip6(run(m.backbone[i].first, h))));
    if (i + 1 == 11)
      conv11 = h;
  }
  std::vector<at::Tensor> maps = {conv11, h};
  at::Tensor e = h;
  for (size_t i = 0; i < m.extra.size(); ++i) {
    e = clip6(run(m.extra[i], e));
    if (i % 2 == 1)
      maps.push_back(e);
  }
  std::vector<at::Tensor> encodings, classes;
  for (size_t i = 0; i < maps.size(); ++i) {
    encodings.push_back(per_anchor(run(m.predictors[i].boxes, maps[i]), 4));
    classes.push_back(per_anchor(run(m.predictors[i].classes, maps[i]), 3));
  }
  const at::Tensor t = at::cat(encodings, 1); // (B, 5118, 4): ty, tx, th, tw
  const at::Tensor a = m.anchors;             // ymin, xmin, ymax, xmax
  const at::Tensor size = a.slice(1, 2, 4) - a.slice(1, 0, 2);
  const at::Tensor centre = a.slice(1, 0, 2) + size / 2;
  // SSD's box coder with scales 10 (centre) and 5 (size).
  const at::Tensor c = t.slice(2, 0, 2) / 10 * size + centre;
  const at::Tensor half = at::exp(t.slice(2, 2, 4) / 5) * size / 2;
  SsdOutput out;
  out.boxes = at::cat({c - half, c + half}, 2);
  out.scores = at::sigmoid(at::cat(classes, 1).select(2, 1));
  return out;
}

namespace {

double box_iou(const float* a, const float* b) {
  const auto area = [](const float* r) {
    return double(std::max(r[0], r[2]) - std::min(r[0], r[2])) *
           double(std::max(r[1], r[3]) - std::min(r[1], r[3]));
  };
  const double area_a = area(a), area_b = area(b);
  if (area_a <= 0 || area_b <= 0)
    return 0.0;
  const double ih = std::max(0.0, double(std::min(std::max(a[0], a[2]), std::max(b[0], b[2])) -
                                         std::max(std::min(a[0], a[2]), std::min(b[0], b[2]))));
  const double iw = std::max(0.0, double(std::min(std::max(a[1], a[3]), std::max(b[1], b[3])) -
                                         std::max(std::min(a[1], a[3]), std::min(b[1], b[3]))));
  return ih * iw / (area_a + area_b - ih * iw);
}

} // namespace

std::vector<SsdFace> SsdFaceDetector::detect(const at::Tensor& rgb, double min_score, int max_faces,
                                             bool clip) const {
  const SsdOutput out = forward(input(rgb));
  const at::Tensor boxes = out.boxes[0].contiguous(), scores = out.scores[0].contiguous();
  const float* b = boxes.data_ptr<float>();
  const float* s = scores.data_ptr<float>();
  std::vector<int> order;
  for (int i = 0; i < kAnchors; ++i)
    if (s[i] > min_score)
      order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](int i, int j) { return s[i] > s[j]; });
  std::vector<int> kept;
  for (int i : order) {
    if (int(kept.size()) >= max_faces)
      break;
    if (std::none_of(kept.begin(), kept.end(),
                     [&](int k) { return box_iou(b + 4 * i, b + 4 * k) > 0.5; }))
      kept.push_back(i);
  }
  // face-api's mapping back: the padded square's 0..1 to the image through
  // the dimensions the image had inside the 512 square.
  const double h = double(rgb.size(0)), w = double(rgb.size(1));
  const double fit = kSsdInput / std::max(h, w);
  const double sx = w * kSsdInput / std::round(w * fit), sy = h * kSsdInput / std::round(h * fit);
  std::vector<SsdFace> faces;
  for (int i : kept) {
    const float* r = b + 4 * i;
    const float lo = clip ? 0.0f : -1e9f, hi = clip ? 1.0f : 1e9f;
    faces.push_back({std::max(lo, r[1]) * sx, std::max(lo, r[0]) * sy, std::min(hi, r[3]) * sx,
                     std::min(hi, r[2]) * sy, double(s[i])});
  }
  return faces;
}

} // namespace drig::face
