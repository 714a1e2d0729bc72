#pragma once

#include <QGroupBox>
#include <QMap>

class QGridLayout;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace drig::ui {

// A titled group of labelled sliders, each paired with a spin box showing its
// value (with a unit), and a Reset button that restores every default.
class ControlGroup : public QGroupBox {
  Q_OBJECT

public:
  ControlGroup(const QString& title, const QString& object_name, QWidget* parent = nullptr);

  // Adds a row; `key` names the slider ("<group><Key>") for tests and state.
  void addControl(const QString& key, const QString& label, int minimum, int maximum,
                  int default_value, const QString& suffix, const QString& tooltip = {});

  // A full-width widget under the sliders added so far (a picker, a sub-group).
  void addWidget(QWidget* widget);
  // A button beside Reset (e.g. "Copy from Photo…").
  void addButton(QPushButton* button);
  // Sets a slider without emitting valuesChanged (the editor showing an edit).
  void setValue(const QString& key, int value);
  // The value Reset returns to (the photo's own, e.g. its fitted light).
  void setDefault(const QString& key, int value);

  QSlider* slider(const QString& key) const;
  QSpinBox* spinBox(const QString& key) const;
  QPushButton* resetButton() const { return reset_; }
  QMap<QString, int> values() const;
  QStringList keys() const { return order_; }

  // Width of the widest label; setLabelWidth() lines groups up with each other.
  int labelWidthHint() const;
  void setLabelWidth(int width);

public Q_SLOTS:
  void reset();

Q_SIGNALS:
  void valuesChanged();
  // The Reset button was pressed (before the sliders move back).
  void resetRequested();

private:
  struct Control {
    QLabel* label = nullptr;
    QSlider* slider = nullptr;
    QSpinBox* spin = nullptr;
    int default_value = 0;
  };

  QGridLayout* grid_;
  QHBoxLayout* buttons_;
  QPushButton* reset_;
  QMap<QString, Control> controls_;
  QStringList order_;
};

} // namespace drig::ui
