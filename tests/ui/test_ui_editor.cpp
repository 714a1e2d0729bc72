// The editor as a photographer uses it: select a fitted portrait, move each
// slider and see the buffers change, undo, generate with a (tiny) personal
// model, compare before/after with the split line, save a preset, export
// the full-resolution photo with its EXIF. Generate beside Personalize is
// in test_ui_editor_concurrency.cpp.
#include "model/formats/torch_checkpoint.h"
#include "render/environment_light.h"
#include "render/light_rig.h"
#include "render/render_types.h"
#include "tests/support/test_paths.h"
#include "tests/training/edit/edit_fixtures.h"
#include "tests/ui/editor_test_project.h"
#include "tests/ui/loop_probe.h"
#include "tests/ui/ui_test_env.h"
#include "training/edit/edit_controls.h"
#include "training/edit/edit_engine.h"
#include "training/photo_io/image_file.h"
#include "training/photo_io/photo_writer.h"
#include "training/project/project.h"
#include "training/rig/rig_file.h"
#include "ui/album/album_panel.h"
#include "ui/album/project_controller.h"
#include "ui/editor/control_group.h"
#include "ui/editor/controls_panel.h"
#include "ui/editor/editor_canvas.h"
#include "ui/editor/editor_controller.h"
#include "ui/shell/jobs_panel.h"
#include "ui/shell/main_actions.h"
#include "ui/shell/main_window.h"
#include "ui/widgets/buffer_preview.h"
#include "ui/widgets/compare_view.h"
#include "ui/widgets/light_sphere.h"

#include <ATen/ATen.h>
#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QListView>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTest>
#include <QUndoStack>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

using namespace drig;
using namespace drig::ui;
namespace fs = std::filesystem;

namespace {

fs::path out_dir() {
  return fs::path(DRIG_TEST_OUTPUT_DIR);
}

double difference(const render::Buffers& a, const render::Buffers& b) {
  double sum = 0;
  using Planes = std::vector<float> render::Buffers::*;
  const Planes planes[] = {&render::Buffers::rendered, &render::Buffers::normal,
                           &render::Buffers::albedo};
  for (const Planes p : planes)
    for (size_t i = 0; i < (a.*p).size(); ++i)
      sum += std::abs(double((a.*p)[i]) - double((b.*p)[i]));
  return sum;
}

bool identical(const render::Buffers& a, const render::Buffers& b) {
  return a.rendered == b.rendered && a.normal == b.normal && a.albedo == b.albedo &&
         a.alpha == b.alpha;
}

} // namespace

class EditorTest : public QObject, drig::ui::test::EditorProjectFixture {
  Q_OBJECT

private Q_SLOTS:
  void initTestCase() {
    if (drig::test::shared_dir().empty())
      QSKIP("../shared is not here");
    makeProject();
  }

  void slidersChangeTheBuffersAndUndoRestoresThem() {
    MainWindow window(windowOptions());
    openFirstPhoto(window);
    if (QTest::currentTestFailed())
      return;
    QString error;
    QListView* album = window.albumPanel()->view();
    EditorController* editor = window.editorController();
    QVERIFY2(editor->editing(), qPrintable(window.controlsPanel()->generateStatus()->text()));
    QVERIFY(window.controlsPanel()->editingEnabled());
    QVERIFY(window.actions()->generate->isEnabled());

    const render::Buffers base = editor->renderBuffers();
    const editing::EditControls original = editor->controls();
    double covered = std::accumulate(base.alpha.begin(), base.alpha.end(), 0.0);
    QVERIFY2(covered > 500, "the face covers too little of the preview");
    ControlsPanel* panel = window.controlsPanel();
    QUndoStack* undo = window.undoStack();
    struct Move {
      ControlGroup* group;
      const char* key;
      int value;
    };
    const Move moves[] = {
        {panel->lighting(), "azimuth", 70},
        {panel->lighting(), "elevation", -40},
        {panel->lighting(), "intensity", 200},
        {panel->lighting(), "ambient", 20},
        {panel->lighting(), "temperature", 3000},
        {panel->lighting(), "tint", 80},
        {panel->expression(), "smile", 100},
        {panel->expression(), "brows", 100},
        {panel->expression(), "eyesClosed", 100},
        {panel->expression(), "jawOpen", 30},
        {panel->components(), "c0", 300},
        {panel->pose(), "yaw", 30},
        {panel->pose(), "pitch", 20},
        {panel->pose(), "roll", -20},
    };
    QStringList report;
    for (const Move& m : moves) {
      const QString key = QString::fromLatin1(m.key);
      QSlider* slider = m.group->slider(key);
      QVERIFY2(slider, m.key);
      const int steps_before = undo->index();
      slider->setValue(m.value);
      QVERIFY2(editor->controls() != original, m.key);
      QCOMPARE(undo->index(), steps_before + 1);
      const render::Buffers moved = editor->renderBuffers();
      const double diff = difference(moved, base);
      report << QStringLiteral("%1: %2").arg(key).arg(diff, 0, 'g', 4);
      QVERIFY2(diff > 1.0, qPrintable(key + QStringLiteral(" did not change the buffers")));
      undo->undo();
      QVERIFY2(editor->controls() == original, m.key);
      QVERIFY2(identical(editor->renderBuffers(), base), m.key);
      QCOMPARE(slider->value(), m.group->values().value(key));
    }
    qInfo("buffer change per slider (sum of |diff|): %s", qPrintable(report.join(", ")));

    // A drag is one undo step; redo brings it back.
    QSlider* yaw = panel->pose()->slider(QStringLiteral("yaw"));
    const int before_drag = undo->index();
    for (int v = 1; v <= 20; ++v)
      yaw->setValue(v);
    QCOMPARE(undo->index(), before_drag + 1);
    undo->undo();
    QVERIFY(editor->controls() == original);
    undo->redo();
    QCOMPARE(editor->controls().pose_delta_deg[0], 20.0);
    QCOMPARE(yaw->value(), 20);

    // The preview follows a drag: how long one update takes (rig -> posed
    // mesh -> view, then the frame), step by step as a drag delivers them.
    // The first frame after the photo opens also sets up the view (about
    // 200 ms under xvfb), so the rate is the median step's; on OpenGL under
    // xvfb a step is mostly the frame itself, paced at 60 Hz (about 17 ms).
    QElapsedTimer clock;
    std::vector<double> steps_ms;
    double rig_to_mesh = 0;
    drig::ui::test::LoopProbe load;
    load.start();
    const int frames = 30;
    for (int v = 0; v < frames; ++v) {
      clock.restart();
      yaw->setValue(-15 + v);
      rig_to_mesh += editor->lastPreviewMs();
      QCoreApplication::processEvents();
      steps_ms.push_back(double(clock.nsecsElapsed()) / 1e6);
    }
    load.stop();
    const double first = steps_ms.front();
    std::sort(steps_ms.begin(), steps_ms.end());
    const double median = steps_ms[steps_ms.size() / 2];
    QString line = QStringLiteral("preview update: median %1 ms (rig to posed mesh %2 ms), worst "
                                  "%3 ms, first %4 ms over %5 slider steps (%6 updates/s); other "
                                  "programs kept %7 core(s) busy")
                       .arg(median, 0, 'f', 1)
                       .arg(rig_to_mesh / frames, 0, 'f', 1)
                       .arg(steps_ms.back(), 0, 'f', 1)
                       .arg(first, 0, 'f', 1)
                       .arg(frames)
                       .arg(1000.0 / median, 0, 'f', 0)
                       .arg(load.otherLoadCores(), 0, 'f', 2);
    if (BufferPreview* preview = window.editorCanvas()->bufferPreview())
      line += QStringLiteral("; last OpenGL buffer render %1 ms (%2)")
                  .arg(preview->lastRenderMs(), 0, 'f', 1)
                  .arg(preview->rasterizer());
    qInfo("%s", qPrintable(line));
    QFile timing(QString::fromStdString((out_dir() / "editor_preview_timing.txt").string()));
    QVERIFY(timing.open(QIODevice::WriteOnly | QIODevice::Text));
    timing.write(line.toUtf8() + "\n");
    // Issue 25 asks for 30 updates/s. Beside other programs the frame
    // shares the cores (software OpenGL): asserted on a machine to itself.
    if (!load.machineShared())
      QVERIFY2(median <= 1000.0 / 30, qPrintable(line));

    // Reset puts the group back; the edit is stored in the project.
    QTest::mouseClick(panel->pose()->resetButton(), Qt::LeftButton);
    QCOMPARE(editor->controls().pose_delta_deg[0], 0.0);
    panel->lighting()->slider(QStringLiteral("azimuth"))->setValue(60);
    panel->lighting()->slider(QStringLiteral("elevation"))->setValue(30);
    const auto& stored = window.projectController()->project()->edits.at("img14");
    QCOMPARE(stored.at("controls").at("light").at("azimuth").get<double>(), 60.0);
    QCOMPARE(stored.at("light").at("azimuth").get<double>(), 60.0); // what infer --edit reads

    // Presets: save, change, load back.
    const QString preset = QString::fromStdString((out_dir() / "editor_preset.json").string());
    QVERIFY2(editor->savePreset(preset, &error), qPrintable(error));
    const editing::EditControls saved = editor->controls();
    panel->expression()->slider(QStringLiteral("smile"))->setValue(50);
    QVERIFY(editor->controls() != saved);
    QVERIFY2(editor->loadPreset(preset, &error), qPrintable(error));
    QVERIFY(editor->controls() == saved);
    QFile broken(QString::fromStdString((out_dir() / "broken_preset.json").string()));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("{\"strength\": 7}");
    broken.close();
    QVERIFY(!editor->loadPreset(broken.fileName(), &error));
    QVERIFY2(error.contains(QStringLiteral("broken_preset.json")), qPrintable(error));

    // Apply Edit to Selected: the other photo gets the same change, in one undo step.
    QCOMPARE(window.projectController()->project()->edits.count("img14_copy"), size_t(0));
    album->selectionModel()->select(window.albumPanel()->model()->index(1, 0),
                                    QItemSelectionModel::Select);
    QCOMPARE(editor->photoId(), QStringLiteral("img14"));
    QVERIFY(window.actions()->applyToSelected->isEnabled());
    window.actions()->applyToSelected->trigger();
    const auto& edits = window.projectController()->project()->edits;
    QCOMPARE(edits.count("img14_copy"), size_t(1));
    QCOMPARE(edits.at("img14_copy").at("controls").at("light").at("azimuth").get<double>(), 60.0);
    undo->undo();
    QCOMPARE(edits.count("img14_copy"), size_t(0));
    album->selectionModel()->select(window.albumPanel()->model()->index(1, 0),
                                    QItemSelectionModel::Deselect);

    window.editorCanvas()->setMode(EditorCanvas::Mode::Buffers);
    // The album's thumbnails load in the background: wait for them before the screenshot.
    QTRY_VERIFY_WITH_TIMEOUT(
        !window.albumPanel()->model()->item(1)->data(Qt::DecorationRole).isNull(),
        drig::ui::test::kJobTimeoutMs);
    QTest::qWait(100);
    QVERIFY(window.grab().save(
        QString::fromStdString((out_dir() / "studio_editor_light.png").string())));
  }

  void lightFromAPanoramaAndABackground() {
    MainWindow window(windowOptions());
    openFirstPhoto(window);
    if (QTest::currentTestFailed())
      return;
    EditorController* editor = window.editorController();
    QVERIFY(editor->editing());
    QVERIFY(window.actions()->lightFromPanorama->isEnabled());
    QVERIFY(window.actions()->lightFromBackground->isEnabled());
    // From the photo's fitted light (an earlier test stored a light edit).
    QTest::mouseClick(window.controlsPanel()->lighting()->resetButton(), Qt::LeftButton);
    const std::array<float, 27> fitted = editor->currentLight();
    const render::Buffers base = editor->renderBuffers();
    // A panorama with a sun low on the image's right: the face is lit from
    // there, at the photo's own exposure.
    cv::Mat bgr(64, 128, CV_32FC3, cv::Scalar(0.05, 0.05, 0.05));
    cv::circle(bgr, {int((70 + 180) / 360.0 * 128), int((90 - 20) / 180.0 * 64)}, 2,
               cv::Scalar(200, 200, 200), cv::FILLED);
    const QString hdr = QString::fromStdString((out_dir() / "editor_sun.hdr").string());
    QVERIFY(cv::imwrite(hdr.toStdString(), bgr));
    QSignalSpy done(editor, &EditorController::lightFromFileDone);
    const int steps = window.undoStack()->index();
    editor->lightFromFile(hdr, true);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, drig::ui::test::kJobTimeoutMs);
    QVERIFY2(done.at(0).at(0).toString().isEmpty(), qPrintable(done.at(0).at(0).toString()));
    const std::array<float, 27> lit = editor->currentLight();
    QCOMPARE(window.undoStack()->index(), steps + 1);
    QVERIFY(std::abs(render::dominant_light(lit).azimuth_deg - 70) < 5);
    // The synthetic fit's light has no positive exposure to keep (a real
    // DECA fit has): then the panorama's own is used.
    if (render::dc_luminance(fitted) > 0)
      QVERIFY(std::abs(render::dc_luminance(lit) - render::dc_luminance(fitted)) <
              1e-3 * render::dc_luminance(fitted));
    QVERIFY(difference(editor->renderBuffers(), base) > 1.0);
    QVERIFY(
        window.projectController()->project()->edits.at("img14").at("light").at("keep_exposure"));
    // The sphere shows the panorama's light: its right side (the sun's) is
    // brighter than its left.
    const QImage sphere = window.controlsPanel()->lightSphere()->grab().toImage();
    const auto brightness = [&](double fx) {
      return qGray(sphere.pixel(int(fx * sphere.width()), sphere.height() / 2));
    };
    QVERIFY2(brightness(0.8) > brightness(0.2) + 40,
             qPrintable(QStringLiteral("%1 vs %2").arg(brightness(0.8)).arg(brightness(0.2))));
    window.editorCanvas()->setMode(EditorCanvas::Mode::Buffers);
    QTest::qWait(100);
    QVERIFY(window.grab().save(
        QString::fromStdString((out_dir() / "studio_light_from_panorama.png").string())));
    window.undoStack()->undo();
    QVERIFY(editor->currentLight() == fitted);

    // A broken file: an error naming it, the light untouched.
    const QString broken = QString::fromStdString((out_dir() / "broken.hdr").string());
    QFile f(broken);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("#?RADIANCE\nbroken");
    f.close();
    editor->lightFromFile(broken, true);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, drig::ui::test::kJobTimeoutMs);
    QVERIFY(done.at(1).at(0).toString().contains(QStringLiteral("broken.hdr")));
    QVERIFY(editor->currentLight() == fitted);
    auto* box = window.findChild<QMessageBox*>(QStringLiteral("lightingError"));
    QVERIFY(box && box->isVisible() && box->text().contains(QStringLiteral("broken.hdr")));
    box->close();

    // A background photo: a real photo lit from its left.
    cv::Mat photo =
        cv::imread((drig::test::shared_dir() / "testdata/albums/mark/img15.jpg").string());
    QVERIFY(!photo.empty());
    photo(cv::Rect(photo.cols / 2, 0, photo.cols - photo.cols / 2, photo.rows)) =
        cv::Scalar::all(0);
    const QString background = QString::fromStdString((out_dir() / "left_lit.jpg").string());
    QVERIFY(cv::imwrite(background.toStdString(), photo));
    editor->lightFromFile(background, false);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, drig::ui::test::kJobTimeoutMs);
    QVERIFY2(done.at(2).at(0).toString().isEmpty(), qPrintable(done.at(2).at(0).toString()));
    QVERIFY(render::dominant_light(editor->currentLight()).azimuth_deg < -20);
  }

  void fastPreviewFollowsTheSliders() {
    MainWindow window(windowOptions());
    openFirstPhoto(window);
    if (QTest::currentTestFailed())
      return;
    EditorController* editor = window.editorController();
    QVERIFY(editor->editing());
    ControlsPanel* panel = window.controlsPanel();
    // Refinement long enough to still run when the slider moves again.
    StudioSettings live = window.settings();
    live.steps = 1000;
    live.preview_steps = 2;
    window.applySettings(live);
    panel->fastPreview()->setChecked(true);
    QSignalSpy previewed(editor, &EditorController::previewReady);
    QSignalSpy generated(editor, &EditorController::generated);
    // No Generate press: with Fast preview a moved slider starts on its own.
    panel->pose()->slider(QStringLiteral("yaw"))->setValue(9);
    QTRY_VERIFY_WITH_TIMEOUT(previewed.count() == 1, drig::ui::test::kJobTimeoutMs);
    QVERIFY(editor->generating());
    QCOMPARE(editor->resultPng(), previewed.at(0).at(1).toString());
    QTRY_VERIFY_WITH_TIMEOUT(panel->generateProgress()->value() > 0, drig::ui::test::kJobTimeoutMs);
    // The slider moves while the refinement runs: it is dropped, the new
    // edit's preview comes, then its (now short) refinement.
    live.steps = 3;
    window.applySettings(live);
    panel->pose()->slider(QStringLiteral("yaw"))->setValue(11);
    QTRY_VERIFY_WITH_TIMEOUT(generated.count() == 1, drig::ui::test::kJobTimeoutMs);
    QCOMPARE(previewed.count(), 2);
    QVERIFY(previewed.at(1).at(1).toString() != previewed.at(0).at(1).toString());
    QCOMPARE(generated.at(0).at(1).toString(), editor->resultPng());
    QVERIFY2(editor->lastRunSummary().startsWith(QStringLiteral("dpmpp3m, 3 steps · ")),
             qPrintable(editor->lastRunSummary()));
    QStringList statuses;
    for (int row = 0; row < window.jobsPanel()->jobsTable()->rowCount(); ++row)
      statuses << window.jobsPanel()->jobStatus(row);
    QVERIFY2(statuses.contains(QStringLiteral("Replaced by a newer edit")),
             qPrintable(statuses.join(" | ")));
    QVERIFY(!editor->generating());
  }

  // Issue 24: the Studio runs a Generate while a Personalize trains; each
  // draws from its own generator, so both give, bit for bit, what each gives
  // alone.
  void generateCompareAndExport() {
    MainWindow window(windowOptions());
    openFirstPhoto(window);
    if (QTest::currentTestFailed())
      return;
    QString error;
    EditorController* editor = window.editorController();
    QVERIFY(editor->editing());
    ControlsPanel* panel = window.controlsPanel();
    panel->pose()->slider(QStringLiteral("yaw"))->setValue(15);

    // Final quality with many steps, cancelled after its first step: no result is kept.
    StudioSettings slow = window.settings();
    slow.steps = 1000;
    window.applySettings(slow);
    QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
    QVERIFY(editor->generating());
    QVERIFY(panel->cancelButton()->isVisible());
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(panel->generateProgress()->value() > 0, drig::ui::test::kJobTimeoutMs);
    const qint64 first = clock.elapsed();
    QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!editor->generating(), drig::ui::test::kJobTimeoutMs);
    qInfo("generation: first 1%% after %lld ms, stopped %lld ms after Cancel", first,
          clock.elapsed() - first);
    QCOMPARE(panel->generateStatus()->text(), QStringLiteral("Generation cancelled"));
    QVERIFY(editor->resultPng().isEmpty());
    QVERIFY(panel->generateButton()->isVisible());

    // Final quality = 5 steps from here on; the fast preview shows 2 steps first.
    slow.steps = 5;
    slow.preview_steps = 2;
    window.applySettings(slow);
    panel->fastPreview()->setChecked(true);

    QSignalSpy generated(editor, &EditorController::generated);
    QSignalSpy failed(editor, &EditorController::generateFailed);
    QSignalSpy previewed(editor, &EditorController::previewReady);
    QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
    QVERIFY(editor->generating() || generated.count() == 1);
    QTRY_VERIFY_WITH_TIMEOUT(generated.count() + failed.count() > 0, drig::ui::test::kJobTimeoutMs);
    QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
    QVERIFY(QFile::exists(editor->resultPng()));
    // The preview came first, as its own image, and the status says how the result was made.
    QCOMPARE(previewed.count(), 1);
    QVERIFY(QFile::exists(previewed.at(0).at(1).toString()));
    QVERIFY(previewed.at(0).at(1).toString() != editor->resultPng());
    QVERIFY2(editor->lastRunSummary().startsWith(QStringLiteral("dpmpp3m, 5 steps · ")),
             qPrintable(editor->lastRunSummary()));
    // The identity guard scores the result when the face-api models are installed.
    if (QFile::exists(QDir::homePath() + QStringLiteral("/.local/share/diffusionrig/face-api/"
                                                        "face_recognition_model.bin"))) {
      QVERIFY(!std::isnan(editor->lastIdentity()));
      QVERIFY2(panel->generateStatus()->text().startsWith(QStringLiteral("Identity ")),
               qPrintable(panel->generateStatus()->text()));
      QCOMPARE(window.editorCanvas()->infoLabel()->text(), panel->generateStatus()->text());
      // Preferences > Minimum identity: the tiny model's noise never reaches 0.99, so every
      // retry runs and the best is kept.
      StudioSettings strict = window.settings();
      strict.min_identity = 0.99;
      strict.identity_retries = 2;
      window.applySettings(strict);
      panel->pose()->slider(QStringLiteral("yaw"))->setValue(16);
      generated.clear();
      QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
      QTRY_VERIFY_WITH_TIMEOUT(generated.count() + failed.count() > 0,
                               drig::ui::test::kJobTimeoutMs);
      QVERIFY2(panel->generateStatus()->text().contains(QStringLiteral("(best of 3 seeds)")),
               qPrintable(panel->generateStatus()->text()));
      strict.min_identity = 0;
      window.applySettings(strict);
      panel->pose()->slider(QStringLiteral("yaw"))->setValue(15);
      QTRY_VERIFY(!editor->resultPng().isEmpty()); // back to the cached 15-degree result
    } else {
      qInfo("no face-api models: the identity score is not checked");
    }
    // Cached: the same edit again is instant and the same file.
    generated.clear();
    QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
    QCOMPARE(generated.count(), 1);
    QCOMPARE(generated.at(0).at(1).toString(), editor->resultPng());

    // Split view: left of the line is before, right is after.
    EditorCanvas* canvas = window.editorCanvas();
    canvas->setMode(EditorCanvas::Mode::Split);
    CompareView* compare = canvas->compareView();
    QVERIFY(compare->isVisible());
    QVERIFY(compare->after() != compare->before());
    const auto shot = [&](double split) {
      compare->setSplitPosition(split);
      return compare->grab().toImage().convertToFormat(QImage::Format_RGB888);
    };
    const QImage all_before = shot(1.0), all_after = shot(0.0), split = shot(0.5);
    split.save(QString::fromStdString((out_dir() / "compare_split.png").string()));
    const QRectF r = compare->imageRect();
    const int y0 = int(r.top() + r.height() * 0.3), y1 = int(r.bottom() - r.height() * 0.1);
    const int mid = int(r.left() + r.width() / 2);
    // Equal up to resampling seams (Qt may place a scaled image's column
    // differently when its clip starts elsewhere): < 1 % of pixels off.
    const auto region_equal = [&](const QImage& a, const QImage& b, int x0, int x1) {
      int off = 0;
      for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x)
          for (int c = 0; c < 3; ++c)
            if (std::abs(int(a.constScanLine(y)[3 * x + c]) - int(b.constScanLine(y)[3 * x + c])) >
                2) {
              ++off;
              break;
            }
      return off < (y1 - y0) * (x1 - x0) / 100;
    };
    QVERIFY(region_equal(split, all_before, int(r.left()) + 2, mid - 14));
    QVERIFY(region_equal(split, all_after, mid + 14, int(r.right()) - 2));
    QVERIFY(!region_equal(all_before, all_after, int(r.left()) + 2, int(r.right()) - 2));
    // `\` toggles to the before image and back; 1 is 1:1.
    compare->setFocus();
    QTest::keyClick(compare, Qt::Key_Backslash);
    QVERIFY(compare->showingBefore());
    QTest::keyClick(compare, Qt::Key_Backslash);
    QVERIFY(!compare->showingBefore());
    QTest::keyClick(compare, Qt::Key_1);
    QCOMPARE(compare->zoom(), 1.0);
    QTest::keyClick(compare, Qt::Key_1);
    QCOMPARE(compare->zoom(), 0.0);
    canvas->setMode(EditorCanvas::Mode::SideBySide);
    QCOMPARE(compare->mode(), CompareView::Mode::SideBySide);
    QCOMPARE(compare->imageRect(0).size(), compare->imageRect(1).size());
    canvas->setMode(EditorCanvas::Mode::Split);
    compare->setSplitPosition(0.5);
    QTest::qWait(100);
    QVERIFY(window.grab().save(
        QString::fromStdString((out_dir() / "studio_compare_split.png").string())));

    // Export: the full-resolution photo, EXIF and profile kept.
    ExportOptions ex;
    ex.folder = out_dir() / "export";
    fs::remove_all(ex.folder);
    ex.format = QStringLiteral("jpg");
    QSignalSpy exported(editor, &EditorController::exportFinished);
    editor->exportPhotos({QStringLiteral("img14")}, ex);
    QTRY_VERIFY_WITH_TIMEOUT(exported.count() == 1, drig::ui::test::kJobTimeoutMs);
    QCOMPARE(exported.at(0).at(0).toInt(), 1);
    QVERIFY2(exported.at(0).at(1).toString().isEmpty(),
             qPrintable(exported.at(0).at(1).toString()));
    const fs::path source = drig::test::shared_dir() / "testdata/albums/mark/img14.jpg";
    const fs::path written = ex.folder / "img14_edited.jpg";
    QVERIFY(fs::exists(written));
    const auto in = image_io::load_image(source), out = image_io::load_image(written);
    QCOMPARE(out.rgb.cols, in.rgb.cols);
    QCOMPARE(out.rgb.rows, in.rgb.rows);
    const editing::PhotoMetadata src_meta = editing::read_metadata(source),
                                 out_meta = editing::read_metadata(written);
    QCOMPARE(out_meta.icc.size(), src_meta.icc.size());
    QVERIFY2(!src_meta.exif.empty(), "img14.jpg carries EXIF: the check needs it");
    QVERIFY2(out_meta.exif == src_meta.exif, "the EXIF block was not carried over");
  }
};

QTEST_MAIN(EditorTest)
#include "test_ui_editor.moc"
