#include "training/rig/buffer_images.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"

#include <ATen/ATen.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fmt/format.h>

namespace drig {
namespace {

at::Tensor load_rgb01(const std::filesystem::path& path, const char* what) {
  const cv::Mat raw = cv::imread(path.string(), cv::IMREAD_ANYDEPTH | cv::IMREAD_COLOR);
  DRIG_CHECK(!raw.empty(), "{}: cannot read the {} image", path.string(), what);
  DRIG_CHECK(raw.depth() == CV_8U || raw.depth() == CV_16U, "{}: the {} image must be 8 or 16 bit",
             path.string(), what);
  cv::Mat rgb, scaled;
  cv::cvtColor(raw, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(scaled, CV_32FC3, raw.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
  return at::from_blob(scaled.data, {scaled.rows, scaled.cols, 3}, at::kFloat)
      .permute({2, 0, 1})
      .clone();
}

void save_rgb01(const at::Tensor& chw, const std::filesystem::path& path) {
  const at::Tensor hwc =
      (chw.clamp(0, 1) * 65535.0 + 0.5).floor().to(at::kInt).permute({1, 2, 0}).contiguous();
  cv::Mat rgb(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_32SC3,
              hwc.data_ptr());
  cv::Mat rgb16;
  rgb.convertTo(rgb16, CV_16UC3);
  write_rgb_png(path, rgb16);
}

} // namespace

void write_rgb_png(const std::filesystem::path& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> png;
  DRIG_CHECK(cv::imencode(".png", bgr, png), "{}: cannot encode PNG", path.string());
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
}

at::Tensor load_buffer_images(const BufferImagePaths& p) {
  const at::Tensor r = load_rgb01(p.rendered, "rendered");
  const at::Tensor n = load_rgb01(p.normal, "normal") * 2 - 1;
  const at::Tensor a = load_rgb01(p.albedo, "albedo");
  DRIG_CHECK(r.sizes() == n.sizes() && r.sizes() == a.sizes(),
             "the buffer images differ in size: {} is {}x{}, {} is {}x{}, {} is {}x{}",
             p.rendered.string(), r.size(2), r.size(1), p.normal.string(), n.size(2), n.size(1),
             p.albedo.string(), a.size(2), a.size(1));
  return at::cat({r, n, a}, 0).unsqueeze(0);
}

void save_buffer_images(const at::Tensor& buffers, const BufferImagePaths& p) {
  const at::Tensor b = buffers.dim() == 4 ? buffers[0] : buffers;
  DRIG_CHECK(b.dim() == 3 && b.size(0) == 9, "buffers must be (9,H,W), got [{}]",
             fmt::join(buffers.sizes(), ","));
  const at::Tensor f = b.to(at::kFloat).cpu();
  save_rgb01(f.narrow(0, 0, 3), p.rendered);
  save_rgb01((f.narrow(0, 3, 3) + 1) / 2, p.normal);
  save_rgb01(f.narrow(0, 6, 3), p.albedo);
}

} // namespace drig
