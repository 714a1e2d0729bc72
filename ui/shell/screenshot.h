#pragma once

#include <QString>

class QApplication;
class QImage;
class QWidget;

namespace drig::ui {

// Fraction (0..1) of the pixels that differ from the top-left one: 0 for a
// blank image. Tests and --screenshot use it to catch an empty grab.
double non_background_fraction(const QImage& image);

// Grabs `widget` with its children and writes a PNG to `path` (folders are
// created). Returns an error message, empty on success.
QString save_widget_png(QWidget& widget, const QString& path);

// For --screenshot: lets the event loop settle for `settle_ms`, saves
// `widget` to `path` and quits. Returns the exit code (0 on success).
int run_screenshot(QApplication& app, QWidget& widget, const QString& path, int settle_ms = 500);

} // namespace drig::ui
