#pragma once

#include <QIcon>

class QPainter;
class QRectF;

namespace drig::ui {

// Path of the icon in the resources (resources/icons/diffusionrig-studio.svg).
inline constexpr const char* kAppIconResource = ":/icons/diffusionrig-studio.svg";

// The application icon: the SVG when Qt can read SVG (the qt6-svg plugin is
// installed), otherwise the same drawing painted at the usual icon sizes.
QIcon app_icon();

// Paints the icon's drawing (a face outline lit by a ray of light) into `rect`.
void paint_app_icon(QPainter& painter, const QRectF& rect);

} // namespace drig::ui
