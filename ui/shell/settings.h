#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <filesystem>
#include <string>

namespace drig::ui {

// Every QSettings key the GUI uses, in one place.
namespace keys {
inline constexpr const char* kAssetsDir = "preferences/assetsDir";
inline constexpr const char* kDevice = "preferences/device";
inline constexpr const char* kThreads = "preferences/threads";
inline constexpr const char* kSampler = "preferences/sampler";
inline constexpr const char* kSteps = "preferences/steps";
inline constexpr const char* kPreviewSteps = "preferences/previewSteps";
inline constexpr const char* kPrecision = "preferences/precision";
inline constexpr const char* kSeed = "preferences/seed";
inline constexpr const char* kCacheMb = "preferences/cacheMb";
inline constexpr const char* kMinIdentity = "preferences/minIdentity";
inline constexpr const char* kIdentityRetries = "preferences/identityRetries";
inline constexpr const char* kWindowGeometry = "window/geometry";
inline constexpr const char* kWindowState = "window/state";
inline constexpr const char* kRecentProjects = "project/recent";
} // namespace keys

// Bumped whenever the docks change so that an old saved layout is ignored.
inline constexpr int kLayoutVersion = 1;

inline constexpr int kMinSteps = 1;
inline constexpr int kMaxSteps = 1000;
inline constexpr int kMinPreviewSteps = 2;
inline constexpr int kMaxPreviewSteps = 8;
inline constexpr int kMaxThreads = 1024;
inline constexpr int kMinCacheMb = 50;
inline constexpr int kMaxCacheMb = 1024 * 1024;

// Organization "DiffusionRig", application "DiffusionRig Studio", the version:
// QSettings and QCommandLineParser read these. Safe before QApplication exists.
void set_application_identity();

// The user's preferences (Edit > Preferences...), persisted with QSettings.
struct StudioSettings {
  QString assets_dir; // empty: $DIFFUSIONRIG_ASSETS, else the default folder
  QString device = QStringLiteral("auto");
  int threads = 0; // 0 = every core
  // Generate's sampler and steps: DPM-Solver++(3M) at 15 steps was closer to
  // the converged result than the paper's DDIM at 20 on every trained model
  // measured (docs/user-guide.md, issue 23).
  QString sampler = QStringLiteral("dpmpp3m"); // dpmpp3m | dpmpp2m | ddim
  int steps = 15;
  int preview_steps = 3;                      // the progressive preview's first image
  QString precision = QStringLiteral("auto"); // auto | fp32 | bf16 | fp16
  int seed = 0;
  int cache_mb = 2048;     // generated results kept per project (least recently made go first)
  double min_identity = 0; // Generate samples again below this identity score (0 = off)
  int identity_retries = 3;

  static StudioSettings load();
  void save() const;

  // The folder the assets are read from (the choice, else the default).
  std::filesystem::path resolved_assets_dir() const;

  // Everything wrong with these settings, one line each (empty when fine):
  // uses drig::GlobalOptions::check and asks whether the device is usable.
  QStringList problems() const;

  // The sampling steps spec of these settings ("ddim20" or "15").
  std::string steps_spec() const;

  bool operator==(const StudioSettings&) const = default;
};

// The main window's saved geometry and dock layout.
struct WindowLayout {
  QByteArray geometry;
  QByteArray state;

  static WindowLayout load();
  void save() const;
  static void clear();
};

} // namespace drig::ui
