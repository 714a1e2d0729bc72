#pragma once

#include "app/cli/command.h"

namespace drig::cli {

CommandRunner add_assets_command(CLI::App& sub);

} // namespace drig::cli
