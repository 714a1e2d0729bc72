// Generate while Personalize trains: each job gives what it gives alone
// (the same image, the same trained weights), and neither waits for the other.
#include "model/formats/torch_checkpoint.h"
#include "tests/support/test_paths.h"
#include "tests/ui/editor_test_project.h"
#include "tests/ui/ui_test_env.h"
#include "ui/album/project_controller.h"
#include "ui/editor/control_group.h"
#include "ui/editor/controls_panel.h"
#include "ui/editor/editor_controller.h"
#include "ui/shell/main_window.h"
#include "ui/shell/settings.h"

#include <ATen/ATen.h>
#include <QCheckBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>

#include <filesystem>

using namespace drig;
using namespace drig::ui;
namespace fs = std::filesystem;

namespace {

// Every tensor of two checkpoints, bit for bit.
bool same_tensors(const fs::path& a, const fs::path& b) {
  const formats::NamedTensors ta =
      formats::state_dict_tensors(*formats::load_torch_checkpoint(a).root, a.string());
  const formats::NamedTensors tb =
      formats::state_dict_tensors(*formats::load_torch_checkpoint(b).root, b.string());
  if (ta.size() != tb.size())
    return false;
  for (size_t i = 0; i < ta.size(); ++i)
    if (ta[i].first != tb[i].first || !at::equal(ta[i].second, tb[i].second))
      return false;
  return true;
}

} // namespace

class EditorConcurrencyTest : public QObject, drig::ui::test::EditorProjectFixture {
  Q_OBJECT

private Q_SLOTS:
  void initTestCase() {
    if (drig::test::shared_dir().empty())
      QSKIP("../shared is not here");
    makeProject();
  }

  void generateWhilePersonalizeGivesWhatEachGivesAlone() {
    MainWindow window(windowOptions());
    openFirstPhoto(window);
    if (QTest::currentTestFailed())
      return;
    ProjectController* controller = window.projectController();
    EditorController* editor = window.editorController();
    QVERIFY(editor->editing());
    StudioSettings settings = window.settings();
    settings.steps = 3;
    settings.seed = 11;
    window.applySettings(settings);
    window.controlsPanel()->fastPreview()->setChecked(false);
    window.controlsPanel()->pose()->slider(QStringLiteral("yaw"))->setValue(-12);

    PersonalizeOptions p;
    p.stage1 = drig::test::extracted_fixture("tiny/model000000.pt");
    p.steps = 40;
    p.batch = 2;
    p.image_size = 32;
    p.preview_every = 0;
    p.log_every = 1;
    p.device = QStringLiteral("cpu");
    const fs::path kept = fs::path(drig::ui::test::temp_root().toStdString()) / "concurrency";
    fs::remove_all(kept);
    fs::create_directories(kept);
    const auto personalize = [&] {
      fs::remove_all(controller->project()->models_dir() / "default" / "run"); // a fresh run
      controller->personalize(p);
      QVERIFY(controller->busy());
    };
    const auto trained_model = [&](const fs::path& copy_to) {
      QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), drig::ui::test::kJobTimeoutMs);
      const project::PersonModel& person = controller->project()->person("default");
      QCOMPARE(person.status, project::ModelState::trained);
      fs::copy_file(person.model, copy_to);
    };
    // The model the editor samples with: a copy of its own, so the training
    // running beside it cannot touch it, and a new path (a new result cache
    // entry) for each round.
    const auto use_model = [&](const fs::path& model, const fs::path& copy) {
      fs::copy_file(model, copy, fs::copy_options::overwrite_existing);
      controller->project()->person("default").model = copy;
      controller->project()->person("default").status = project::ModelState::trained;
    };
    QSignalSpy generated(editor, &EditorController::generated);
    QSignalSpy failed(editor, &EditorController::generateFailed);
    const auto generate = [&] {
      generated.clear();
      QTest::mouseClick(window.controlsPanel()->generateButton(), Qt::LeftButton);
    };
    const auto result = [&]() -> QImage {
      [&] {
        QTRY_VERIFY_WITH_TIMEOUT(generated.count() + failed.count() > 0,
                                 drig::ui::test::kJobTimeoutMs);
      }();
      if (!failed.isEmpty())
        qWarning("generate failed: %s", qPrintable(failed.value(0).value(0).toString()));
      return QImage(editor->resultPng()).convertToFormat(QImage::Format_RGB888);
    };

    // Each alone.
    personalize();
    trained_model(kept / "alone.pt");
    if (QTest::currentTestFailed())
      return;
    use_model(kept / "alone.pt", kept / "sampler_a.pt");
    generate();
    const QImage alone = result();
    QVERIFY(!alone.isNull() && failed.isEmpty());

    // Together: the Generate starts once the training has taken steps.
    use_model(kept / "alone.pt", kept / "sampler_b.pt");
    QSignalSpy progress(controller, &ProjectController::trainingProgress);
    personalize();
    QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty(), drig::ui::test::kJobTimeoutMs);
    QVERIFY2(controller->busy(), "the training ended before the Generate could start");
    generate();
    const QImage together = result();
    const bool overlapped = controller->busy();
    trained_model(kept / "together.pt");
    qInfo("the training was %s running when the Generate finished",
          overlapped ? "still" : "no longer");
    QVERIFY(failed.isEmpty());
    QVERIFY2(together == alone, "the Generate beside a training differs from the one alone");
    QVERIFY2(same_tensors(kept / "alone.pt", kept / "together.pt"),
             "the training beside a Generate differs from the one alone");
  }
};

QTEST_MAIN(EditorConcurrencyTest)
#include "test_ui_editor_concurrency.moc"
