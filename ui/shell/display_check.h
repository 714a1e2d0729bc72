#pragma once

#include <string>

namespace drig::ui {

// Whether Qt has somewhere to show a window: $DISPLAY, $WAYLAND_DISPLAY,
// $QT_QPA_PLATFORM or a -platform argument. Without one, constructing a
// QApplication aborts, so main() asks this first. Reads only the environment.
bool display_available(int argc, char** argv);

// Whether the arguments only ask for --help or --version (no window needed).
bool wants_help_or_version(int argc, char** argv);

// What to tell the user when display_available() is false.
std::string no_display_message(const std::string& program);

} // namespace drig::ui
