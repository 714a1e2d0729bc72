// The main window: panels, menus, rendering, status bar and layout persistence.
#include "tests/ui/ui_test_env.h"

#include "model/base/assets.h"
#include "ui/album/album_panel.h"
#include "ui/album/training_chart.h"
#include "ui/editor/control_group.h"
#include "ui/editor/controls_panel.h"
#include "ui/editor/editor_canvas.h"
#include "ui/shell/background_job.h"
#include "ui/shell/empty_state.h"
#include "ui/shell/jobs_panel.h"
#include "ui/shell/main_actions.h"
#include "ui/shell/main_window.h"
#include "ui/shell/screenshot.h"
#include "ui/shell/status_indicators.h"

#include <QAction>
#include <QDockWidget>
#include <QLabel>
#include <QLineSeries>
#include <QListView>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTest>
#include <QThreadPool>
#include <QValueAxis>

#include <cerrno>
#include <mutex>
#include <vector>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace drig::ui;

namespace {

// "&Open" -> "Open", "Jobs && Log" -> "Jobs & Log".
QString strip_mnemonic(QString text) {
  text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
  text.remove(QLatin1Char('&'));
  return text.replace(QStringLiteral("\x01"), QStringLiteral("&"));
}

QStringList action_texts(const QMenu* menu) {
  QStringList out;
  for (const QAction* action : menu->actions())
    if (!action->isSeparator())
      out << strip_mnemonic(action->text());
  return out;
}

const QAction* find_action(const QMenu* menu, const QString& text) {
  for (const QAction* action : menu->actions())
    if (strip_mnemonic(action->text()) == text)
      return action;
  return nullptr;
}

int required_asset_count() {
  int count = 0;
  for (const auto& spec : drig::asset_specs())
    count += spec.required ? 1 : 0;
  return count;
}

} // namespace

class MainWindowTest : public QObject {
  Q_OBJECT

private Q_SLOTS:
  void initTestCase() { test::init_environment(); }
  void init() { test::clear_settings(); }

  // Background jobs run lowered on their own pool; Qt's global pool, which
  // Qt's painting waits on (image scaling split across it), stays at the
  // normal priority even after a job ran on every one of its threads.
  void backgroundJobsLeaveQtsPoolAtNormalPriority() {
    const auto nice_here = [] {
      errno = 0;
      return getpriority(PRIO_PROCESS, pid_t(::syscall(SYS_gettid)));
    };
    const int normal = nice_here();
    QObject context;
    std::vector<int> job_nice;
    int jobs_done = 0;
    QThreadPool* global = QThreadPool::globalInstance();
    for (int i = 0; i < 2 * global->maxThreadCount(); ++i)
      run_in_background<int>(
          &context, [&nice_here] { return nice_here(); },
          [&](const Outcome<int>& out) {
            job_nice.push_back(out.value);
            ++jobs_done;
          });
    QTRY_COMPARE(jobs_done, 2 * global->maxThreadCount());
    for (const int n : job_nice)
      QVERIFY2(n > normal, qPrintable(QStringLiteral("a job ran at nice %1").arg(n)));
    std::mutex m;
    std::vector<int> qt_nice;
    for (int i = 0; i < 4 * global->maxThreadCount(); ++i)
      global->start([&] {
        const int n = nice_here();
        std::lock_guard lock(m);
        qt_nice.push_back(n);
      });
    QVERIFY(global->waitForDone(10000));
    for (const int n : qt_nice)
      QCOMPARE(n, normal);
  }

  void showsEveryPanel() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    const struct {
      const char* name;
      Qt::DockWidgetArea area;
    } docks[] = {{"albumDock", Qt::LeftDockWidgetArea},
                 {"controlsDock", Qt::RightDockWidgetArea},
                 {"jobsDock", Qt::BottomDockWidgetArea}};
    for (const auto& expected : docks) {
      auto* dock = window.findChild<QDockWidget*>(QString::fromLatin1(expected.name));
      QVERIFY2(dock != nullptr, expected.name);
      QVERIFY2(dock->isVisible(), expected.name);
      QCOMPARE(window.dockWidgetArea(dock), expected.area);
      QVERIFY2(dock->width() > 150 && dock->height() > 120, expected.name);
    }
    auto* canvas = window.findChild<QWidget*>(QStringLiteral("editorCanvas"));
    QVERIFY(canvas != nullptr);
    QCOMPARE(window.centralWidget(), canvas);
    QVERIFY(canvas->isVisible());
    QVERIFY(canvas->width() > 300);
    QVERIFY(window.findChild<QWidget*>(QStringLiteral("buffersModeButton"))->isVisible());
    QVERIFY(window.findChild<QWidget*>(QStringLiteral("splitModeButton"))->isVisible());
    QVERIFY(window.editorCanvas()->hintLabel()->isVisible());
    QVERIFY(!window.windowIcon().isNull());
  }

  void albumStartsEmpty() {
    MainWindow window;
    window.show();
    AlbumPanel* album = window.albumPanel();
    QCOMPARE(album->view()->viewMode(), QListView::IconMode);
    QCOMPARE(album->counterLabel()->text(), QStringLiteral("0 / ~20 recommended photos"));
    QVERIFY(album->emptyState()->isVisible());
    QCOMPARE(album->emptyState()->title(), QStringLiteral("Drop photos or a folder here"));
    album->model()->appendRow(new QStandardItem(QStringLiteral("photo.jpg")));
    QVERIFY(!album->emptyState()->isVisible());
    QVERIFY(album->view()->isVisible());
  }

  void controlsAreRealSliders() {
    MainWindow window;
    window.show();
    ControlsPanel* controls = window.controlsPanel();
    QCOMPARE(controls->lighting()->title(), QStringLiteral("Lighting"));
    QCOMPARE(controls->expression()->title(), QStringLiteral("Expression"));
    QCOMPARE(controls->pose()->title(), QStringLiteral("Pose"));
    for (const char* name :
         {"lightingAzimuth", "lightingElevation", "lightingIntensity", "lightingAmbient",
          "expressionSmile", "expressionJawOpen", "poseYaw", "posePitch", "poseRoll"})
      QVERIFY2(window.findChild<QSlider*>(QString::fromLatin1(name)) != nullptr, name);
    // Disabled until a portrait is selected.
    QVERIFY(!controls->lighting()->isEnabled());
    window.albumPanel()->model()->appendRow(new QStandardItem(QStringLiteral("photo.jpg")));
    window.albumPanel()->view()->setCurrentIndex(window.albumPanel()->model()->index(0, 0));
    QVERIFY2(!controls->pose()->isEnabled(), "a photo without a fitted rig cannot be edited");
    controls->setEditingEnabled(true);

    // Slider and spin box move together; Reset restores the defaults.
    QSlider* yaw = controls->pose()->slider(QStringLiteral("yaw"));
    yaw->setValue(30);
    QCOMPARE(controls->pose()->spinBox(QStringLiteral("yaw"))->value(), 30);
    QCOMPARE(controls->pose()->spinBox(QStringLiteral("yaw"))->suffix(), QStringLiteral("°"));
    QTest::mouseClick(controls->pose()->resetButton(), Qt::LeftButton);
    QCOMPARE(yaw->value(), 0);
  }

  void jobsLogAndTraining() {
    MainWindow window;
    window.show();
    JobsPanel* jobs = window.jobsPanel();
    QCOMPARE(jobs->count(), 3);
    QCOMPARE(jobs->tabText(0), QStringLiteral("Jobs"));
    QCOMPARE(jobs->tabText(1), QStringLiteral("Log"));
    QCOMPARE(jobs->tabText(2), QStringLiteral("Training"));
    QVERIFY(jobs->logView()->isReadOnly());
    TrainingChart* chart = jobs->trainingChart();
    QCOMPARE(chart->stepAxis()->titleText(), QStringLiteral("step"));
    QCOMPARE(chart->lossAxis()->titleText(), QStringLiteral("loss"));
    QCOMPARE(chart->series()->count(), 0);
    // The startup messages reach the Log tab through the spdlog sink.
    QTRY_VERIFY(jobs->logView()->toPlainText().contains(QStringLiteral("started")));
    const int row = jobs->addJob(QStringLiteral("Fit face model"));
    jobs->setJobProgress(row, 40, QStringLiteral("Running"));
    QCOMPARE(jobs->jobsTable()->rowCount(), 1);
  }

  void everyMenuAndAction() {
    MainWindow window;
    const struct {
      const char* menu;
      const char* title;
      QStringList actions;
    } menus[] = {
        {"fileMenu",
         "File",
         {"New Project", "Open Project…", "Save Project", "Import Photos…", "Export Edited Photos…",
          "Recent Projects", "Quit"}},
        {"editMenu",
         "Edit",
         {"Undo", "Redo", "Save Edit as Preset…", "Load Preset…", "Apply Edit to Selected",
          "Preferences…"}},
        {"viewMenu", "View", {"Album", "Controls", "Jobs & Log", "Reset Layout"}},
        {"albumMenu",
         "Album",
         {"Align Faces", "Fit Face Model", "Find the Album's Person",
          "Exclude from Personalization", "Assign to Person…", "Choose Face…", "Remove Photo"}},
        {"lightingMenu", "Lighting", {"From Background…", "From Panorama…"}},
        {"modelMenu", "Model", {"Personalize…", "Generate"}},
        {"helpMenu", "Help", {"Set Up Models…", "About DiffusionRig Studio", "About Qt"}},
    };
    QStringList titles;
    for (const QAction* action : window.menuBar()->actions())
      titles << strip_mnemonic(action->text());
    QCOMPARE(titles, QStringList({"File", "Edit", "View", "Album", "Lighting", "Model", "Help"}));
    for (const auto& expected : menus) {
      auto* menu = window.findChild<QMenu*>(QString::fromLatin1(expected.menu));
      QVERIFY2(menu != nullptr, expected.menu);
      QCOMPARE(strip_mnemonic(menu->title()), QString::fromLatin1(expected.title));
      QCOMPARE(action_texts(menu), expected.actions);
    }
    // Working actions are enabled; features still to come are visibly disabled.
    for (const QAction* action :
         {window.actions()->quit, window.actions()->preferences, window.actions()->resetLayout,
          window.actions()->about, window.actions()->aboutQt, window.actions()->setUpModels,
          window.actions()->newProject, window.actions()->openProject,
          window.actions()->saveProject, window.actions()->importPhotos,
          window.actions()->alignFaces, window.actions()->fitFaceModel,
          window.actions()->findPerson, window.actions()->personalize})
      QVERIFY2(action->isEnabled(), qPrintable(action->text()));
    // These need a selected (fitted) photo or an edit to undo.
    for (const QAction* action :
         {window.actions()->removePhoto, window.actions()->generate, window.actions()->undo,
          window.actions()->redo, window.actions()->exportPhotos, window.actions()->savePreset,
          window.actions()->loadPreset, window.actions()->applyToSelected})
      QVERIFY2(!action->isEnabled(), qPrintable(action->text()));
    const QMenu* recent = window.actions()->recentProjectsMenu;
    QVERIFY(recent != nullptr);
    QCOMPARE(recent->actions().size(), 1);
    QVERIFY(!recent->actions().first()->isEnabled());
    QVERIFY(find_action(window.actions()->viewMenu, QStringLiteral("Album"))->isCheckable());
  }

  void statusBarShowsDeviceAndAssets() {
    MainWindow window;
    const QString device = window.statusIndicators()->deviceLabel()->text();
    QVERIFY2(device.startsWith(QStringLiteral("Device: ")), qPrintable(device));
    QVERIFY(!device.contains(QStringLiteral("unavailable")));
    QLabel* assets = window.statusIndicators()->assetsLabel();
    QCOMPARE(assets->text(), QStringLiteral("Assets: %1 missing").arg(required_asset_count()));
    QVERIFY(assets->toolTip().contains(QStringLiteral("does not exist")));
  }

  void grabIsNotBlank() {
    MainWindow window;
    window.resize(MainWindow::kDefaultSize); // the offscreen screen is small
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTest::qWait(200);
    const QImage image = window.grab().toImage();
    QVERIFY(!image.isNull());
    const double content = non_background_fraction(image);
    QVERIFY2(content > 0.05, qPrintable(QString::number(content)));
    const QString path = test::test_output_dir() + QStringLiteral("/studio-main-window.png");
    QVERIFY2(image.save(path), qPrintable(path));
  }

  void layoutPersists() {
    {
      MainWindow first;
      first.show();
      QVERIFY(QTest::qWaitForWindowExposed(&first));
      first.addDockWidget(Qt::LeftDockWidgetArea, first.controlsDock());
      first.jobsDock()->hide();
      first.resize(1100, 720);
      first.close(); // closeEvent saves the layout
    }
    MainWindow second;
    second.show();
    QVERIFY(QTest::qWaitForWindowExposed(&second));
    QCOMPARE(second.dockWidgetArea(second.controlsDock()), Qt::LeftDockWidgetArea);
    QVERIFY(!second.jobsDock()->isVisible());
    QVERIFY(second.albumDock()->isVisible());
    QCOMPARE(second.size(), QSize(1100, 720));

    // Reset Layout puts everything back.
    second.actions()->resetLayout->trigger();
    QCOMPARE(second.dockWidgetArea(second.controlsDock()), Qt::RightDockWidgetArea);
    QVERIFY(second.jobsDock()->isVisible());
  }

  void resetLayoutOptionIgnoresSavedLayout() {
    {
      MainWindow first;
      first.show();
      first.jobsDock()->hide();
      first.saveLayout();
    }
    MainWindowOptions options;
    options.reset_layout = true;
    MainWindow second(options);
    second.show();
    QVERIFY(second.jobsDock()->isVisible());
  }

  void assetsOptionOverridesPreference() {
    MainWindowOptions options;
    options.assets_dir = test::temp_root() + QStringLiteral("/elsewhere");
    MainWindow window(options);
    QCOMPARE(QString::fromStdString(window.assetsDir().string()), options.assets_dir);
    QVERIFY(window.statusIndicators()->assetsLabel()->toolTip().contains(options.assets_dir));
  }
};

QTEST_MAIN(MainWindowTest)
#include "test_ui_main_window.moc"
