#pragma once

#include <QObject>
#include <QString>

#include <filesystem>

class QLabel;
class QStatusBar;

namespace drig::ui {

struct StudioSettings;

// The permanent status-bar fields: the compute device jobs will run on and
// whether the model files in the assets folder are complete.
class StatusIndicators : public QObject {
  Q_OBJECT

public:
  explicit StatusIndicators(QStatusBar* bar);

  QLabel* deviceLabel() const { return device_; }
  QLabel* assetsLabel() const { return assets_; }

  // Re-reads the device and validates the assets folder.
  void refresh(const StudioSettings& settings, const std::filesystem::path& assets_dir);

private:
  void refreshDevice(const StudioSettings& settings);
  void refreshAssets(const std::filesystem::path& assets_dir);

  QLabel* device_;
  QLabel* assets_;
};

} // namespace drig::ui
