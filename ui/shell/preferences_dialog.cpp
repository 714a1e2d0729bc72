#include "ui/shell/preferences_dialog.h"

#include "model/base/assets.h"
#include "model/base/paths.h"
#include "model/device.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <limits>

namespace drig::ui {

namespace {
const QColor kPresent(0x1e, 0x7d, 0x32);
const QColor kMissing(0xb3, 0x26, 0x1e);
const QColor kWrongFormat(0xa1, 0x5c, 0x00);
const QColor kOptional(0x6b, 0x6f, 0x76);
} // namespace

PreferencesDialog::PreferencesDialog(const StudioSettings& current, QWidget* parent)
    : QDialog(parent), assets_edit_(new QLineEdit), browse_(new QPushButton(tr("Browse…"))),
      assets_summary_(new QLabel), assets_tree_(new QTreeWidget), asset_details_(new QLabel),
      device_(new QComboBox), threads_(new QSpinBox), sampler_(new QComboBox), steps_(new QSpinBox),
      preview_steps_(new QSpinBox), precision_(new QComboBox), seed_(new QSpinBox),
      cache_(new QSpinBox), min_identity_(new QDoubleSpinBox), identity_retries_(new QSpinBox),
      problems_label_(new QLabel), refresh_timer_(new QTimer(this)) {
  setObjectName(QStringLiteral("preferencesDialog"));
  setWindowTitle(tr("Preferences"));
  assets_edit_->setObjectName(QStringLiteral("assetsDirEdit"));
  browse_->setObjectName(QStringLiteral("browseAssetsButton"));
  assets_summary_->setObjectName(QStringLiteral("assetsSummary"));
  assets_tree_->setObjectName(QStringLiteral("assetsStatusTree"));
  asset_details_->setObjectName(QStringLiteral("assetDetails"));
  device_->setObjectName(QStringLiteral("deviceCombo"));
  threads_->setObjectName(QStringLiteral("threadsSpin"));
  sampler_->setObjectName(QStringLiteral("samplerCombo"));
  steps_->setObjectName(QStringLiteral("stepsSpin"));
  preview_steps_->setObjectName(QStringLiteral("previewStepsSpin"));
  precision_->setObjectName(QStringLiteral("precisionCombo"));
  seed_->setObjectName(QStringLiteral("seedSpin"));
  cache_->setObjectName(QStringLiteral("cacheSpin"));
  min_identity_->setObjectName(QStringLiteral("minIdentitySpin"));
  identity_retries_->setObjectName(QStringLiteral("identityRetriesSpin"));
  problems_label_->setObjectName(QStringLiteral("problemsLabel"));

  problems_label_->setWordWrap(true);
  problems_label_->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; }"));
  problems_label_->hide();

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel |
                                       QDialogButtonBox::RestoreDefaults);
  connect(buttons, &QDialogButtonBox::accepted, this, &PreferencesDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
          [this] { setFields(StudioSettings{}); });

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(createAssetsGroup(), 1);
  layout->addWidget(createComputeGroup());
  layout->addWidget(problems_label_);
  layout->addWidget(buttons);

  refresh_timer_->setSingleShot(true);
  refresh_timer_->setInterval(250);
  connect(refresh_timer_, &QTimer::timeout, this, &PreferencesDialog::refreshAssetStatus);
  connect(assets_edit_, &QLineEdit::textChanged, refresh_timer_, qOverload<>(&QTimer::start));
  connect(browse_, &QPushButton::clicked, this, &PreferencesDialog::browse);

  setFields(current);
  refreshAssetStatus();
  resize(820, 620);
}

QWidget* PreferencesDialog::createAssetsGroup() {
  auto* group = new QGroupBox(tr("Model files"));
  const QString default_dir = QString::fromStdString(resolve_assets_dir(std::nullopt).string());
  assets_edit_->setPlaceholderText(default_dir);
  assets_edit_->setClearButtonEnabled(true);
  assets_edit_->setToolTip(
      tr("Folder with the DiffusionRig checkpoint, DECA and FLAME files. Leave empty for "
         "$DIFFUSIONRIG_ASSETS or the default, %1")
          .arg(default_dir));
  assets_summary_->setWordWrap(true);
  assets_summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  assets_tree_->setColumnCount(3);
  assets_tree_->setHeaderLabels({tr("File"), tr("Status"), tr("Details")});
  assets_tree_->setRootIsDecorated(false);
  assets_tree_->setUniformRowHeights(true);
  assets_tree_->setWordWrap(false);
  assets_tree_->setTextElideMode(Qt::ElideRight);
  assets_tree_->header()->setStretchLastSection(true);
  assets_tree_->setColumnWidth(FileColumn, 210);
  assets_tree_->setColumnWidth(StatusColumn, 150);
  assets_tree_->setMinimumHeight(200);
  connect(assets_tree_, &QTreeWidget::currentItemChanged, this,
          &PreferencesDialog::showSelectedAssetDetails);
  asset_details_->setWordWrap(true);
  asset_details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  asset_details_->setMinimumHeight(asset_details_->fontMetrics().lineSpacing() * 3);
  asset_details_->setAlignment(Qt::AlignLeft | Qt::AlignTop);

  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel(tr("Folder:")));
  row->addWidget(assets_edit_, 1);
  row->addWidget(browse_);
  auto* layout = new QVBoxLayout(group);
  layout->addLayout(row);
  layout->addWidget(assets_summary_);
  layout->addWidget(assets_tree_, 1);
  layout->addWidget(asset_details_);
  return group;
}

QWidget* PreferencesDialog::createComputeGroup() {
  auto* group = new QGroupBox(tr("Computation"));
  device_->setEditable(true);
  device_->setInsertPolicy(QComboBox::NoInsert);
  device_->addItems({QStringLiteral("auto"), QStringLiteral("cpu")});
  const TorchRuntimeInfo runtime = torch_runtime_info();
  if (runtime.cuda_available) {
    device_->addItem(QStringLiteral("cuda"));
    for (const auto& gpu : runtime.devices)
      device_->addItem(QStringLiteral("cuda:%1").arg(gpu.index));
  }
  device_->setToolTip(tr("auto: the GPU when one is usable, else the CPU; cpu; cuda; cuda:N for "
                         "GPU number N"));
  threads_->setRange(0, kMaxThreads);
  threads_->setSpecialValueText(tr("All physical cores"));
  threads_->setToolTip(tr("CPU threads for LibTorch (0 = every physical core)"));
  sampler_->addItem(tr("DPM-Solver++ 3M (fast)"), QStringLiteral("dpmpp3m"));
  sampler_->addItem(tr("DPM-Solver++ 2M"), QStringLiteral("dpmpp2m"));
  sampler_->addItem(tr("UniPC (2M with a corrector)"), QStringLiteral("unipc"));
  sampler_->addItem(tr("DDIM (the paper's)"), QStringLiteral("ddim"));
  sampler_->setToolTip(tr("How Generate solves the diffusion: DPM-Solver++ 3M at 15 steps is "
                          "closer to the converged image than the paper's DDIM at 20"));
  steps_->setRange(kMinSteps, kMaxSteps);
  steps_->setToolTip(tr("Denoising steps per generated image: more is slower and finer"));
  preview_steps_->setRange(kMinPreviewSteps, kMaxPreviewSteps);
  preview_steps_->setToolTip(tr("Fast preview: steps of its first image, which the full "
                                "steps then refine"));
  precision_->addItem(tr("Automatic (fastest native)"), QStringLiteral("auto"));
  precision_->addItem(tr("fp32"), QStringLiteral("fp32"));
  precision_->addItem(tr("bf16"), QStringLiteral("bf16"));
  precision_->addItem(tr("fp16 (GPU)"), QStringLiteral("fp16"));
  precision_->setToolTip(tr("Automatic: bf16 on CPUs that compute it natively (AVX512-BF16, "
                            "AMX), else fp32"));
  seed_->setRange(0, std::numeric_limits<int>::max());
  seed_->setToolTip(tr("Random seed of the generation noise, for repeatable results"));
  cache_->setRange(kMinCacheMb, kMaxCacheMb);
  cache_->setSuffix(QStringLiteral(" MB"));
  cache_->setSingleStep(256);
  min_identity_->setRange(0.0, 1.0);
  min_identity_->setSingleStep(0.05);
  min_identity_->setDecimals(2);
  min_identity_->setSpecialValueText(tr("Off"));
  min_identity_->setToolTip(tr("Generate samples again with the next seeds while the result's "
                               "identity score is below this (0.40 = same person), keeping "
                               "the most alike; needs the face-api models"));
  identity_retries_->setRange(0, 20);
  identity_retries_->setToolTip(tr("At most this many more seeds for the minimum identity"));
  cache_->setToolTip(tr("Disk space for generated results in each project (its edits folder); "
                        "the least recently made are deleted first and made again when needed"));

  for (QWidget* field : {static_cast<QWidget*>(device_), static_cast<QWidget*>(threads_),
                         static_cast<QWidget*>(sampler_), static_cast<QWidget*>(steps_),
                         static_cast<QWidget*>(preview_steps_), static_cast<QWidget*>(precision_),
                         static_cast<QWidget*>(seed_), static_cast<QWidget*>(cache_)})
    field->setMinimumWidth(180);
  auto* form = new QFormLayout(group);
  form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
  form->addRow(tr("&Device:"), device_);
  form->addRow(tr("&Threads:"), threads_);
  form->addRow(tr("Sa&mpler:"), sampler_);
  form->addRow(tr("&Steps:"), steps_);
  form->addRow(tr("&Preview steps:"), preview_steps_);
  form->addRow(tr("P&recision:"), precision_);
  form->addRow(tr("S&eed:"), seed_);
  form->addRow(tr("Result &cache:"), cache_);
  form->addRow(tr("&Minimum identity:"), min_identity_);
  form->addRow(tr("Identity &retries:"), identity_retries_);
  return group;
}

void PreferencesDialog::setFields(const StudioSettings& settings) {
  assets_edit_->setText(settings.assets_dir);
  device_->setCurrentText(settings.device);
  threads_->setValue(settings.threads);
  sampler_->setCurrentIndex(std::max(0, sampler_->findData(settings.sampler)));
  steps_->setValue(settings.steps);
  preview_steps_->setValue(settings.preview_steps);
  precision_->setCurrentIndex(std::max(0, precision_->findData(settings.precision)));
  seed_->setValue(settings.seed);
  cache_->setValue(settings.cache_mb);
  min_identity_->setValue(settings.min_identity);
  identity_retries_->setValue(settings.identity_retries);
}

StudioSettings PreferencesDialog::settings() const {
  StudioSettings out;
  out.assets_dir = assets_edit_->text().trimmed();
  out.device = device_->currentText().trimmed();
  out.threads = threads_->value();
  out.sampler = sampler_->currentData().toString();
  out.steps = steps_->value();
  out.preview_steps = preview_steps_->value();
  out.precision = precision_->currentData().toString();
  out.seed = seed_->value();
  out.cache_mb = cache_->value();
  out.min_identity = min_identity_->value();
  out.identity_retries = identity_retries_->value();
  return out;
}

void PreferencesDialog::accept() {
  const StudioSettings chosen = settings();
  problems_ = chosen.problems();
  if (!problems_.isEmpty()) {
    QStringList lines;
    for (const QString& problem : problems_)
      lines << QStringLiteral("• ") + problem.toHtmlEscaped();
    problems_label_->setText(tr("<b>Please fix:</b><br>") + lines.join(QStringLiteral("<br>")));
    problems_label_->show();
    return;
  }
  problems_label_->hide();
  chosen.save();
  QDialog::accept();
}

void PreferencesDialog::refreshAssetStatus() {
  refresh_timer_->stop();
  const AssetReport report = validate_assets(settings().resolved_assets_dir());
  const QString folder = QString::fromStdString(report.folder.string());
  assets_tree_->clear();
  for (const AssetStatus& status : report.files) {
    const bool required = status.spec->required;
    auto* item = new QTreeWidgetItem(assets_tree_);
    item->setText(FileColumn, QString::fromStdString(status.spec->file_name));
    QString state = QString::fromStdString(to_string(status.state));
    if (!required)
      state += tr(" (optional)");
    item->setText(StatusColumn, state);
    item->setText(DetailColumn, QString::fromStdString(status.detail));
    QColor color = kPresent;
    QStyle::StandardPixmap icon = QStyle::SP_DialogApplyButton;
    if (status.state == AssetStatus::State::Missing) {
      color = required ? kMissing : kOptional;
      icon = required ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxInformation;
    } else if (status.state == AssetStatus::State::WrongFormat) {
      color = kWrongFormat;
      icon = QStyle::SP_MessageBoxWarning;
    }
    item->setForeground(StatusColumn, color);
    item->setIcon(StatusColumn, style()->standardIcon(icon));
    const QString name = QString::fromStdString(status.spec->file_name);
    const QString purpose = QString::fromStdString(status.spec->purpose);
    const QString detail = QString::fromStdString(status.detail);
    for (int column = 0; column < assets_tree_->columnCount(); ++column)
      item->setToolTip(column, purpose + QStringLiteral(":\n") + detail);
    item->setData(FileColumn, Qt::UserRole,
                  QStringLiteral("<b>%1</b> (%2): %3")
                      .arg(name.toHtmlEscaped(), purpose.toHtmlEscaped(), detail.toHtmlEscaped()));
  }
  // Show the first problem (or the first file) in the details below the list.
  QTreeWidgetItem* current = assets_tree_->topLevelItem(0);
  for (size_t i = 0; i < report.files.size(); ++i)
    if (report.files[i].spec->required && report.files[i].state != AssetStatus::State::Present) {
      current = assets_tree_->topLevelItem(static_cast<int>(i));
      break;
    }
  assets_tree_->setCurrentItem(current);
  showSelectedAssetDetails();

  if (!report.folder_exists)
    assets_summary_->setText(tr("%1 does not exist yet.").arg(folder));
  else if (report.usable())
    assets_summary_->setText(tr("%1: every required file is present.").arg(folder));
  else
    assets_summary_->setText(tr("%1: %n required file(s) missing or unreadable.", nullptr,
                                static_cast<int>(report.problems().size()))
                                 .arg(folder));
}

void PreferencesDialog::showSelectedAssetDetails() {
  const QTreeWidgetItem* item = assets_tree_->currentItem();
  asset_details_->setText(item ? item->data(FileColumn, Qt::UserRole).toString() : QString());
}

void PreferencesDialog::browse() {
  const QString start = QString::fromStdString(settings().resolved_assets_dir().string());
  const QString chosen =
      QFileDialog::getExistingDirectory(this, tr("Choose the model files folder"), start);
  if (!chosen.isEmpty())
    assets_edit_->setText(chosen);
}

} // namespace drig::ui
