#include "app/cli/inspect.h"

#include "model/formats/model_inspect.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace drig::cli {

CommandRunner add_inspect_command(CLI::App& sub) {
  struct Options {
    std::vector<std::string> files;
    bool json = false;
    int depth = 4;
    int items = 40;
  };
  auto o = std::make_shared<Options>();
  sub.add_option("FILE", o->files, "Checkpoint, pickle, .npy or .npz files")->required();
  sub.add_flag("--json", o->json, "Machine-readable output on stdout");
  sub.add_option("--depth", o->depth, "Levels of the object tree to print")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  sub.add_option("--items", o->items, "Children shown per node")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sub.footer("Reads files safely: nothing in them is executed. Exit status 1 when a file "
             "cannot be read (the error names it).");
  return [o](CommandEnv&) {
    int status = 0;
    nlohmann::json all = nlohmann::json::array();
    for (const std::string& file : o->files) {
      try {
        const formats::ModelFileReport report = formats::inspect_model_file(file);
        if (o->json)
          all.push_back(formats::report_json(report, o->depth));
        else
          std::cout << formats::report_text(report, o->depth, o->items) << "\n";
      } catch (const std::exception& e) {
        std::cerr << "diffusionrig: error: " << e.what() << "\n";
        if (o->json)
          all.push_back({{"file", file}, {"error", e.what()}});
        status = 1;
      }
    }
    if (o->json)
      std::cout << (all.size() == 1 ? all[0] : all).dump(2) << "\n";
    return status;
  };
}

} // namespace drig::cli
