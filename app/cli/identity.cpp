// diffusionrig identity FILES...: one face descriptor per photo and the
// pairwise similarity matrix (1 - euclidean distance; higher = more alike).
#include "app/cli/identity.h"

#include "training/edit/identity_guard.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace drig::cli {

CommandRunner add_identity_command(CLI::App& sub) {
  struct Options {
    std::vector<std::string> files;
    std::string models;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("FILE", o->files,
                 "Photos (aligned crops or whole photos): the largest face of each")
      ->required();
  sub.add_flag("--json", o->json,
               "Print {\"files\": [...], \"similarity\": [[...]], \"threshold\": t} on stdout");
  sub.add_option("--face-models", o->models,
                 "Folder with face-api's face_recognition_model files (default: "
                 "$DIFFUSIONRIG_FACE_MODELS or ~/.local/share/diffusionrig/face-api)");
  sub.footer("Similarity is 1 - the euclidean distance of the 128-d descriptors; at or above "
             "the printed threshold (0.4, dlib's 0.6 distance) the faces are taken for one "
             "person. Exit status 1 when a photo has no face (the error names it).");
  return [o](CommandEnv&) {
    const identity::IdentityGuard guard(o->models.empty() ? identity::default_models_dir()
                                                          : std::filesystem::path(o->models));
    const std::vector<std::vector<double>> sim = guard.similarity_matrix(
        std::vector<std::filesystem::path>(o->files.begin(), o->files.end()));
    const size_t n = sim.size();
    const double threshold = identity::IdentityGuard::threshold();
    if (o->json) {
      std::cout << nlohmann::json{{"files", o->files},
                                  {"similarity", sim},
                                  {"threshold", threshold}}
                       .dump(2)
                << "\n";
      return 0;
    }
    for (size_t i = 0; i < n; ++i)
      std::cout << fmt::format("[{}] {}\n", i, o->files[i]);
    std::cout << "\n     ";
    for (size_t j = 0; j < n; ++j)
      std::cout << fmt::format("{:>6}", fmt::format("[{}]", j));
    std::cout << "\n";
    for (size_t i = 0; i < n; ++i) {
      std::cout << fmt::format("{:>5}", fmt::format("[{}]", i));
      for (size_t j = 0; j < n; ++j)
        std::cout << fmt::format("{:6.2f}", sim[i][j]);
      std::cout << "\n";
    }
    std::cout << fmt::format("\nsame person at similarity >= {:.2f}\n", threshold);
    return 0;
  };
}

} // namespace drig::cli
