// ProjectController: who the album is of, between alignment and fitting.
// Group photos get the album's person's face before it is fitted, and a
// photo of someone else (or of a dog) stays out of the personal model, with
// the reason in its tooltip; including it again is the user's call.
#include "model/face_api/face_api_models.h"
#include "training/project/person_faces.h"
#include "ui/album/project_controller.h"
#include "ui/shell/background_job.h"

namespace fs = std::filesystem;

namespace drig::ui {

using project::PhotoState;

void ProjectController::checkPeople() {
  runPersonCheck(false);
}

void ProjectController::findPerson() {
  if (!project_)
    return Q_EMIT message(tr("Import an album first."));
  if (busy())
    return Q_EMIT message(tr("Wait for the running jobs to finish (or cancel them)."));
  runPersonCheck(true);
}

void ProjectController::runPersonCheck(bool asked) {
  if (!project_ || busy())
    return;
  const fs::path models = face::default_face_api_dir();
  // Every photo with a face takes part (the person is found among them all),
  // but the check runs only when one of them has not been judged yet.
  project::PhotoFaces photos;
  bool unjudged = false;
  for (const project::PhotoEntry& e : project_->photos)
    if ((e.status == PhotoState::aligned || e.status == PhotoState::fitted) && !e.faces.empty()) {
      photos.push_back({e.id, e.faces});
      unjudged = unjudged || e.face_likeness.empty();
    }
  if (asked && !unjudged && !photos.empty())
    Q_EMIT message(tr("Every photo was already judged against the album's person; exclude or "
                      "include photos, or Choose Face, to change what it decided."));
  if (asked && photos.size() < 2)
    Q_EMIT message(tr("Finding the album's person needs two aligned photos or more."));
  if (!unjudged || photos.size() < 2)
    return fitPending();
  if (!project::have_person_model(models)) {
    if (asked || !told_no_identity_) {
      told_no_identity_ = true;
      Q_EMIT message(tr("No face recognition model in %1: photos of other people are not told "
                        "apart from the album's person.")
                         .arg(QString::fromStdString(models.string())));
    }
    return fitPending();
  }
  auto job = startJob(tr("Recognise the album's person"));
  const JobContext ctx = gui_job(this, jobs_, job->row, job->cancel);
  job->future = run_in_background<project::PhotoDescriptors>(
      this, [photos, models, ctx] { return project::describe_photo_faces(photos, models, ctx); },
      [this, job, asked](const Outcome<project::PhotoDescriptors>& out) {
        const bool cancelled = out.cancelled;
        QString done = tr("Done");
        if (project_ && out.error.empty() && !cancelled) {
          const project::PersonCheckSummary s =
              project::apply_person_check(*project_, out.value, project::same_person_threshold());
          const auto names = [](const std::vector<std::string>& ids) {
            QStringList list;
            for (const std::string& id : ids)
              list << QString::fromStdString(id);
            return list.join(QStringLiteral(", "));
          };
          if (s.left_out > 0)
            Q_EMIT message(tr("Left out of personalization, no face looks like the album's "
                              "person: %1 (include them again if that is wrong).")
                               .arg(names(s.left_out_ids)));
          if (asked && s.measured == 0)
            Q_EMIT message(tr("No face recurs in two photos or more: the album's person cannot "
                              "be told yet."));
          if (s.face_changed > 0)
            Q_EMIT message(tr("Group photos now use the album's person's face: %1.")
                               .arg(names(s.face_changed_ids)));
          for (const project::PhotoEntry& e : project_->photos)
            refreshItem(e);
          done = tr("Done: %n photo(s) left out", nullptr, s.left_out);
        }
        finishAlbumJob(job, out.error, cancelled, done);
        if (out.error.empty() && !cancelled)
          fitPending();
      });
}

} // namespace drig::ui
