#pragma once

#include <QDialog>

#include <array>

class QDoubleSpinBox;

namespace drig::ui {

// Lighting → SH…: the light's 27 spherical-harmonics numbers (9 bands x
// R,G,B, DECA's order), for users who think in SH or paste from a fit.
class ShLightDialog : public QDialog {
  Q_OBJECT

public:
  ShLightDialog(const std::array<float, 27>& sh, QWidget* parent = nullptr);
  std::array<float, 27> values() const;

private:
  std::array<QDoubleSpinBox*, 27> spins_{};
};

} // namespace drig::ui
