#pragma once

#include "model/base/options.h"
#include "model/base/progress.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace drig::cli {

// What every subcommand gets when it runs: the global options (already
// validated and applied) and the job context whose cancel token Ctrl-C fires.
struct CommandEnv {
  GlobalOptions global;
  JobContext job;
};

using CommandRunner = std::function<int(CommandEnv&)>;

// One entry of the command table (COLMAP's shape): `add` declares the
// subcommand's own options on `sub` and returns what runs it.
struct CommandSpec {
  std::string name;
  std::string help;
  std::function<CommandRunner(CLI::App& sub)> add;
};

const std::vector<CommandSpec>& command_table();

// Progress lines on stderr ("[align] 3/20 15% ETA 0:12 photo.jpg"), rewritten
// in place on a terminal, one line per 10% otherwise. Silent with --quiet.
ProgressCallback stderr_progress(bool quiet);

// The original scripts' str2bool (yes/true/t/y/1, no/false/f/n/0, any
// case); Error naming `flag` otherwise.
bool parse_str2bool(std::string text, const char* flag);

// One number, all of `text`; Error "WHAT: 'text' is not a number" otherwise.
double parse_number(const std::string& text, const std::string& what);

} // namespace drig::cli
