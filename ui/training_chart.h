#pragma once

#include <QChartView>

class QLineSeries;
class QValueAxis;

namespace drig::ui {

// The personalization loss curve: loss against training step.
class TrainingChart : public QChartView {
  Q_OBJECT

public:
  explicit TrainingChart(QWidget* parent = nullptr);

  QLineSeries* series() const { return series_; }
  QValueAxis* stepAxis() const { return step_axis_; }
  QValueAxis* lossAxis() const { return loss_axis_; }

  // Appends one point, growing the axes to keep every point in view.
  void addPoint(double step, double loss);
  void clear();

private:
  QLineSeries* series_;
  QValueAxis* step_axis_;
  QValueAxis* loss_axis_;
};

} // namespace drig::ui
