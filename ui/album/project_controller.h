#pragma once

// The Studio's project and album logic: opens/saves projects, imports
// dropped photos, and runs alignment and fitting on worker threads over the
// libraries' progress + cancel API, keeping the album's items (thumbnail,
// status badge, reason) and the Jobs panel up to date. The GUI thread only
// ever receives finished results.
#include "model/base/progress.h"
#include "training/project/project.h"

#include <QFuture>
#include <QObject>
#include <QPixmap>
#include <QStringList>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>

class QStandardItem;

namespace drig {
class OptionCheck;
}

namespace drig::ui {

class AlbumPanel;
class JobsPanel;

// Model → Personalize: the paper's Stage 2 with its defaults.
struct PersonalizeOptions {
  QString person = QStringLiteral("default");
  std::filesystem::path stage1; // the user's Stage 1 checkpoint
  int steps = 5000, batch = 4, image_size = 256, preview_every = 500, log_every = 10;
  double lr = 1e-5;
  QString device = QStringLiteral("auto");

  // Every problem at once (see OptionCheck): the Personalize dialog lists
  // them before the job can start.
  void check(OptionCheck& check) const;
};

class ProjectController : public QObject {
  Q_OBJECT
public:
  // The item data role that holds a photo's project id.
  static constexpr int kPhotoIdRole = Qt::UserRole + 1;
  static constexpr int kStatusRole = Qt::UserRole + 2;

  ProjectController(AlbumPanel* album, JobsPanel* jobs,
                    std::function<std::filesystem::path()> assets_dir, QObject* parent = nullptr);
  ~ProjectController() override;

  bool hasProject() const { return project_.has_value(); }
  project::Project* project() { return project_ ? &*project_ : nullptr; }
  // Where projects go when the user drops photos before making one.
  static QString defaultProjectsFolder();

  // False with `error` set on failure (the GUI shows it); the current
  // project is kept then.
  bool newProject(const QString& folder, const QString& name, QString* error);
  bool openProject(const QString& path, QString* error);
  bool saveProject(QString* error);
  void closeProject();

  // Files and folders (not recursive); photos already in the album are
  // skipped. Creates an untitled project first when there is none.
  void importPaths(const QStringList& paths);
  // Aligns the queued (and failed) photos, then fits the aligned ones when
  // the face-model files are there.
  void alignPending();
  // Finds the album's person among the aligned photos when one of them is
  // new to it (face-api's recognition model; skipped without it): group
  // photos get their face, photos of someone else are left out. Then fits.
  void checkPeople();
  // Album → Find the Album's Person: the same check on request (a project
  // made before it, or the recognition model installed since), saying why
  // when there is nothing to do.
  void findPerson();
  void fitPending();
  void removePhotos(const QStringList& ids);
  void setExcluded(const QString& id, bool excluded);
  // Which personal model a photo trains ("default" = unassigned).
  void assignPerson(const QString& id, const QString& person);
  // Builds the person's dataset from the usable photos (kept and reused
  // when it exists), then trains Stage 2, continuing the person's last run
  // when there is one; Cancel pauses (a checkpoint is written).
  void personalize(const PersonalizeOptions& options);
  void cancelAll();
  // Which face of a group photo is edited (0-based, into PhotoEntry::faces);
  // the photo is fitted again. False with `error` when it cannot be.
  bool chooseFace(const QString& id, int index, QString* error);
  // Stores a photo's edit (the edit JSON with its controls) and saves soon.
  void setEdit(const QString& id, nlohmann::json edit);
  // Forgets a photo's edit (it is shown unedited) and saves soon.
  void removeEdit(const QString& id);
  bool busy() const { return running_jobs_ > 0 || starting_ > 0; }
  QStandardItem* itemFor(const QString& id) const;
  // What to store as the project's window state on every save (the main
  // window's dock layout), restored when the project is opened.
  void setWindowStateProvider(std::function<std::string()> provider) {
    window_state_ = std::move(provider);
  }

Q_SIGNALS:
  void projectChanged(); // opened, created, closed, renamed
  void albumChanged();   // photos added, removed or their status changed
  void jobsIdle();       // the last running job finished
  void message(const QString& text);
  // Each logged training step (GUI thread): for the live loss plot.
  void trainingProgress(qint64 step, qint64 total, double loss, double steps_per_second,
                        double eta_seconds);
  void trainingPreview(const QString& png);
  // The expected training time, from the first steps and refined later.
  void trainingEstimate(const QString& text);

private:
  struct Job {
    QString name;
    int row = -1; // in the Jobs table
    CancelToken cancel;
    QFuture<void> future;
  };
  std::shared_ptr<Job> startJob(const QString& name);
  void finishJob(const std::shared_ptr<Job>& job, const QString& status, const QString& details);
  // The end of an alignment or fitting job: counter, save, album signal and
  // the job's final status (`done` when it neither failed nor was cancelled).
  void finishAlbumJob(const std::shared_ptr<Job>& job, const std::string& error, bool cancelled,
                      const QString& done);
  void runPersonCheck(bool asked);
  void rebuildAlbum();
  void refreshItem(const project::PhotoEntry& photo);
  void loadThumbnail(const QString& id, const std::filesystem::path& source);
  void scheduleSave();
  void autosave();
  void updateCounter();
  void addRecent(const QString& folder);

  AlbumPanel* album_;
  JobsPanel* jobs_;
  std::function<std::filesystem::path()> assets_dir_;
  std::function<std::string()> window_state_;
  std::optional<project::Project> project_;
  std::map<QString, QStandardItem*> items_;
  std::map<QString, QPixmap> thumbnails_;
  std::vector<std::shared_ptr<Job>> jobs_running_;
  int running_jobs_ = 0;
  int starting_ = 0; // imports whose work starts after their first frame
  static constexpr int kStartDelayMs = 120;
  bool align_queued_ = false;
  bool told_no_ssd_ = false; // said once that group photos lack the SSD stage
  bool told_no_identity_ = false;
  bool fit_soon_ = false; // a fit of photos included again is queued
  class QTimer* save_timer_;
  class QThreadPool* writer_;
};

} // namespace drig::ui
