#include "ui/shell/screenshot.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QPixmap>
#include <QTimer>
#include <QWidget>

#include <cstdio>

namespace drig::ui {

namespace {
// Below this a grab is considered blank (nothing but the background).
constexpr double kMinContent = 0.01;
} // namespace

double non_background_fraction(const QImage& image) {
  if (image.isNull() || image.width() == 0 || image.height() == 0)
    return 0.0;
  const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
  const QRgb corner = rgb.pixel(0, 0);
  qint64 differing = 0;
  for (int y = 0; y < rgb.height(); ++y) {
    const auto* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
    for (int x = 0; x < rgb.width(); ++x)
      differing += line[x] != corner ? 1 : 0;
  }
  return double(differing) / (double(rgb.width()) * double(rgb.height()));
}

QString save_widget_png(QWidget& widget, const QString& path) {
  const QImage image = widget.grab().toImage();
  if (image.isNull())
    return QStringLiteral("could not grab the window");
  if (non_background_fraction(image) < kMinContent)
    return QStringLiteral("the window rendered blank (%1x%2)")
        .arg(image.width())
        .arg(image.height());
  const QFileInfo info(path);
  if (!QDir().mkpath(info.absolutePath()))
    return QStringLiteral("cannot create the folder %1").arg(info.absolutePath());
  if (!image.save(path, "PNG"))
    return QStringLiteral("cannot write %1").arg(path);
  return {};
}

int run_screenshot(QApplication& app, QWidget& widget, const QString& path, int settle_ms) {
  QTimer::singleShot(settle_ms, &widget, [&app, &widget, path] {
    const QString error = save_widget_png(widget, path);
    if (error.isEmpty()) {
      std::fprintf(stdout, "Saved a screenshot to %s\n", qPrintable(path));
      app.exit(0);
    } else {
      std::fprintf(stderr, "diffusionrig-studio: --screenshot %s: %s\n", qPrintable(path),
                   qPrintable(error));
      app.exit(1);
    }
  });
  return app.exec();
}

} // namespace drig::ui
