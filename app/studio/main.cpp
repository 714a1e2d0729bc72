// diffusionrig-studio: the DiffusionRig Studio desktop application.
#include "model/base/log.h"
#include "model/device.h"
#include "ui/shell/app_icon.h"
#include "ui/shell/command_line.h"
#include "ui/shell/display_check.h"
#include "ui/shell/main_window.h"
#include "ui/shell/screenshot.h"
#include "ui/shell/settings.h"

#include <QApplication>
#include <QTimer>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  drig::ui::set_application_identity();
  if (drig::ui::wants_help_or_version(argc, argv)) {
    // --help and --version need no window: answer them even without a display.
    QCoreApplication core(argc, argv);
    drig::ui::StudioCommandLine::parse(core);
    return 0;
  }
  if (!drig::ui::display_available(argc, argv)) {
    const std::string message = drig::ui::no_display_message("diffusionrig-studio");
    std::fputs(message.c_str(), stderr);
    return 2;
  }

  QApplication app(argc, argv);
  const drig::ui::StudioCommandLine options = drig::ui::StudioCommandLine::parse(app);
  drig::setup_logging(drig::Verbosity::Normal);
  drig::configure_torch_threads(drig::ui::StudioSettings::load().threads);
  QApplication::setWindowIcon(drig::ui::app_icon());

  drig::ui::MainWindow window({options.assets_dir, options.reset_layout});
  window.openPaths(options.files);
  if (!options.screenshot.isEmpty()) {
    // The same size on every machine, whatever the (virtual) screen.
    window.resize(drig::ui::MainWindow::kDefaultSize);
    window.show();
    return drig::ui::run_screenshot(app, window, options.screenshot);
  }
  window.show();
  QTimer::singleShot(0, &window, &drig::ui::MainWindow::offerModelSetup);
  return app.exec();
}
