#pragma once

#include "app/cli/command.h"

namespace drig::cli {
CommandRunner add_bench_command(CLI::App& sub);
}
