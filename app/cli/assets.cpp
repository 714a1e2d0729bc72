// diffusionrig [--assets DIR] assets install FILES... | assets status: the
// model set-up assistant. Files are given as downloaded (zips, folders, any
// names); each needed one is found by its content and moved into the folder.
#include "app/cli/assets.h"

#include "model/base/assets.h"
#include "model/base/error.h"
#include "model/base/paths.h"
#include "training/setup/asset_install.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <unistd.h>

namespace drig::cli {
namespace {

void print_missing(const std::vector<std::string>& missing) {
  if (missing.empty()) {
    std::cout << "Every required model file is installed.\n";
    return;
  }
  std::cout << "Still missing:\n";
  for (const std::string& asset : missing)
    std::cout << fmt::format("  {}: {}\n", asset, setup::how_to_get(asset));
}

// Asks on the terminal; false when stdin is not one (scripts pass --accept-licences).
bool confirm_licences(const std::vector<std::string>& ids) {
  std::cout << "\nThese files come under their own licences:\n";
  for (const std::string& id : ids)
    for (const setup::LicenceNote& note : setup::licence_notes())
      if (note.id == id)
        std::cout << fmt::format("\n  {}\n  {}\n", note.title, note.text);
  if (!::isatty(STDIN_FILENO))
    return false;
  std::cout << "\nDo you accept these licences for the files you give? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

} // namespace

CommandRunner add_assets_command(CLI::App& sub) {
  struct Options {
    std::vector<std::string> files;
    bool replace = false, accept = false, dry_run = false, json = false;
  };
  auto o = std::make_shared<Options>();
  sub.require_subcommand(1);
  CLI::App* install = sub.add_subcommand(
      "install", "Install model files from what you downloaded: FLAME2020.zip, the FLAME "
                 "texture space zip, deca_model.tar, DECA's data/ (zip or folder), the Stage 1 "
                 "checkpoint under any name. Each file is found by its content.");
  install->add_option("FILES", o->files, "Downloaded files, zip archives and folders")->required();
  install->add_flag("--replace", o->replace,
                    "Replace an installed good file by a different good one (a bad or missing "
                    "file is always replaced)");
  install->add_flag("--accept-licences,--accept-licenses", o->accept,
                    "Accept the files' licences without asking (they are printed)");
  install->add_flag("--dry-run", o->dry_run, "Only say what would be installed");
  install->add_flag("--json", o->json, "Print the report as JSON on stdout");
  sub.add_subcommand("status", "Which model files are installed, and how to get the others");
  return [o, install](CommandEnv& env) {
    const std::filesystem::path dir = resolve_assets_dir(env.global.assets_dir);
    if (!install->parsed()) {
      const AssetReport report = validate_assets(dir);
      std::cout << fmt::format("assets folder: {}\n", dir.string());
      std::vector<std::string> missing;
      for (const AssetStatus& s : report.files) {
        std::cout << fmt::format("  {:<28} {}{}\n", s.spec->file_name, to_string(s.state),
                                 s.spec->required ? "" : " (optional)");
        if (s.spec->required && s.state != AssetStatus::State::Present)
          missing.push_back(s.spec->file_name);
      }
      print_missing(missing);
      return missing.empty() ? 0 : 1;
    }
    setup::InstallOptions options;
    options.assets_dir = dir;
    options.replace = o->replace;
    options.dry_run = o->dry_run;
    for (const std::string& f : o->files)
      options.inputs.emplace_back(f);
    if (o->accept)
      for (const setup::LicenceNote& note : setup::licence_notes())
        options.accept_licences.push_back(note.id);
    setup::InstallReport report = setup::install_assets(options, env.job);
    if (!report.licences_needed.empty() && !o->dry_run && !o->json) {
      if (!confirm_licences(report.licences_needed))
        fail("nothing was installed: the licences above need confirming (answer y, or pass "
             "--accept-licences)");
      options.accept_licences = report.licences_needed;
      report = setup::install_assets(options, env.job);
    }
    if (o->json) {
      nlohmann::json found = nlohmann::json::array();
      for (const setup::FoundFile& f : report.found)
        found.push_back({{"origin", f.origin}, {"asset", f.asset}, {"reason", f.reason}});
      std::cout << nlohmann::json{{"assets_dir", dir.string()},
                                  {"found", found},
                                  {"to_install", report.to_install},
                                  {"installed", report.installed},
                                  {"unchanged", report.unchanged},
                                  {"kept", report.kept},
                                  {"licences_needed", report.licences_needed},
                                  {"missing", report.missing}}
                       .dump(2)
                << "\n";
      return report.licences_needed.empty() || o->dry_run ? 0 : 1;
    }
    std::cout << fmt::format("assets folder: {}\n", dir.string());
    for (const setup::FoundFile& f : report.found)
      std::cout << (f.asset.empty() ? fmt::format("  skipped {} — {}\n", f.origin, f.reason)
                                    : fmt::format("  found {} in {}\n", f.asset, f.origin));
    for (const std::string& a : report.installed)
      std::cout << fmt::format("installed {}\n", a);
    if (o->dry_run)
      for (const std::string& a : report.to_install)
        std::cout << fmt::format("would install {}\n", a);
    for (const std::string& a : report.unchanged)
      std::cout << fmt::format("{} is already installed (same file)\n", a);
    for (const std::string& a : report.kept)
      std::cout << fmt::format("kept the installed {}: it is good and differs from the one "
                               "given (--replace takes the new one)\n",
                               a);
    print_missing(report.missing);
    return 0;
  };
}

} // namespace drig::cli
