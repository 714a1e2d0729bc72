// How close each sampler gets to the converged ODE solution from the same
// x_T: PSNR to DDIM with every one of the 1000 steps (or --reference), per
// sampler, step placement and step count. What chooses the Studio's steps.
//   bench_sampler_fidelity --model CKPT [--config JSON] [--data LMDB] [--count 4] [--seed 0]
//                          [--steps 4,6,8,10,15,20] [--reference ""|ddim250]
//                          [--precision fp32|bf16] [--json FILE]
// Without --data the inputs are random buffers and latents (for the
// fixtures' untrained tiny model); with it, the dataset's buffers and the
// latents of its images, resized to the model's size when they differ.
#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/device.h"
#include "model/formats/npy.h"
#include "model/random.h"
#include "model/sampler.h"
#include "training/datasets/lmdb_dataset.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

struct Inputs {
  at::Tensor buffers, latent, noise;
};

at::Tensor resized(const at::Tensor& x, int64_t size) {
  if (x.size(-1) == size)
    return x;
  namespace F = torch::nn::functional;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size});
  if (x.size(-1) > size)
    options.mode(torch::kArea);
  else
    options.mode(torch::kBilinear).align_corners(false);
  return F::interpolate(x, options);
}

Inputs make_inputs(const drig::LoadedModel& model, const std::string& data, int64_t count,
                   int64_t seed) {
  const int64_t size = model.config.image_size;
  Inputs in;
  at::Generator gen = drig::make_generator(static_cast<uint64_t>(seed));
  if (data.empty()) {
    in.buffers = at::rand({count, 9, size, size}, gen);
    in.latent = at::randn({count, model.config.latent_dim}, gen);
  } else {
    const drig::datasets::DatasetReader reader(data);
    std::vector<at::Tensor> buffers, images;
    for (int64_t i = 0; i < count; ++i) {
      // Spread over the album rather than its first photos.
      const auto s = reader.sample(i * reader.size() / count);
      buffers.push_back(torch::cat({s.rendered, s.normal, s.albedo}, 0));
      images.push_back(s.image);
    }
    in.buffers = resized(torch::stack(buffers), size);
    in.latent = drig::encode_latent(model, resized(torch::stack(images), size));
  }
  in.noise = at::randn({count, 3, size, size}, gen);
  return in;
}

double psnr(const at::Tensor& a, const at::Tensor& b) {
  // Images in [-1, 1]: the peak-to-peak range is 2.
  const double mse = (a - b).pow(2).mean().item<double>();
  return mse > 0 ? 10 * std::log10(4.0 / mse) : INFINITY;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app("PSNR of each sampler to the converged ODE solution from the same x_T");
  std::string model_path, config, data, steps_list = "4,6,8,10,15,20", reference, json_path;
  std::string precision = "fp32";
  int64_t count = 4, seed = 0;
  app.add_option("--model", model_path, "DiffusionRig checkpoint")->required();
  app.add_option("--config", config,
                 "The run's config.json (image size and what else the "
                 "weights do not tell)");
  app.add_option("--data", data, "LMDB from create-data: its buffers and images' latents");
  app.add_option("--count", count, "Images")->capture_default_str();
  app.add_option("--seed", seed, "Seed of x_T and of the random inputs")->capture_default_str();
  app.add_option("--steps", steps_list, "Step counts")->capture_default_str();
  app.add_option("--reference", reference, "Respacing of the DDIM reference (\"\" = all 1000)");
  app.add_option("--precision", precision, "Precision of the compared runs (reference: fp32)")
      ->capture_default_str();
  app.add_option("--json", json_path, "Also write the table as JSON");
  std::string rows_list;
  app.add_option("--rows", rows_list,
                 "Only these sampler:placement rows, e.g. ddim:original,unipc:quadratic");
  std::string reference_npy;
  app.add_option("--reference-npy", reference_npy,
                 "Keep the converged reference here and reuse it when it exists (same inputs)");
  CLI11_PARSE(app, argc, argv);
  try {
    drig::configure_torch_threads(0);
    const drig::LoadedModel model =
        drig::load_diffusionrig(model_path, c10::Device(c10::kCPU), config);
    const Inputs in = make_inputs(model, data, count, seed);
    std::vector<int64_t> steps;
    std::stringstream list(steps_list);
    for (std::string item; std::getline(list, item, ',');)
      steps.push_back(std::stoll(item));

    at::Tensor converged;
    if (!reference_npy.empty() && fs::exists(reference_npy)) {
      converged = drig::formats::load_npy(reference_npy).tensor;
    } else {
      drig::SampleOptions ref;
      ref.respacing = reference;
      const auto t0 = std::chrono::steady_clock::now();
      converged = drig::sample(model, in.buffers, in.latent, in.noise, ref).samples;
      std::cerr << fmt::format(
          "reference DDIM ({}): {:.1f} s\n", reference.empty() ? "1000 steps" : reference,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      if (!reference_npy.empty())
        drig::formats::save_npy(reference_npy, converged);
    }

    struct Row {
      std::string sampler, placement;
    };
    std::vector<Row> rows = {
        {"ddim", ""},           {"ddim", "uniform"},      {"ddim", "logsnr"},
        {"dpmpp2m", "uniform"}, {"dpmpp2m", "quadratic"}, {"dpmpp2m", "logsnr"},
        {"dpmpp3m", "uniform"}, {"dpmpp3m", "quadratic"}, {"dpmpp3m", "logsnr"},
        {"unipc", "uniform"},   {"unipc", "quadratic"},   {"unipc", "logsnr"}};
    if (!rows_list.empty()) {
      rows.clear();
      std::stringstream wanted(rows_list);
      for (std::string item; std::getline(wanted, item, ',');) {
        const size_t colon = item.find(':');
        DRIG_CHECK(colon != std::string::npos, "--rows: \"{}\" is not sampler:placement", item);
        const std::string placement = item.substr(colon + 1);
        rows.push_back({item.substr(0, colon), placement == "original" ? "" : placement});
      }
    }
    nlohmann::json table = nlohmann::json::array();
    std::cout << fmt::format("| sampler | placement | {} |\n|---|---|{}\n", fmt::join(steps, " | "),
                             std::string(steps.size() * 4, '-') + "|");
    for (const Row& row : rows) {
      std::string line = fmt::format("| {} | {} |", row.sampler,
                                     row.placement.empty() ? "original" : row.placement);
      for (const int64_t n : steps) {
        drig::SampleOptions o;
        o.sampler = row.sampler;
        o.placement = row.placement;
        o.respacing = row.sampler == "ddim" && row.placement.empty() ? fmt::format("ddim{}", n)
                                                                     : std::to_string(n);
        o.precision = drig::parse_precision(precision);
        const double db =
            psnr(drig::sample(model, in.buffers, in.latent, in.noise, o).samples, converged);
        line += fmt::format(" {:.1f} |", db);
        table.push_back({{"sampler", row.sampler},
                         {"placement", row.placement.empty() ? "original" : row.placement},
                         {"steps", n},
                         {"psnr_db", db}});
      }
      std::cout << line << std::endl;
    }
    if (!json_path.empty())
      drig::write_file_atomic(json_path, table.dump(2));
  } catch (const std::exception& e) {
    std::cerr << "bench_sampler_fidelity: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
