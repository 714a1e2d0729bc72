#include "ui/album/project_controller.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "training/align/album_job.h"
#include "training/datasets/create_data.h"
#include "training/photo_io/image_file.h"
#include "training/project/album_person.h"
#include "training/train/train_loop.h"
#include "ui/album/album_panel.h"
#include "ui/shell/background_job.h"
#include "ui/shell/jobs_panel.h"
#include "ui/shell/settings.h"

#include <QDir>
#include <QImageReader>
#include <QListView>
#include <QPainter>
#include <QSettings>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QThreadPool>
#include <QTimer>

#include <algorithm>

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

Badge badge_for(project::PhotoState status) {
  using project::PhotoState;
  if (status == PhotoState::fitted)
    return {QObject::tr("Fitted"), QColor(0x2e, 0x9d, 0x4f)};
  if (status == PhotoState::aligned)
    return {QObject::tr("Aligned"), QColor(0x2f, 0x7f, 0xd1)};
  if (status == PhotoState::aligning || status == PhotoState::fitting)
    return {status == PhotoState::aligning ? QObject::tr("Aligning…") : QObject::tr("Fitting…"),
            QColor(0xd9, 0x8e, 0x04)};
  if (status == PhotoState::no_face)
    return {QObject::tr("No face"), QColor(0x8a, 0x8a, 0x8a)};
  if (status == PhotoState::error)
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

ProjectController::ProjectController(AlbumPanel* album, JobsPanel* jobs,
                                     std::function<fs::path()> assets_dir, QObject* parent)
    : QObject(parent), album_(album), jobs_(jobs), assets_dir_(std::move(assets_dir)),
      save_timer_(new QTimer(this)), writer_(new QThreadPool(this)) {
  save_timer_->setSingleShot(true);
  save_timer_->setInterval(400);
  connect(save_timer_, &QTimer::timeout, this, &ProjectController::autosave);
  writer_->setMaxThreadCount(1); // one writer: autosaves land in the order they were made
}

void ProjectController::autosave() {
  if (!project_)
    return;
  if (window_state_)
    project_->window_state = window_state_();
  // The snapshot is taken here; the write (with its fsyncs, tens of ms on a
  // busy disk) happens on the writer thread, off the event loop.
  auto text = std::make_shared<const std::string>(project::to_json(*project_).dump(1) + "\n");
  const fs::path manifest = project_->manifest();
  auto* watcher = new QFutureWatcher<QString>(this);
  connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
    const QString error = watcher->result();
    watcher->deleteLater();
    if (!error.isEmpty())
      Q_EMIT message(tr("Autosave failed: %1").arg(error));
  });
  watcher->setFuture(QtConcurrent::run(writer_, [text, manifest]() -> QString {
    try {
      write_file_atomic(manifest, *text);
      return {};
    } catch (const std::exception& e) {
      return QString::fromStdString(e.what());
    }
  }));
}

ProjectController::~ProjectController() {
  cancelAll();
  for (const auto& job : jobs_running_)
    job->future.waitForFinished();
  writer_->waitForDone();
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
  Q_EMIT projectChanged();
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
  Q_EMIT projectChanged();
  spdlog::info("opened project {} ({} photos)", project_->folder.string(), project_->photos.size());
  return true;
}

bool ProjectController::saveProject(QString* error) {
  if (!project_) {
    *error = tr("There is no project to save.");
    return false;
  }
  writer_->waitForDone(); // an older autosave must not land after this save
  save_timer_->stop();
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
  Q_EMIT projectChanged();
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
  Q_EMIT albumChanged();
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
  item->setData(QString::fromStdString(project::to_string(e.status)), kStatusRole);
  QString tip = QStringLiteral("%1\n%2").arg(q(e.source), badge.text);
  if (!e.reason.empty())
    tip += QStringLiteral(": ") + QString::fromStdString(e.reason);
  if (!e.person.empty())
    tip += tr("\nPerson: %1").arg(QString::fromStdString(e.person));
  if (e.likeness() >= 0)
    tip += tr("\nLikeness to the album's person: %1").arg(e.likeness(), 0, 'f', 2);
  if (e.faces_found > 1)
    tip += tr("\n%1 faces found; face %2 is used (Album → Choose Face… picks another)")
               .arg(e.faces_found)
               .arg(e.face_index + 1);
  item->setToolTip(tip);
}

void ProjectController::loadThumbnail(const QString& id, const fs::path& source) {
  run_in_background<QImage>(
      this, [source] { return read_thumbnail(source); },
      [this, id](const Outcome<QImage>& out) {
        if (out.value.isNull() || !project_)
          return;
        thumbnails_[id] = QPixmap::fromImage(out.value);
        if (const project::PhotoEntry* e = project_->find(id.toStdString()))
          refreshItem(*e);
      });
}

void ProjectController::importPaths(const QStringList& paths) {
  if (!project_) {
    const QDir root(defaultProjectsFolder());
    QString folder = root.filePath(tr("Untitled album"));
    for (int n = 2; QDir(folder).exists() && !QDir(folder).isEmpty(); ++n)
      folder = root.filePath(tr("Untitled album %1").arg(n));
    QString error;
    if (!newProject(folder, {}, &error)) {
      Q_EMIT message(error);
      return;
    }
    Q_EMIT message(tr("Started a new project in %1").arg(folder));
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
      Q_EMIT message(QString::fromStdString(e.what()));
    }
  }
  int added = 0;
  std::vector<std::pair<QString, fs::path>> thumbnails;
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
    thumbnails.emplace_back(id, e.source);
  }
  spdlog::info("imported {} photo(s)", added);
  scheduleSave();
  Q_EMIT albumChanged();
  if (added == 0)
    return;
  // The new items are laid out and painted first, then the thumbnails are
  // decoded, then alignment starts: started together at the drop, they held
  // the event loop up to 63 ms on 2 cores; staggered, at most 24 ms.
  ++starting_;
  QTimer::singleShot(kStartDelayMs, this, [this, thumbnails] {
    for (const auto& [id, source] : thumbnails)
      loadThumbnail(id, source);
    QTimer::singleShot(kStartDelayMs * 3, this, [this] {
      --starting_;
      alignPending();
    });
  });
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
      Q_EMIT jobsIdle();
  }
}

void ProjectController::cancelAll() {
  align_queued_ = false;
  for (const auto& job : jobs_running_)
    job->cancel.cancel();
}

void ProjectController::removePhotos(const QStringList& ids) {
  if (!project_)
    return;
  if (busy()) {
    Q_EMIT message(tr("Wait for the running jobs to finish (or cancel them) before removing "
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
  Q_EMIT albumChanged();
}

void ProjectController::assignPerson(const QString& id, const QString& person) {
  if (!project_)
    return;
  if (project::PhotoEntry* e = project_->find(id.toStdString())) {
    e->person = person == QStringLiteral("default") ? std::string() : person.toStdString();
    refreshItem(*e);
    scheduleSave();
    Q_EMIT albumChanged();
  }
}

void ProjectController::setEdit(const QString& id, nlohmann::json edit) {
  if (!project_ || !project_->find(id.toStdString()))
    return;
  project_->edits[id.toStdString()] = std::move(edit);
  scheduleSave();
}

void ProjectController::removeEdit(const QString& id) {
  if (project_ && project_->edits.erase(id.toStdString()) > 0)
    scheduleSave();
}

void ProjectController::setExcluded(const QString& id, bool excluded) {
  if (!project_)
    return;
  if (project::PhotoEntry* e = project_->find(id.toStdString())) {
    e->excluded = excluded;
    if (!excluded && project::is_left_out_reason(e->reason))
      e->reason.clear(); // the user says it is the person
    refreshItem(*e);
    updateCounter();
    scheduleSave();
    Q_EMIT albumChanged();
    // Excluded photos are not fitted: one included again is, once for all
    // the photos of one Include.
    if (!excluded && e->status == project::PhotoState::aligned && !fit_soon_) {
      fit_soon_ = true;
      QTimer::singleShot(0, this, [this] {
        fit_soon_ = false;
        fitPending();
      });
    }
  }
}

} // namespace drig::ui
