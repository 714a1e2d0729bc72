// ProjectController: the album's background jobs (face alignment, face-model
// fitting) and the face choice of group photos, which fits again.
#include "model/face_api/face_api_models.h"
#include "training/align/album_job.h"
#include "training/rig/fit_job.h"
#include "training/rig/rig_file.h"
#include "ui/album/project_controller.h"
#include "ui/shell/background_job.h"

#include <algorithm>
#include <map>

namespace fs = std::filesystem;

namespace drig::ui {

using project::PhotoState;

void ProjectController::alignPending() {
  if (!project_)
    return;
  if (busy()) {
    align_queued_ = true; // after the running job
    return;
  }
  align::AlignJobOptions o;
  for (project::PhotoEntry& e : project_->photos)
    if (!e.excluded && (e.status == PhotoState::queued || e.status == PhotoState::error)) {
      o.inputs.push_back(e.source);
      e.status = PhotoState::aligning;
      e.reason.clear();
      refreshItem(e);
    }
  if (o.inputs.empty()) {
    fitPending();
    return;
  }
  if (!told_no_ssd_) {
    const face::FaceApiModels models = face::find_face_api_models();
    if (!models.detector) {
      told_no_ssd_ = true;
      // Short enough for the status bar; `diffusionrig doctor` says how to install it.
      Q_EMIT message(tr("No face-api detector model in %1: masked, dark or small faces in group "
                        "photos may be missed.")
                         .arg(QString::fromStdString(models.folder.string())));
    }
  }
  o.output_dir = project_->aligned_dir();
  o.size = 256;
  o.all_faces = true; // a group photo keeps every face; Choose Face picks which one is edited
  // Small faces (event and group photos) can be edited; Personalize leaves them out.
  o.allow_small_faces = true;
  auto job = startJob(tr("Align %n photo(s)", nullptr, int(o.inputs.size())));
  const JobContext ctx = gui_job(this, jobs_, job->row, job->cancel);
  job->future = run_in_background<align::AlignSummary>(
      this, [o, ctx] { return align::align_album(o, ctx); },
      [this, job](const Outcome<align::AlignSummary>& out) {
        const bool cancelled = out.cancelled || out.value.cancelled;
        std::map<std::string, const align::PhotoResult*> results;
        for (const align::PhotoResult& r : out.value.photos)
          results[r.source.string()] = &r;
        int aligned = 0;
        if (project_)
          for (project::PhotoEntry& e : project_->photos) {
            if (e.status != PhotoState::aligning)
              continue;
            const auto it = results.find(e.source.string());
            if (it == results.end()) {
              e.status = PhotoState::queued; // not reached (cancelled) or the job failed
            } else {
              const align::PhotoResult& r = *it->second;
              e.faces_found = r.faces_found;
              e.reason = r.reason;
              if (r.status == align::PhotoStatus::Aligned ||
                  r.status == align::PhotoStatus::UpToDate) {
                e.status = PhotoState::aligned;
                e.faces = r.outputs;
                e.face_index = std::clamp(e.face_index, 0, int(r.outputs.size()) - 1);
                e.aligned = r.outputs.at(size_t(e.face_index));
                ++aligned;
              } else {
                e.status = r.status == align::PhotoStatus::NoFace ? PhotoState::no_face
                                                                  : PhotoState::error;
              }
            }
            refreshItem(e);
          }
        finishAlbumJob(job, out.error, cancelled, tr("Done: %n aligned", nullptr, aligned));
        if (out.error.empty() && !cancelled)
          checkPeople();
      });
}

void ProjectController::fitPending() {
  if (!project_ || busy())
    return;
  const fs::path assets = assets_dir_ ? assets_dir_() : fs::path();
  if (!fs::exists(assets / "deca_model.tar")) {
    Q_EMIT message(tr("Face-model fitting needs deca_model.tar in %1: choose the folder with the "
                      "DECA/FLAME files in Preferences, then use Album → Fit Face Model.")
                       .arg(QString::fromStdString(assets.string())));
    return;
  }
  fitting::FitOptions o;
  for (project::PhotoEntry& e : project_->photos)
    if (!e.excluded && e.status == PhotoState::aligned && !e.aligned.empty()) {
      o.inputs.push_back(e.aligned);
      e.status = PhotoState::fitting;
      refreshItem(e);
    }
  if (o.inputs.empty())
    return;
  o.output_dir = project_->rigs_dir();
  o.assets_dir = assets;
  auto job = startJob(tr("Fit the face model to %n photo(s)", nullptr, int(o.inputs.size())));
  const JobContext ctx = gui_job(this, jobs_, job->row, job->cancel);
  job->future = run_in_background<fitting::FitSummary>(
      this, [o, ctx] { return fitting::fit_album(o, ctx); },
      [this, job, o](const Outcome<fitting::FitSummary>& out) {
        const bool cancelled = out.cancelled || out.value.cancelled;
        std::map<std::string, std::string> failed;
        for (const auto& [photo, reason] : out.value.failed)
          failed[photo.string()] = reason;
        int fitted = 0;
        if (project_)
          for (project::PhotoEntry& e : project_->photos) {
            if (e.status != PhotoState::fitting)
              continue;
            const fs::path rig = fitting::rig_path(o.output_dir, e.aligned);
            if (const auto it = failed.find(e.aligned.string()); it != failed.end()) {
              e.status = PhotoState::error;
              e.reason = "fitting: " + it->second;
            } else if (out.error.empty() && fs::exists(rig)) {
              e.status = PhotoState::fitted;
              e.rig = rig;
              ++fitted;
            } else {
              e.status = PhotoState::aligned; // cancelled or failed before this photo
            }
            refreshItem(e);
          }
        finishAlbumJob(job, out.error, cancelled, tr("Done: %n fitted", nullptr, fitted));
      });
}

void ProjectController::finishAlbumJob(const std::shared_ptr<Job>& job, const std::string& error,
                                       bool cancelled, const QString& done) {
  updateCounter();
  scheduleSave();
  Q_EMIT albumChanged();
  const QString status = !error.empty() ? tr("Failed") : cancelled ? tr("Cancelled") : done;
  finishJob(job, status, QString::fromStdString(error));
}

bool ProjectController::chooseFace(const QString& id, int index, QString* error) {
  project::PhotoEntry* e = project_ ? project_->find(id.toStdString()) : nullptr;
  if (!e || index < 0 || size_t(index) >= e->faces.size()) {
    *error = tr("%1 has no face %2").arg(id).arg(index + 1);
    return false;
  }
  if (busy()) {
    *error = tr("Wait for the running job to finish (or cancel it) before choosing a face");
    return false;
  }
  e->face_chosen = true; // no album-person check changes it from now on
  if (index == e->face_index && e->aligned == e->faces[size_t(index)]) {
    scheduleSave();
    return true;
  }
  e->face_index = index;
  e->aligned = e->faces[size_t(index)];
  e->rig.clear(); // the rig was fitted to the other face
  e->status = PhotoState::aligned;
  e->reason.clear();
  project_->edits.erase(e->id);
  refreshItem(*e);
  scheduleSave();
  Q_EMIT albumChanged();
  fitPending();
  return true;
}

} // namespace drig::ui
