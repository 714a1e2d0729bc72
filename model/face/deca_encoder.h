#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <filesystem>
#include <memory>

namespace drig::face {

// DECA's coarse code split in the original order (config.py param_list):
// shape 100 | tex 50 | exp 50 | pose 6 | cam 3 | light 27 = 236.
struct DecaCode {
  at::Tensor shape; // (B,100)
  at::Tensor tex;   // (B,50)
  at::Tensor exp;   // (B,50)
  at::Tensor pose;  // (B,6) [global axis-angle | jaw axis-angle]
  at::Tensor cam;   // (B,3) [scale, tx, ty]
  at::Tensor light; // (B,9,3)
};

DecaCode split_code(const at::Tensor& params236);

// E_flame: ResNet-50 features -> Linear(2048,1024) -> ReLU -> Linear(1024,236),
// eval mode, weights from the user's deca_model.tar ("E_flame", strict: any
// missing, unexpected or mis-shaped key is a drig::Error listing them).
class DecaEncoder {
public:
  DecaEncoder(const std::filesystem::path& deca_model_tar, c10::Device device);
  ~DecaEncoder();
  DecaEncoder(DecaEncoder&&) noexcept;
  DecaEncoder& operator=(DecaEncoder&&) noexcept;

  // crops (B,3,224,224) float32 RGB in [0,1] (no normalisation, as DECA) -> (B,236)
  // on device(), computed without autograd.
  at::Tensor forward(const at::Tensor& crops) const;
  DecaCode encode(const at::Tensor& crops) const { return split_code(forward(crops)); }
  c10::Device device() const;

  // The one encoder of this file on `device` in this process (loaded again
  // only when the file changes): fitting photo after photo reads it once.
  // forward() is const and safe to call from several threads.
  static std::shared_ptr<const DecaEncoder> shared(const std::filesystem::path& deca_model_tar,
                                                   c10::Device device);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace drig::face
