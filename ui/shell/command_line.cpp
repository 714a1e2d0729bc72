#include "ui/shell/command_line.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace drig::ui {

StudioCommandLine StudioCommandLine::parse(const QCoreApplication& app) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Personalized portrait editing with DiffusionRig: drop a photo album, fit a "
                     "3D face model, then change lighting, expression and pose."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption screenshot(
      QStringLiteral("screenshot"),
      QStringLiteral("Show the main window, save it as a PNG image to <file> and exit."),
      QStringLiteral("file"));
  const QCommandLineOption assets(
      QStringLiteral("assets"),
      QStringLiteral("Read the model files from <dir> for this session (overrides Preferences)."),
      QStringLiteral("dir"));
  const QCommandLineOption reset_layout(
      QStringLiteral("reset-layout"),
      QStringLiteral("Forget the saved window size and dock layout."));
  parser.addOption(screenshot);
  parser.addOption(assets);
  parser.addOption(reset_layout);
  parser.addPositionalArgument(
      QStringLiteral("files"),
      QStringLiteral("A project (its folder or project.drig.json) to open, or photos and "
                     "folders to import (the desktop's Open With passes them)."),
      QStringLiteral("[files...]"));
  parser.process(app);

  StudioCommandLine out;
  out.screenshot = parser.value(screenshot);
  out.assets_dir = parser.value(assets);
  out.reset_layout = parser.isSet(reset_layout);
  out.files = parser.positionalArguments();
  return out;
}

} // namespace drig::ui
