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
  QLineSeries* smoothedSeries() const { return smoothed_; }
  QValueAxis* stepAxis() const { return step_axis_; }
  QValueAxis* lossAxis() const { return loss_axis_; }

  // Appends one point (and its exponential moving average to the smoothed
  // curve), growing the axes to keep every point in view.
  void addPoint(double step, double loss);
  void clear();

private:
  QLineSeries* series_;
  QLineSeries* smoothed_;
  double average_ = 0;
  QValueAxis* step_axis_;
  QValueAxis* loss_axis_;
};

} // namespace drig::ui
