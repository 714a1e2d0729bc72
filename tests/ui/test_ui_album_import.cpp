// The album workflow as a photographer does it: drop a folder of photos on
// the window, watch alignment run in the background with status badges,
// cancel a job, save, close and reopen the project.
#include "tests/support/test_paths.h"
#include "tests/ui/loop_probe.h"
#include "tests/ui/ui_test_env.h"
#include "training/align/sidecar.h"
#include "ui/album/album_panel.h"
#include "ui/album/face_pick_dialog.h"
#include "ui/album/personalize_dialog.h"
#include "ui/album/project_controller.h"
#include "ui/album/training_chart.h"
#include "ui/shell/jobs_panel.h"
#include "ui/shell/main_actions.h"
#include "ui/shell/main_window.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineSeries>
#include <QListView>
#include <QListWidget>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <filesystem>

using namespace drig::ui;
namespace fs = std::filesystem;

namespace {

QString album_dir() {
  return QString::fromStdString((drig::test::shared_dir() / "testdata/albums/mark").string());
}

// The folder a user drops: the album plus one damaged file.
QString make_drop_folder(const QString& name) {
  const QString folder = QDir(test::temp_root()).filePath(name);
  QDir().mkpath(folder);
  for (const QString& f : QDir(album_dir()).entryList({QStringLiteral("*.jpg")}, QDir::Files))
    QFile::copy(QDir(album_dir()).filePath(f), QDir(folder).filePath(f));
  QFile broken(QDir(folder).filePath(QStringLiteral("broken.jpg")));
  broken.open(QIODevice::WriteOnly);
  broken.write(QByteArray("\xff\xd8\xff\xe0 this is not really a JPEG", 31));
  return folder;
}

QMap<QString, QString> statuses(const QStandardItemModel* model) {
  QMap<QString, QString> out;
  for (int r = 0; r < model->rowCount(); ++r)
    out[model->item(r)->data(ProjectController::kPhotoIdRole).toString()] =
        model->item(r)->data(ProjectController::kStatusRole).toString();
  return out;
}

} // namespace

class AlbumImportTest : public QObject {
  Q_OBJECT
  // Drops the album on a new window and returns the probe's summary when the
  // GUI thread never worked 50 ms at once and never waited 100 ms, else an
  // empty string (the summary is printed).
  QString timeImportInNewWindow() {
    MainWindow window;
    window.show();
    QString error;
    const QString project = QDir(test::temp_root()).filePath(QStringLiteral("mark_again"));
    if (!window.projectController()->newProject(project, QStringLiteral("Mark"), &error) ||
        !QTest::qWaitForWindowExposed(&window))
      return {};
    QTest::qWait(200);
    test::LoopProbe probe;
    probe.start();
    test::drop_paths(window, {make_drop_folder(QStringLiteral("drop_again"))});
    if (!QTest::qWaitFor([&] { return !window.projectController()->busy(); }, test::kJobTimeoutMs))
      return {};
    probe.stop();
    qInfo("import again: %s", qPrintable(probe.summary()));
    return probe.machineShared() || (probe.worstBusyMs() < 50 && probe.worstUnqueuedGapMs() < 100)
               ? probe.summary()
               : QString();
  }

private Q_SLOTS:
  void initTestCase() {
    test::init_environment();
    if (drig::test::shared_dir().empty())
      QSKIP("../shared is absent: no test album");
  }

  void droppedFolderIsAlignedInTheBackgroundWithBadges() {
    MainWindow window;
    window.show();
    ProjectController* controller = window.projectController();
    QString error;
    const QString project = QDir(test::temp_root()).filePath(QStringLiteral("mark_project"));
    QVERIFY2(controller->newProject(project, QStringLiteral("Mark"), &error), qPrintable(error));
    QVERIFY(window.windowTitle().startsWith(QStringLiteral("Mark")));
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTest::qWait(200); // the first paint (fonts, styles) is start-up, not the import

    test::LoopProbe probe;
    probe.start();
    test::drop_paths(window, {make_drop_folder(QStringLiteral("drop1"))});
    QStandardItemModel* model = window.albumPanel()->model();
    QCOMPARE(model->rowCount(), 6); // every photo shows at once, queued
    QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
    probe.stop();
    const QString import_timing = probe.summary();
    const double worst_blocked = probe.worstUnqueuedGapMs();
    const double other_load = probe.otherLoadCores();
    const double worst_busy = probe.worstBusyMs();
    // The probe does see a handler that holds the loop, and what it delivered.
    probe.start();
    bool held = false;
    QTimer::singleShot(0, [&held] {
      // 60 ms of the thread's own work, however busy the machine is.
      const double until = test::LoopProbe::threadCpuMs() + 60;
      while (test::LoopProbe::threadCpuMs() < until) {
      }
      held = true;
    });
    // Not a fixed wait: under load those 60 ms of CPU took over 150 ms of wall
    // time once, and the probe had not ticked after them when the wait ended.
    QTRY_VERIFY_WITH_TIMEOUT(held, test::kJobTimeoutMs);
    const int ticks_after_hold = probe.ticks();
    QTRY_VERIFY_WITH_TIMEOUT(probe.ticks() > ticks_after_hold, test::kJobTimeoutMs);
    probe.stop();
    QVERIFY2(probe.worstGapMs() >= 60 && probe.worstBusyMs() >= 50 &&
                 !probe.busiestEvents().isEmpty(),
             qPrintable(probe.summary()));

    const auto s = statuses(model);
    QCOMPARE(s.value(QStringLiteral("broken")), QStringLiteral("error"));
    int aligned = 0;
    for (auto it = s.begin(); it != s.end(); ++it)
      aligned += it.value() == QStringLiteral("aligned");
    QCOMPARE(aligned, 5);
    const QStandardItem* broken = controller->itemFor(QStringLiteral("broken"));
    QVERIFY2(broken->toolTip().contains(QStringLiteral("Error")), qPrintable(broken->toolTip()));
    QVERIFY(!broken->icon().isNull());
    QVERIFY(window.albumPanel()->counterLabel()->text().startsWith(QStringLiteral("5 / ~20")));
    // The job row says what happened.
    QTableWidget* jobs = window.jobsPanel()->jobsTable();
    QVERIFY(jobs->rowCount() >= 1);
    QVERIFY2(window.jobsPanel()->jobStatus(0).startsWith(QStringLiteral("Done")),
             qPrintable(window.jobsPanel()->jobStatus(0)));
    qInfo("import: %s", qPrintable(import_timing));
    // The import's work runs on other threads, at a lower priority: the GUI
    // thread never works 50 ms without returning to its event loop (here it
    // works about 7 ms at most), and never waits 100 ms for them (a lock, or
    // Qt's image scaling on a pool thread: 570 ms under load once the jobs
    // lowered Qt's own pool). Time it waited for a CPU is the machine's
    // load, not the Studio's, and is left out.
    if (probe.machineShared()) {
      // Another program's load is measured too: with 5 cores' worth of
      // tests on these 2, one import took 95 s and the GUI thread's clocks
      // gained ~100 ms gaps with no work of ours in them. ctest runs this
      // test alone (RUN_SERIAL), where the bounds hold.
      qWarning("other programs kept %.1f core(s) busy during the import: its timing is printed "
               "above, not asserted",
               other_load);
    } else if (worst_busy >= 50) {
      // A virtual machine's guest counts the time the host took its CPU away
      // as the running thread's own (this one reports no steal time), so one
      // gap can be inflated; work that a handler does comes back on every
      // import, in a new window too.
      qWarning("the first import held the GUI thread %.1f ms: importing once more to tell a "
               "hiccup of the machine from work done on the GUI thread",
               worst_busy);
      const QString again = timeImportInNewWindow();
      QVERIFY2(!again.isEmpty(), qPrintable(QStringLiteral("the GUI thread worked %1 ms at once "
                                                           "(import: %2)")
                                                .arg(worst_busy)
                                                .arg(import_timing)));
    } else {
      QVERIFY2(worst_blocked < 100, qPrintable(import_timing));
    }

    // Thumbnails arrive in the background too.
    QTest::qWait(500);
    window.albumPanel()->view()->setFocus();
    const QImage shot = window.grab().toImage();
    QVERIFY(shot.save(QDir(test::test_output_dir()).filePath(QStringLiteral("studio_album.png"))));

    // Excluded photos stay in the album but do not count for training.
    controller->setExcluded(QStringLiteral("img13"), true);
    QVERIFY(window.albumPanel()->counterLabel()->text().startsWith(QStringLiteral("4 / ~20")));
    QVERIFY(
        controller->itemFor(QStringLiteral("img13"))->text().contains(QStringLiteral("excluded")));
    controller->setExcluded(QStringLiteral("img13"), false);
    // Photos of another person train another model.
    controller->assignPerson(QStringLiteral("img14"), QStringLiteral("Anna"));
    QVERIFY(controller->itemFor(QStringLiteral("img14"))
                ->toolTip()
                .contains(QStringLiteral("Person: Anna")));
    QCOMPARE(controller->project()->find("img14")->person, std::string("Anna"));
    controller->assignPerson(QStringLiteral("img14"), QStringLiteral("default"));
    QVERIFY(controller->project()->find("img14")->person.empty());

    // Save, close, reopen: the same photos with the same states, and the
    // window layout of the project.
    window.jobsDock()->hide();
    QVERIFY(controller->saveProject(&error));
    controller->closeProject();
    window.jobsDock()->show();
    QCOMPARE(model->rowCount(), 0);
    QVERIFY2(controller->openProject(project, &error), qPrintable(error));
    QCOMPARE(statuses(model), s);
    QVERIFY(window.jobsDock()->isHidden());
    window.jobsDock()->show();
    QVERIFY(window.albumPanel()->counterLabel()->text().startsWith(QStringLiteral("5 / ~20")));
  }

  void cancellingStopsTheJobAndKeepsTheRest() {
    MainWindow window;
    ProjectController* controller = window.projectController();
    QString error;
    QVERIFY(controller->newProject(QDir(test::temp_root()).filePath(QStringLiteral("cancelled")),
                                   {}, &error));
    test::drop_paths(window, {album_dir()});
    QTableWidget* jobs = window.jobsPanel()->jobsTable();
    QVERIFY(controller->busy()); // the work starts right after the first frame
    QTRY_VERIFY(jobs->rowCount() >= 1);
    const int row = jobs->rowCount() - 1;
    auto* cancel = qobject_cast<QPushButton*>(jobs->cellWidget(row, JobsPanel::CancelColumn));
    QVERIFY(cancel != nullptr);
    QTest::mouseClick(cancel, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
    QCOMPARE(window.jobsPanel()->jobStatus(row), QStringLiteral("Cancelled"));
    // Nothing is left half-done: each photo is either aligned or queued again.
    for (const QString& state : statuses(window.albumPanel()->model()))
      QVERIFY2(state == QStringLiteral("aligned") || state == QStringLiteral("queued"),
               qPrintable(state));
  }

  void personalizationTrainsWithALiveLossPlot() {
    // The synthetic DECA/FLAME files of ../shared and the tiny Stage 1 model.
    const QString assets = QDir(test::temp_root()).filePath(QStringLiteral("assets"));
    QDir().mkpath(assets);
    const fs::path data = drig::test::shared_dir() / "reference/deca/data";
    for (const auto& e : fs::directory_iterator(data))
      if (e.path().extension() != ".xz")
        fs::create_symlink(e.path(), fs::path(assets.toStdString()) / e.path().filename());
    fs::create_symlink(drig::test::extracted_fixture("deca/deca_model.tar"),
                       fs::path(assets.toStdString()) / "deca_model.tar");
    MainWindowOptions options;
    options.assets_dir = assets;
    MainWindow window(options);
    window.resize(1200, 800);
    window.show();
    ProjectController* controller = window.projectController();
    QString error;
    QVERIFY(controller->newProject(QDir(test::temp_root()).filePath(QStringLiteral("personal")),
                                   QStringLiteral("Mark"), &error));
    test::drop_paths(window, {album_dir()});
    QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
    int fitted = 0;
    for (const QString& state : statuses(window.albumPanel()->model()))
      fitted += state == QStringLiteral("fitted");
    QCOMPARE(fitted, 5);

    PersonalizeOptions p;
    p.stage1 = drig::test::extracted_fixture("tiny/model000000.pt");
    p.steps = 4;
    p.batch = 2;
    p.image_size = 32;
    p.preview_every = 2;
    p.log_every = 1;
    p.device = QStringLiteral("cpu");
    controller->personalize(p);
    QVERIFY(controller->busy());
    QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
    const int row = window.jobsPanel()->jobsTable()->rowCount() - 1;
    QVERIFY2(
        window.jobsPanel()->jobStatus(row).startsWith(QStringLiteral("Done")),
        qPrintable(window.jobsPanel()->jobStatus(row) + QStringLiteral(": ") +
                   window.jobsPanel()->jobsTable()->item(row, JobsPanel::StatusColumn)->toolTip()));
    // One point per logged step, raw and smoothed.
    QCOMPARE(window.jobsPanel()->trainingChart()->series()->count(), 4);
    QCOMPARE(window.jobsPanel()->trainingChart()->smoothedSeries()->count(), 4);
    QVERIFY(!window.jobsPanel()->trainingPreview()->pixmap().isNull());
    const drig::project::PersonModel& person = controller->project()->people.at(0);
    QCOMPARE(QString::fromStdString(drig::project::to_string(person.status)),
             QStringLiteral("trained"));
    QCOMPARE(person.steps_done, 4);
    QVERIFY(fs::exists(person.model));
    QVERIFY(fs::exists(person.meanshape));
    window.jobsPanel()->setCurrentIndex(2);
    QTest::qWait(200);
    QVERIFY(window.grab().toImage().save(
        QDir(test::test_output_dir()).filePath(QStringLiteral("studio_training.png"))));
    // The trained model survives reopening the project.
    const fs::path trained = person.model;
    QVERIFY(controller->saveProject(&error));
    const QString folder = QString::fromStdString(controller->project()->folder.string());
    controller->closeProject();
    QVERIFY(controller->openProject(folder, &error));
    QCOMPARE(controller->project()->people.at(0).model, trained);
  }

  void groupPhotoKeepsEveryFaceAndTheUserPicksOne() {
    const QString groups =
        QString::fromStdString((drig::test::shared_dir() / "testdata/faces/groups").string());
    MainWindow window;
    window.show();
    ProjectController* controller = window.projectController();
    QString error;
    const QString folder = QDir(test::temp_root()).filePath(QStringLiteral("group_project"));
    QVERIFY2(controller->newProject(folder, QStringLiteral("Group"), &error), qPrintable(error));
    controller->importPaths({QDir(groups).filePath(QStringLiteral("bald_guys.jpg")),
                             QDir(groups).filePath(QStringLiteral("Tom_Cruise_avp_2014_4.jpg"))});
    QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
    const drig::project::PhotoEntry* group = nullptr;
    for (const auto& e : controller->project()->photos)
      if (e.faces.size() > 1)
        group = &e;
    QVERIFY2(group, "bald_guys.jpg gave fewer than two faces");
    QVERIFY(int(group->faces.size()) <= group->faces_found); // some too small to align
    QCOMPARE(group->aligned, group->faces.front());
    const QString id = QString::fromStdString(group->id);

    // Album → Choose Face… is offered for that photo only.
    QListView* view = window.albumPanel()->view();
    for (int row = 0; row < window.albumPanel()->model()->rowCount(); ++row) {
      const QModelIndex index = window.albumPanel()->model()->index(row, 0);
      view->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect);
      QCOMPARE(window.actions()->chooseFace->isEnabled(),
               index.data(ProjectController::kPhotoIdRole).toString() == id);
    }
    FacePickDialog dialog(group->faces, 0);
    QCOMPARE(dialog.list()->count(), int(group->faces.size()));
    dialog.list()->setCurrentRow(1);
    QCOMPARE(dialog.chosen(), 1);

    QVERIFY2(controller->chooseFace(id, 1, &error), qPrintable(error));
    const drig::project::PhotoEntry* picked = controller->project()->find(id.toStdString());
    QCOMPARE(picked->face_index, 1);
    QCOMPARE(picked->aligned, picked->faces.at(1));
    QVERIFY(picked->rig.empty());
    QVERIFY(!controller->chooseFace(id, 99, &error));
    QVERIFY2(error.contains(QStringLiteral("no face 100")), qPrintable(error));
    const size_t face_count = picked->faces.size();
    QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
    QVERIFY(controller->saveProject(&error));
    controller->closeProject();
    QVERIFY2(controller->openProject(folder, &error), qPrintable(error));
    const drig::project::PhotoEntry* back = controller->project()->find(id.toStdString());
    QCOMPARE(back->face_index, 1);
    QCOMPARE(back->faces.size(), face_count);
    QCOMPARE(back->aligned, back->faces.at(1));

    // Faces smaller than the 256 crop are kept for editing (upscaled, marked
    // in their sidecars) and can be chosen like any other.
    const std::vector<std::filesystem::path> faces = back->faces;
    int small = -1;
    for (size_t k = 0; k < faces.size() && small < 0; ++k) {
      const auto record = drig::align::read_sidecar(drig::align::sidecar_path(faces[k]));
      if (record && record->upscaled)
        small = int(k);
    }
    QVERIFY2(small >= 0, "no face of the group photo is smaller than the crop");
    QVERIFY2(controller->chooseFace(id, small, &error), qPrintable(error));
    QCOMPARE(controller->project()->find(id.toStdString())->aligned, faces.at(size_t(small)));
    QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
  }

  // Two cards, one file name: each import is its own alignment run, and the
  // second photo's crop must not replace the first's, which its entry (and
  // any edit or training of it) still points to.
  void sameFileNameFromTwoImportsKeepsBothCrops() {
    const std::filesystem::path albums = drig::test::shared_dir() / "testdata/albums";
    const std::filesystem::path root = std::filesystem::path(test::temp_root().toStdString());
    const std::filesystem::path card_a = root / "card_a", card_b = root / "card_b";
    std::filesystem::create_directories(card_a);
    std::filesystem::create_directories(card_b);
    std::filesystem::copy_file(albums / "mark/img13.jpg", card_a / "IMG_0001.JPG",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(albums / "angelina/img1.jpg", card_b / "IMG_0001.JPG",
                               std::filesystem::copy_options::overwrite_existing);
    MainWindow window;
    ProjectController* controller = window.projectController();
    QString error;
    const QString folder = QDir(test::temp_root()).filePath(QStringLiteral("two_cards_project"));
    QVERIFY2(controller->newProject(folder, QStringLiteral("Cards"), &error), qPrintable(error));
    for (const std::filesystem::path& card : {card_a, card_b}) {
      controller->importPaths({QString::fromStdString((card / "IMG_0001.JPG").string())});
      QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
    }
    const auto& photos = controller->project()->photos;
    QCOMPARE(photos.size(), size_t(2));
    QVERIFY(!photos[0].aligned.empty() && !photos[1].aligned.empty());
    QVERIFY2(photos[0].aligned != photos[1].aligned, "both entries point to one crop");
    for (const auto& e : photos) {
      const auto record = drig::align::read_sidecar(drig::align::sidecar_path(e.aligned));
      QVERIFY(record.has_value());
      QCOMPARE(record->source, e.source);
    }
  }

  void missingDetectorModelIsSaidOnce() {
    const QByteArray saved = qgetenv("DIFFUSIONRIG_FACE_MODELS");
    const QString empty = QDir(test::temp_root()).filePath(QStringLiteral("no_face_models"));
    QDir().mkpath(empty);
    qputenv("DIFFUSIONRIG_FACE_MODELS", empty.toUtf8());
    MainWindow window;
    ProjectController* controller = window.projectController();
    QSignalSpy messages(controller, &ProjectController::message);
    QString error;
    const QString folder = QDir(test::temp_root()).filePath(QStringLiteral("no_ssd_project"));
    QVERIFY2(controller->newProject(folder, QStringLiteral("NoSsd"), &error), qPrintable(error));
    const QString album =
        QString::fromStdString((drig::test::shared_dir() / "testdata/albums/mark").string());
    const auto said_no_detector = [&] {
      int n = 0;
      for (const QList<QVariant>& m : messages)
        n += m.at(0).toString().contains(QStringLiteral("No face-api detector model in ") + empty);
      return n;
    };
    controller->importPaths({QDir(album).filePath(QStringLiteral("img13.jpg"))});
    QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
    QCOMPARE(said_no_detector(), 1);
    controller->importPaths({QDir(album).filePath(QStringLiteral("img14.jpg"))});
    QTRY_VERIFY_WITH_TIMEOUT(!controller->busy(), test::kJobTimeoutMs);
    QCOMPARE(said_no_detector(), 1); // once, not on every import
    if (saved.isEmpty())
      qunsetenv("DIFFUSIONRIG_FACE_MODELS");
    else
      qputenv("DIFFUSIONRIG_FACE_MODELS", saved);
  }

  void personalizeDialogChecksFilesAndOffersThePapersDefaults() {
    const QString empty = QDir(test::temp_root()).filePath(QStringLiteral("empty_assets"));
    QDir().mkpath(empty);
    PersonalizeDialog dialog(fs::path(empty.toStdString()), 3);
    // Every missing file is listed, and Start stays off.
    QVERIFY2(dialog.assetsReport()->text().contains(QStringLiteral("deca_model.tar")),
             qPrintable(dialog.assetsReport()->text()));
    QVERIFY(dialog.assetsReport()->text().contains(QStringLiteral("stage1.pt")));
    auto* box = dialog.findChild<QDialogButtonBox*>();
    QVERIFY(box && !box->button(QDialogButtonBox::Ok)->isEnabled());
    const PersonalizeOptions o = dialog.options();
    QCOMPARE(o.steps, 5000);
    QCOMPARE(o.batch, 4);
    QCOMPARE(o.lr, 1e-5);
    QCOMPARE(o.image_size, 256);
    QCOMPARE(o.person, QStringLiteral("default"));
    QCOMPARE(o.stage1, fs::path(empty.toStdString()) / "stage1.pt");
  }

  void damagedOrNewerProjectFilesAreRefusedClearly() {
    MainWindow window;
    QString error;
    const QString folder = QDir(test::temp_root()).filePath(QStringLiteral("future"));
    QDir().mkpath(folder);
    QFile f(QDir(folder).filePath(QStringLiteral("project.drig.json")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"format": "diffusionrig-studio-project", "version": 9, "photos": []})");
    f.close();
    QVERIFY(!window.projectController()->openProject(folder, &error));
    QVERIFY2(error.contains(QStringLiteral("newer")), qPrintable(error));
    QVERIFY(!window.projectController()->hasProject());
  }
};

QTEST_MAIN(AlbumImportTest)
#include "test_ui_album_import.moc"
