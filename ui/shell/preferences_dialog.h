#pragma once

#include "ui/shell/settings.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QDoubleSpinBox;
class QSpinBox;
class QTimer;
class QTreeWidget;

namespace drig::ui {

// Edit > Preferences: the assets folder (with a live check of every model
// file), compute device, threads and generation defaults. OK validates and
// saves to QSettings; invalid values keep the dialog open and say why.
class PreferencesDialog : public QDialog {
  Q_OBJECT

public:
  enum Column { FileColumn, StatusColumn, DetailColumn };

  explicit PreferencesDialog(const StudioSettings& current, QWidget* parent = nullptr);

  // What the widgets hold now (not yet validated or saved).
  StudioSettings settings() const;
  // The problems found by the last OK (empty once accepted).
  QStringList problems() const { return problems_; }

  QLineEdit* assetsEdit() const { return assets_edit_; }
  QTreeWidget* assetsTree() const { return assets_tree_; }
  QLabel* assetsSummary() const { return assets_summary_; }
  // The full details of the file selected in the list.
  QLabel* assetDetails() const { return asset_details_; }
  QComboBox* deviceCombo() const { return device_; }
  QSpinBox* threadsSpin() const { return threads_; }
  QComboBox* samplerCombo() const { return sampler_; }
  QSpinBox* stepsSpin() const { return steps_; }
  QSpinBox* previewStepsSpin() const { return preview_steps_; }
  QComboBox* precisionCombo() const { return precision_; }
  QSpinBox* seedSpin() const { return seed_; }
  QSpinBox* cacheSpin() const { return cache_; }
  QDoubleSpinBox* minIdentitySpin() const { return min_identity_; }
  QSpinBox* identityRetriesSpin() const { return identity_retries_; }
  QLabel* problemsLabel() const { return problems_label_; }

public Q_SLOTS:
  void accept() override;
  // Validates the folder now in the line edit and refills the file list.
  void refreshAssetStatus();

private:
  QWidget* createAssetsGroup();
  QWidget* createComputeGroup();
  void setFields(const StudioSettings& settings);
  void browse();
  void showSelectedAssetDetails();

  QLineEdit* assets_edit_;
  QPushButton* browse_;
  QLabel* assets_summary_;
  QTreeWidget* assets_tree_;
  QLabel* asset_details_;
  QComboBox* device_;
  QSpinBox* threads_;
  QComboBox* sampler_;
  QSpinBox* steps_;
  QSpinBox* preview_steps_;
  QComboBox* precision_;
  QSpinBox* seed_;
  QSpinBox* cache_;
  QDoubleSpinBox* min_identity_;
  QSpinBox* identity_retries_;
  QLabel* problems_label_;
  QTimer* refresh_timer_;
  QStringList problems_;
};

} // namespace drig::ui
