#pragma once

#include <QString>
#include <QStringList>

class QCoreApplication;

namespace drig::ui {

// The options of diffusionrig-studio (Qt's own, such as -platform, are taken
// by QApplication first).
struct StudioCommandLine {
  QString screenshot;        // --screenshot FILE.png: save the window and exit
  QString assets_dir;        // --assets DIR: this session only, not saved
  bool reset_layout = false; // --reset-layout: forget the saved window layout
  QStringList files;         // a project to open, or photos/folders to import

  // Parses app.arguments(); prints and exits on --help, --version or an error.
  static StudioCommandLine parse(const QCoreApplication& app);
};

} // namespace drig::ui
