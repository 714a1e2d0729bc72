#include "tests/ui/ui_test_env.h"

#include "ui/shell/screenshot.h"
#include "ui/shell/settings.h"

#include <QApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <QWidget>

#include <memory>

namespace drig::ui::test {

namespace {
std::unique_ptr<QTemporaryDir>& temp_dir() {
  static std::unique_ptr<QTemporaryDir> dir;
  return dir;
}
} // namespace

void init_environment() {
  temp_dir() = std::make_unique<QTemporaryDir>();
  const QString root = temp_dir()->path();
  QStandardPaths::setTestModeEnabled(true);
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, root + "/config");
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, root + "/config");
  // An assets folder that does not exist: every required file reads as missing.
  qputenv("DIFFUSIONRIG_ASSETS", QFile::encodeName(root + "/no-assets"));
  set_application_identity();
  QApplication::setStyle(QStringLiteral("Fusion"));
  clear_settings();
}

QString temp_root() {
  return temp_dir() ? temp_dir()->path() : QString();
}

QString test_output_dir() {
  const QString dir = QStringLiteral(DRIG_TEST_OUTPUT_DIR);
  QDir().mkpath(dir);
  return dir;
}

void clear_settings() {
  QSettings settings;
  settings.clear();
  settings.sync();
}

void save_grab(QWidget& widget, const QString& name) {
  if (!widget.isVisible())
    widget.show();
  QVERIFY(QTest::qWaitForWindowExposed(&widget));
  const QImage image = widget.grab().toImage();
  QVERIFY(non_background_fraction(image) > 0.02);
  QVERIFY(image.save(test_output_dir() + QLatin1Char('/') + name));
}

void drop_paths(QWidget& widget, const QStringList& paths) {
  QMimeData mime;
  QList<QUrl> urls;
  for (const QString& path : paths)
    urls << QUrl::fromLocalFile(path);
  mime.setUrls(urls);
  const QPoint centre = widget.rect().center();
  QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(&widget, &enter);
  QVERIFY(enter.isAccepted());
  QDropEvent event(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(&widget, &event);
}

} // namespace drig::ui::test
