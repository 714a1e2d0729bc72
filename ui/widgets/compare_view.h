#pragma once

#include <QImage>
#include <QPointF>
#include <QWidget>

namespace drig::ui {

// Before/after of one portrait, as photographers compare: a split line
// dragged across one image (before left, after right), or the two side by
// side. Both halves share one zoom and pan, so they stay aligned pixel for
// pixel. Mouse wheel zooms about the cursor, dragging pans, `1` (or a double
// click) toggles fit / 1:1, `\` toggles between before and after.
class CompareView : public QWidget {
  Q_OBJECT

public:
  enum class Mode { Split, SideBySide };

  explicit CompareView(QWidget* parent = nullptr);

  void setImages(const QImage& before, const QImage& after);
  void setAfter(const QImage& after);
  const QImage& before() const { return before_; }
  const QImage& after() const { return after_; }

  Mode mode() const { return mode_; }
  void setMode(Mode mode);
  // 0..1 of the image width where the split line is.
  double splitPosition() const { return split_; }
  void setSplitPosition(double position);
  // Screen pixels per image pixel (1 = 1:1); 0 = fit to the view.
  double zoom() const { return zoom_; }
  void setZoom(double zoom);
  void fit() { setZoom(0); }
  void actualPixels() { setZoom(1); }
  bool showingBefore() const { return show_before_; }
  void setShowBefore(bool before);

  // Where one image's pixel (0,0) lands and how big a pixel is on screen,
  // for the left (or only) image: tests and synchronised views use it.
  QRectF imageRect(int index = 0) const;

  QSize sizeHint() const override { return {640, 480}; }

Q_SIGNALS:
  void modeChanged(Mode mode);
  void zoomChanged(double zoom);

protected:
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

private:
  QRectF pane(int index) const; // the screen area of image `index`
  double scale() const;         // screen pixels per image pixel
  bool nearSplit(const QPointF& pos) const;

  QImage before_, after_;
  Mode mode_ = Mode::Split;
  double split_ = 0.5;
  double zoom_ = 0;
  QPointF centre_{0.5, 0.5}; // image point (0..1) at the centre of each pane
  bool show_before_ = false;
  enum class Drag { None, Split, Pan } drag_ = Drag::None;
  QPointF last_;
};

} // namespace drig::ui
