#pragma once

// Fixtures shared by the editing tests (engine, controls) and the Studio's
// editor test.
#include "model/formats/npy.h"
#include "tests/support/test_paths.h"
#include "training/edit/edit_engine.h"
#include "training/rig/rig_file.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <string>

namespace drig::test {

// A random rig of DECA's sizes.
inline face::DecaCode random_code(int seed) {
  at::manual_seed(seed);
  return {at::randn({1, 100}),     at::randn({1, 50}), at::randn({1, 50}),
          at::randn({1, 6}) * 0.2, at::randn({1, 3}),  at::randn({1, 9, 3})};
}

// The synthetic DECA weights fit a face that misses the crop: this gives a
// rig the reference fixtures' face (FLAME case 1 and its crop transform), so
// that edits have pixels to change.
inline void use_reference_face(fitting::Rig& rig) {
  const auto ref = [](const std::string& name) {
    return formats::load_npy(shared_dir() / "reference/deca/ref" / (name + ".npy"))
        .tensor.to(at::kFloat);
  };
  rig.code.shape = ref("flame_in_shape").narrow(0, 1, 1).contiguous();
  rig.code.exp = ref("flame_in_exp").narrow(0, 1, 1).contiguous();
  rig.code.pose = ref("flame_in_pose").narrow(0, 1, 1).contiguous();
  rig.code.cam = ref("flame_in_cam").narrow(0, 1, 1).contiguous();
  const at::Tensor tform = ref("preprocess/drig_tform").to(at::kDouble).contiguous();
  std::copy(tform.data_ptr<double>(), tform.data_ptr<double>() + 9, rig.crop_tform.begin());
}

// The synthetic DECA files (../shared) linked into `dir`, as an assets folder.
inline std::filesystem::path synthetic_assets(const TempDir& dir) {
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(shared_dir() / "reference/deca/data"))
    if (e.path().extension() != ".xz")
      fs::create_symlink(e.path(), dir / e.path().filename().string());
  fs::create_symlink(extracted_fixture("deca/deca_model.tar"), dir / "deca_model.tar");
  return dir.path();
}

// The tiny fixture model at 32 with the synthetic DECA files, on the CPU.
inline editing::EngineOptions tiny_engine(const TempDir& assets, const TempDir& cache) {
  editing::EngineOptions o;
  o.model_path = extracted_fixture("tiny/model000000.pt");
  o.assets_dir = synthetic_assets(assets);
  o.cache_dir = cache.path();
  o.device = "cpu";
  o.image_size = 32;
  o.renderer = render::RenderBackend::Cpu;
  return o;
}

} // namespace drig::test
