#pragma once

#include <QImage>
#include <QWidget>

namespace drig::ui {

// One side of the before/after view: a titled, dark frame showing an image
// scaled to fit, or a faint face placeholder with a caption when empty.
class ImagePane : public QWidget {
  Q_OBJECT

public:
  ImagePane(const QString& title, const QString& placeholder, QWidget* parent = nullptr);

  QString title() const { return title_; }
  const QImage& image() const { return image_; }
  void setImage(const QImage& image);
  void clear();

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  void paintPlaceholder(QPainter& p, const QRectF& area) const;

  QString title_;
  QString placeholder_;
  QImage image_;
};

} // namespace drig::ui
