#include "ui/project_controller.h"

#include "model/base/error.h"
#include "training/align/album_job.h"
#include "training/datasets/create_data.h"
#include "training/fitting/fit_job.h"
#include "training/fitting/rig_file.h"
#include "training/image_io/image_file.h"
#include "training/train/train_loop.h"
#include "ui/album_panel.h"
#include "ui/jobs_panel.h"
#include "ui/settings.h"

#include <QDir>
#include <QFutureWatcher>
#include <QImageReader>
#include <QListView>
#include <QPainter>
#include <QPointer>
#include <QSettings>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTimer>
#include <QtConcurrent>

#include <spdlog/spdlog.h>

namespace fs = std::filesystem;

namespace drig::ui {
namespace {

constexpr int kThumbnail = 96;
constexpr int kMaxRecent = 8;

QString q(const fs::path& p) {
  return QString::fromStdString(p.string());
}
fs::path p(const QString& s) {
  return fs::path(s.toStdString());
}

struct Badge {
  QString text;
  QColor colour;
};

Badge badge_for(const std::string& status) {
  if (status == "fitted")
    return {QObject::tr("Fitted"), QColor(0x2e, 0x9d, 0x4f)};
  if (status == "aligned")
    return {QObject::tr("Aligned"), QColor(0x2f, 0x7f, 0xd1)};
  if (status == "aligning" || status == "fitting")
    return {status == "aligning" ? QObject::tr("Aligning…") : QObject::tr("Fitting…"),
            QColor(0xd9, 0x8e, 0x04)};
  if (status == "no-face")
    return {QObject::tr("No face"), QColor(0x8a, 0x8a, 0x8a)};
  if (status == "error")
    return {QObject::tr("Error"), QColor(0xc6, 0x28, 0x28)};
  return {QObject::tr("Queued"), QColor(0x9e, 0x9e, 0x9e)};
}

QImage read_thumbnail(const fs::path& source) {
  QImageReader reader(q(source));
  reader.setAutoTransform(true);
  const QSize size = reader.size();
  if (size.isValid())
    reader.setScaledSize(size.scaled(kThumbnail * 2, kThumbnail * 2, Qt::KeepAspectRatio));
  QImage image = reader.read();
  if (!image.isNull())
    return image;
  try { // HEIC and what Qt cannot read: the importer's own decoder
    const image_io::LoadedImage loaded = image_io::load_image(source);
    const cv::Mat rgb = image_io::to_rgb8(loaded.rgb);
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888)
        .scaled(kThumbnail * 2, kThumbnail * 2, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  } catch (const std::exception&) {
    return {};
  }
}

} // namespace

struct ProjectController::Job {
  QString name;
  int row = -1;
  CancelToken cancel;
  QFuture<void> future;
};

ProjectController::ProjectController(AlbumPanel* album, JobsPanel* jobs,
                                     std::function<fs::path()> assets_dir, QObject* parent)
    : QObject(parent), album_(album), jobs_(jobs), assets_dir_(std::move(assets_dir)),
      save_timer_(new QTimer(this)) {
  save_timer_->setSingleShot(true);
  save_timer_->setInterval(400);
  connect(save_timer_, &QTimer::timeout, this, [this] {
    QString error;
    if (project_ && !saveProject(&error))
      emit message(error);
  });
}

ProjectController::~ProjectController() {
  cancelAll();
  for (const auto& job : jobs_running_)
    job->future.waitForFinished();
  if (project_ && save_timer_->isActive()) {
    QString ignored;
    saveProject(&ignored);
  }
}

QString ProjectController::defaultProjectsFolder() {
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation))
      .filePath(QStringLiteral("projects"));
}

bool ProjectController::newProject(const QString& folder, const QString& name, QString* error) {
  try {
    project::Project created = project::Project::create(p(folder), name.toStdString());
    if (project_) {
      QString ignored;
      saveProject(&ignored);
    }
    project_ = std::move(created);
  } catch (const std::exception& e) {
    *error = QString::fromStdString(e.what());
    return false;
  }
  addRecent(q(project_->folder));
  rebuildAlbum();
  emit projectChanged();
  spdlog::info("new project {}", project_->folder.string());
  return true;
}

bool ProjectController::openProject(const QString& path, QString* error) {
  if (busy()) {
    *error = tr("Wait for the running jobs to finish (or cancel them) before opening another "
                "project.");
    return false;
  }
  try {
    project::Project opened = project::Project::open(p(path));
    project_ = std::move(opened);
  } catch (const std::exception& e) {
    *error = QString::fromStdString(e.what());
    return false;
  }
  addRecent(q(project_->folder));
  rebuildAlbum();
  emit projectChanged();
  spdlog::info("opened project {} ({} photos)", project_->folder.string(), project_->photos.size());
  return true;
}

bool ProjectController::saveProject(QString* error) {
  if (!project_) {
    *error = tr("There is no project to save.");
    return false;
  }
  try {
    if (window_state_)
      project_->window_state = window_state_();
    project_->save();
  } catch (const std::exception& e) {
    *error = QString::fromStdString(e.what());
    return false;
  }
  return true;
}

void ProjectController::closeProject() {
  cancelAll();
  for (const auto& job : jobs_running_)
    job->future.waitForFinished();
  if (project_) {
    QString ignored;
    saveProject(&ignored);
  }
  project_.reset();
  rebuildAlbum();
  emit projectChanged();
}

void ProjectController::addRecent(const QString& folder) {
  QSettings settings;
  QStringList recent = settings.value(QLatin1String(keys::kRecentProjects)).toStringList();
  recent.removeAll(folder);
  recent.prepend(folder);
  while (recent.size() > kMaxRecent)
    recent.removeLast();
  settings.setValue(QLatin1String(keys::kRecentProjects), recent);
}

void ProjectController::scheduleSave() {
  if (project_)
    save_timer_->start();
}

QStandardItem* ProjectController::itemFor(const QString& id) const {
  const auto it = items_.find(id);
  return it == items_.end() ? nullptr : it->second;
}

void ProjectController::rebuildAlbum() {
  album_->model()->clear();
  items_.clear();
  if (project_)
    for (const project::PhotoEntry& e : project_->photos) {
      auto* item = new QStandardItem;
      item->setEditable(false);
      item->setData(QString::fromStdString(e.id), kPhotoIdRole);
      album_->model()->appendRow(item);
      items_[QString::fromStdString(e.id)] = item;
      refreshItem(e);
      loadThumbnail(QString::fromStdString(e.id), e.source);
    }
  updateCounter();
  emit albumChanged();
}

void ProjectController::updateCounter() {
  album_->setUsableCount(project_ ? project_->usable_count() : 0);
}

void ProjectController::refreshItem(const project::PhotoEntry& e) {
  const QString id = QString::fromStdString(e.id);
  QStandardItem* item = itemFor(id);
  if (!item)
    return;
  const Badge badge = badge_for(e.status);
  QPixmap icon(kThumbnail, kThumbnail);
  icon.fill(Qt::transparent);
  {
    QPainter painter(&icon);
    painter.setRenderHint(QPainter::Antialiasing);
    const auto thumb = thumbnails_.find(id);
    if (thumb != thumbnails_.end()) {
      const QPixmap scaled = thumb->second.scaled(kThumbnail, kThumbnail, Qt::KeepAspectRatio,
                                                  Qt::SmoothTransformation);
      painter.drawPixmap((kThumbnail - scaled.width()) / 2, (kThumbnail - scaled.height()) / 2,
                         scaled);
    } else {
      painter.fillRect(icon.rect().adjusted(8, 8, -8, -8), QColor(0x55, 0x55, 0x55));
    }
    if (e.excluded)
      painter.fillRect(icon.rect(), QColor(0, 0, 0, 140));
    // The status badge: a pill in the bottom-left corner.
    QFont font = painter.font();
    font.setPixelSize(11);
    font.setBold(true);
    painter.setFont(font);
    const int w = QFontMetrics(font).horizontalAdvance(badge.text) + 10;
    const QRectF pill(2, kThumbnail - 18, w, 16);
    painter.setPen(Qt::NoPen);
    painter.setBrush(badge.colour);
    painter.drawRoundedRect(pill, 8, 8);
    painter.setPen(Qt::white);
    painter.drawText(pill, Qt::AlignCenter, badge.text);
  }
  item->setIcon(QIcon(icon));
  item->setText(id + (e.excluded ? tr(" (excluded)") : QString()));
  item->setData(QString::fromStdString(e.status), kStatusRole);
  QString tip = QStringLiteral("%1\n%2").arg(q(e.source), badge.text);
  if (!e.reason.empty())
    tip += QStringLiteral(": ") + QString::fromStdString(e.reason);
  if (!e.person.empty())
    tip += tr("\nPerson: %1").arg(QString::fromStdString(e.person));
  if (e.faces_found > 1)
    tip += tr("\n%1 faces found; the largest is used").arg(e.faces_found);
  item->setToolTip(tip);
}

void ProjectController::loadThumbnail(const QString& id, const fs::path& source) {
  auto* watcher = new QFutureWatcher<QImage>(this);
  connect(watcher, &QFutureWatcher<QImage>::finished, this, [this, watcher, id] {
    const QImage image = watcher->result();
    watcher->deleteLater();
    if (image.isNull() || !project_)
      return;
    thumbnails_[id] = QPixmap::fromImage(image);
    if (const project::PhotoEntry* e = project_->find(id.toStdString()))
      refreshItem(*e);
  });
  watcher->setFuture(QtConcurrent::run([source] { return read_thumbnail(source); }));
}

void ProjectController::importPaths(const QStringList& paths) {
  if (!project_) {
    const QDir root(defaultProjectsFolder());
    QString folder = root.filePath(tr("Untitled album"));
    for (int n = 2; QDir(folder).exists() && !QDir(folder).isEmpty(); ++n)
      folder = root.filePath(tr("Untitled album %1").arg(n));
    QString error;
    if (!newProject(folder, {}, &error)) {
      emit message(error);
      return;
    }
    emit message(tr("Started a new project in %1").arg(folder));
  }
  std::vector<fs::path> inputs;
  for (const QString& path : paths)
    inputs.push_back(p(path));
  std::vector<fs::path> photos;
  for (const fs::path& input : inputs) {
    try {
      for (const fs::path& photo : align::collect_photos({input}))
        photos.push_back(photo);
    } catch (const std::exception& e) {
      emit message(QString::fromStdString(e.what()));
    }
  }
  int added = 0;
  for (const fs::path& photo : photos) {
    const size_t before = project_->photos.size();
    project::PhotoEntry& e = project_->add_photo(photo);
    if (project_->photos.size() == before)
      continue; // already in the album
    ++added;
    auto* item = new QStandardItem;
    item->setEditable(false);
    const QString id = QString::fromStdString(e.id);
    item->setData(id, kPhotoIdRole);
    album_->model()->appendRow(item);
    items_[id] = item;
    refreshItem(e);
    loadThumbnail(id, e.source);
  }
  spdlog::info("imported {} photo(s)", added);
  scheduleSave();
  emit albumChanged();
  if (added > 0)
    alignPending();
}

std::shared_ptr<ProjectController::Job> ProjectController::startJob(const QString& name) {
  auto job = std::make_shared<Job>();
  job->name = name;
  CancelToken token = job->cancel;
  job->row = jobs_->addJob(name, tr("Running"), [token] { token.cancel(); });
  jobs_running_.push_back(job);
  ++running_jobs_;
  return job;
}

void ProjectController::finishJob(const std::shared_ptr<Job>& job, const QString& status,
                                  const QString& details) {
  jobs_->finishJob(job->row, status, details);
  if (!details.isEmpty())
    spdlog::warn("{}: {}", job->name.toStdString(), details.toStdString());
  jobs_running_.erase(std::remove(jobs_running_.begin(), jobs_running_.end(), job),
                      jobs_running_.end());
  if (--running_jobs_ == 0) {
    if (align_queued_) {
      align_queued_ = false;
      alignPending();
    }
    if (running_jobs_ == 0)
      emit jobsIdle();
  }
}

void ProjectController::cancelAll() {
  align_queued_ = false;
  for (const auto& job : jobs_running_)
    job->cancel.cancel();
}

namespace {

// Progress from a worker thread, delivered to the GUI thread.
JobContext gui_job(QObject* context, JobsPanel* jobs, int row, const CancelToken& cancel) {
  JobContext ctx;
  ctx.cancel = cancel;
  ctx.on_progress = [context, jobs, row](const ProgressUpdate& u) {
    const int percent = int(u.fraction() * 100);
    QString status = QObject::tr("%1/%2").arg(u.done).arg(u.total);
    if (u.eta_seconds >= 0)
      status +=
          QObject::tr(", %1 left").arg(QString::fromStdString(format_duration(u.eta_seconds)));
    QMetaObject::invokeMethod(
        context, [jobs, row, percent, status] { jobs->setJobProgress(row, percent, status); },
        Qt::QueuedConnection);
  };
  return ctx;
}

struct AlignOutcome {
  align::AlignSummary summary;
  std::string error;
};

struct FitOutcome {
  fitting::FitSummary summary;
  std::string error;
};

} // namespace

void ProjectController::alignPending() {
  if (!project_)
    return;
  if (busy()) {
    align_queued_ = true; // after the running job
    return;
  }
  align::AlignJobOptions o;
  for (project::PhotoEntry& e : project_->photos)
    if (!e.excluded && (e.status == "queued" || e.status == "error")) {
      o.inputs.push_back(e.source);
      e.status = "aligning";
      e.reason.clear();
      refreshItem(e);
    }
  if (o.inputs.empty()) {
    fitPending();
    return;
  }
  o.output_dir = project_->aligned_dir();
  o.size = 256;
  auto job = startJob(tr("Align %n photo(s)", nullptr, int(o.inputs.size())));
  const JobContext ctx = gui_job(this, jobs_, job->row, job->cancel);
  auto* watcher = new QFutureWatcher<AlignOutcome>(this);
  connect(watcher, &QFutureWatcher<AlignOutcome>::finished, this, [this, watcher, job] {
    const AlignOutcome out = watcher->result();
    watcher->deleteLater();
    std::map<std::string, const align::PhotoResult*> results;
    for (const align::PhotoResult& r : out.summary.photos)
      results[r.source.string()] = &r;
    int aligned = 0;
    if (project_)
      for (project::PhotoEntry& e : project_->photos) {
        if (e.status != "aligning")
          continue;
        const auto it = results.find(e.source.string());
        if (it == results.end()) {
          e.status = "queued"; // not reached (cancelled) or the job failed
        } else {
          const align::PhotoResult& r = *it->second;
          e.faces_found = r.faces_found;
          e.reason = r.reason;
          if (r.status == align::PhotoStatus::Aligned || r.status == align::PhotoStatus::UpToDate) {
            e.status = "aligned";
            e.aligned = r.outputs.at(0);
            ++aligned;
          } else {
            e.status = r.status == align::PhotoStatus::NoFace ? "no-face" : "error";
          }
        }
        refreshItem(e);
      }
    updateCounter();
    scheduleSave();
    emit albumChanged();
    const QString status = !out.error.empty()      ? tr("Failed")
                           : out.summary.cancelled ? tr("Cancelled")
                                                   : tr("Done: %n aligned", nullptr, aligned);
    finishJob(job, status, QString::fromStdString(out.error));
    if (out.error.empty() && !out.summary.cancelled)
      fitPending();
  });
  const QFuture<AlignOutcome> future = QtConcurrent::run([o, ctx] {
    AlignOutcome out;
    try {
      out.summary = align::align_album(o, ctx);
    } catch (const CancelledError&) {
      out.summary.cancelled = true;
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    return out;
  });
  job->future = future;
  watcher->setFuture(future);
}

void ProjectController::fitPending() {
  if (!project_ || busy())
    return;
  const fs::path assets = assets_dir_ ? assets_dir_() : fs::path();
  if (!fs::exists(assets / "deca_model.tar")) {
    emit message(tr("Face-model fitting needs deca_model.tar in %1: choose the folder with the "
                    "DECA/FLAME files in Preferences, then use Album → Fit Face Model.")
                     .arg(q(assets)));
    return;
  }
  fitting::FitOptions o;
  for (project::PhotoEntry& e : project_->photos)
    if (!e.excluded && e.status == "aligned" && !e.aligned.empty()) {
      o.inputs.push_back(e.aligned);
      e.status = "fitting";
      refreshItem(e);
    }
  if (o.inputs.empty())
    return;
  o.output_dir = project_->rigs_dir();
  o.assets_dir = assets;
  auto job = startJob(tr("Fit the face model to %n photo(s)", nullptr, int(o.inputs.size())));
  const JobContext ctx = gui_job(this, jobs_, job->row, job->cancel);
  auto* watcher = new QFutureWatcher<FitOutcome>(this);
  connect(watcher, &QFutureWatcher<FitOutcome>::finished, this, [this, watcher, job, o] {
    const FitOutcome out = watcher->result();
    watcher->deleteLater();
    std::map<std::string, std::string> failed;
    for (const auto& [photo, reason] : out.summary.failed)
      failed[photo.string()] = reason;
    int fitted = 0;
    if (project_)
      for (project::PhotoEntry& e : project_->photos) {
        if (e.status != "fitting")
          continue;
        const fs::path rig = fitting::rig_path(o.output_dir, e.aligned);
        if (const auto it = failed.find(e.aligned.string()); it != failed.end()) {
          e.status = "error";
          e.reason = "fitting: " + it->second;
        } else if (out.error.empty() && fs::exists(rig)) {
          e.status = "fitted";
          e.rig = rig;
          ++fitted;
        } else {
          e.status = "aligned"; // cancelled or failed before this photo
        }
        refreshItem(e);
      }
    updateCounter();
    scheduleSave();
    emit albumChanged();
    const QString status = !out.error.empty()      ? tr("Failed")
                           : out.summary.cancelled ? tr("Cancelled")
                                                   : tr("Done: %n fitted", nullptr, fitted);
    finishJob(job, status, QString::fromStdString(out.error));
  });
  const QFuture<FitOutcome> future = QtConcurrent::run([o, ctx] {
    FitOutcome out;
    try {
      out.summary = fitting::fit_album(o, ctx);
    } catch (const CancelledError&) {
      out.summary.cancelled = true;
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    return out;
  });
  job->future = future;
  watcher->setFuture(future);
}

void ProjectController::removePhotos(const QStringList& ids) {
  if (!project_)
    return;
  if (busy()) {
    emit message(tr("Wait for the running jobs to finish (or cancel them) before removing "
                    "photos."));
    return;
  }
  for (const QString& id : ids) {
    if (QStandardItem* item = itemFor(id))
      album_->model()->removeRow(item->row());
    items_.erase(id);
    thumbnails_.erase(id);
    project_->remove_photo(id.toStdString());
  }
  updateCounter();
  scheduleSave();
  emit albumChanged();
}

void ProjectController::assignPerson(const QString& id, const QString& person) {
  if (!project_)
    return;
  if (project::PhotoEntry* e = project_->find(id.toStdString())) {
    e->person = person == QStringLiteral("default") ? std::string() : person.toStdString();
    refreshItem(*e);
    scheduleSave();
    emit albumChanged();
  }
}

void ProjectController::setExcluded(const QString& id, bool excluded) {
  if (!project_)
    return;
  if (project::PhotoEntry* e = project_->find(id.toStdString())) {
    e->excluded = excluded;
    refreshItem(*e);
    updateCounter();
    scheduleSave();
    emit albumChanged();
  }
}

namespace {

struct PersonalizeOutcome {
  training::TrainSummary summary;
  std::filesystem::path dataset;
  std::string error;
  bool cancelled = false;
};

fs::path last_model(const fs::path& log_dir) {
  fs::path best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(log_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() == 14 && name.rfind("model", 0) == 0 && e.path().extension() == ".pt" &&
        (best.empty() || name > best.filename().string()))
      best = e.path();
  }
  return best;
}

} // namespace

void ProjectController::personalize(const PersonalizeOptions& options) {
  if (!project_)
    return emit message(tr("Import an album first."));
  if (busy())
    return emit message(tr("Wait for the running jobs to finish (or cancel them)."));
  const fs::path assets = assets_dir_ ? assets_dir_() : fs::path();
  if (!fs::is_regular_file(options.stage1))
    return emit message(tr("The Stage 1 checkpoint %1 does not exist.").arg(q(options.stage1)));
  project::PersonModel& person = project_->person(options.person.toStdString());
  const fs::path root = project_->models_dir() / person.name;
  const fs::path photos = root / "photos", dataset = root / "dataset.lmdb", run = root / "run";
  int usable = 0;
  std::error_code ec;
  if (!fs::exists(dataset)) {
    // The usable photos, linked into one folder (create-data takes a folder).
    fs::remove_all(photos, ec);
    fs::create_directories(photos, ec);
    // The person's photos: assigned to them, or unassigned for "default".
    for (const project::PhotoEntry& e : project_->photos)
      if (e.usable() && !e.aligned.empty() &&
          (e.person == person.name || (e.person.empty() && person.name == "default"))) {
        ++usable;
        fs::create_symlink(e.aligned, photos / e.aligned.filename(), ec);
        fs::path sidecar = e.aligned;
        sidecar.replace_extension(".json");
        if (fs::exists(sidecar))
          fs::create_symlink(sidecar, photos / sidecar.filename(), ec);
      }
    if (usable < options.batch)
      return emit message(tr("Personalizing needs at least %1 usable photos (batch size); the "
                             "album has %2.")
                              .arg(options.batch)
                              .arg(usable));
  }
  datasets::CreateDataOptions data;
  data.data_dir = photos;
  data.output_dir = dataset;
  data.assets_dir = assets;
  data.image_size = options.image_size;
  data.use_meanshape = true; // the paper's personal albums
  data.device = options.device.toStdString();
  training::TrainLoopOptions train;
  train.stage = 2;
  train.data_dir = dataset;
  train.log_dir = run;
  const fs::path resume = last_model(run);
  train.resume_checkpoint = resume.empty() ? options.stage1 : resume;
  train.step.stage = 2;
  train.step.lr = options.lr;
  train.batch_size = options.batch;
  train.max_steps = options.steps;
  train.save_interval = std::max(1, std::min(options.steps, 1000));
  train.log_interval = std::max(1, options.log_every);
  train.preview_interval = options.preview_every;
  train.device = options.device.toStdString();
  train.model_config = nlohmann::json::object(); // the architecture comes from the checkpoint
  person.dataset = dataset;
  person.log_dir = run;
  person.status = "training";
  person.train_options = {{"steps", options.steps},
                          {"batch", options.batch},
                          {"lr", options.lr},
                          {"image_size", options.image_size},
                          {"device", options.device.toStdString()},
                          {"stage1", options.stage1.string()}};
  scheduleSave();
  if (!resume.empty())
    spdlog::info("continuing {}'s training from {}", person.name, resume.string());

  auto job = startJob(tr("Personalize (%1)").arg(QString::fromStdString(person.name)));
  const JobContext ctx = gui_job(this, jobs_, job->row, job->cancel);
  const bool build_data = !fs::exists(dataset);
  const int64_t log_every = train.log_interval, total = train.max_steps;
  QPointer<ProjectController> self(this);
  const auto on_update = [self, log_every, total](const training::TrainUpdate& u) {
    if (u.step % log_every != 0 && u.step != total && u.preview.empty())
      return;
    QMetaObject::invokeMethod(
        self.data(),
        [self, u, log_every, total] {
          if (!self)
            return;
          if (u.step % log_every == 0 || u.step == total)
            emit self->trainingProgress(u.step, total, u.loss, u.steps_per_second, u.eta_seconds);
          if (!u.preview.empty())
            emit self->trainingPreview(q(u.preview));
        },
        Qt::QueuedConnection);
  };
  auto* watcher = new QFutureWatcher<PersonalizeOutcome>(this);
  const std::string name = person.name;
  connect(watcher, &QFutureWatcher<PersonalizeOutcome>::finished, this,
          [this, watcher, job, name, dataset] {
            const PersonalizeOutcome out = watcher->result();
            watcher->deleteLater();
            if (project_) {
              project::PersonModel& p = project_->person(name);
              p.steps_done = out.summary.steps;
              if (!out.summary.last_checkpoint.empty())
                p.model = out.summary.last_checkpoint;
              if (fs::exists(dataset / "mean_shape.pkl"))
                p.meanshape = dataset / "mean_shape.pkl";
              p.status = !out.error.empty() ? "failed" : out.cancelled ? "paused" : "trained";
              scheduleSave();
              emit albumChanged();
            }
            const QString status =
                !out.error.empty() ? tr("Failed")
                : out.cancelled
                    ? tr("Paused at step %1 (Personalize continues)").arg(out.summary.steps)
                    : tr("Done: %1 steps").arg(out.summary.steps);
            finishJob(job, status, QString::fromStdString(out.error));
          });
  const QFuture<PersonalizeOutcome> future =
      QtConcurrent::run([data, train, ctx, on_update, build_data] {
        PersonalizeOutcome out;
        try {
          if (build_data) {
            const datasets::CreateDataSummary made = datasets::create_data(data, ctx);
            if (made.cancelled) {
              out.cancelled = true;
              return out;
            }
          }
          out.summary = training::train(train, ctx, on_update);
          out.cancelled = out.summary.cancelled;
        } catch (const CancelledError&) {
          out.cancelled = true;
        } catch (const std::exception& e) {
          out.error = e.what();
        }
        return out;
      });
  job->future = future;
  watcher->setFuture(future);
}

} // namespace drig::ui
