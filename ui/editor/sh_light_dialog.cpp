#include "ui/editor/sh_light_dialog.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace drig::ui {

ShLightDialog::ShLightDialog(const std::array<float, 27>& sh, QWidget* parent) : QDialog(parent) {
  setObjectName(QStringLiteral("shLightDialog"));
  setWindowTitle(tr("Light as Spherical Harmonics"));
  auto* grid = new QGridLayout;
  const char* channels[] = {"R", "G", "B"};
  for (int c = 0; c < 3; ++c)
    grid->addWidget(new QLabel(QString::fromLatin1(channels[c])), 0, c + 1, Qt::AlignCenter);
  for (int k = 0; k < 9; ++k) {
    grid->addWidget(new QLabel(tr("Band %1").arg(k)), k + 1, 0);
    for (int c = 0; c < 3; ++c) {
      auto* spin = new QDoubleSpinBox;
      spin->setObjectName(QStringLiteral("sh%1_%2").arg(k).arg(c));
      spin->setRange(-10, 10);
      spin->setDecimals(4);
      spin->setSingleStep(0.01);
      spin->setValue(double(sh[size_t(k * 3 + c)]));
      spins_[size_t(k * 3 + c)] = spin;
      grid->addWidget(spin, k + 1, c + 1);
    }
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(grid);
  layout->addWidget(buttons);
}

std::array<float, 27> ShLightDialog::values() const {
  std::array<float, 27> out{};
  for (size_t i = 0; i < 27; ++i)
    out[i] = float(spins_[i]->value());
  return out;
}

} // namespace drig::ui
