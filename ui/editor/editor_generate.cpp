// EditorController: Generate (DDIM sampling of the edit with the photo's
// personal model, on a worker thread, with step previews and cancel),
// the per-edit result cache, and Export (paste-back into the full photo).
#include "model/base/error.h"
#include "model/base/options.h"
#include "model/device.h"
#include "model/precision.h"
#include "model/random.h"
#include "training/edit/cache_prune.h"
#include "training/edit/edit_engine.h"
#include "training/edit/edit_params.h"
#include "training/edit/identity_guard.h"
#include "ui/album/project_controller.h"
#include "ui/editor/controls_panel.h"
#include "ui/editor/editor_canvas.h"
#include "ui/editor/editor_controller.h"
#include "ui/editor/editor_controller_impl.h"
#include "ui/shell/background_job.h"
#include "ui/shell/jobs_panel.h"
#include "ui/widgets/problem_lines.h"

#include <QCheckBox>
#include <QLabel>
#include <QPointer>
#include <QProgressBar>
#include <QTimer>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>

namespace fs = std::filesystem;

namespace drig::ui {

namespace {

QImage to_qimage(const cv::Mat& rgb_float) {
  cv::Mat rgb8;
  rgb_float.convertTo(rgb8, CV_8UC3, 255.0);
  QImage image(rgb8.cols, rgb8.rows, QImage::Format_RGB888);
  for (int y = 0; y < rgb8.rows; ++y)
    std::memcpy(image.scanLine(y), rgb8.ptr(y), size_t(rgb8.cols) * 3);
  return image;
}

// Which personal model edits a photo, and how.
struct ModelChoice {
  fs::path model, meanshape;
  int image_size = 256;
  std::string person;
};

std::optional<ModelChoice> model_for(const project::Project& project,
                                     const project::PhotoEntry& photo, QString* error) {
  const std::string person = photo.person.empty() ? "default" : photo.person;
  for (const project::PersonModel& p : project.people)
    if (p.name == person && !p.model.empty() && fs::exists(p.model)) {
      ModelChoice c{p.model, p.meanshape, p.train_options.value("image_size", 256), person};
      if (!c.meanshape.empty() && !fs::exists(c.meanshape))
        c.meanshape.clear();
      return c;
    }
  *error = QObject::tr("No personal model for \"%1\" yet: Model → Personalize first (it "
                       "learns this person from the album).")
               .arg(QString::fromStdString(person));
  return std::nullopt;
}

std::string cache_key(const nlohmann::json& document, const ModelChoice& model,
                      const std::string& device, const std::string& precision,
                      const std::string& policy) {
  std::error_code ec;
  const auto stamp = fs::last_write_time(model.model, ec).time_since_epoch().count();
  const std::string text = document.dump() + "|" + model.model.string() + "|" +
                           std::to_string(stamp) + "|" + std::to_string(model.image_size) + "|" +
                           device + "|" + precision + policy;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(text));
  return hex;
}

// The precision a setting means on `device` ("auto" resolved); fp32 where
// the device itself is unusable (Generate then says why).
Precision precision_for(const std::string& setting, const std::string& device) {
  try {
    return resolve_precision(setting, resolve_device(DeviceSpec::parse(device)));
  } catch (const std::exception&) {
    return Precision::fp32;
  }
}

editing::EngineOptions engine_options(const ModelChoice& model, const fs::path& assets,
                                      const fs::path& project_folder, const std::string& device,
                                      Precision precision) {
  editing::EngineOptions o;
  o.model_path = model.model;
  o.meanshape = model.meanshape;
  o.assets_dir = assets;
  o.cache_dir = project_folder / "cache";
  o.device = device;
  o.image_size = model.image_size;
  o.precision = precision;
  return o;
}

} // namespace

// Where the result of the current edit would be cached, with its spec.
struct PendingEdit {
  editing::EditSpec spec;
  ModelChoice model;
  fs::path png;
  std::string device;
  Precision precision = Precision::fp32;
  // The engine a generation can reuse: same model, device and precision.
  std::string engine_key() const {
    return model.model.string() + "|" + device + "|" + to_string(precision);
  }
};

static std::optional<PendingEdit>
pending_edit(const project::Project& project, const project::PhotoEntry& entry,
             const editing::EditControls& controls, const fitting::Rig& rig,
             const editing::ExpressionBasis& basis, const StudioSettings& settings, bool fast,
             QString* error) {
  const auto model = model_for(project, entry, error);
  if (!model)
    return std::nullopt;
  PendingEdit p{editing::to_spec(controls, rig.code, basis), *model, {}, {}};
  // The fast preview is always the second-order solver at a few steps; the
  // full result what Preferences say.
  p.spec.sampler = fast ? "dpmpp2m" : settings.sampler.toStdString();
  p.spec.steps = fast ? std::to_string(settings.preview_steps) : settings.steps_spec();
  p.spec.seed = settings.seed;
  p.device = settings.device.toStdString();
  p.precision = precision_for(settings.precision.toStdString(), p.device);
  // A result kept from several seeds for the identity minimum is another
  // image than the seed's own: it is cached apart.
  const std::string policy =
      !fast && settings.min_identity > 0
          ? fmt::format("|identity>={}x{}", settings.min_identity, settings.identity_retries)
          : std::string();
  const std::string key = cache_key(editing::edit_document(controls, p.spec), *model, p.device,
                                    to_string(p.precision), policy);
  p.png = project.folder / "edits" / (entry.id + "-" + key + ".png");
  return p;
}

void EditorController::showCachedResult() {
  project::Project* project = ctx_.project->project();
  const project::PhotoEntry* entry = project ? project->find(id_.toStdString()) : nullptr;
  if (!entry || !impl_->rig)
    return;
  QString error;
  const StudioSettings settings = ctx_.settings();
  for (const bool fast : {false, true}) {
    const auto p = pending_edit(*project, *entry, impl_->controls, *impl_->rig, impl_->basis,
                                settings, fast, &error);
    if (p && fs::exists(p->png)) {
      result_png_ = QString::fromStdString(p->png.string());
      ctx_.canvas->setAfterImage(QImage(result_png_));
      ctx_.controls->generateStatus()->setText(fast ? tr("Fast preview of this edit")
                                                    : tr("Generated"));
      return;
    }
  }
  result_png_.clear();
  ctx_.canvas->setAfterImage(impl_->before);
  ctx_.controls->generateStatus()->setText(
      impl_->controls.is_identity() ? QString() : tr("Press Generate to see this edit"));
}

std::shared_ptr<const identity::IdentityGuard> EditorController::identityGuard() {
  Impl& m = *impl_;
  if (!m.guard_tried) {
    m.guard_tried = true;
    const fs::path models = identity::default_models_dir();
    if (fs::exists(models / identity::kDescriptorManifest)) {
      try {
        m.guard = std::make_shared<identity::IdentityGuard>(models);
      } catch (const std::exception& e) {
        Q_EMIT message(tr("Identity check off: %1").arg(QString::fromStdString(e.what())));
      }
    } else {
      Q_EMIT message(tr("Identity check off: no face-api models in %1")
                         .arg(QString::fromStdString(models.string())));
    }
  }
  return m.guard;
}

void EditorController::generate() {
  if (!editing() || generating_ || exporting_)
    return;
  project::Project* project = ctx_.project->project();
  const project::PhotoEntry* entry = project->find(id_.toStdString());
  QString error;
  const StudioSettings settings = ctx_.settings();
  const auto pending = pending_edit(*project, *entry, impl_->controls, *impl_->rig, impl_->basis,
                                    settings, false, &error);
  if (!pending) {
    ctx_.controls->generateStatus()->setText(error);
    Q_EMIT generateFailed(error);
    return;
  }
  if (fs::exists(pending->png)) {
    showCachedResult();
    Q_EMIT generated(id_, result_png_);
    return;
  }
  // Fast preview: a few second-order steps first, then the full steps.
  std::optional<PendingEdit> preview;
  if (ctx_.controls->fastPreview()->isChecked()) {
    preview = pending_edit(*project, *entry, impl_->controls, *impl_->rig, impl_->basis, settings,
                           true, &error);
    if (preview && fs::exists(preview->png)) {
      result_png_ = QString::fromStdString(preview->png.string());
      ctx_.canvas->setAfterImage(QImage(result_png_));
      preview.reset();
    }
  }
  Impl& m = *impl_;
  m.generate_cancel = CancelToken();
  const CancelToken cancel = m.generate_cancel;
  const int row = ctx_.jobs->addJob(tr("Generate %1").arg(id_), tr("loading the model"),
                                    [cancel] { cancel.cancel(); });
  generating_ = true;
  ctx_.controls->setGenerating(true);
  ctx_.controls->generateStatus()->setText(preview ? tr("Fast preview…") : tr("Generating…"));
  const JobContext job = gui_job(this, ctx_.jobs, row, cancel);
  std::shared_ptr<editing::EditEngine> engine =
      m.engine_key == pending->engine_key() ? m.engine : nullptr;
  const editing::EngineOptions options = engine_options(
      pending->model, ctx_.assets_dir(), project->folder, pending->device, pending->precision);
  const fs::path aligned = entry->aligned, rig = entry->rig;
  const QString id = id_;
  QPointer<EditorController> self(this);
  const std::shared_ptr<const identity::IdentityGuard> guard = identityGuard();
  struct Done {
    std::shared_ptr<editing::EditEngine> engine;
    QString png;
    double identity = std::numeric_limits<double>::quiet_NaN();
    QString expression;       // what the result shows, when the expression model is there
    int retries = 0;          // more seeds tried for the minimum identity
    double seconds = 0;       // the full-steps edit (with its retries), model loading excluded
    QString identity_failure; // why a present guard could not measure the result
    QString colour;           // the skin colour's CIEDE2000 from the photo, and the lock
  };
  const double min_identity = settings.min_identity;
  const int identity_retries = settings.identity_retries;
  m.generate_future = QFuture<void>(run_in_background<Done>(
      this,
      [=]() mutable {
        if (!engine)
          engine = std::make_shared<editing::EditEngine>(options);
        const auto photo = engine->prepare_aligned(aligned, rig);
        const auto show_progress = [self, id](int64_t step, int64_t total,
                                              std::optional<QImage> image) {
          QMetaObject::invokeMethod(
              self.data(),
              [self, id, image, step, total] {
                if (!self || self->id_ != id)
                  return;
                if (image)
                  self->ctx_.canvas->setAfterImage(*image);
                self->ctx_.controls->generateProgress()->setValue(int(100 * step / total));
              },
              Qt::QueuedConnection);
        };
        if (preview) {
          editing::EditParams quick = editing::default_edit_params();
          quick.spec = preview->spec;
          quick.preview_every = 1;
          quick.on_preview = [&](int64_t step, int64_t total, const cv::Mat&) {
            show_progress(step, total, std::nullopt);
          };
          quick.outputs.crop = preview->png;
          quick.outputs.crop_bit_depth = 16;
          engine->run(*photo, quick, job);
          const QString png = QString::fromStdString(preview->png.string());
          QMetaObject::invokeMethod(
              self.data(),
              [self, id, png] {
                if (!self || self->id_ != id)
                  return;
                self->result_png_ = png;
                self->ctx_.canvas->setAfterImage(QImage(png));
                self->ctx_.controls->generateStatus()->setText(tr("Preview — refining…"));
                Q_EMIT self->previewReady(id, png);
              },
              Qt::QueuedConnection);
        }
        editing::EditParams params = editing::default_edit_params();
        params.spec = pending->spec;
        // Preferences > Minimum identity: the next seeds while the result
        // looks like someone else; the most alike is kept.
        params.identity = {guard, min_identity, identity_retries};
        params.outputs.crop = pending->png;
        params.outputs.crop_bit_depth = 16;
        params.preview_every = 1;
        // The refinement's early x_0 guesses are rougher than the preview
        // already on screen: then only the progress moves.
        const bool keep_preview = preview.has_value();
        params.on_preview = [&, keep_preview](int64_t step, int64_t total, const cv::Mat& x0) {
          show_progress(step, total,
                        keep_preview ? std::nullopt : std::optional<QImage>(to_qimage(x0)));
        };
        const editing::EditOutcome r = engine->run(*photo, params, job);
        Done done;
        done.engine = engine;
        done.png = QString::fromStdString(pending->png.string());
        done.retries = r.identity.retries;
        if (!std::isnan(r.skin_delta_e_after))
          done.colour =
              r.colour_lock > 0
                  ? tr("skin colour ΔE %1 (locked from %2)")
                        .arg(r.skin_delta_e_after, 0, 'f', 1)
                        .arg(r.skin_delta_e_before, 0, 'f', 1)
                  : tr("skin colour ΔE %1 (lock off)").arg(r.skin_delta_e_before, 0, 'f', 1);
        if (r.identity.guarded && !r.identity.measured)
          done.identity_failure = QString::fromStdString(r.identity.summary());
        if (r.identity.measured) {
          done.identity = r.identity.similarity;
          if (r.identity.result_expression >= 0)
            done.expression =
                QString::fromLatin1(face::kExpressionLabels[size_t(r.identity.result_expression)]);
        }
        done.seconds = r.seconds;
        return done;
      },
      [this, row, id, pending](const Outcome<Done>& out) {
        generating_ = false;
        ctx_.controls->setGenerating(false);
        if (out.value.engine) {
          impl_->engine = out.value.engine;
          impl_->engine_key = pending->engine_key();
        }
        if (restart_generate_) {
          // A slider moved: the new edit replaces this one at once.
          restart_generate_ = false;
          ctx_.jobs->finishJob(row, tr("Replaced by a newer edit"));
          if (id == id_)
            generate();
          return;
        }
        if (out.cancelled) {
          ctx_.jobs->finishJob(row, tr("Cancelled"));
          if (id == id_)
            showCachedResult();
          ctx_.controls->generateStatus()->setText(tr("Generation cancelled"));
          return;
        }
        if (!out.error.empty()) {
          const QString error = QString::fromStdString(out.error);
          ctx_.jobs->finishJob(row, tr("Failed"), error);
          ctx_.controls->generateStatus()->setText(error);
          Q_EMIT generateFailed(error);
          return;
        }
        ctx_.jobs->finishJob(row, tr("Done"));
        last_identity_ = out.value.identity;
        last_run_ = tr("%1, %2 steps · %3 · %4 s")
                        .arg(QString::fromStdString(pending->spec.sampler))
                        .arg(QString::fromStdString(pending->spec.steps))
                        .arg(QString::fromStdString(to_string(pending->precision)))
                        .arg(out.value.seconds, 0, 'f', 1);
        Q_EMIT message(tr("Generated %1: %2").arg(id, last_run_));
        const fs::path png = out.value.png.toStdString();
        const editing::PruneResult pruned = editing::prune_cache(
            png.parent_path(), uint64_t(ctx_.settings().cache_mb) * 1024 * 1024, {png});
        if (pruned.removed > 0)
          Q_EMIT message(
              tr("Result cache over %1 MB: %n older result(s) removed", nullptr, pruned.removed)
                  .arg(ctx_.settings().cache_mb));
        if (id == id_) {
          showCachedResult();
          if (!std::isnan(last_identity_)) {
            const bool same = last_identity_ >= identity::IdentityGuard::threshold();
            QString text =
                tr("Identity %1 — %2")
                    .arg(last_identity_, 0, 'f', 2)
                    .arg(same ? tr("still the same person") : tr("looks like someone else"));
            if (!out.value.expression.isEmpty())
              text += tr(" · looks %1").arg(out.value.expression);
            if (out.value.retries > 0)
              text += tr(" (best of %1 seeds)").arg(out.value.retries + 1);
            if (!out.value.colour.isEmpty())
              text += QStringLiteral(" · ") + out.value.colour;
            ctx_.controls->generateStatus()->setText(text);
            ctx_.canvas->infoLabel()->setText(text);
          } else if (!out.value.identity_failure.isEmpty()) {
            ctx_.controls->generateStatus()->setText(out.value.identity_failure);
            Q_EMIT message(out.value.identity_failure);
          }
        }
        Q_EMIT generated(id, out.value.png);
      }));
}

void EditorController::cancelGenerate() {
  restart_generate_ = false;
  impl_->generate_cancel.cancel();
}

void EditorController::scheduleLiveGenerate() {
  if (!live_timer_) {
    live_timer_ = new QTimer(this);
    live_timer_->setSingleShot(true);
    // Long enough to skip the values a dragged slider passes through.
    live_timer_->setInterval(250);
    connect(live_timer_, &QTimer::timeout, this, [this] {
      if (!editing() || !ctx_.controls->fastPreview()->isChecked())
        return;
      if (generating_) {
        impl_->generate_cancel.cancel(); // lands within a UNet block
        restart_generate_ = true;
      } else {
        generate();
      }
    });
  }
  live_timer_->start();
}

namespace {

QString expand_template(QString name, const project::PhotoEntry& e, int n) {
  name.replace(QStringLiteral("{name}"), QString::fromStdString(e.source.stem().string()));
  name.replace(QStringLiteral("{n}"), QString::number(n));
  name.replace(QStringLiteral("{person}"),
               QString::fromStdString(e.person.empty() ? "default" : e.person));
  name.replace('/', '_');
  return name;
}

} // namespace

void ExportOptions::check(OptionCheck& c, int photos) const {
  c.require(!folder.empty(), "choose a folder to export to");
  std::error_code ec;
  c.require(folder.empty() || !fs::exists(folder, ec) || fs::is_directory(folder, ec),
            folder.string() + ": is a file, not a folder");
  const QString f = format.toLower();
  c.require(f == "jpg" || f == "png" || f == "tif",
            "unknown format '" + format.toStdString() + "' (jpg, png or tif)");
  c.require(!name_template.trimmed().isEmpty(), "the file name is empty");
  c.require(!name_template.contains(QLatin1Char('/')) && !name_template.contains(QLatin1Char('\\')),
            "the file name '" + name_template.toStdString() + "' must not contain a folder");
  c.require(photos <= 1 || name_template.contains(QLatin1String("{name}")) ||
                name_template.contains(QLatin1String("{n}")),
            "with " + std::to_string(photos) +
                " photos the file name needs {name} or {n}, or "
                "each would overwrite the last");
  editing::WriteOptions w;
  w.jpeg_quality = quality;
  w.bit_depth = bit_depth;
  w.check(c);
  c.require(!(f == "jpg" && bit_depth == 16), "JPEG holds 8 bits only: choose PNG or TIFF for 16");
}

void EditorController::exportPhotos(const QStringList& ids, const ExportOptions& options) {
  project::Project* project = ctx_.project->project();
  if (!project || ids.isEmpty() || exporting_ || generating_)
    return;
  OptionCheck checked;
  options.check(checked, int(ids.size()));
  if (!checked.ok()) {
    Q_EMIT exportFinished(
        0, tr("Cannot export: %1").arg(problem_lines(checked).join(QStringLiteral("; "))));
    return;
  }
  const QString format = options.format.toLower();
  // Everything the worker needs, read here on the GUI thread.
  struct Item {
    project::PhotoEntry entry;
    editing::EditControls controls;
    std::optional<PendingEdit> pending;
    QString problem;
    fitting::Rig rig;
  };
  std::vector<Item> items;
  const StudioSettings settings = ctx_.settings();
  for (const QString& id : ids) {
    const project::PhotoEntry* e = project->find(id.toStdString());
    if (!e)
      continue;
    Item item{*e, {}, std::nullopt, {}, {}};
    try {
      DRIG_CHECK(!e->rig.empty() && fs::exists(e->rig),
                 "{} has no fitted face model (Album → Fit Face Model)", e->id);
      item.rig = fitting::load_rig(e->rig);
      const auto stored = project->edits.find(e->id);
      item.controls = stored == project->edits.end()
                          ? editing::controls_for(item.rig.code)
                          : editing::controls_from_document(stored->second, item.rig.code, e->id);
      item.pending = pending_edit(*project, *e, item.controls, item.rig, impl_->basis, settings,
                                  false, &item.problem);
    } catch (const std::exception& ex) {
      item.problem = QString::fromStdString(ex.what());
    }
    items.push_back(std::move(item));
  }
  exporting_ = true;
  impl_->export_cancel = CancelToken();
  const CancelToken cancel = impl_->export_cancel;
  const int row = ctx_.jobs->addJob(tr("Export %n photo(s)", nullptr, int(items.size())),
                                    tr("starting"), [cancel] { cancel.cancel(); });
  const JobContext job = gui_job(this, ctx_.jobs, row, cancel);
  const fs::path assets = ctx_.assets_dir(), folder = project->folder;
  // A photo exported before it was generated gets Generate's identity policy.
  const editing::IdentityPolicy policy{identityGuard(), settings.min_identity,
                                       settings.identity_retries};
  struct Done {
    int written = 0;
    QStringList problems;
  };
  impl_->export_future = QFuture<void>(run_in_background<Done>(
      this,
      [=]() {
        Done done;
        fs::create_directories(options.folder);
        std::map<std::string, std::shared_ptr<editing::EditEngine>> engines;
        ProgressReporter progress(job, "export", int64_t(items.size()));
        int n = 0;
        for (const Item& item : items) {
          ++n;
          progress.check_cancel();
          if (!item.pending) {
            done.problems << QStringLiteral("%1: %2").arg(QString::fromStdString(item.entry.id),
                                                          item.problem);
            progress.advance();
            continue;
          }
          try {
            const PendingEdit& p = *item.pending;
            auto& engine = engines[p.engine_key()];
            if (!engine)
              engine = std::make_shared<editing::EditEngine>(
                  engine_options(p.model, assets, folder, p.device, p.precision));
            const auto photo = engine->prepare_aligned(item.entry.aligned, item.entry.rig);
            editing::EditParams params = editing::default_edit_params();
            params.spec = p.spec;
            params.identity = policy;
            if (fs::exists(p.png))
              params.cached_crop = p.png; // generated before: the same pixels
            params.outputs.photo =
                options.folder /
                (expand_template(options.name_template, item.entry, n) + "." + format)
                    .toStdString();
            params.outputs.write.jpeg_quality = options.quality;
            params.outputs.write.bit_depth = options.bit_depth;
            engine->run(*photo, params, job);
            ++done.written;
          } catch (const CancelledError&) {
            throw;
          } catch (const std::exception& ex) {
            done.problems << QStringLiteral("%1: %2").arg(QString::fromStdString(item.entry.id),
                                                          QString::fromStdString(ex.what()));
          }
          progress.advance(1, item.entry.id);
        }
        return done;
      },
      [this, row](const Outcome<Done>& out) {
        exporting_ = false;
        if (out.cancelled) {
          ctx_.jobs->finishJob(row, tr("Cancelled"));
          Q_EMIT exportFinished(0, tr("Export cancelled"));
          return;
        }
        const QString problems =
            out.error.empty() ? out.value.problems.join('\n') : QString::fromStdString(out.error);
        ctx_.jobs->finishJob(row,
                             problems.isEmpty()
                                 ? tr("Done")
                                 : tr("Done: %1 written, with problems").arg(out.value.written),
                             problems);
        Q_EMIT exportFinished(out.value.written, problems);
      }));
}

} // namespace drig::ui
