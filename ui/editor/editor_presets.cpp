// EditorController: presets (edit JSON files, the format `diffusionrig
// infer --edit` reads), applying an edit to other photos, and copying
// light, expression or pose from another photo (the paper's transfers).
#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "training/edit/edit_controls.h"
#include "training/edit/edit_spec.h"
#include "training/edit/light_from_file.h"
#include "ui/album/project_controller.h"
#include "ui/editor/editor_controller.h"
#include "ui/editor/editor_controller_impl.h"
#include "ui/shell/background_job.h"

#include <QFileInfo>
#include <QPointer>
#include <QUndoCommand>
#include <QUndoStack>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace drig::ui {

namespace {

// Several photos' stored edits replaced at once (Apply to Selected).
class ReplaceEditsCommand : public QUndoCommand {
public:
  ReplaceEditsCommand(ProjectController* project, std::map<QString, nlohmann::json> before,
                      std::map<QString, nlohmann::json> after, const QString& text)
      : QUndoCommand(text), project_(project), before_(std::move(before)),
        after_(std::move(after)) {}
  void redo() override { apply(after_); }
  void undo() override { apply(before_); }

private:
  void apply(const std::map<QString, nlohmann::json>& edits) {
    for (const auto& [id, edit] : edits)
      if (edit.is_null())
        project_->removeEdit(id);
      else
        project_->setEdit(id, edit);
  }
  ProjectController* project_;
  std::map<QString, nlohmann::json> before_, after_;
};

} // namespace

bool EditorController::savePreset(const QString& file, QString* error) {
  if (!editing()) {
    *error = tr("Select a fitted portrait first");
    return false;
  }
  try {
    editing::EditSpec spec = editing::to_spec(impl_->controls, impl_->rig->code, impl_->basis);
    const StudioSettings settings = ctx_.settings();
    spec.sampler = settings.sampler.toStdString();
    spec.steps = settings.steps_spec();
    spec.seed = settings.seed;
    write_file_atomic(file.toStdString(),
                      editing::edit_document(impl_->controls, spec).dump(2) + "\n");
    return true;
  } catch (const std::exception& e) {
    *error = QString::fromStdString(e.what());
    return false;
  }
}

bool EditorController::loadPreset(const QString& file, QString* error) {
  if (!editing()) {
    *error = tr("Select a fitted portrait first");
    return false;
  }
  try {
    editing::EditControls c = editing::controls_from_document(
        editing::read_edit_json(file.toStdString()), impl_->rig->code, file.toStdString());
    // Checks it fits this rig (an expression of another size is an error).
    editing::to_spec(c, impl_->rig->code, impl_->basis);
    setControls(c);
    return true;
  } catch (const std::exception& e) {
    *error = QString::fromStdString(e.what());
    return false;
  }
}

void EditorController::applyToPhotos(const QStringList& ids) {
  project::Project* project = ctx_.project->project();
  if (!editing() || !project)
    return;
  std::map<QString, nlohmann::json> before, after;
  QStringList skipped;
  for (const QString& id : ids) {
    if (id == id_)
      continue;
    const project::PhotoEntry* e = project->find(id.toStdString());
    if (!e || e->rig.empty() || !fs::exists(e->rig)) {
      skipped << id;
      continue;
    }
    try {
      const fitting::Rig rig = fitting::load_rig(e->rig);
      const auto old = project->edits.find(e->id);
      before[id] = old == project->edits.end() ? nlohmann::json() : old->second;
      // The same relative controls; the light sliders start from that
      // photo's own light unless this edit set them.
      editing::EditControls c = impl_->controls;
      if (!c.light_edited) {
        const editing::EditControls fresh = editing::controls_for(rig.code);
        c.azimuth_deg = fresh.azimuth_deg;
        c.elevation_deg = fresh.elevation_deg;
      }
      after[id] = editing::edit_document(c, editing::to_spec(c, rig.code, impl_->basis));
    } catch (const std::exception& ex) {
      skipped << QStringLiteral("%1 (%2)").arg(id, QString::fromStdString(ex.what()));
    }
  }
  if (!after.empty())
    ctx_.undo->push(new ReplaceEditsCommand(
        ctx_.project, before, after, tr("Apply edit to %n photo(s)", nullptr, int(after.size()))));
  Q_EMIT message(skipped.isEmpty() ? tr("Edit applied to %n photo(s)", nullptr, int(after.size()))
                                   : tr("Edit applied to %1 photo(s); not to %2 (not fitted)")
                                         .arg(after.size())
                                         .arg(skipped.join(", ")));
}

bool EditorController::copyFromPhoto(const QString& group, const QString& other_id,
                                     QString* error) {
  project::Project* project = ctx_.project->project();
  if (!editing() || !project) {
    *error = tr("Select a fitted portrait first");
    return false;
  }
  const project::PhotoEntry* e = project->find(other_id.toStdString());
  if (!e || e->rig.empty() || !fs::exists(e->rig)) {
    *error = tr("%1 has no fitted face model to copy from").arg(other_id);
    return false;
  }
  try {
    const fitting::Rig other = fitting::load_rig(e->rig);
    editing::EditControls c = impl_->controls;
    editing::copy_group(c, group.toStdString(), impl_->rig->code, other.code, e->id);
    setControls(c);
    return true;
  } catch (const std::exception& ex) {
    *error = QString::fromStdString(ex.what());
    return false;
  }
}

void EditorController::lightFromFile(const QString& file, bool panorama, double rotation_deg) {
  if (!editing()) {
    Q_EMIT lightFromFileDone(tr("Open a fitted portrait first."));
    return;
  }
  editing::LightFromFileOptions options;
  options.panorama = panorama;
  options.rotation_deg = rotation_deg;
  const fs::path path = file.toStdString();
  const QString id = id_;
  QPointer<EditorController> self(this);
  run_in_background<editing::LightFromFile>(
      this, [path, options] { return editing::light_from_file(path, options); },
      [self, id, file](const Outcome<editing::LightFromFile>& out) {
        if (!self)
          return;
        if (!out.error.empty()) {
          Q_EMIT self->lightFromFileDone(QString::fromStdString(out.error));
          return;
        }
        if (self->id_ != id) {
          Q_EMIT self->lightFromFileDone(tr("Another photo was opened meanwhile; light not set."));
          return;
        }
        self->setLightSh(out.value.sh, /*keep_exposure=*/true);
        QString text = tr("Light from %1: from azimuth %2°, elevation %3°, at the photo's exposure")
                           .arg(QFileInfo(file).fileName())
                           .arg(out.value.azimuth_deg, 0, 'f', 0)
                           .arg(out.value.elevation_deg, 0, 'f', 0);
        if (!out.value.note.empty())
          text += QStringLiteral(" (") + QString::fromStdString(out.value.note) + ')';
        Q_EMIT self->message(text);
        Q_EMIT self->lightFromFileDone(QString());
      });
}

} // namespace drig::ui
