#include "tests/support/tiny_model.h"

#include "model/formats/torch_checkpoint.h"
#include "model/networks/diffusionrig_model.h"
#include "tests/support/test_paths.h"

namespace drig::test {

DiffusionRigConfig tiny_architecture() {
  DiffusionRigConfig c;
  c.image_size = 32;
  c.model_channels = 32;
  c.num_res_blocks = 1;
  c.channel_mult = {1, 2};
  c.attention_ds = {2};
  c.latent_dim = 16;
  c.dropout = 0;
  return c;
}

std::shared_ptr<networks::DiffusionRigImpl> tiny_fixture_model() {
  const formats::NamedTensors tensors = formats::state_dict_tensors(
      *formats::load_torch_checkpoint(extracted_fixture("tiny/model000000.pt")).root, "tiny");
  DiffusionRigConfig config = infer_diffusionrig_config(tensors);
  apply_config_file(config, (shared_dir() / "reference/diffusion/tiny/config.json").string());
  auto model = std::make_shared<networks::DiffusionRigImpl>(config);
  networks::load_state_dict(*model, tensors, "model000000.pt");
  return model;
}

} // namespace drig::test
