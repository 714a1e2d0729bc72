#pragma once

#include <QString>
#include <QStringList>

class QWidget;

namespace drig::ui::test {

// How long a test waits for a background job (QTRY_*_WITH_TIMEOUT): it
// returns as soon as the job is done, so only a machine busy with other
// work comes near it (there, Personalize took 6 min instead of 40 s).
constexpr int kJobTimeoutMs = 20 * 60 * 1000;

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

// Shows `widget` (if hidden), checks it drew something, and leaves its picture
// as <test_output_dir()>/<name> for people to look at.
void save_grab(QWidget& widget, const QString& name);

// What dragging these files from a file manager onto `widget` delivers
// (drag-enter, which must be accepted, then drop).
void drop_paths(QWidget& widget, const QStringList& paths);

} // namespace drig::ui::test
