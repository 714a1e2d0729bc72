// Times the identity guard's face descriptor (face-api's port of dlib's
// ResNet) on the CPU, one 150x150 chip per forward after a warm-up, and the
// SSD face detector (512x512) the alignment's cascade runs.
//   bench_identity [--models DIR] [--iterations N] [--threads T] [--batch B]
#include "model/device.h"
#include "model/face_api/ssd_face_detector.h"
#include "training/edit/identity_guard.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <vector>

int main(int argc, char** argv) {
  CLI::App app{"Time one face descriptor (the identity guard) on the CPU"};
  std::string models = drig::identity::default_models_dir().string();
  int iterations = 20, threads = 0, batch = 1;
  app.add_option("--models", models, "face-api model folder")->capture_default_str();
  app.add_option("--iterations", iterations, "Timed forwards")->check(CLI::Range(1, 100000));
  app.add_option("--threads", threads, "CPU threads (0 = every core)");
  app.add_option("--batch", batch, "Chips per forward (the guard compares 2)")
      ->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  try {
    drig::configure_torch_threads(threads);
    const drig::face::FaceDescriptorNet net(std::filesystem::path(models) /
                                            drig::identity::kDescriptorManifest);
    const at::Tensor chip = at::rand({batch, 150, 150, 3}) * 255;
    net.forward(chip); // warm-up: allocations, kernel selection
    const auto time = [&](const auto& run) {
      std::vector<double> ms;
      for (int i = 0; i < iterations; ++i) {
        const auto t = std::chrono::steady_clock::now();
        run();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t)
                         .count());
      }
      std::sort(ms.begin(), ms.end());
      return ms;
    };
    const std::vector<double> ms = time([&] { net.forward(chip); });
    std::cout << fmt::format("face descriptor, {} chip(s) per forward, {} threads: median {:.1f} "
                             "ms per chip (min {:.1f}) over {} runs\n",
                             batch, at::get_num_threads(), ms[ms.size() / 2] / batch,
                             ms.front() / batch, ms.size());
    const std::filesystem::path ssd_manifest =
        std::filesystem::path(models) / drig::face::kSsdManifest;
    if (std::filesystem::exists(ssd_manifest)) {
      const drig::face::SsdFaceDetector ssd(ssd_manifest);
      const at::Tensor photo = (at::rand({768, 1024, 3}) * 255).to(at::kByte);
      ssd.detect(photo); // warm-up
      const std::vector<double> d = time([&] { ssd.detect(photo); });
      std::cout << fmt::format("SSD face detector, one 1024x768 photo, {} threads: median {:.1f} "
                               "ms (min {:.1f}) over {} runs\n",
                               at::get_num_threads(), d[d.size() / 2], d.front(), d.size());
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_identity: " << e.what() << "\n";
    return 1;
  }
}
