#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>

namespace drig::face {

// The album's mean DECA shape code, as the original create_data.py
// --use_meanshape writes it: pickle.dump of a (1,100) float32 tensor, its
// storage tagged "cuda:0" (the original ran on the GPU), in the LMDB folder.
void save_mean_shape(const std::filesystem::path& path, const at::Tensor& mean_shape,
                     const std::string& location = "cuda:0");

// Reads it back on the CPU (wherever its storage was tagged). Throws
// drig::Error naming the file when it is not a (1,N) float tensor.
at::Tensor load_mean_shape(const std::filesystem::path& path);

// The per-album mean of (B,100) shape codes, (1,100), as th.mean(cat, 0, keepdim=True).
at::Tensor mean_shape_of(const at::Tensor& shapes);

} // namespace drig::face
