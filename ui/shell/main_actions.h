#pragma once

#include <QObject>

class QAction;
class QDockWidget;
class QMainWindow;
class QMenu;
class QUndoStack;

namespace drig::ui {

// Every menu of the main window and its actions. Actions whose feature is not
// built yet are created disabled (greyed out), never wired to a fake.
class MainActions : public QObject {
  Q_OBJECT

public:
  MainActions(QMainWindow* window, QUndoStack* undo_stack);

  // Adds the show/hide toggle of each dock to the View menu, before Reset Layout.
  void addDockToggles(const QList<QDockWidget*>& docks);

  QMenu* fileMenu = nullptr;
  QMenu* editMenu = nullptr;
  QMenu* viewMenu = nullptr;
  QMenu* albumMenu = nullptr;
  QMenu* modelMenu = nullptr;
  QMenu* lightingMenu = nullptr;
  QMenu* helpMenu = nullptr;
  QMenu* recentProjectsMenu = nullptr;

  QAction* newProject = nullptr;
  QAction* openProject = nullptr;
  QAction* saveProject = nullptr;
  QAction* importPhotos = nullptr;
  QAction* exportPhotos = nullptr;
  QAction* quit = nullptr;
  QAction* undo = nullptr;
  QAction* redo = nullptr;
  QAction* savePreset = nullptr;
  QAction* loadPreset = nullptr;
  QAction* applyToSelected = nullptr;
  QAction* preferences = nullptr;
  QAction* resetLayout = nullptr;
  QAction* alignFaces = nullptr;
  QAction* fitFaceModel = nullptr;
  QAction* findPerson = nullptr;
  QAction* excludePhoto = nullptr;
  QAction* assignPerson = nullptr;
  QAction* chooseFace = nullptr;
  QAction* removePhoto = nullptr;
  QAction* lightFromBackground = nullptr;
  QAction* lightFromPanorama = nullptr;
  QAction* personalize = nullptr;
  QAction* generate = nullptr;
  QAction* setUpModels = nullptr;
  QAction* about = nullptr;
  QAction* aboutQt = nullptr;

private:
  QAction* add(QMenu* menu, const QString& object_name, const QString& text,
               const QString& status_tip, bool enabled = true);

  QAction* dock_separator_ = nullptr;
};

} // namespace drig::ui
