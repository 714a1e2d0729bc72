#pragma once

#include <QWidget>

namespace drig::ui {

// The "nothing here yet" placeholder of a panel: a dashed frame with an
// optional drawing, a bold title and a line of guidance, centred and wrapped.
class EmptyState : public QWidget {
  Q_OBJECT

public:
  enum class Glyph { None, Photos };

  EmptyState(const QString& title, const QString& text, Glyph glyph = Glyph::None,
             QWidget* parent = nullptr);

  QString title() const { return title_; }
  QString text() const { return text_; }
  void setTitle(const QString& title);
  void setText(const QString& text);

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  void paintPhotos(QPainter& p, const QRectF& box) const;

  QString title_;
  QString text_;
  Glyph glyph_;
};

} // namespace drig::ui
