#pragma once

#include <QWidget>

class QButtonGroup;
class QComboBox;
class QLabel;
class QStackedWidget;

namespace drig::ui {

class BufferPreview;
class CompareView;
class ImagePane;

// The central widget. Buffers: the physical buffers of the edited rig,
// re-rendered live as sliders move (OpenGL; a CPU-rendered image where the
// display has no OpenGL 3.3). Split / Side by side: the portrait before and
// after generation (CompareView). A line of guidance while nothing is
// selected.
class EditorCanvas : public QWidget {
  Q_OBJECT

public:
  enum class Mode { Buffers, Split, SideBySide };

  explicit EditorCanvas(QWidget* parent = nullptr);

  // Null where the display cannot host OpenGL (see BufferPreview::supported).
  BufferPreview* bufferPreview() const { return preview_; }
  ImagePane* bufferImage() const { return buffer_image_; } // the CPU fallback
  CompareView* compareView() const { return compare_; }
  QComboBox* bufferViewCombo() const { return view_combo_; }
  QLabel* hintLabel() const { return hint_; }
  QLabel* infoLabel() const { return info_; } // frame time, render backend

  Mode mode() const;
  void setMode(Mode mode);

  // Before (the aligned photo) and after (the generated portrait; the photo
  // until there is one).
  void showPortrait(const QImage& before, const QImage& after = {});
  void setAfterImage(const QImage& after);
  // The CPU-rendered buffers, shown when there is no OpenGL view.
  void setBufferImage(const QImage& image);
  void clear();
  bool hasPortrait() const;

Q_SIGNALS:
  void modeChanged(Mode mode);

private:
  BufferPreview* preview_ = nullptr;
  ImagePane* buffer_image_;
  CompareView* compare_;
  QStackedWidget* stack_;
  QButtonGroup* modes_;
  QComboBox* view_combo_;
  QLabel* hint_;
  QLabel* info_;
};

} // namespace drig::ui
