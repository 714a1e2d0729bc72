#include "ui/editor/export_dialog.h"

#include "model/base/options.h"
#include "ui/widgets/problem_lines.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace drig::ui {

ExportDialog::ExportDialog(int photos, const QString& folder, QWidget* parent)
    : QDialog(parent), photos_(photos), problems_(new QLabel), folder_(new QLineEdit(folder)),
      name_(new QLineEdit(QStringLiteral("{name}_edited"))), format_(new QComboBox),
      quality_(new QSpinBox), depth_(new QComboBox) {
  setObjectName(QStringLiteral("exportDialog"));
  setWindowTitle(tr("Export %n Edited Photo(s)", nullptr, photos));
  folder_->setObjectName(QStringLiteral("exportFolder"));
  name_->setObjectName(QStringLiteral("exportName"));
  name_->setToolTip(tr("{name}: the photo's file name, {n}: its number, {person}: its model"));
  format_->setObjectName(QStringLiteral("exportFormat"));
  format_->addItem(tr("JPEG"), QStringLiteral("jpg"));
  format_->addItem(tr("PNG"), QStringLiteral("png"));
  format_->addItem(tr("TIFF"), QStringLiteral("tif"));
  quality_->setRange(1, 100);
  quality_->setValue(95);
  depth_->addItem(tr("As the source"), 0);
  depth_->addItem(tr("8 bits"), 8);
  depth_->addItem(tr("16 bits (PNG, TIFF)"), 16);
  connect(format_, &QComboBox::currentIndexChanged, this, [this] {
    const bool jpeg = format_->currentData().toString() == QLatin1String("jpg");
    quality_->setEnabled(jpeg);
    depth_->setEnabled(!jpeg);
  });
  depth_->setEnabled(false);

  auto* browse = new QPushButton(tr("Choose…"));
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export to"), folder_->text());
    if (!dir.isEmpty())
      folder_->setText(dir);
  });
  auto* folder_row = new QHBoxLayout;
  folder_row->addWidget(folder_, 1);
  folder_row->addWidget(browse);
  auto* form = new QFormLayout;
  form->addRow(tr("Folder:"), folder_row);
  form->addRow(tr("File name:"), name_);
  form->addRow(tr("Format:"), format_);
  form->addRow(tr("JPEG quality:"), quality_);
  form->addRow(tr("Bit depth:"), depth_);
  auto* note = new QLabel(tr("Each photo keeps its size, EXIF data and colour profile; only "
                             "the face changes. Photos not generated yet are generated first."));
  note->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(note);
  problems_->setObjectName(QStringLiteral("exportProblems"));
  problems_->setWordWrap(true);
  problems_->setStyleSheet(QStringLiteral("color: #c0392b"));
  layout->addWidget(problems_);
  layout->addWidget(buttons);
  connect(folder_, &QLineEdit::textChanged, this, &ExportDialog::validate);
  connect(name_, &QLineEdit::textChanged, this, &ExportDialog::validate);
  connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::validate);
  connect(depth_, &QComboBox::currentIndexChanged, this, &ExportDialog::validate);
  validate();
}

void ExportDialog::validate() {
  OptionCheck check;
  options().check(check, photos_);
  const QStringList lines = problem_lines(check);
  problems_->setText(lines.isEmpty() ? QString()
                                     : QStringLiteral("• ") + lines.join(QStringLiteral("\n• ")));
  problems_->setVisible(!lines.isEmpty());
  if (auto* box = findChild<QDialogButtonBox*>())
    box->button(QDialogButtonBox::Ok)->setEnabled(lines.isEmpty());
}

ExportOptions ExportDialog::options() const {
  ExportOptions o;
  o.folder = folder_->text().trimmed().toStdString();
  o.name_template =
      name_->text().trimmed().isEmpty() ? QStringLiteral("{name}_edited") : name_->text().trimmed();
  o.format = format_->currentData().toString();
  o.quality = quality_->value();
  o.bit_depth = depth_->currentData().toInt();
  return o;
}

} // namespace drig::ui
