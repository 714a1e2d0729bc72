#include "ui/shell/settings.h"

#include "drig/version.h"
#include "model/base/options.h"
#include "model/base/paths.h"
#include "model/device.h"
#include "model/diffusion/schedule.h"
#include "model/precision.h"

#include <QCoreApplication>
#include <QSettings>

#include <exception>

namespace drig::ui {

void set_application_identity() {
  QCoreApplication::setOrganizationName(QStringLiteral("DiffusionRig"));
  QCoreApplication::setOrganizationDomain(QStringLiteral("diffusionrig.org"));
  QCoreApplication::setApplicationName(QStringLiteral("DiffusionRig Studio"));
  QCoreApplication::setApplicationVersion(QString::fromUtf8(kVersion));
}

StudioSettings StudioSettings::load() {
  const QSettings settings;
  StudioSettings out;
  out.assets_dir = settings.value(keys::kAssetsDir, out.assets_dir).toString();
  out.device = settings.value(keys::kDevice, out.device).toString();
  out.threads = settings.value(keys::kThreads, out.threads).toInt();
  out.sampler = settings.value(keys::kSampler, out.sampler).toString();
  out.steps = settings.value(keys::kSteps, out.steps).toInt();
  out.preview_steps = settings.value(keys::kPreviewSteps, out.preview_steps).toInt();
  out.precision = settings.value(keys::kPrecision, out.precision).toString();
  out.seed = settings.value(keys::kSeed, out.seed).toInt();
  out.cache_mb = settings.value(keys::kCacheMb, out.cache_mb).toInt();
  out.min_identity = settings.value(keys::kMinIdentity, out.min_identity).toDouble();
  out.identity_retries = settings.value(keys::kIdentityRetries, out.identity_retries).toInt();
  return out;
}

void StudioSettings::save() const {
  QSettings settings;
  settings.setValue(keys::kAssetsDir, assets_dir);
  settings.setValue(keys::kDevice, device);
  settings.setValue(keys::kThreads, threads);
  settings.setValue(keys::kSampler, sampler);
  settings.setValue(keys::kSteps, steps);
  settings.setValue(keys::kPreviewSteps, preview_steps);
  settings.setValue(keys::kPrecision, precision);
  settings.setValue(keys::kSeed, seed);
  settings.setValue(keys::kCacheMb, cache_mb);
  settings.setValue(keys::kMinIdentity, min_identity);
  settings.setValue(keys::kIdentityRetries, identity_retries);
  settings.sync();
}

std::string StudioSettings::steps_spec() const {
  // DDIM keeps the original's ddimN respacing (what the paper's numbers
  // use) where an integer stride gives exactly that many steps.
  if (sampler == "ddim") {
    try {
      diffusion::space_timesteps(1000, "ddim" + std::to_string(steps));
      return "ddim" + std::to_string(steps);
    } catch (const std::exception&) {
    }
  }
  return std::to_string(steps);
}

std::filesystem::path StudioSettings::resolved_assets_dir() const {
  if (assets_dir.trimmed().isEmpty())
    return resolve_assets_dir(std::nullopt);
  return resolve_assets_dir(std::filesystem::path(assets_dir.trimmed().toStdString()));
}

QStringList StudioSettings::problems() const {
  GlobalOptions options;
  options.threads = threads;
  options.device = device.trimmed().toStdString();
  if (!assets_dir.trimmed().isEmpty())
    options.assets_dir = std::filesystem::path(assets_dir.trimmed().toStdString());
  OptionCheck check;
  options.check(check);
  check.require(steps >= kMinSteps && steps <= kMaxSteps,
                "steps must be between " + std::to_string(kMinSteps) + " and " +
                    std::to_string(kMaxSteps) + ", got " + std::to_string(steps));
  check.require(preview_steps >= kMinPreviewSteps && preview_steps <= kMaxPreviewSteps,
                "preview steps must be between " + std::to_string(kMinPreviewSteps) + " and " +
                    std::to_string(kMaxPreviewSteps) + ", got " + std::to_string(preview_steps));
  check.require(
      sampler == "dpmpp2m" || sampler == "dpmpp3m" || sampler == "unipc" || sampler == "ddim",
      "unknown sampler '" + sampler.toStdString() + "' (dpmpp2m, dpmpp3m, unipc or ddim)");
  check.require(precision == "auto" || precision == "fp32" || precision == "bf16" ||
                    precision == "fp16",
                "unknown precision '" + precision.toStdString() + "' (auto, fp32, bf16 or fp16)");
  check.require(seed >= 0, "seed must not be negative, got " + std::to_string(seed));
  check.require(min_identity >= 0 && min_identity <= 1,
                "the minimum identity must be between 0 and 1, got " +
                    std::to_string(min_identity));
  check.require(identity_retries >= 0 && identity_retries <= 20,
                "identity retries must be between 0 and 20, got " +
                    std::to_string(identity_retries));
  check.require(cache_mb >= kMinCacheMb && cache_mb <= kMaxCacheMb,
                "the result cache must be between " + std::to_string(kMinCacheMb) + " and " +
                    std::to_string(kMaxCacheMb) + " MB, got " + std::to_string(cache_mb));

  QStringList out;
  for (const auto& problem : check.problems())
    out << QString::fromStdString(problem);
  if (out.isEmpty()) {
    // The spelling is right; can this machine run it?
    try {
      const c10::Device d = resolve_device(DeviceSpec::parse(options.device));
      check_precision(resolve_precision(precision.toStdString(), d), d);
    } catch (const std::exception& e) {
      out << QString::fromStdString(e.what());
    }
  }
  return out;
}

WindowLayout WindowLayout::load() {
  const QSettings settings;
  return {settings.value(keys::kWindowGeometry).toByteArray(),
          settings.value(keys::kWindowState).toByteArray()};
}

void WindowLayout::save() const {
  QSettings settings;
  settings.setValue(keys::kWindowGeometry, geometry);
  settings.setValue(keys::kWindowState, state);
  settings.sync();
}

void WindowLayout::clear() {
  QSettings settings;
  settings.remove(keys::kWindowGeometry);
  settings.remove(keys::kWindowState);
  settings.sync();
}

} // namespace drig::ui
