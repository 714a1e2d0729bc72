#include "ui/album/personalize_dialog.h"

#include "model/base/assets.h"
#include "model/base/options.h"
#include "ui/album/training_estimate.h"
#include "ui/widgets/problem_lines.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace fs = std::filesystem;

namespace drig::ui {

PersonalizeDialog::PersonalizeDialog(const fs::path& assets_dir, int usable_photos, QWidget* parent)
    : QDialog(parent), assets_dir_(assets_dir), assets_(new QLabel), stage1_(new QLineEdit),
      person_(new QLineEdit), steps_(new QSpinBox), batch_(new QSpinBox), lr_(new QDoubleSpinBox),
      device_(new QComboBox), image_size_(new QSpinBox), preview_(new QSpinBox),
      photos_(new QLabel), estimate_(new QLabel), usable_(usable_photos) {
  setObjectName(QStringLiteral("personalizeDialog"));
  setWindowTitle(tr("Personalize"));
  assets_->setObjectName(QStringLiteral("assetsReport"));
  assets_->setWordWrap(true);
  assets_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  stage1_->setObjectName(QStringLiteral("stage1Path"));
  stage1_->setText(QString::fromStdString((assets_dir / "stage1.pt").string()));
  auto* browse = new QPushButton(tr("Choose…"));
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString file = QFileDialog::getOpenFileName(this, tr("Stage 1 checkpoint"),
                                                      stage1_->text(), tr("Checkpoints (*.pt)"));
    if (!file.isEmpty())
      stage1_->setText(file);
  });
  auto* choose_assets = new QPushButton(tr("Model files folder…"));
  choose_assets->setObjectName(QStringLiteral("chooseAssets"));
  connect(choose_assets, &QPushButton::clicked, this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Folder with the DECA/FLAME files"), QString::fromStdString(assets_dir_.string()));
    if (folder.isEmpty())
      return;
    const bool stage1_default =
        stage1_->text() == QString::fromStdString((assets_dir_ / "stage1.pt").string());
    assets_dir_ = folder.toStdString();
    assets_changed_ = true;
    if (stage1_default)
      stage1_->setText(QString::fromStdString((assets_dir_ / "stage1.pt").string()));
    validate();
  });
  person_->setObjectName(QStringLiteral("personName"));
  steps_->setObjectName(QStringLiteral("steps"));
  batch_->setObjectName(QStringLiteral("batch"));
  image_size_->setObjectName(QStringLiteral("imageSize"));
  person_->setText(QStringLiteral("default"));
  person_->setToolTip(tr("One personal model per person; photos assigned to this person (Album → "
                         "Assign to Person) train it, unassigned photos train \"default\""));
  auto* stage1_row = new QHBoxLayout;
  stage1_row->addWidget(stage1_, 1);
  stage1_row->addWidget(browse);

  steps_->setRange(1, 1000000);
  steps_->setValue(5000);
  batch_->setRange(1, 256);
  batch_->setValue(4);
  lr_->setDecimals(7);
  lr_->setRange(1e-7, 1e-2);
  lr_->setSingleStep(1e-6);
  lr_->setValue(1e-5);
  device_->addItems({QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")});
  image_size_->setRange(8, 1024);
  image_size_->setValue(256);
  image_size_->setToolTip(tr("The Stage 1 model's image size (the paper's models: 256)"));
  preview_->setRange(0, 1000000);
  preview_->setValue(500);
  preview_->setToolTip(tr("Every this many steps, sample the first photos (0 = never)"));

  auto* advanced = new QGroupBox(tr("Advanced (the paper's defaults)"));
  auto* form = new QFormLayout(advanced);
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Batch size"), batch_);
  form->addRow(tr("Learning rate"), lr_);
  form->addRow(tr("Device"), device_);
  form->addRow(tr("Image size"), image_size_);
  form->addRow(tr("Preview every"), preview_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  // A long list scrolls instead of being cut off or pushing the buttons away.
  auto* problems = new QScrollArea;
  problems->setWidget(assets_);
  problems->setWidgetResizable(true);
  problems->setFrameShape(QFrame::NoFrame);
  problems->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  problems->setMinimumHeight(150);
  problems->setMaximumHeight(240);
  layout->addWidget(problems);
  layout->addWidget(choose_assets, 0, Qt::AlignLeft);
  auto* person_row = new QFormLayout;
  person_row->addRow(tr("Person"), person_);
  layout->addLayout(person_row);
  layout->addWidget(new QLabel(tr("Stage 1 checkpoint (the generic model from the authors)")));
  layout->addLayout(stage1_row);
  layout->addWidget(photos_);
  layout->addWidget(advanced);
  estimate_->setObjectName(QStringLiteral("timeEstimate"));
  estimate_->setWordWrap(true);
  layout->addWidget(estimate_);
  layout->addWidget(buttons);
  connect(stage1_, &QLineEdit::textChanged, this, &PersonalizeDialog::validate);
  connect(person_, &QLineEdit::textChanged, this, &PersonalizeDialog::validate);
  for (QSpinBox* s : {steps_, batch_, image_size_, preview_})
    connect(s, &QSpinBox::valueChanged, this, &PersonalizeDialog::validate);
  connect(lr_, &QDoubleSpinBox::valueChanged, this, &PersonalizeDialog::validate);
  connect(device_, &QComboBox::currentTextChanged, this, &PersonalizeDialog::validate);
  for (QSpinBox* s : {steps_, batch_, image_size_})
    connect(s, &QSpinBox::valueChanged, this, &PersonalizeDialog::updateEstimate);
  connect(device_, &QComboBox::currentTextChanged, this, &PersonalizeDialog::updateEstimate);
  validate();
  updateEstimate();
}

void PersonalizeDialog::validate() {
  const AssetReport report = validate_assets(assets_dir_);
  QStringList problems;
  for (const std::string& p : report.problems())
    problems << QString::fromStdString(p);
  OptionCheck check;
  options().check(check);
  problems << problem_lines(check);
  assets_->setText(
      problems.isEmpty()
          ? tr("Model files: all present in %1").arg(QString::fromStdString(assets_dir_.string()))
          : tr("Fix these first (Edit → Preferences chooses the folder):\n• %1")
                .arg(problems.join(QStringLiteral("\n• "))));
  photos_->setText(tr("%1 usable photos in the album (batch size %2 needs at least %2)")
                       .arg(usable_)
                       .arg(batch_->value()));
  if (auto* box = findChild<QDialogButtonBox*>())
    box->button(QDialogButtonBox::Ok)->setEnabled(problems.isEmpty() && usable_ >= batch_->value());
}

void PersonalizeDialog::updateEstimate() {
  const QString device = resolved_device_kind(device_->currentText());
  const bool cpu = device == QStringLiteral("cpu");
  const auto seconds =
      remembered_step_seconds(training_rate_key(device, image_size_->value(), batch_->value()));
  if (seconds)
    estimate_->setText(tr("Expected on this machine: %1. Measured by an earlier run; the first "
                          "steps measure it again.")
                           .arg(training_time_text(*seconds, steps_->value(), cpu)));
  else
    estimate_->setText(
        cpu ? tr("Expected time: not measured on this machine yet; the first steps measure it "
                 "and the Jobs panel says it. On a CPU, expect many hours for the paper's "
                 "5000 steps.")
            : tr("Expected time: not measured on this GPU yet; the first steps measure it and "
                 "the Jobs panel says it."));
}

PersonalizeOptions PersonalizeDialog::options() const {
  PersonalizeOptions o;
  o.person =
      person_->text().trimmed().isEmpty() ? QStringLiteral("default") : person_->text().trimmed();
  o.stage1 = stage1_->text().toStdString();
  o.steps = steps_->value();
  o.batch = batch_->value();
  o.lr = lr_->value();
  o.device = device_->currentText();
  o.image_size = image_size_->value();
  o.preview_every = preview_->value();
  return o;
}

} // namespace drig::ui
