#pragma once

// EditorController's state, shared by its source files (editor_controller,
// editor_generate, editor_presets). Private to ui/.
#include "model/base/progress.h"
#include "render/render_types.h"
#include "training/edit/edit_controls.h"
#include "training/rig/rig_file.h"
#include "ui/editor/editor_controller.h"

#include <QFuture>
#include <QImage>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace drig::editing {
class EditEngine;
}
namespace drig::rendering {
class RigRenderer;
}
namespace drig::identity {
class IdentityGuard;
}

namespace drig::ui {

inline constexpr int kPreviewSize = 256;

struct EditorController::Impl {
  std::unique_ptr<rendering::RigRenderer> renderer;
  std::filesystem::path renderer_assets;
  editing::ExpressionBasis basis;
  std::optional<fitting::Rig> rig;
  std::filesystem::path rig_path, aligned_png;
  std::array<double, 2> fitted_center{};
  double fitted_jaw_deg = 0;
  render::AlbedoMap albedo;
  editing::EditControls controls;
  QImage before;
  // The generation engine, kept while the model and device stay the same.
  std::shared_ptr<editing::EditEngine> engine;
  std::string engine_key; // model|device|precision it was made for
  CancelToken generate_cancel, export_cancel;
  // The running generation and export: waited for on destruction (their
  // progress is queued to the controller).
  QFuture<void> generate_future, export_future;
  // The identity guard (null until the first generation; absent models: none).
  std::shared_ptr<const identity::IdentityGuard> guard;
  bool guard_tried = false;
};

} // namespace drig::ui
