#pragma once

// The physical buffers as three images a user can look at and edit:
// rendered and albedo store their [0,1] values, normals store (n+1)/2.
// 16-bit PNGs keep the precision the model sees; 8-bit ones are accepted.
#include <ATen/core/Tensor.h>
#include <opencv2/core/mat.hpp>

#include <filesystem>

namespace drig {

struct BufferImagePaths {
  std::filesystem::path rendered, normal, albedo;
};

// (1,9,H,W) float in the original's channel order rendered|normal|albedo.
// Throws Error naming the file that cannot be read or whose size differs.
at::Tensor load_buffer_images(const BufferImagePaths& paths);

// An RGB image (8 or 16 bit) as PNG, written atomically; the one PNG writer
// of sampled images and buffers.
void write_rgb_png(const std::filesystem::path& path, const cv::Mat& rgb);

// Writes (9,H,W) or (1,9,H,W) as three 16-bit PNGs (atomically), clamped to
// the stored ranges.
void save_buffer_images(const at::Tensor& buffers, const BufferImagePaths& paths);

} // namespace drig
