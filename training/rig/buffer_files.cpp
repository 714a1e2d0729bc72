#include "training/rig/buffer_files.h"

#include "model/base/error.h"
#include "model/formats/npy.h"
#include "training/rig/buffer_images.h"
#include "training/rig/buffer_tensors.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace fs = std::filesystem;

namespace drig::rendering {
namespace {

// (3,H,W) planes -> 8-bit RGB through `map` (value -> 0..1).
template <typename Map>
cv::Mat view8(const std::vector<float>& planes, int w, int h, Map map) {
  cv::Mat rgb(h, w, CV_8UC3);
  const size_t n = size_t(w) * size_t(h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const size_t p = size_t(y) * size_t(w) + size_t(x);
      auto* px = rgb.ptr<uint8_t>(y) + 3 * x;
      for (size_t c = 0; c < 3; ++c)
        px[c] = uint8_t(std::lround(std::clamp(map(planes[c * n + p]), 0.0f, 1.0f) * 255));
    }
  return rgb;
}

cv::Mat shaded_view(const render::Buffers& b, const std::vector<float>& landmarks) {
  const size_t n = size_t(b.width) * size_t(b.height);
  cv::Mat rgb(b.height, b.width, CV_8UC3, cv::Scalar(30, 30, 30));
  const float l[3] = {0.27f, 0.36f, 0.89f}; // from the upper right of the camera
  for (int y = 0; y < b.height; ++y)
    for (int x = 0; x < b.width; ++x) {
      const size_t p = size_t(y) * size_t(b.width) + size_t(x);
      if (b.alpha[p] <= 0)
        continue;
      const float nx = b.normal[p], ny = b.normal[n + p], nz = b.normal[2 * n + p];
      const float len = std::max(1e-6f, std::sqrt(nx * nx + ny * ny + nz * nz));
      const float lit = 0.25f + 0.7f * std::max(0.0f, (nx * l[0] + ny * l[1] + nz * l[2]) / len);
      const auto v = uint8_t(std::lround(std::clamp(lit * 0.85f, 0.0f, 1.0f) * 255));
      auto* px = rgb.ptr<uint8_t>(y) + 3 * x;
      px[0] = px[1] = px[2] = v;
    }
  const int radius = std::max(1, b.width / 128);
  for (size_t i = 0; i + 1 < landmarks.size(); i += 2)
    cv::circle(rgb, cv::Point2f(landmarks[i] - 0.5f, landmarks[i + 1] - 0.5f), radius,
               cv::Scalar(40, 220, 90), cv::FILLED, cv::LINE_AA);
  return rgb;
}

} // namespace

BufferFiles write_buffer_files(const fs::path& folder, const render::Buffers& b,
                               const std::vector<float>& landmarks) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  DRIG_CHECK(fs::is_directory(folder), "{}: cannot create the output folder", folder.string());
  BufferFiles out;
  const auto png = [&](const std::string& name, const cv::Mat& rgb) {
    write_rgb_png(folder / name, rgb);
    out.written.push_back(folder / name);
  };
  const auto npy = [&](const std::string& name, const std::vector<float>& planes) {
    const at::Tensor t =
        at::from_blob(const_cast<float*>(planes.data()), {3, b.height, b.width}, at::kFloat);
    formats::save_npy(folder / name, t);
    out.written.push_back(folder / name);
  };
  const auto identity = [](float v) { return v; };
  png("rendered.png", view8(b.rendered, b.width, b.height, identity));
  png("normal.png", view8(b.normal, b.width, b.height, [](float v) { return (v + 1) / 2; }));
  png("albedo.png", view8(b.albedo, b.width, b.height, identity));
  std::vector<float> alpha3(b.alpha);
  alpha3.insert(alpha3.end(), b.alpha.begin(), b.alpha.end());
  alpha3.insert(alpha3.end(), b.alpha.begin(), b.alpha.end());
  png("alpha.png", view8(alpha3, b.width, b.height, identity));
  png("shaded.png", shaded_view(b, landmarks));
  npy("rendered.npy", b.rendered);
  npy("normal.npy", b.normal);
  npy("albedo.npy", b.albedo);
  return out;
}

} // namespace drig::rendering
