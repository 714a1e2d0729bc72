#pragma once

#include <QWidget>

class QLabel;
class QSplitter;

namespace drig::ui {

class ImagePane;

// The central widget: the selected portrait before and after the edit, side
// by side, with a line of guidance while nothing is selected.
class EditorCanvas : public QWidget {
  Q_OBJECT

public:
  explicit EditorCanvas(QWidget* parent = nullptr);

  ImagePane* beforePane() const { return before_; }
  ImagePane* afterPane() const { return after_; }
  QLabel* hintLabel() const { return hint_; }

  // Shows `before` (the photo) and `after` (the edit; the photo when null).
  void showPortrait(const QImage& before, const QImage& after = {});
  void setAfterImage(const QImage& after);
  void clear();
  bool hasPortrait() const;

private:
  ImagePane* before_;
  ImagePane* after_;
  QSplitter* splitter_;
  QLabel* hint_;
};

} // namespace drig::ui
