#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace drig {

enum class Verbosity { Quiet, Normal, Verbose };

// One logger for the whole process, on stderr so that stdout stays for
// machine-readable output (--json). Safe to call more than once.
void setup_logging(Verbosity verbosity);

// Parses "quiet" / "normal" / "verbose" (for config files and env vars).
Verbosity parse_verbosity(const std::string& text);

} // namespace drig
