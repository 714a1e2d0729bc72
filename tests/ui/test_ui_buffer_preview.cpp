// The Studio's buffer preview shows what the headless renderer computes:
// the same shaders through the widget's own OpenGL context.
#include "model/face/flame.h"
#include "render/cpu_rasterizer.h"
#include "render/light_rig.h"
#include "render/synthetic_mesh.h"
#include "tests/ui/loop_probe.h"
#include "ui/widgets/buffer_preview.h"

#include <ATen/ATen.h>
#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

using namespace drig;

namespace {

// FLAME with the synthetic head as its template: the real model's shapes
// (100 shape and 50 expression components, 36 pose correctives, 5 joints),
// random blendshapes, every vertex on the root joint. What the editor's rig
// pass computes per slider step, at FLAME's size, without FLAME's files.
face::Flame flame_on(const render::SyntheticHead& head) {
  const int64_t v = head.topology.num_vertices;
  at::manual_seed(5);
  face::FlameAssets a;
  a.v_template = at::from_blob(const_cast<float*>(head.pose.positions.data()), {v, 3}).clone();
  a.shapedirs = at::randn({v, 3, a.n_shape + a.n_exp}) * 1e-3;
  a.posedirs = at::randn({36, v * 3}) * 1e-4;
  a.j_regressor = at::full({5, v}, 1.0 / double(v));
  a.lbs_weights = at::zeros({v, 5});
  a.lbs_weights.select(1, 0).fill_(1.0);
  a.parents = {-1, 0, 1, 1, 1};
  a.faces = at::from_blob(const_cast<int32_t*>(head.topology.faces.data()),
                          {head.topology.num_faces(), 3}, at::kInt)
                .to(at::kLong);
  a.static_lmk_faces_idx = at::zeros({51}, at::kLong);
  a.static_lmk_bary = at::full({51, 3}, 1.0 / 3);
  a.dynamic_lmk_faces_idx = at::zeros({79, 17}, at::kLong);
  a.dynamic_lmk_bary = at::full({79, 17, 3}, 1.0 / 3);
  a.full_lmk_faces_idx = at::zeros({68}, at::kLong);
  a.full_lmk_bary = at::full({68, 3}, 1.0 / 3);
  return face::Flame(std::move(a), c10::Device(at::kCPU));
}

render::MeshPose posed(const face::Flame& flame, float yaw_deg) {
  const at::Tensor pose = at::zeros({1, 6});
  pose[0][1] = yaw_deg * 3.14159265f / 180;
  const face::FlameOutput out = flame.forward(at::zeros({1, 100}), at::zeros({1, 50}), pose);
  const at::Tensor normals = face::vertex_normals(out.vertices, flame.assets().faces).contiguous();
  const at::Tensor positions = out.vertices.contiguous();
  const int64_t n = positions.numel();
  render::MeshPose p;
  p.positions.assign(positions.data_ptr<float>(), positions.data_ptr<float>() + n);
  p.normals.assign(normals.data_ptr<float>(), normals.data_ptr<float>() + n);
  return p;
}

} // namespace

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

  // Issue 25: a drag over a FLAME-sized mesh (about 5000 vertices, 10000
  // triangles) updates the view at least 30 times a second with either
  // rasterizer. Each step poses the mesh with FLAME's skinning and
  // blendshapes (flame_on above) and its normals, then draws the frame.
  void flameSizedMeshFollowsADragAt30UpdatesPerSecond() {
    if (!ui::BufferPreview::supported())
      QSKIP("no OpenGL 3.3 core on this display: the widget cannot be shown");
    const render::SyntheticHead head = render::synthetic_head(71, 72, 0.7f, 0);
    QVERIFY(head.topology.num_vertices >= 5000);
    QVERIFY(head.topology.num_faces() >= 9976); // FLAME: 5023 and 9976
    const face::Flame flame = flame_on(head);
    ui::BufferPreview preview;
    preview.resize(512, 512);
    preview.setMesh(head.topology, render::synthetic_albedo(256));
    preview.setLight(render::directional_to_sh({30, 10, 1.0, {1, 1, 1}, 0.2}));
    preview.setPose(head.pose);
    preview.show();
    QVERIFY(QTest::qWaitForWindowExposed(&preview));
    for (const auto choice :
         {ui::BufferPreview::Rasterizer::OpenGl, ui::BufferPreview::Rasterizer::Cpu}) {
      preview.setRasterizer(choice);
      drig::ui::test::LoopProbe load;
      load.start();
      std::vector<double> steps_ms, frame_ms;
      for (int step = 0; step < 31; ++step) {
        QElapsedTimer clock;
        clock.start();
        preview.setPose(posed(flame, float(step - 15)));
        preview.repaint();
        QCoreApplication::processEvents();
        if (step > 0) // the first frame after the switch sets the rasterizer up
          steps_ms.push_back(double(clock.nsecsElapsed()) / 1e6);
        frame_ms.push_back(preview.lastRenderMs());
      }
      load.stop();
      if (!preview.errorText().isEmpty())
        QSKIP(qPrintable("no OpenGL 3.3 core in this session: " + preview.errorText()));
      QVERIFY(preview.hasFrame());
      std::sort(steps_ms.begin(), steps_ms.end());
      std::sort(frame_ms.begin(), frame_ms.end());
      const double median = steps_ms[steps_ms.size() / 2];
      const QString line =
          QStringLiteral("%1, %2 vertices / %3 triangles: median step %4 ms (frame %5 ms), worst "
                         "%6 ms: %7 updates/s; other programs kept %8 core(s) busy")
              .arg(preview.rasterizer())
              .arg(head.topology.num_vertices)
              .arg(head.topology.num_faces())
              .arg(median, 0, 'f', 1)
              .arg(frame_ms[frame_ms.size() / 2], 0, 'f', 1)
              .arg(steps_ms.back(), 0, 'f', 1)
              .arg(1000.0 / median, 0, 'f', 0)
              .arg(load.otherLoadCores(), 0, 'f', 2);
      qInfo("%s", qPrintable(line));
      // Beside other programs the frame shares the cores (software OpenGL
      // here): asserted on a machine to itself.
      if (!load.machineShared())
        QVERIFY2(median <= 1000.0 / 30, qPrintable(line));
    }
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
