#pragma once

// diffusionrig(1), generated from the CLI's own definitions (`diffusionrig
// --man`), so the manual never disagrees with --help. The build writes it
// into the package.
#include <CLI/CLI.hpp>

#include <string>

namespace drig::cli {

std::string man_page(const CLI::App& app, const std::string& version);

} // namespace drig::cli
