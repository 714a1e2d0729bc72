#pragma once

#include "ui/shell/settings.h"

#include <QMainWindow>
#include <QPointer>

#include <memory>

class QDockWidget;
class QUndoStack;

namespace drig::ui {

class ModelSetupDialog;

class AlbumPanel;
class ControlsPanel;
class EditorCanvas;
class EditorController;
class JobsPanel;
class LogSink;
class MainActions;
class ProjectController;
class StatusIndicators;

// How diffusionrig-studio was started (command-line overrides).
struct MainWindowOptions {
  QString assets_dir;        // --assets: used instead of the preference when set
  bool reset_layout = false; // --reset-layout: ignore the saved layout
};

// The main window: album (left), before/after canvas (centre), edit controls
// (right), jobs/log/training (bottom); remembers its layout between runs.
class MainWindow : public QMainWindow {
  Q_OBJECT

public:
  // The first-run size (bounded by the screen), also used by --screenshot.
  static constexpr QSize kDefaultSize{1360, 860};

  explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
  ~MainWindow() override;

  AlbumPanel* albumPanel() const { return album_; }
  EditorCanvas* editorCanvas() const { return canvas_; }
  ControlsPanel* controlsPanel() const { return controls_; }
  JobsPanel* jobsPanel() const { return jobs_; }
  QDockWidget* albumDock() const { return album_dock_; }
  QDockWidget* controlsDock() const { return controls_dock_; }
  QDockWidget* jobsDock() const { return jobs_dock_; }
  MainActions* actions() const { return actions_; }
  StatusIndicators* statusIndicators() const { return status_; }
  QUndoStack* undoStack() const { return undo_stack_; }
  ProjectController* projectController() const { return project_; }
  EditorController* editorController() const { return editor_; }
  const StudioSettings& settings() const { return settings_; }

  // The assets folder in use: --assets, else the preference, else the default.
  std::filesystem::path assetsDir() const;
  // The set-up assistant while it is open (nullptr otherwise).
  ModelSetupDialog* modelSetupDialog() const;

public Q_SLOTS:
  // Writes geometry and dock layout to QSettings (also done on close).
  void saveLayout() const;
  // Restores them; false when nothing usable was saved.
  bool restoreLayout();
  // Docks back to their first places and sizes, all shown.
  void resetLayout();
  void showPreferences();
  void showAbout();
  // Help > Set Up Models…: the model set-up assistant (not modal).
  void showModelSetup();
  // At start: opens the assistant once when the model files are missing
  // (the first start after installing, or after the folder was emptied).
  void offerModelSetup();
  // Re-reads the preferences and updates the threads and status bar.
  void applySettings(const StudioSettings& settings);

  void newProject();
  void openProject();
  void importPhotos();
  // What the command line or the desktop passed: a project (its folder or
  // manifest) is opened; anything else is imported into the album.
  void openPaths(const QStringList& paths);
  // Rebuilds File → Recent Projects from the settings.
  void updateRecentProjects();

protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

private:
  QDockWidget* addDock(const QString& object_name, const QString& title, QWidget* content,
                       Qt::DockWidgetArea area);
  void logStartup() const;

  MainWindowOptions options_;
  StudioSettings settings_;
  QUndoStack* undo_stack_;
  AlbumPanel* album_;
  EditorCanvas* canvas_;
  ControlsPanel* controls_;
  JobsPanel* jobs_;
  QDockWidget* album_dock_ = nullptr;
  QDockWidget* controls_dock_ = nullptr;
  QDockWidget* jobs_dock_ = nullptr;
  MainActions* actions_ = nullptr;
  StatusIndicators* status_ = nullptr;
  std::shared_ptr<LogSink> log_sink_;
  ProjectController* project_ = nullptr;
  EditorController* editor_ = nullptr;
  void wireEditor();
  QStringList selectedPhotoIds() const;
  void updateTitle();
  void showError(const QString& title, const QString& text);
  QPointer<ModelSetupDialog> model_setup_;
};

} // namespace drig::ui
