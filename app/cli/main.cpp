// diffusionrig: command-line front end. Each subcommand is a small function
// over the libraries (see command_table()); errors end here as one message.
#include "app/cli/command.h"
#include "app/cli/man_page.h"
#include "drig/version.h"
#include "model/base/error.h"
#include "model/base/log.h"
#include "model/device.h"

#include <csignal>
#include <iostream>
#include <string>

namespace {

drig::CancelToken* g_cancel = nullptr;

extern "C" void on_interrupt(int) {
  if (g_cancel != nullptr)
    g_cancel->cancel();
  // A second Ctrl-C kills at once.
  std::signal(SIGINT, SIG_DFL);
}

} // namespace

int main(int argc, char** argv) {
  using namespace drig;
  CLI::App app{"DiffusionRig Studio command-line tool: align photos, fit face models, build "
               "datasets, train, edit and sample portraits.",
               "diffusionrig"};
  app.set_version_flag("--version", std::string("diffusionrig ") + kVersion);
  app.require_subcommand(0, 1);

  cli::CommandEnv env;
  bool verbose = false, quiet = false;
  std::string assets;
  app.add_flag("-v,--verbose", verbose, "More log output");
  app.add_flag("-q,--quiet", quiet, "Only errors");
  app.add_option("--threads", env.global.threads, "CPU threads (0 = every physical core)")
      ->capture_default_str();
  app.add_option("--device", env.global.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--assets", assets,
                 "Folder with the model files you supplied (default: $DIFFUSIONRIG_ASSETS or "
                 "~/.local/share/diffusionrig/assets)");

  cli::CommandRunner runner;
  for (const cli::CommandSpec& spec : cli::command_table()) {
    CLI::App* sub = app.add_subcommand(spec.name, spec.help);
    cli::CommandRunner run = spec.add(*sub);
    sub->callback([&runner, run] { runner = run; });
  }

  // The manual page, from these very definitions (the package build uses it).
  if (argc == 2 && std::string(argv[1]) == "--man") {
    std::cout << cli::man_page(app, kVersion);
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!runner) {
    std::cout << app.help();
    return 0;
  }

  try {
    env.global.verbosity = quiet ? "quiet" : (verbose ? "verbose" : "normal");
    if (!assets.empty())
      env.global.assets_dir = assets;
    OptionCheck check;
    env.global.check(check);
    check.throw_if_failed("invalid options");
    setup_logging(parse_verbosity(env.global.verbosity));
    configure_torch_threads(env.global.threads);
    env.job.on_progress = cli::stderr_progress(quiet);
    g_cancel = &env.job.cancel;
    std::signal(SIGINT, on_interrupt);
    return runner(env);
  } catch (const CancelledError&) {
    std::cerr << "diffusionrig: cancelled; finished outputs were kept\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "diffusionrig: error: " << e.what() << "\n";
    return 1;
  }
}
