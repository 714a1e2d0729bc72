#include "ui/shell/main_window.h"

#include "drig/version.h"
#include "model/base/assets.h"
#include "model/device.h"
#include "ui/album/album_panel.h"
#include "ui/album/face_pick_dialog.h"
#include "ui/album/personalize_dialog.h"
#include "ui/album/project_controller.h"
#include "ui/album/training_chart.h"
#include "ui/editor/controls_panel.h"
#include "ui/editor/editor_canvas.h"
#include "ui/editor/editor_controller.h"
#include "ui/editor/export_dialog.h"
#include "ui/editor/sh_light_dialog.h"
#include "ui/shell/about_dialog.h"
#include "ui/shell/app_icon.h"
#include "ui/shell/jobs_panel.h"
#include "ui/shell/log_sink.h"
#include "ui/shell/main_actions.h"
#include "ui/shell/model_setup_dialog.h"
#include "ui/shell/preferences_dialog.h"
#include "ui/shell/status_indicators.h"

#include <QAction>
#include <QCloseEvent>
#include <QColorDialog>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QUndoStack>

#include <spdlog/spdlog.h>

namespace drig::ui {

namespace {
constexpr int kSideDockWidth = 300;
constexpr int kControlsDockWidth = 340;
constexpr int kBottomDockHeight = 210;
} // namespace

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent), options_(options), settings_(StudioSettings::load()),
      undo_stack_(new QUndoStack(this)), album_(new AlbumPanel), canvas_(new EditorCanvas),
      controls_(new ControlsPanel), jobs_(new JobsPanel) {
  setObjectName(QStringLiteral("mainWindow"));
  setWindowTitle(QString::fromUtf8(kProjectName));
  setWindowIcon(app_icon());
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
  setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);

  setCentralWidget(canvas_);
  album_dock_ = addDock(QStringLiteral("albumDock"), tr("Album"), album_, Qt::LeftDockWidgetArea);
  controls_dock_ =
      addDock(QStringLiteral("controlsDock"), tr("Controls"), controls_, Qt::RightDockWidgetArea);
  jobs_dock_ =
      addDock(QStringLiteral("jobsDock"), tr("Jobs & Log"), jobs_, Qt::BottomDockWidgetArea);

  actions_ = new MainActions(this, undo_stack_);
  actions_->addDockToggles({album_dock_, controls_dock_, jobs_dock_});
  connect(actions_->resetLayout, &QAction::triggered, this, &MainWindow::resetLayout);
  connect(actions_->preferences, &QAction::triggered, this, &MainWindow::showPreferences);
  connect(actions_->about, &QAction::triggered, this, &MainWindow::showAbout);
  connect(actions_->setUpModels, &QAction::triggered, this, &MainWindow::showModelSetup);

  // The edit controls apply to one selected portrait.
  connect(album_->view()->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
    const QModelIndexList rows = album_->view()->selectionModel()->selectedIndexes();
    const bool selected = !rows.isEmpty();
    if (editor_) {
      const QModelIndex current = album_->view()->currentIndex();
      const QModelIndex edit =
          !selected ? QModelIndex()
                    : (current.isValid() && rows.contains(current) ? current : rows.first());
      const QString id = edit.data(ProjectController::kPhotoIdRole).toString();
      if (id != editor_->photoId() || !editor_->editing())
        editor_->setPhoto(id);
      actions_->applyToSelected->setEnabled(editor_->editing() && rows.size() > 1);
    }
    actions_->exportPhotos->setEnabled(selected);
    const project::PhotoEntry* one =
        rows.size() == 1 && project_->project()
            ? project_->project()->find(
                  rows.first().data(ProjectController::kPhotoIdRole).toString().toStdString())
            : nullptr;
    actions_->chooseFace->setEnabled(one && one->faces.size() > 1);
    actions_->removePhoto->setEnabled(selected);
    actions_->excludePhoto->setEnabled(selected);
    actions_->assignPerson->setEnabled(selected);
    // Checked when every selected photo is excluded.
    bool all_excluded = selected;
    for (const QModelIndex& index : rows)
      if (const project::PhotoEntry* e =
              project_->project()
                  ? project_->project()->find(
                        index.data(ProjectController::kPhotoIdRole).toString().toStdString())
                  : nullptr;
          !e || !e->excluded)
        all_excluded = false;
    actions_->excludePhoto->setChecked(all_excluded);
  });

  project_ = new ProjectController(
      album_, jobs_, [this] { return assetsDir(); }, this);
  setAcceptDrops(true);
  wireEditor();
  connect(actions_->newProject, &QAction::triggered, this, &MainWindow::newProject);
  connect(actions_->openProject, &QAction::triggered, this, &MainWindow::openProject);
  connect(actions_->saveProject, &QAction::triggered, this, [this] {
    QString error;
    if (!project_->saveProject(&error))
      showError(tr("Save Project"), error);
    else
      statusBar()->showMessage(tr("Project saved"), 3000);
  });
  connect(actions_->importPhotos, &QAction::triggered, this, &MainWindow::importPhotos);
  connect(actions_->alignFaces, &QAction::triggered, project_, &ProjectController::alignPending);
  connect(actions_->fitFaceModel, &QAction::triggered, project_, &ProjectController::fitPending);
  connect(actions_->findPerson, &QAction::triggered, project_, &ProjectController::findPerson);
  connect(actions_->excludePhoto, &QAction::triggered, this, [this](bool exclude) {
    for (const QModelIndex& index : album_->view()->selectionModel()->selectedIndexes())
      project_->setExcluded(index.data(ProjectController::kPhotoIdRole).toString(), exclude);
  });
  connect(actions_->assignPerson, &QAction::triggered, this, [this] {
    bool ok = false;
    const QString person = QInputDialog::getText(
        this, tr("Assign to Person"),
        tr("Personal model for the selected photos (\"default\" = unassigned):"), QLineEdit::Normal,
        QStringLiteral("default"), &ok);
    if (!ok || person.trimmed().isEmpty())
      return;
    for (const QModelIndex& index : album_->view()->selectionModel()->selectedIndexes())
      project_->assignPerson(index.data(ProjectController::kPhotoIdRole).toString(),
                             person.trimmed());
  });
  connect(actions_->chooseFace, &QAction::triggered, this, [this] {
    const QStringList ids = selectedPhotoIds();
    const project::PhotoEntry* e = ids.size() == 1 && project_->project()
                                       ? project_->project()->find(ids.first().toStdString())
                                       : nullptr;
    if (!e || e->faces.size() < 2)
      return;
    FacePickDialog dialog(e->faces, e->face_index, e->face_likeness, this);
    QString error;
    if (dialog.exec() == QDialog::Accepted &&
        !project_->chooseFace(ids.first(), dialog.chosen(), &error))
      showError(tr("Choose Face"), error);
  });
  connect(actions_->removePhoto, &QAction::triggered, this, [this] {
    QStringList ids;
    for (const QModelIndex& index : album_->view()->selectionModel()->selectedIndexes())
      ids << index.data(ProjectController::kPhotoIdRole).toString();
    project_->removePhotos(ids);
  });
  connect(actions_->personalize, &QAction::triggered, this, [this] {
    if (!project_->hasProject())
      return showError(tr("Personalize"), tr("Import an album of one person first."));
    PersonalizeDialog dialog(assetsDir(), project_->project()->usable_count(), this);
    if (dialog.exec() == QDialog::Accepted) {
      if (dialog.assetsDirChanged()) { // remembered, as if chosen in Preferences
        StudioSettings chosen = settings_;
        chosen.assets_dir = QString::fromStdString(dialog.assetsDir().string());
        chosen.save();
        applySettings(chosen);
      }
      jobs_->trainingChart()->clear();
      jobs_->setCurrentIndex(2);
      project_->personalize(dialog.options());
    }
  });
  connect(project_, &ProjectController::trainingProgress, jobs_, &JobsPanel::showTrainingStep);
  connect(project_, &ProjectController::trainingEstimate, jobs_->trainingEstimate(),
          &QLabel::setText);
  connect(project_, &ProjectController::trainingPreview, jobs_, &JobsPanel::showTrainingPreview);
  project_->setWindowStateProvider(
      [this] { return saveState(kLayoutVersion).toBase64().toStdString(); });
  connect(project_, &ProjectController::projectChanged, this, [this] {
    updateTitle();
    updateRecentProjects();
    if (const project::Project* p = project_->project(); p && !p->window_state.empty())
      restoreState(QByteArray::fromBase64(QByteArray::fromStdString(p->window_state)),
                   kLayoutVersion);
  });
  connect(project_, &ProjectController::message, this,
          [this](const QString& text) { statusBar()->showMessage(text, 10000); });
  connect(project_, &ProjectController::message, this,
          [](const QString& text) { spdlog::info("{}", text.toStdString()); });
  updateRecentProjects();
  updateTitle();

  status_ = new StatusIndicators(statusBar());
  log_sink_ =
      LogSink::install(jobs_, [jobs = jobs_](spdlog::level::level_enum level, const QString& text) {
        jobs->appendLog(level, text);
      });

  resetLayout();
  if (options_.reset_layout)
    WindowLayout::clear();
  else
    restoreLayout();
  applySettings(settings_);
  statusBar()->showMessage(tr("Ready"), 5000);
  logStartup();
}

MainWindow::~MainWindow() {
  // The project controller, a child, is destroyed after this body and saves a
  // pending change then: it must not ask this half-destroyed window for its
  // layout (a crash when a window closed without closeEvent, as in tests).
  project_->setWindowStateProvider({});
  log_sink_->detach();
}

std::filesystem::path MainWindow::assetsDir() const {
  if (!options_.assets_dir.trimmed().isEmpty()) {
    StudioSettings chosen = settings_;
    chosen.assets_dir = options_.assets_dir;
    return chosen.resolved_assets_dir();
  }
  return settings_.resolved_assets_dir();
}

QDockWidget* MainWindow::addDock(const QString& object_name, const QString& title, QWidget* content,
                                 Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName(object_name);
  dock->setWidget(content);
  dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                    QDockWidget::DockWidgetFloatable);
  addDockWidget(area, dock);
  return dock;
}

QStringList MainWindow::selectedPhotoIds() const {
  QStringList ids;
  for (const QModelIndex& index : album_->view()->selectionModel()->selectedIndexes())
    ids << index.data(ProjectController::kPhotoIdRole).toString();
  return ids;
}

void MainWindow::wireEditor() {
  EditorController::Context context;
  context.project = project_;
  context.controls = controls_;
  context.canvas = canvas_;
  context.jobs = jobs_;
  context.undo = undo_stack_;
  context.assets_dir = [this] { return assetsDir(); };
  context.settings = [this] { return settings_; };
  editor_ = new EditorController(std::move(context), this);
  connect(editor_, &EditorController::editingChanged, this, [this](bool editing) {
    for (QAction* a : {actions_->generate, actions_->savePreset, actions_->loadPreset,
                       actions_->lightFromBackground, actions_->lightFromPanorama})
      a->setEnabled(editing);
    actions_->applyToSelected->setEnabled(editing && selectedPhotoIds().size() > 1);
  });
  connect(editor_, &EditorController::message, this,
          [this](const QString& text) { statusBar()->showMessage(text, 10000); });
  connect(actions_->generate, &QAction::triggered, editor_, &EditorController::generate);
  connect(actions_->lightFromBackground, &QAction::triggered, this, [this] {
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Light From Background"), QString(),
        tr("Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic *.heif);;All files (*)"));
    if (!file.isEmpty())
      editor_->lightFromFile(file, false);
  });
  connect(actions_->lightFromPanorama, &QAction::triggered, this, [this] {
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Light From Panorama"), QString(),
        tr("Panoramas (*.hdr *.exr *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)"));
    if (file.isEmpty())
      return;
    bool ok = false;
    const double rotation = QInputDialog::getDouble(
        this, tr("Light From Panorama"),
        tr("Turn the panorama by (degrees; its centre faces the camera):"), 0, -180, 180, 0, &ok);
    if (ok)
      editor_->lightFromFile(file, true, rotation);
  });
  connect(editor_, &EditorController::lightFromFileDone, this, [this](const QString& error) {
    if (error.isEmpty())
      return;
    spdlog::error("Lighting: {}", error.toStdString());
    // Window-modal but not blocking: the edit session goes on behind it.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Lighting"), error, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("lightingError"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
  });
  connect(project_, &ProjectController::projectChanged, this, [this] {
    undo_stack_->clear();
    editor_->setPhoto(QString());
  });
  // A photo fitted while selected becomes editable.
  connect(project_, &ProjectController::albumChanged, this, [this] {
    if (!editor_->photoId().isEmpty() && !editor_->editing())
      editor_->setPhoto(editor_->photoId());
  });
  const auto copy_from = [this](const QString& group) {
    QStringList others;
    if (const project::Project* p = project_->project())
      for (const project::PhotoEntry& e : p->photos)
        if (e.status == project::PhotoState::fitted &&
            QString::fromStdString(e.id) != editor_->photoId())
          others << QString::fromStdString(e.id);
    if (others.isEmpty())
      return showError(tr("Copy from Photo"), tr("No other fitted photo in the album."));
    bool ok = false;
    const QString id = QInputDialog::getItem(
        this, tr("Copy from Photo"), tr("Take the %1 of:").arg(group), others, 0, false, &ok);
    QString error;
    if (ok && !editor_->copyFromPhoto(group, id, &error))
      showError(tr("Copy from Photo"), error);
  };
  connect(controls_->copyLightButton(), &QPushButton::clicked, this,
          [copy_from] { copy_from(QStringLiteral("light")); });
  connect(controls_->copyExpressionButton(), &QPushButton::clicked, this,
          [copy_from] { copy_from(QStringLiteral("expression")); });
  connect(controls_->copyPoseButton(), &QPushButton::clicked, this,
          [copy_from] { copy_from(QStringLiteral("pose")); });
  connect(controls_->shButton(), &QPushButton::clicked, this, [this] {
    ShLightDialog dialog(editor_->currentLight(), this);
    if (dialog.exec() == QDialog::Accepted)
      editor_->setLightSh(dialog.values());
  });
  connect(controls_->colourButton(), &QPushButton::clicked, this, [this] {
    const QColor colour = QColorDialog::getColor(Qt::white, this, tr("Light Colour"));
    if (!colour.isValid())
      return;
    // A tint, not a dimmer: the picked colour at the luminance of white.
    const double r = colour.redF(), g = colour.greenF(), b = colour.blueF();
    const double luminance = std::max(1e-3, 0.2126 * r + 0.7152 * g + 0.0722 * b);
    editor_->setLightColour({r / luminance, g / luminance, b / luminance});
  });
  connect(actions_->savePreset, &QAction::triggered, this, [this] {
    const QString file = QFileDialog::getSaveFileName(this, tr("Save Edit as Preset"), QString(),
                                                      tr("Edit presets (*.json)"));
    QString error;
    if (!file.isEmpty() && !editor_->savePreset(file, &error))
      showError(tr("Save Preset"), error);
  });
  connect(actions_->loadPreset, &QAction::triggered, this, [this] {
    const QString file = QFileDialog::getOpenFileName(this, tr("Load Preset"), QString(),
                                                      tr("Edit presets (*.json)"));
    QString error;
    if (!file.isEmpty() && !editor_->loadPreset(file, &error))
      showError(tr("Load Preset"), error);
  });
  connect(actions_->applyToSelected, &QAction::triggered, this,
          [this] { editor_->applyToPhotos(selectedPhotoIds()); });
  connect(actions_->exportPhotos, &QAction::triggered, this, [this] {
    const QStringList ids = selectedPhotoIds();
    if (ids.isEmpty() || !project_->project())
      return;
    ExportDialog dialog(int(ids.size()),
                        QString::fromStdString((project_->project()->folder / "export").string()),
                        this);
    if (dialog.exec() == QDialog::Accepted)
      editor_->exportPhotos(ids, dialog.options());
  });
  connect(editor_, &EditorController::exportFinished, this,
          [this](int written, const QString& problems) {
            statusBar()->showMessage(tr("Exported %n photo(s)", nullptr, written), 10000);
            if (!problems.isEmpty())
              showError(tr("Export"), problems);
          });
}

void MainWindow::saveLayout() const {
  WindowLayout{saveGeometry(), saveState(kLayoutVersion)}.save();
}

bool MainWindow::restoreLayout() {
  const WindowLayout layout = WindowLayout::load();
  const bool geometry = !layout.geometry.isEmpty() && restoreGeometry(layout.geometry);
  const bool state = !layout.state.isEmpty() && restoreState(layout.state, kLayoutVersion);
  return geometry || state;
}

void MainWindow::resetLayout() {
  const struct {
    QDockWidget* dock;
    Qt::DockWidgetArea area;
  } places[] = {{album_dock_, Qt::LeftDockWidgetArea},
                {controls_dock_, Qt::RightDockWidgetArea},
                {jobs_dock_, Qt::BottomDockWidgetArea}};
  for (const auto& place : places) {
    place.dock->setFloating(false);
    addDockWidget(place.area, place.dock);
    place.dock->show();
  }
  if (!isMaximized() && !isFullScreen()) {
    QSize size = kDefaultSize;
    if (const QScreen* screen = QGuiApplication::primaryScreen())
      size = size.boundedTo(screen->availableSize() * 0.95);
    resize(size);
  }
  resizeDocks({album_dock_, controls_dock_}, {kSideDockWidth, kControlsDockWidth}, Qt::Horizontal);
  resizeDocks({jobs_dock_}, {kBottomDockHeight}, Qt::Vertical);
}

void MainWindow::showPreferences() {
  PreferencesDialog dialog(settings_, this);
  if (dialog.exec() == QDialog::Accepted) {
    applySettings(dialog.settings());
    spdlog::info("Preferences saved (device {}, threads {}, {} at {} steps, precision {}, seed {})",
                 settings_.device.toStdString(), settings_.threads, settings_.sampler.toStdString(),
                 settings_.steps, settings_.precision.toStdString(), settings_.seed);
  }
}

void MainWindow::showAbout() {
  AboutDialog dialog(this);
  dialog.exec();
}

ModelSetupDialog* MainWindow::modelSetupDialog() const {
  return model_setup_.data();
}

void MainWindow::showModelSetup() {
  if (model_setup_) {
    model_setup_->raise();
    model_setup_->activateWindow();
    return;
  }
  model_setup_ = new ModelSetupDialog(assetsDir(), this);
  model_setup_->setAttribute(Qt::WA_DeleteOnClose);
  connect(model_setup_, &ModelSetupDialog::modelsChanged, this,
          [this] { status_->refresh(settings_, assetsDir()); });
  model_setup_->open();
}

void MainWindow::offerModelSetup() {
  QSettings store;
  const QString key = QStringLiteral("modelSetup/offeredFor");
  const QString folder = QString::fromStdString(assetsDir().string());
  if (validate_assets(assetsDir()).usable() || store.value(key).toString() == folder)
    return;
  store.setValue(key, folder); // once per folder: later, Help > Set Up Models…
  showModelSetup();
}

void MainWindow::applySettings(const StudioSettings& settings) {
  settings_ = settings;
  configure_torch_threads(settings_.threads);
  status_->refresh(settings_, assetsDir());
}

void MainWindow::updateTitle() {
  const project::Project* p = project_->project();
  setWindowTitle(p ? QStringLiteral("%1 — %2").arg(QString::fromStdString(p->name),
                                                   QString::fromUtf8(kProjectName))
                   : QString::fromUtf8(kProjectName));
}

void MainWindow::showError(const QString& title, const QString& text) {
  spdlog::error("{}: {}", title.toStdString(), text.toStdString());
  if (isVisible())
    QMessageBox::warning(this, title, text);
}

void MainWindow::newProject() {
  const QString folder = QFileDialog::getExistingDirectory(
      this, tr("New Project: choose an empty folder (or make one)"),
      ProjectController::defaultProjectsFolder());
  if (folder.isEmpty())
    return;
  QString error;
  if (!project_->newProject(folder, QFileInfo(folder).fileName(), &error))
    showError(tr("New Project"), error);
}

void MainWindow::openProject() {
  const QString file = QFileDialog::getOpenFileName(
      this, tr("Open Project"), ProjectController::defaultProjectsFolder(),
      tr("DiffusionRig Studio projects (%1)").arg(QLatin1String(project::kManifestName)));
  if (file.isEmpty())
    return;
  QString error;
  if (!project_->openProject(file, &error))
    showError(tr("Open Project"), error);
}

void MainWindow::importPhotos() {
  const QStringList files = QFileDialog::getOpenFileNames(
      this, tr("Import Photos"), QString(),
      tr("Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp *.heic *.heif);;All files (*)"));
  if (!files.isEmpty())
    project_->importPaths(files);
}

void MainWindow::openPaths(const QStringList& paths) {
  QStringList photos;
  for (const QString& path : paths) {
    const QFileInfo info(path);
    const bool project =
        info.fileName().endsWith(QStringLiteral(".drig.json")) ||
        (info.isDir() &&
         QFileInfo::exists(QDir(path).filePath(QLatin1String(project::kManifestName))));
    if (project) {
      QString error;
      if (!project_->openProject(path, &error))
        showError(tr("Open Project"), error);
    } else {
      photos << path;
    }
  }
  if (!photos.isEmpty())
    project_->importPaths(photos);
}

void MainWindow::updateRecentProjects() {
  QMenu* menu = actions_->recentProjectsMenu;
  menu->clear();
  const QStringList recent = QSettings().value(QLatin1String(keys::kRecentProjects)).toStringList();
  for (const QString& folder : recent) {
    QAction* action = menu->addAction(folder);
    connect(action, &QAction::triggered, this, [this, folder] {
      QString error;
      if (!project_->openProject(folder, &error))
        showError(tr("Open Project"), error);
    });
  }
  if (recent.isEmpty())
    menu->addAction(tr("No recent projects"))->setEnabled(false);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls())
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile())
      paths << url.toLocalFile();
  if (paths.isEmpty())
    return;
  event->acceptProposedAction();
  project_->importPaths(paths);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveLayout();
  // Running jobs stop at their next unit of work; what they finished and
  // the project are saved.
  project_->closeProject();
  QMainWindow::closeEvent(event);
}

void MainWindow::logStartup() const {
  spdlog::info("{} {} started", kProjectName, kVersion);
  const AssetReport report = validate_assets(assetsDir());
  if (report.usable()) {
    spdlog::info("Model files: all present in {}", assetsDir().string());
    return;
  }
  const auto problems = report.problems();
  spdlog::warn("Model files not ready: {}{}", problems.front(),
               problems.size() > 1 ? fmt::format(" (and {} more)", problems.size() - 1) : "");
  spdlog::info("Choose the model files folder in Edit > Preferences");
}

} // namespace drig::ui
