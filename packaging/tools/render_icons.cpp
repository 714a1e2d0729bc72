// Build tool: the application icon as PNGs at the hicolor sizes, painted by
// the same code the Studio uses (ui/shell/app_icon.cpp), for the package.
//   render_icons OUTPUT_DIR NAME SIZE...   writes OUTPUT_DIR/SIZExSIZE/NAME.png
#include "ui/shell/app_icon.h"

#include <QDir>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: render_icons OUTPUT_DIR NAME SIZE...\n");
    return 64;
  }
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);
  const QString out = QString::fromLocal8Bit(argv[1]);
  const QString name = QString::fromLocal8Bit(argv[2]);
  for (int i = 3; i < argc; ++i) {
    const int size = QString::fromLocal8Bit(argv[i]).toInt();
    if (size < 8 || size > 1024) {
      std::fprintf(stderr, "render_icons: bad size %s\n", argv[i]);
      return 64;
    }
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    {
      QPainter painter(&image);
      painter.setRenderHint(QPainter::Antialiasing);
      drig::ui::paint_app_icon(painter, QRectF(0, 0, size, size));
    }
    const QString dir = QStringLiteral("%1/%2x%2").arg(out).arg(size);
    QDir().mkpath(dir);
    const QString file = QStringLiteral("%1/%2.png").arg(dir, name);
    if (!image.save(file)) {
      std::fprintf(stderr, "render_icons: cannot write %s\n", qPrintable(file));
      return 1;
    }
  }
  return 0;
}
