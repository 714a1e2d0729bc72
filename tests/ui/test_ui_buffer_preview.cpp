// The Studio's buffer preview shows what the headless renderer computes:
// the same shaders through the widget's own OpenGL context.
#include "render/cpu_rasterizer.h"
#include "render/light_rig.h"
#include "render/synthetic_mesh.h"
#include "ui/widgets/buffer_preview.h"

#include <QApplication>
#include <QImage>
#include <QTest>

#include <cmath>
#include <cstdlib>

using namespace drig;

class BufferPreviewTest : public QObject {
  Q_OBJECT

private Q_SLOTS:
  void showsTheBuffersOfTheSharedRenderer() {
    if (!ui::BufferPreview::supported())
      QSKIP("no OpenGL 3.3 core on this display (Qt's offscreen platform has none); run under "
            "xvfb-run for this check");
    render::SyntheticHead head = render::synthetic_head(24, 30, 0.8f, 20);
    for (size_t v = 0; v < head.pose.positions.size(); v += 3)
      head.pose.positions[v] += 0.0123f; // keep mesh edges off pixel centres
    const render::AlbedoMap albedo = render::synthetic_albedo(64);
    const render::ShLight light = render::directional_to_sh({30, 10, 1.0, {1, 1, 1}, 0.2});
    ui::BufferPreview preview;
    preview.resize(256, 256);
    preview.setMesh(head.topology, albedo);
    preview.setLight(light);
    preview.setPose(head.pose);
    preview.show();
    QVERIFY(QTest::qWaitForWindowExposed(&preview));
    const render::Buffers cpu =
        render::render_cpu(head.topology, head.pose, albedo, light, 256, 256);
    const size_t n = 256 * 256;
    for (const auto choice :
         {ui::BufferPreview::Rasterizer::OpenGl, ui::BufferPreview::Rasterizer::Cpu})
      for (const auto view : {ui::BufferPreview::View::Albedo, ui::BufferPreview::View::Normal,
                              ui::BufferPreview::View::Rendered}) {
        preview.setRasterizer(choice);
        QCOMPARE(preview.rasterizer(),
                 choice == ui::BufferPreview::Rasterizer::Cpu ? QString("CPU") : QString("OpenGL"));
        preview.setView(view);
        const QImage shot = preview.grabFramebuffer().convertToFormat(QImage::Format_RGB888);
        if (!preview.errorText().isEmpty())
          QSKIP(qPrintable("no OpenGL 3.3 core in this session: " + preview.errorText()));
        QVERIFY(preview.hasFrame());
        if (preview.devicePixelRatioF() != 1.0)
          QSKIP("the comparison needs a device pixel ratio of 1");
        QCOMPARE(preview.imageViewport(), QRect(0, 0, 256, 256));
        const std::vector<float>& planes = view == ui::BufferPreview::View::Albedo   ? cpu.albedo
                                           : view == ui::BufferPreview::View::Normal ? cpu.normal
                                                                                     : cpu.rendered;
        int off = 0;
        for (int y = 0; y < 256; ++y)
          for (int x = 0; x < 256; ++x) {
            const size_t p = size_t(y) * 256 + size_t(x);
            if (cpu.alpha[p] == 0)
              continue;
            const uchar* px = shot.constScanLine(y) + 3 * x;
            for (size_t c = 0; c < 3; ++c) {
              float v = planes[c * n + p];
              if (view == ui::BufferPreview::View::Normal)
                v = (v + 1) / 2;
              const int expected = int(std::lround(std::clamp(v, 0.0f, 1.0f) * 255));
              if (std::abs(int(px[c]) - expected) > 2) {
                ++off;
                break;
              }
            }
          }
        // Edge pixels may differ; the face must not.
        QVERIFY2(off < 60,
                 qPrintable(QString("%1 face pixels differ in view %2").arg(off).arg(int(view))));
      }
    const QString out = QString::fromUtf8(DRIG_TEST_OUTPUT_DIR) + "/buffer_preview.png";
    preview.grabFramebuffer().save(out);
  }

  void reportsMissingMeshWithoutCrashing() {
    if (!ui::BufferPreview::supported())
      QSKIP("no OpenGL 3.3 core on this display: the widget cannot be shown");
    ui::BufferPreview preview;
    preview.resize(200, 150);
    preview.show();
    QVERIFY(QTest::qWaitForWindowExposed(&preview));
    preview.grabFramebuffer();
    QVERIFY(!preview.hasFrame());
    QVERIFY(preview.errorText().isEmpty());
  }
};

int main(int argc, char** argv) {
  // A real X display (xvfb-run in CI) gives GLX; without one, try offscreen.
  if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY"))
    qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  BufferPreviewTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_ui_buffer_preview.moc"
