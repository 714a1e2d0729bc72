#include "model/face/mean_shape.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/formats/tensor_pickle.h"

#include <torch/torch.h>

namespace drig::face {

void save_mean_shape(const std::filesystem::path& path, const at::Tensor& mean_shape,
                     const std::string& location) {
  DRIG_CHECK(mean_shape.dim() == 2 && mean_shape.size(0) == 1, "mean shape must be (1, N), got {}",
             c10::str(mean_shape.sizes()));
  write_file_atomic(path, formats::pickle_tensor(mean_shape.to(at::kFloat), location));
}

at::Tensor load_mean_shape(const std::filesystem::path& path) {
  const at::Tensor t = formats::unpickle_tensor(read_file(path), path.string());
  DRIG_CHECK(t.dim() == 2 && t.size(0) == 1 && t.is_floating_point(),
             "{}: expected a (1, N) float mean shape, found {} {}", path.string(),
             c10::str(t.sizes()), c10::toString(t.scalar_type()));
  return t.to(at::kFloat);
}

at::Tensor mean_shape_of(const at::Tensor& shapes) {
  DRIG_CHECK(shapes.dim() == 2 && shapes.size(0) > 0,
             "mean shape needs a (B, N) batch of shape codes, got {}", c10::str(shapes.sizes()));
  return shapes.to(at::kFloat).mean(0, /*keepdim=*/true);
}

} // namespace drig::face
