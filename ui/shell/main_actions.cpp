#include "ui/shell/main_actions.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QUndoStack>

namespace drig::ui {

MainActions::MainActions(QMainWindow* window, QUndoStack* undo_stack) : QObject(window) {
  QMenuBar* bar = window->menuBar();
  const auto menu = [bar](const QString& object_name, const QString& title) {
    QMenu* m = bar->addMenu(title);
    m->setObjectName(object_name);
    return m;
  };

  fileMenu = menu(QStringLiteral("fileMenu"), tr("&File"));
  newProject = add(fileMenu, QStringLiteral("actionNewProject"), tr("&New Project"),
                   tr("Start a new project for one person's photo album"));
  openProject = add(fileMenu, QStringLiteral("actionOpenProject"), tr("&Open Project…"),
                    tr("Open a saved project"));
  saveProject = add(fileMenu, QStringLiteral("actionSaveProject"), tr("&Save Project"),
                    tr("Save the album, fitted face models and edits"));
  fileMenu->addSeparator();
  importPhotos = add(fileMenu, QStringLiteral("actionImportPhotos"), tr("&Import Photos…"),
                     tr("Add photos or a folder of photos to the album"));
  exportPhotos = add(fileMenu, QStringLiteral("actionExport"), tr("&Export Edited Photos…"),
                     tr("Write the selected photos with their edits, at full resolution"), false);
  exportPhotos->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
  recentProjectsMenu = fileMenu->addMenu(tr("&Recent Projects"));
  recentProjectsMenu->setObjectName(QStringLiteral("recentProjectsMenu"));
  QAction* none = recentProjectsMenu->addAction(tr("No recent projects"));
  none->setEnabled(false);
  fileMenu->addSeparator();
  quit = add(fileMenu, QStringLiteral("actionQuit"), tr("&Quit"), tr("Quit DiffusionRig Studio"));
  newProject->setShortcut(QKeySequence::New);
  openProject->setShortcut(QKeySequence::Open);
  saveProject->setShortcut(QKeySequence::Save);
  importPhotos->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
  quit->setShortcut(QKeySequence::Quit);
  quit->setMenuRole(QAction::QuitRole);
  connect(quit, &QAction::triggered, window, &QWidget::close);

  editMenu = menu(QStringLiteral("editMenu"), tr("&Edit"));
  undo = undo_stack->createUndoAction(this, tr("&Undo"));
  undo->setObjectName(QStringLiteral("actionUndo"));
  undo->setShortcut(QKeySequence::Undo);
  redo = undo_stack->createRedoAction(this, tr("&Redo"));
  redo->setObjectName(QStringLiteral("actionRedo"));
  redo->setShortcut(QKeySequence::Redo);
  editMenu->addAction(undo);
  editMenu->addAction(redo);
  editMenu->addSeparator();
  savePreset =
      add(editMenu, QStringLiteral("actionSavePreset"), tr("&Save Edit as Preset…"),
          tr("Write this edit as a JSON file (diffusionrig infer --edit reads it)"), false);
  loadPreset = add(editMenu, QStringLiteral("actionLoadPreset"), tr("&Load Preset…"),
                   tr("Apply an edit JSON file to this portrait"), false);
  applyToSelected =
      add(editMenu, QStringLiteral("actionApplyToSelected"), tr("&Apply Edit to Selected"),
          tr("Give the other selected photos the current photo's edit"), false);
  editMenu->addSeparator();
  preferences = add(editMenu, QStringLiteral("actionPreferences"), tr("&Preferences…"),
                    tr("Model files folder, compute device, threads and generation defaults"));
  preferences->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
  preferences->setMenuRole(QAction::PreferencesRole);

  viewMenu = menu(QStringLiteral("viewMenu"), tr("&View"));
  dock_separator_ = viewMenu->addSeparator();
  resetLayout = add(viewMenu, QStringLiteral("actionResetLayout"), tr("&Reset Layout"),
                    tr("Put every panel back where it started"));

  albumMenu = menu(QStringLiteral("albumMenu"), tr("&Album"));
  alignFaces = add(albumMenu, QStringLiteral("actionAlignFaces"), tr("&Align Faces"),
                   tr("Detect, crop and align the face in every photo not aligned yet"));
  fitFaceModel = add(albumMenu, QStringLiteral("actionFitFaceModel"), tr("&Fit Face Model"),
                     tr("Estimate the 3D face (FLAME), lighting and pose of every aligned photo"));
  findPerson = add(albumMenu, QStringLiteral("actionFindPerson"), tr("Find the Album's Perso&n"),
                   tr("Tell the album's person from others in the photos not judged yet: group "
                      "photos get their face, photos of someone else are left out"));
  albumMenu->addSeparator();
  excludePhoto =
      add(albumMenu, QStringLiteral("actionExcludePhoto"), tr("&Exclude from Personalization"),
          tr("Keep the selected photos in the album but leave them out of training"), false);
  excludePhoto->setCheckable(true);
  assignPerson = add(albumMenu, QStringLiteral("actionAssignPerson"), tr("Assign to &Person…"),
                     tr("Which personal model the selected photos train (one per person)"), false);
  chooseFace = add(albumMenu, QStringLiteral("actionChooseFace"), tr("Choose &Face…"),
                   tr("Pick which face of a group photo is edited"), false);
  removePhoto = add(albumMenu, QStringLiteral("actionRemovePhoto"), tr("&Remove Photo"),
                    tr("Remove the selected photos from the album"), false);
  removePhoto->setShortcut(QKeySequence::Delete);

  lightingMenu = menu(QStringLiteral("lightingMenu"), tr("&Lighting"));
  lightFromBackground =
      add(lightingMenu, QStringLiteral("actionLightFromBackground"), tr("From &Background…"),
          tr("Light the face as a background photo would: pick the photo of the new "
             "surroundings"),
          false);
  lightFromPanorama =
      add(lightingMenu, QStringLiteral("actionLightFromPanorama"), tr("From &Panorama…"),
          tr("Light the face with an HDR panorama (.hdr, .exr) of a place"), false);

  modelMenu = menu(QStringLiteral("modelMenu"), tr("&Model"));
  personalize = add(modelMenu, QStringLiteral("actionPersonalize"), tr("&Personalize…"),
                    tr("Fine-tune the diffusion model on this album (Stage 2)"));
  generate =
      add(modelMenu, QStringLiteral("actionGenerate"), tr("&Generate"),
          tr("Sample the After view with the current controls and the personal model"), false);
  generate->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));

  helpMenu = menu(QStringLiteral("helpMenu"), tr("&Help"));
  setUpModels = add(helpMenu, QStringLiteral("actionSetUpModels"), tr("Set Up &Models…"),
                    tr("Install the model files (FLAME, DECA, Stage 1) from what you downloaded"));
  about = add(helpMenu, QStringLiteral("actionAbout"), tr("&About DiffusionRig Studio"),
              tr("Version, licence and the libraries in use"));
  about->setMenuRole(QAction::AboutRole);
  aboutQt = add(helpMenu, QStringLiteral("actionAboutQt"), tr("About &Qt"),
                tr("The version of Qt in use"));
  aboutQt->setMenuRole(QAction::AboutQtRole);
  connect(aboutQt, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainActions::addDockToggles(const QList<QDockWidget*>& docks) {
  for (QDockWidget* dock : docks) {
    QAction* toggle = dock->toggleViewAction();
    toggle->setObjectName(QStringLiteral("actionToggle_") + dock->objectName());
    // A menu would read a single '&' as a mnemonic marker ("Jobs & Log").
    toggle->setText(dock->windowTitle().replace(QLatin1Char('&'), QStringLiteral("&&")));
    toggle->setStatusTip(tr("Show or hide the %1 panel").arg(dock->windowTitle()));
    viewMenu->insertAction(dock_separator_, toggle);
  }
}

QAction* MainActions::add(QMenu* menu, const QString& object_name, const QString& text,
                          const QString& status_tip, bool enabled) {
  QAction* action = menu->addAction(text);
  action->setObjectName(object_name);
  action->setStatusTip(status_tip);
  action->setToolTip(status_tip);
  action->setEnabled(enabled);
  return action;
}

} // namespace drig::ui
