#pragma once

#include <QImage>
#include <QWidget>

#include <array>
#include <optional>

namespace drig::ui {

// The key light's direction as a point on a lit sphere: drag the light dot
// (the front half of the sphere, where a photographer puts lights); the
// sphere is shaded as the face would be, so the choice reads at a glance.
// Azimuth 0 = from the camera, +90 = from the image's right; elevation +90 =
// from above (render/light_rig.h).
class LightSphere : public QWidget {
  Q_OBJECT

public:
  explicit LightSphere(QWidget* parent = nullptr);

  double azimuth() const { return azimuth_; }
  double elevation() const { return elevation_; }
  // Where the dot for a direction is drawn (widget coordinates); tests drag it.
  QPointF pointFor(double azimuth_deg, double elevation_deg) const;

  QSize sizeHint() const override { return {120, 120}; }
  QSize minimumSizeHint() const override { return {80, 80}; }

public Q_SLOTS:
  void setDirection(double azimuth_deg, double elevation_deg); // no signal
  // A whole SH light (from a panorama, a background or typed numbers):
  // the sphere shows its shading as the renderer computes it, so the
  // environment reads at a glance; nullopt: the dot's light, as before.
  void setShading(const std::optional<std::array<float, 27>>& sh);

Q_SIGNALS:
  // Emitted while the user drags.
  void directionChanged(double azimuth_deg, double elevation_deg);

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

private:
  QRectF disc() const;
  void pick(const QPointF& pos);

  double azimuth_ = 0, elevation_ = 0;
  std::optional<std::array<float, 27>> sh_;
  QImage shaded_; // sh_'s shading of the disc, made when it changes
};

} // namespace drig::ui
