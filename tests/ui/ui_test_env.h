#pragma once

#include <QString>

namespace drig::ui::test {

// Call first in initTestCase(): the "Fusion" style, the application identity,
// QSettings (test mode) and the default assets folder inside a fresh temporary
// folder removed at exit, so tests never read or write the user's settings.
void init_environment();

// The temporary folder of init_environment().
QString temp_root();

// <build>/test-output (created): where tests leave screenshots for people.
QString test_output_dir();

// Removes every QSettings value (each test starts from the defaults).
void clear_settings();

} // namespace drig::ui::test
