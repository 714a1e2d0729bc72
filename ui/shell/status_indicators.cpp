#include "ui/shell/status_indicators.h"

#include "model/base/assets.h"
#include "model/device.h"
#include "ui/shell/settings.h"

#include <QLabel>
#include <QStatusBar>

#include <spdlog/spdlog.h>

#include <exception>

namespace drig::ui {

namespace {
const QString kProblemStyle = QStringLiteral("QLabel { color: #b3261e; }");

QString runtime_summary(const TorchRuntimeInfo& info) {
  QString text = QObject::tr("LibTorch %1").arg(QString::fromStdString(info.libtorch_version));
  if (!info.built_with_cuda)
    return text + QObject::tr(", CPU-only build");
  if (!info.cuda_available)
    return text + QObject::tr(", CUDA build but no usable GPU");
  text += QObject::tr(", CUDA %1").arg(QString::fromStdString(info.cuda_version));
  for (const auto& gpu : info.devices)
    text += QStringLiteral("\nGPU %1: %2").arg(gpu.index).arg(QString::fromStdString(gpu.name));
  return text;
}
} // namespace

StatusIndicators::StatusIndicators(QStatusBar* bar)
    : QObject(bar), device_(new QLabel), assets_(new QLabel) {
  device_->setObjectName(QStringLiteral("deviceStatus"));
  assets_->setObjectName(QStringLiteral("assetsStatus"));
  for (QLabel* label : {device_, assets_}) {
    label->setContentsMargins(8, 0, 8, 0);
    bar->addPermanentWidget(label);
  }
}

void StatusIndicators::refresh(const StudioSettings& settings,
                               const std::filesystem::path& assets_dir) {
  refreshDevice(settings);
  refreshAssets(assets_dir);
}

void StatusIndicators::refreshDevice(const StudioSettings& settings) {
  const QString runtime = runtime_summary(torch_runtime_info());
  try {
    const c10::Device device = resolve_device(DeviceSpec::parse(settings.device.toStdString()));
    const QString name = QString::fromStdString(describe_device(device));
    device_->setText(tr("Device: %1").arg(name));
    device_->setToolTip(
        tr("Jobs run on %1 (preference: %2)\n%3").arg(name, settings.device, runtime));
    device_->setStyleSheet({});
  } catch (const std::exception& e) {
    device_->setText(tr("Device: unavailable"));
    device_->setToolTip(QString::fromStdString(e.what()) + QStringLiteral("\n") + runtime);
    device_->setStyleSheet(kProblemStyle);
    spdlog::warn("{}", e.what());
  }
}

void StatusIndicators::refreshAssets(const std::filesystem::path& assets_dir) {
  const AssetReport report = validate_assets(assets_dir);
  const QString folder = QString::fromStdString(assets_dir.string());
  if (report.usable()) {
    assets_->setText(tr("Assets: ready"));
    assets_->setToolTip(tr("Every required model file is in %1").arg(folder));
    assets_->setStyleSheet({});
    return;
  }
  int missing = 0;
  int wrong = 0;
  for (const AssetStatus& status : report.files) {
    if (!status.spec->required)
      continue;
    missing += status.state == AssetStatus::State::Missing ? 1 : 0;
    wrong += status.state == AssetStatus::State::WrongFormat ? 1 : 0;
  }
  QStringList parts;
  if (missing > 0)
    parts << tr("%1 missing").arg(missing);
  if (wrong > 0)
    parts << tr("%1 wrong format").arg(wrong);
  assets_->setText(tr("Assets: %1").arg(parts.join(QStringLiteral(", "))));
  QStringList lines;
  for (const std::string& problem : report.problems())
    lines << QStringLiteral("• ") + QString::fromStdString(problem);
  assets_->setToolTip(tr("Model files in %1:\n%2\n\nChoose the folder in Edit ▸ Preferences…")
                          .arg(folder, lines.join(QLatin1Char('\n'))));
  assets_->setStyleSheet(kProblemStyle);
}

} // namespace drig::ui
