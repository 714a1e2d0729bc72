#include "ui/editor/control_group.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace drig::ui {

ControlGroup::ControlGroup(const QString& title, const QString& object_name, QWidget* parent)
    : QGroupBox(title, parent), grid_(new QGridLayout), buttons_(new QHBoxLayout),
      reset_(new QPushButton(tr("Reset"))) {
  setObjectName(object_name);
  reset_->setObjectName(object_name + QStringLiteral("Reset"));
  reset_->setToolTip(tr("Set every %1 control back to its default").arg(title.toLower()));
  grid_->setColumnStretch(1, 1);
  grid_->setHorizontalSpacing(8);
  grid_->setVerticalSpacing(6);

  buttons_->addStretch(1);
  buttons_->addWidget(reset_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 8, 10, 8);
  layout->addLayout(grid_);
  layout->addLayout(buttons_);
  connect(reset_, &QPushButton::clicked, this, [this] {
    Q_EMIT resetRequested();
    reset();
  });
}

void ControlGroup::addControl(const QString& key, const QString& label, int minimum, int maximum,
                              int default_value, const QString& suffix, const QString& tooltip) {
  auto* name = new QLabel(label);
  auto* slider = new QSlider(Qt::Horizontal);
  auto* spin = new QSpinBox;
  const QString base =
      objectName().endsWith(QStringLiteral("Group")) ? objectName().chopped(5) : objectName();
  const QString id = base + key.left(1).toUpper() + key.mid(1);
  slider->setObjectName(id);
  spin->setObjectName(id + QStringLiteral("Spin"));
  slider->setRange(minimum, maximum);
  spin->setRange(minimum, maximum);
  slider->setValue(default_value);
  spin->setValue(default_value);
  spin->setSuffix(suffix);
  spin->setAlignment(Qt::AlignRight);
  spin->setMinimumWidth(spin->fontMetrics().horizontalAdvance(QStringLiteral("-180°")) + 36);
  slider->setPageStep(std::max(1, (maximum - minimum) / 10));
  name->setBuddy(spin);
  for (QWidget* widget :
       {static_cast<QWidget*>(name), static_cast<QWidget*>(slider), static_cast<QWidget*>(spin)})
    widget->setToolTip(tooltip);

  const int row = grid_->rowCount();
  grid_->addWidget(name, row, 0);
  grid_->addWidget(slider, row, 1);
  grid_->addWidget(spin, row, 2);

  connect(slider, &QSlider::valueChanged, spin, &QSpinBox::setValue);
  connect(spin, &QSpinBox::valueChanged, slider, &QSlider::setValue);
  connect(slider, &QSlider::valueChanged, this, &ControlGroup::valuesChanged);
  slider->setMinimumWidth(100);
  controls_.insert(key, Control{name, slider, spin, default_value});
  order_ << key;
}

void ControlGroup::addWidget(QWidget* widget) {
  grid_->addWidget(widget, grid_->rowCount(), 0, 1, 3);
}

void ControlGroup::addButton(QPushButton* button) {
  buttons_->insertWidget(buttons_->count() - 1, button);
}

void ControlGroup::setValue(const QString& key, int value) {
  const auto it = controls_.constFind(key);
  if (it == controls_.constEnd())
    return;
  const QSignalBlocker block_slider(it->slider);
  const QSignalBlocker block_spin(it->spin);
  it->slider->setValue(value);
  it->spin->setValue(value);
}

void ControlGroup::setDefault(const QString& key, int value) {
  if (auto it = controls_.find(key); it != controls_.end())
    it->default_value = value;
}

int ControlGroup::labelWidthHint() const {
  int width = 0;
  for (const Control& control : controls_)
    width = std::max(width, control.label->sizeHint().width());
  return width;
}

void ControlGroup::setLabelWidth(int width) {
  grid_->setColumnMinimumWidth(0, width);
}

QSlider* ControlGroup::slider(const QString& key) const {
  return controls_.value(key).slider;
}

QSpinBox* ControlGroup::spinBox(const QString& key) const {
  return controls_.value(key).spin;
}

QMap<QString, int> ControlGroup::values() const {
  QMap<QString, int> out;
  for (auto it = controls_.begin(); it != controls_.end(); ++it)
    out.insert(it.key(), it->slider->value());
  return out;
}

void ControlGroup::reset() {
  bool changed = false;
  for (const Control& control : controls_) {
    const QSignalBlocker block_slider(control.slider);
    const QSignalBlocker block_spin(control.spin);
    changed = changed || control.slider->value() != control.default_value;
    control.slider->setValue(control.default_value);
    control.spin->setValue(control.default_value);
  }
  if (changed)
    Q_EMIT valuesChanged();
}

} // namespace drig::ui
