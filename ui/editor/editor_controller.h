#pragma once

// The editor: the selected portrait's fitted rig, the slider controls made
// into an edit (training/edit/edit_controls.h), the live buffer preview,
// undo/redo, presets, Generate and Export over the editing engine. Widgets
// stay dumb; this is the one place that moves edits between them, the
// project and the libraries.
#include "ui/shell/settings.h"

#include <QImage>
#include <QObject>
#include <QStringList>

#include <array>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>

class QTimer;
class QUndoStack;

namespace drig::editing {
struct EditControls;
}
namespace drig::render {
struct Buffers;
}
namespace drig::identity {
class IdentityGuard;
}

namespace drig {
class OptionCheck;
}

namespace drig::ui {

class ControlsPanel;
class EditorCanvas;
class JobsPanel;
class ProjectController;

struct ExportOptions {
  std::filesystem::path folder;
  // {name}: the photo's file stem, {n}: 1-based position, {person}.
  QString name_template = QStringLiteral("{name}_edited");
  QString format = QStringLiteral("jpg"); // jpg, png, tif
  int quality = 95;                       // JPEG
  int bit_depth = 0;                      // 8, 16; 0 = the source's

  // Every problem at once; `photos` > 1 also needs a name that differs per
  // photo ({name} or {n}), or each export would overwrite the last.
  void check(OptionCheck& check, int photos = 1) const;
};

class EditorController : public QObject {
  Q_OBJECT

public:
  struct Context {
    ProjectController* project = nullptr;
    ControlsPanel* controls = nullptr;
    EditorCanvas* canvas = nullptr;
    JobsPanel* jobs = nullptr;
    QUndoStack* undo = nullptr;
    std::function<std::filesystem::path()> assets_dir;
    std::function<StudioSettings()> settings;
  };

  explicit EditorController(Context context, QObject* parent = nullptr);
  ~EditorController() override;

  QString photoId() const { return id_; }
  // A fitted portrait is selected and its rig can be edited.
  bool editing() const;
  const editing::EditControls& controls() const;
  // The current edit's buffers at 256², rendered on the CPU (what the OpenGL
  // view shows, and the view itself where there is no OpenGL).
  render::Buffers renderBuffers() const;
  // Milliseconds the last preview update took (rig -> mesh -> view).
  double lastPreviewMs() const { return last_preview_ms_; }
  bool generating() const { return generating_; }
  // How the last result was made: "dpmpp2m, 15 steps · bf16 · 12.3 s".
  QString lastRunSummary() const { return last_run_; }
  // The photo ids whose result is on screen / cached (for tests).
  QString resultPng() const { return result_png_; }
  // The last generated result's identity similarity to the photo (NaN when
  // the face-api models are not installed).
  double lastIdentity() const { return last_identity_; }

  // The edited light's 27 SH numbers (what the buffers are shaded with).
  std::array<float, 27> currentLight() const;
  // keep_exposure: scaled to the photo's fitted light (a panorama's or a
  // background's light, at the photo's exposure).
  void setLightSh(const std::array<float, 27>& sh, bool keep_exposure = false);
  // A picked light colour (RGB multipliers, white = 1,1,1).
  void setLightColour(const std::array<double, 3>& colour);

  // Sets the controls of the current photo as one undoable step.
  void setControls(const editing::EditControls& controls, const QString& merge_key = {});

public Q_SLOTS:
  void setPhoto(const QString& id); // empty: none
  void generate();
  void cancelGenerate();
  // Presets: the edit JSON that `diffusionrig infer --edit` reads.
  bool savePreset(const QString& file, QString* error);
  bool loadPreset(const QString& file, QString* error);
  // Lighting > From Background / From Panorama: reads the file on a worker
  // thread, then sets its light at the photo's exposure (an ordinary light
  // edit: undo, presets and Apply to Selected work). lightFromFileDone
  // follows, with an error naming the file when it could not be used.
  void lightFromFile(const QString& file, bool panorama, double rotation_deg = 0);
  // The current photo's controls onto other photos (one undo step).
  void applyToPhotos(const QStringList& ids);
  // Copies one group ("light", "expression", "pose") from another photo.
  bool copyFromPhoto(const QString& group, const QString& other_id, QString* error);
  // Writes each photo's edit pasted into the full-resolution photo.
  void exportPhotos(const QStringList& ids, const ExportOptions& options);

Q_SIGNALS:
  void editingChanged(bool editing);
  void previewUpdated();
  void generated(const QString& id, const QString& png);
  // Fast preview: the first, few-step image, before the full steps refine it.
  void previewReady(const QString& id, const QString& png);
  void generateFailed(const QString& error);
  void exportFinished(int written, const QString& error);
  void message(const QString& text);
  void lightFromFileDone(const QString& error);

private:
  friend class EditCommand;
  struct Impl;
  // Stores `controls` for photo `id` (the project's edits) and, when it is
  // the current photo, shows them and re-renders the preview.
  void applyControls(const QString& id, const editing::EditControls& controls);
  void showControls();
  void updatePreview();
  void readPanel(const QString& key);
  void resetGroup(const QString& group);
  void showCachedResult();
  // Fast preview: a slider moved; (re)start the preview, cancelling a
  // running generation rather than waiting for it.
  void scheduleLiveGenerate();
  bool ensureRenderer(QString* error);
  // The identity guard of Generate and Export, made on first use; null (and
  // said once) when the face-api models are missing or broken.
  std::shared_ptr<const identity::IdentityGuard> identityGuard();

  Context ctx_;
  std::unique_ptr<Impl> impl_;
  QString id_;
  QString result_png_;
  double last_preview_ms_ = 0;
  double last_identity_ = std::numeric_limits<double>::quiet_NaN();
  bool generating_ = false;
  bool restart_generate_ = false; // a cancelled run is followed by a new one
  QTimer* live_timer_ = nullptr;
  QString last_run_;
  bool exporting_ = false;
};

} // namespace drig::ui
