// Model → Personalize: the person's dataset, then Stage 2 training, as a
// background job of the project controller.
#include "model/base/options.h"
#include "training/align/sidecar.h"
#include "training/datasets/create_data.h"
#include "training/train/train_loop.h"
#include "ui/album/project_controller.h"
#include "ui/album/training_estimate.h"
#include "ui/shell/background_job.h"
#include "ui/widgets/problem_lines.h"

#include <QPointer>

#include <spdlog/spdlog.h>

namespace fs = std::filesystem;

namespace drig::ui {
namespace {

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

// An aligned face upscaled for editing (too small to train on).
bool upscaled(const fs::path& aligned) {
  try {
    const auto record = align::read_sidecar(align::sidecar_path(aligned));
    return record && record->upscaled;
  } catch (const std::exception&) {
    return false; // create-data reports an unreadable sidecar itself
  }
}

} // namespace

void PersonalizeOptions::check(OptionCheck& c) const {
  const QString name = person.trimmed();
  c.require(!name.isEmpty() && !name.startsWith(QLatin1Char('.')) &&
                !name.contains(QLatin1Char('/')) && !name.contains(QLatin1Char('\\')),
            "the person's name '" + person.toStdString() +
                "' must be a plain name (it names the model's folder)");
  std::error_code ec;
  c.require(fs::is_regular_file(stage1, ec),
            (stage1.empty() ? std::string("(none chosen)") : stage1.string()) +
                ": no such file (the Stage 1 checkpoint linked from the DiffusionRig README)");
  c.require(steps >= 1, "steps must be 1 or more, got " + std::to_string(steps));
  c.require(batch >= 1 && batch <= 256, "batch size must be 1..256, got " + std::to_string(batch));
  // The encoder's last batch norm sees (size/32)² values per image and
  // channel, and needs more than one while it trains.
  c.require(batch < 1 || image_size < 8 || batch * (image_size / 32) * (image_size / 32) >= 2,
            "at image size " + std::to_string(image_size) +
                " the batch needs 2 or more images (the encoder's batch norm)");
  c.require(image_size >= 8 && image_size <= 1024 && image_size % 8 == 0,
            "image size must be a multiple of 8 in 8..1024, got " + std::to_string(image_size));
  c.require(preview_every >= 0,
            "previews every N steps needs N >= 0 (0: none), got " + std::to_string(preview_every));
  c.require(log_every >= 1, "log every N steps needs N >= 1, got " + std::to_string(log_every));
  c.require(lr > 0 && lr < 1, "the learning rate must be in (0,1), got " + std::to_string(lr));
  c.require_parses([&] { DeviceSpec::parse(device.toStdString()); }, "device: ");
}

void ProjectController::personalize(const PersonalizeOptions& options) {
  if (!project_)
    return Q_EMIT message(tr("Import an album first."));
  if (busy())
    return Q_EMIT message(tr("Wait for the running jobs to finish (or cancel them)."));
  const fs::path assets = assets_dir_ ? assets_dir_() : fs::path();
  OptionCheck checked;
  options.check(checked);
  if (!checked.ok())
    return Q_EMIT message(
        tr("Cannot personalize: %1").arg(problem_lines(checked).join(QStringLiteral("; "))));
  project::PersonModel& person = project_->person(options.person.toStdString());
  const fs::path root = project_->models_dir() / person.name;
  const fs::path photos = root / "photos", dataset = root / "dataset.lmdb", run = root / "run";
  int usable = 0, small = 0;
  std::error_code ec;
  if (!fs::exists(dataset)) {
    // The usable photos, linked into one folder (create-data takes a folder).
    fs::remove_all(photos, ec);
    fs::create_directories(photos, ec);
    // The person's photos: assigned to them, or unassigned for "default".
    for (const project::PhotoEntry& e : project_->photos)
      if (e.usable() && !e.aligned.empty() &&
          (e.person == person.name || (e.person.empty() && person.name == "default"))) {
        if (upscaled(e.aligned)) {
          ++small;
          continue;
        }
        ++usable;
        // Named by the photo's id, unique in the project (two photos called
        // IMG_0001.JPG in two folders have crops of one name); absolute
        // targets, since a link's relative target is read from its own folder.
        const fs::path link = photos / (e.id + e.aligned.extension().string());
        fs::create_symlink(fs::absolute(e.aligned), link, ec);
        const fs::path sidecar = align::sidecar_path(e.aligned);
        if (fs::exists(sidecar))
          fs::create_symlink(fs::absolute(sidecar), align::sidecar_path(link), ec);
      }
    if (small > 0)
      Q_EMIT message(tr("%n photo(s) left out: the face is smaller than 256 px, enough to edit "
                        "but too small to learn from.",
                        nullptr, small));
    if (usable < options.batch)
      return Q_EMIT message(tr("Personalizing needs at least %1 usable photos (batch size); the "
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
  person.status = project::ModelState::training;
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
  const QString device_kind = resolved_device_kind(options.device);
  const QString rate_key = training_rate_key(device_kind, options.image_size, options.batch);
  const int64_t first_step = resume.empty() ? 0 : person.steps_done;
  QPointer<ProjectController> self(this);
  // The expected time, said plainly once the first steps measured it (the
  // first one warms up), and again when it is better known.
  const auto estimate_at = [first_step](int64_t step) {
    const int64_t done = step - first_step;
    return done == 3 || done == 20 || done == 200;
  };
  const auto on_update = [self, log_every, total, estimate_at, device_kind,
                          rate_key](const training::TrainUpdate& u) {
    const bool estimate = estimate_at(u.step) && u.steps_per_second > 0;
    if (u.step % log_every != 0 && u.step != total && u.preview.empty() && !estimate)
      return;
    QMetaObject::invokeMethod(
        self.data(),
        [self, u, log_every, total, estimate, device_kind, rate_key] {
          if (!self)
            return;
          if (estimate) {
            const double seconds = 1.0 / u.steps_per_second;
            remember_step_seconds(rate_key, seconds);
            const QString text = tr("Personalize: %1 left — %2")
                                     .arg(QString::fromStdString(format_duration(u.eta_seconds)))
                                     .arg(training_time_text(seconds, int(total),
                                                             device_kind == QStringLiteral("cpu")));
            Q_EMIT self->message(text);
            Q_EMIT self->trainingEstimate(text);
          }
          if (u.step % log_every == 0 || u.step == total || estimate)
            Q_EMIT self->trainingProgress(u.step, total, u.loss, u.steps_per_second, u.eta_seconds);
          if (!u.preview.empty())
            Q_EMIT self->trainingPreview(QString::fromStdString(u.preview.string()));
        },
        Qt::QueuedConnection);
  };
  const std::string name = person.name;
  job->future = run_in_background<training::TrainSummary>(
      this,
      [data, train, ctx, on_update, build_data] {
        if (build_data && datasets::create_data(data, ctx).cancelled)
          throw CancelledError();
        return training::train(train, ctx, on_update);
      },
      [this, job, name, dataset](const Outcome<training::TrainSummary>& out) {
        const bool cancelled = out.cancelled || out.value.cancelled;
        if (project_) {
          project::PersonModel& p = project_->person(name);
          p.steps_done = out.value.steps;
          if (!out.value.last_checkpoint.empty())
            p.model = out.value.last_checkpoint;
          if (fs::exists(dataset / "mean_shape.pkl"))
            p.meanshape = dataset / "mean_shape.pkl";
          p.status = !out.error.empty() ? project::ModelState::failed
                     : cancelled        ? project::ModelState::paused
                                        : project::ModelState::trained;
          scheduleSave();
          Q_EMIT albumChanged();
        }
        const QString status =
            !out.error.empty() ? tr("Failed")
            : cancelled ? tr("Paused at step %1 (Personalize continues)").arg(out.value.steps)
                        : tr("Done: %1 steps").arg(out.value.steps);
        finishJob(job, status, QString::fromStdString(out.error));
      });
}

} // namespace drig::ui
