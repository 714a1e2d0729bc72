#include "ui/shell/display_check.h"

#include <cstdlib>
#include <string_view>

namespace drig::ui {

namespace {
bool env_set(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}
} // namespace

bool display_available(int argc, char** argv) {
  if (env_set("DISPLAY") || env_set("WAYLAND_DISPLAY") || env_set("QT_QPA_PLATFORM"))
    return true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "-platform" || arg == "--platform" || arg.starts_with("-platform=") ||
        arg.starts_with("--platform="))
      return true;
  }
  return false;
}

bool wants_help_or_version(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "-h" || arg == "--help" || arg == "-?" || arg == "--help-all" || arg == "-v" ||
        arg == "--version")
      return true;
  }
  return false;
}

std::string no_display_message(const std::string& program) {
  return program +
         ": no display found (DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM are unset).\n"
         "DiffusionRig Studio is a desktop application and needs a graphical session.\n"
         "To run it without one:\n"
         "  xvfb-run -a " +
         program +
         "\n"
         "  QT_QPA_PLATFORM=offscreen " +
         program +
         " --screenshot out.png\n"
         "For batch work without a window, use the command-line tool, diffusionrig.\n";
}

} // namespace drig::ui
