#include "ui/editor/editor_controller.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "render/cpu_rasterizer.h"
#include "render/light_rig.h"
#include "training/align/sidecar.h"
#include "training/edit/edit_controls.h"
#include "training/edit/edit_engine.h"
#include "training/rig/buffer_tensors.h"
#include "training/rig/rig_edit.h"
#include "training/rig/rig_file.h"
#include "training/rig/rig_renderer.h"
#include "ui/album/project_controller.h"
#include "ui/editor/control_group.h"
#include "ui/editor/controls_panel.h"
#include "ui/editor/editor_canvas.h"
#include "ui/editor/editor_controller_impl.h"
#include "ui/widgets/buffer_preview.h"
#include "ui/widgets/light_sphere.h"

#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QUndoCommand>
#include <QUndoStack>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <tuple>

namespace fs = std::filesystem;

namespace drig::ui {

namespace {

int rounded(double v) {
  return int(std::lround(v));
}

// What each slider shows for `c` ("group.key" -> value).
// Where the light comes from as the sliders and the sphere show it: an SH
// light's (typed in, copied, from a panorama) dominant direction.
std::pair<double, double> shown_direction(const editing::EditControls& c) {
  if (!c.light_sh)
    return {c.azimuth_deg, c.elevation_deg};
  const render::DirectionalLight d = render::dominant_light(*c.light_sh);
  return {d.azimuth_deg, d.elevation_deg};
}

QMap<QString, int> displayed(const editing::EditControls& c, double fitted_jaw_deg) {
  QMap<QString, int> v;
  const auto [azimuth, elevation] = shown_direction(c);
  v["lighting.azimuth"] = rounded(azimuth);
  v["lighting.elevation"] = rounded(elevation);
  v["lighting.intensity"] = rounded(c.intensity * 100);
  v["lighting.ambient"] = rounded(c.ambient * 100);
  v["lighting.temperature"] = rounded(c.temperature_k);
  v["lighting.tint"] = rounded(c.tint * 100);
  const auto named = [&](const char* key) {
    const auto it = c.named.find(key);
    return it == c.named.end() ? 0 : rounded(it->second * 100);
  };
  v["expression.smile"] = named("smile");
  v["expression.brows"] = named("brows");
  v["expression.eyesClosed"] = named("eyes_closed");
  v["expression.jawOpen"] = rounded(c.jaw_open_deg.value_or(fitted_jaw_deg));
  for (int i = 0; i < ControlsPanel::kComponentSliders; ++i) {
    const auto it = c.components.find(i);
    v[QStringLiteral("components.c%1").arg(i)] =
        it == c.components.end() ? 0 : rounded(it->second * 100);
  }
  v["pose.yaw"] = rounded(c.pose_delta_deg[0]);
  v["pose.pitch"] = rounded(c.pose_delta_deg[1]);
  v["pose.roll"] = rounded(c.pose_delta_deg[2]);
  v["result.strength"] = rounded(c.strength * 100);
  v["result.colourLock"] = rounded(c.colour_lock_shown() * 100);
  return v;
}

QImage buffer_image(const render::Buffers& b, int which) {
  QImage image(b.width, b.height, QImage::Format_RGB888);
  const size_t n = size_t(b.width) * size_t(b.height);
  const std::vector<float>& planes = which == 2 ? b.normal : which == 3 ? b.albedo : b.rendered;
  for (int y = 0; y < b.height; ++y) {
    uchar* row = image.scanLine(y);
    for (int x = 0; x < b.width; ++x) {
      const size_t p = size_t(y) * size_t(b.width) + size_t(x);
      for (size_t c = 0; c < 3; ++c) {
        float v = planes[c * n + p];
        if (which == 2)
          v = (v + 1) / 2;
        row[3 * x + int(c)] = uchar(std::lround(std::clamp(v, 0.0f, 1.0f) * 255));
      }
    }
  }
  return image;
}

} // namespace

// One change of one photo's edit; consecutive changes of the same control
// (a slider drag) merge into one step.
class EditCommand : public QUndoCommand {
public:
  EditCommand(EditorController* editor, QString id, editing::EditControls before,
              editing::EditControls after, QString merge_key, const QString& text)
      : QUndoCommand(text), editor_(editor), id_(std::move(id)), before_(std::move(before)),
        after_(std::move(after)), key_(std::move(merge_key)) {
    clock_.start();
  }
  void redo() override { editor_->applyControls(id_, after_); }
  void undo() override { editor_->applyControls(id_, before_); }
  int id() const override { return 0x44524947; }
  bool mergeWith(const QUndoCommand* other) override {
    const auto* o = static_cast<const EditCommand*>(other);
    if (key_.isEmpty() || o->key_ != key_ || o->id_ != id_ || clock_.elapsed() > 1500)
      return false;
    after_ = o->after_;
    clock_.restart();
    return true;
  }

private:
  EditorController* editor_;
  QString id_;
  editing::EditControls before_, after_;
  QString key_;
  QElapsedTimer clock_;
};

EditorController::EditorController(Context context, QObject* parent)
    : QObject(parent), ctx_(std::move(context)), impl_(std::make_unique<Impl>()) {
  ControlsPanel* panel = ctx_.controls;
  const std::pair<ControlGroup*, QString> groups[] = {{panel->lighting(), "lighting"},
                                                      {panel->expression(), "expression"},
                                                      {panel->components(), "components"},
                                                      {panel->pose(), "pose"},
                                                      {panel->result(), "result"}};
  for (const auto& [group, name] : groups) {
    connect(group, &ControlGroup::valuesChanged, this, [this, n = name] { readPanel(n); });
    connect(group, &ControlGroup::resetRequested, this, [this, n = name] { resetGroup(n); });
  }
  connect(panel->lightSphere(), &LightSphere::directionChanged, this,
          [this](double azimuth, double elevation) {
            if (!editing())
              return;
            editing::EditControls c = impl_->controls;
            c.light_edited = true;
            c.light_sh.reset();
            c.azimuth_deg = azimuth;
            c.elevation_deg = elevation;
            setControls(c, QStringLiteral("light.direction"));
          });
  connect(panel->generateButton(), &QPushButton::clicked, this, &EditorController::generate);
  connect(panel->cancelButton(), &QPushButton::clicked, this, &EditorController::cancelGenerate);
  connect(ctx_.canvas, &EditorCanvas::modeChanged, this, [this] { updatePreview(); });
}

EditorController::~EditorController() {
  impl_->generate_cancel.cancel();
  impl_->export_cancel.cancel();
  // Cancels land within a step or a photo; the work must not outlive the
  // controller its progress is sent to.
  impl_->generate_future.waitForFinished();
  impl_->export_future.waitForFinished();
}

bool EditorController::editing() const {
  return impl_->rig.has_value() && impl_->renderer != nullptr;
}

const editing::EditControls& EditorController::controls() const {
  return impl_->controls;
}

bool EditorController::ensureRenderer(QString* error) {
  const fs::path assets = ctx_.assets_dir();
  if (impl_->renderer && impl_->renderer_assets == assets)
    return true;
  impl_->renderer.reset();
  try {
    // The CPU rasterizer: the OpenGL view draws with its own context, and
    // renderBuffers() must give the same pixels on every machine.
    impl_->renderer = std::make_unique<rendering::RigRenderer>(assets, render::RenderBackend::Cpu);
    impl_->renderer_assets = assets;
    impl_->basis = {};
    return true;
  } catch (const std::exception& e) {
    *error = QString::fromStdString(e.what());
    return false;
  }
}

void EditorController::setPhoto(const QString& id) {
  Impl& m = *impl_;
  id_ = id;
  m.rig.reset();
  result_png_.clear();
  project::Project* project = ctx_.project->project();
  const project::PhotoEntry* entry = project ? project->find(id.toStdString()) : nullptr;
  QString problem;
  if (!entry) {
    ctx_.canvas->clear();
  } else {
    m.aligned_png = entry->aligned;
    m.before =
        entry->aligned.empty() ? QImage() : QImage(QString::fromStdString(entry->aligned.string()));
    if (entry->rig.empty() || !fs::exists(entry->rig)) {
      problem = tr("%1 has no fitted face model yet: Album → Fit Face Model first.").arg(id);
    } else if (ensureRenderer(&problem)) {
      try {
        m.rig = fitting::load_rig(entry->rig);
        m.rig_path = entry->rig;
        const int n_shape = int(m.rig->code.shape.size(1)), n_exp = int(m.rig->code.exp.size(1));
        if (m.basis.components != n_exp)
          m.basis = editing::measure_expression_basis(m.renderer->flame(), n_shape, n_exp);
        m.fitted_center =
            m.renderer->geometry(m.rig->code, m.rig->crop_tform, kPreviewSize).ffhq_center;
        m.fitted_jaw_deg = rendering::jaw_open_deg(m.rig->code);
        m.albedo = m.renderer->albedo(m.rig->code.tex);
        const auto stored = project->edits.find(entry->id);
        m.controls = stored == project->edits.end()
                         ? editing::controls_for(m.rig->code)
                         : editing::controls_from_document(stored->second, m.rig->code,
                                                           entry->id + " (stored edit)");
        if (BufferPreview* preview = ctx_.canvas->bufferPreview()) {
          preview->setRenderSize(kPreviewSize);
          preview->setMesh(m.renderer->topology(), m.albedo);
        }
      } catch (const std::exception& e) {
        m.rig.reset();
        problem = QString::fromStdString(e.what());
      }
    }
    ctx_.canvas->showPortrait(m.before);
  }
  const bool ok = editing();
  ctx_.controls->setEditingEnabled(ok);
  ctx_.controls->generateStatus()->setText(problem);
  if (!problem.isEmpty())
    Q_EMIT message(problem);
  if (ok) {
    showControls();
    updatePreview();
    showCachedResult();
    if (entry)
      try {
        const auto record = align::read_sidecar(align::sidecar_path(entry->aligned));
        if (record && record->upscaled)
          Q_EMIT message(tr("This face is %1 px across, smaller than the %2 px the model edits: it "
                            "is upscaled, edited and pasted back at its own size, so the result is "
                            "limited by the photo's resolution.")
                             .arg(record->region_px)
                             .arg(record->output_size));
      } catch (const std::exception&) {
      }
  }
  Q_EMIT editingChanged(ok);
}

void EditorController::showControls() {
  const Impl& m = *impl_;
  ControlsPanel* panel = ctx_.controls;
  const editing::EditControls fresh = editing::controls_for(m.rig->code);
  panel->lighting()->setDefault("azimuth", rounded(fresh.azimuth_deg));
  panel->lighting()->setDefault("elevation", rounded(fresh.elevation_deg));
  panel->expression()->setDefault("jawOpen", rounded(m.fitted_jaw_deg));
  const QMap<QString, int> values = displayed(m.controls, m.fitted_jaw_deg);
  const std::pair<ControlGroup*, QString> groups[] = {{panel->lighting(), "lighting"},
                                                      {panel->expression(), "expression"},
                                                      {panel->components(), "components"},
                                                      {panel->pose(), "pose"},
                                                      {panel->result(), "result"}};
  for (const auto& [group, name] : groups)
    for (const QString& key : group->keys())
      group->setValue(key, values.value(name + "." + key));
  const auto [azimuth, elevation] = shown_direction(m.controls);
  panel->lightSphere()->setDirection(azimuth, elevation);
  panel->lightSphere()->setShading(m.controls.light_sh);
}

void EditorController::readPanel(const QString& group_name) {
  if (!editing())
    return;
  const Impl& m = *impl_;
  ControlsPanel* panel = ctx_.controls;
  const QMap<QString, int> shown = displayed(m.controls, m.fitted_jaw_deg);
  ControlGroup* group = group_name == "lighting"     ? panel->lighting()
                        : group_name == "expression" ? panel->expression()
                        : group_name == "components" ? panel->components()
                        : group_name == "pose"       ? panel->pose()
                                                     : panel->result();
  editing::EditControls c = m.controls;
  QString changed;
  const QMap<QString, int> now = group->values();
  for (auto it = now.begin(); it != now.end(); ++it) {
    const QString full = group_name + "." + it.key();
    const int v = it.value();
    if (shown.value(full) == v)
      continue;
    changed = full;
    const QString& k = it.key();
    if (group_name == "lighting") {
      if (c.light_sh) // moving on from an SH light: start where it was shown
        std::tie(c.azimuth_deg, c.elevation_deg) = shown_direction(c);
      c.light_edited = true;
      c.light_sh.reset();
      if (k == "azimuth")
        c.azimuth_deg = v;
      else if (k == "elevation")
        c.elevation_deg = v;
      else if (k == "intensity")
        c.intensity = v / 100.0;
      else if (k == "ambient")
        c.ambient = v / 100.0;
      else if (k == "temperature")
        c.temperature_k = v;
      else if (k == "tint")
        c.tint = v / 100.0;
    } else if (group_name == "expression") {
      if (k == "jawOpen")
        c.jaw_open_deg = v;
      else
        c.named[k == "eyesClosed" ? "eyes_closed" : k.toStdString()] = v / 100.0;
    } else if (group_name == "components") {
      c.components[k.mid(1).toInt()] = v / 100.0;
    } else if (group_name == "pose") {
      c.pose_delta_deg[k == "yaw" ? 0 : k == "pitch" ? 1 : 2] = v;
    } else if (k == "colourLock") {
      c.colour_lock = v / 100.0;
    } else {
      c.strength = v / 100.0;
    }
  }
  if (!changed.isEmpty())
    setControls(c, changed);
}

void EditorController::resetGroup(const QString& group) {
  if (!editing())
    return;
  editing::EditControls c = impl_->controls;
  if (group == "lighting")
    editing::reset_group(c, "light", impl_->rig->code);
  else if (group == "expression" || group == "components")
    editing::reset_group(c, "expression", impl_->rig->code);
  else if (group == "pose")
    editing::reset_group(c, "pose", impl_->rig->code);
  else {
    c.strength = 1;
    c.colour_lock.reset();
  }
  setControls(c);
}

void EditorController::setControls(const editing::EditControls& controls,
                                   const QString& merge_key) {
  if (!editing() || controls == impl_->controls)
    return;
  const QString text =
      merge_key.isEmpty() ? tr("Edit %1").arg(id_) : tr("Change %1").arg(merge_key.section('.', 1));
  ctx_.undo->push(new EditCommand(this, id_, impl_->controls, controls, merge_key, text));
}

void EditorController::applyControls(const QString& id, const editing::EditControls& controls) {
  project::Project* project = ctx_.project->project();
  if (!project)
    return;
  if (id == id_ && impl_->rig) {
    impl_->controls = controls;
    const editing::EditSpec spec = editing::to_spec(controls, impl_->rig->code, impl_->basis);
    ctx_.project->setEdit(id, editing::edit_document(controls, spec));
    showControls();
    updatePreview();
    showCachedResult();
    if (ctx_.controls->fastPreview()->isChecked() && result_png_.isEmpty())
      scheduleLiveGenerate();
    return;
  }
  // Another photo (an undo after the selection moved): store only.
  if (const project::PhotoEntry* e = project->find(id.toStdString());
      e && !e->rig.empty() && fs::exists(e->rig)) {
    try {
      const fitting::Rig rig = fitting::load_rig(e->rig);
      ctx_.project->setEdit(
          id, editing::edit_document(controls, editing::to_spec(controls, rig.code, impl_->basis)));
    } catch (const std::exception& ex) {
      Q_EMIT message(QString::fromStdString(ex.what()));
    }
  }
}

std::array<float, 27> EditorController::currentLight() const {
  if (!editing())
    return {};
  const Impl& m = *impl_;
  return rendering::light_from_tensor(
      editing::apply_spec(m.rig->code, editing::to_spec(m.controls, m.rig->code, m.basis)).light);
}

void EditorController::setLightSh(const std::array<float, 27>& sh, bool keep_exposure) {
  if (!editing())
    return;
  editing::EditControls c = impl_->controls;
  c.light_sh = sh;
  c.light_sh_keep_exposure = keep_exposure;
  setControls(c);
}

void EditorController::setLightColour(const std::array<double, 3>& colour) {
  if (!editing())
    return;
  editing::EditControls c = impl_->controls;
  c.light_edited = true;
  c.light_sh.reset();
  c.colour = colour;
  setControls(c);
}

render::Buffers EditorController::renderBuffers() const {
  DRIG_CHECK(impl_->rig.has_value() && impl_->renderer, "no portrait is being edited");
  const Impl& m = *impl_;
  const face::DecaCode code =
      editing::apply_spec(m.rig->code, editing::to_spec(m.controls, m.rig->code, m.basis));
  const auto g = m.renderer->geometry(code, m.rig->crop_tform, kPreviewSize, m.fitted_center);
  return render::render_cpu(m.renderer->topology(), g.pose, m.albedo,
                            rendering::light_from_tensor(code.light), kPreviewSize, kPreviewSize);
}

void EditorController::updatePreview() {
  if (!editing())
    return;
  QElapsedTimer clock;
  clock.start();
  const Impl& m = *impl_;
  try {
    BufferPreview* preview = ctx_.canvas->bufferPreview();
    if (preview) {
      const face::DecaCode code =
          editing::apply_spec(m.rig->code, editing::to_spec(m.controls, m.rig->code, m.basis));
      const auto g = m.renderer->geometry(code, m.rig->crop_tform, kPreviewSize, m.fitted_center);
      preview->setLight(rendering::light_from_tensor(code.light));
      preview->setPose(g.pose);
    } else {
      const int view = ctx_.canvas->bufferViewCombo()->currentIndex();
      ctx_.canvas->setBufferImage(buffer_image(renderBuffers(), view == 2 ? 2 : view == 3 ? 3 : 0));
    }
  } catch (const std::exception& e) {
    Q_EMIT message(QString::fromStdString(e.what()));
  }
  last_preview_ms_ = double(clock.nsecsElapsed()) / 1e6;
  Q_EMIT previewUpdated();
}

} // namespace drig::ui
