#include "ui/training_chart.h"

#include <QChart>
#include <QGraphicsLayout>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>

namespace drig::ui {

namespace {
constexpr double kInitialSteps = 1000;
constexpr double kInitialLoss = 0.1;
} // namespace

TrainingChart::TrainingChart(QWidget* parent)
    : QChartView(parent), series_(new QLineSeries), step_axis_(new QValueAxis),
      loss_axis_(new QValueAxis) {
  setObjectName(QStringLiteral("trainingChart"));
  series_->setName(tr("loss"));
  auto* chart = new QChart;
  chart->addSeries(series_);
  step_axis_->setTitleText(tr("step"));
  step_axis_->setLabelFormat(QStringLiteral("%d"));
  step_axis_->setRange(0, kInitialSteps);
  loss_axis_->setTitleText(tr("loss"));
  loss_axis_->setLabelFormat(QStringLiteral("%.3f"));
  loss_axis_->setRange(0, kInitialLoss);
  chart->addAxis(step_axis_, Qt::AlignBottom);
  chart->addAxis(loss_axis_, Qt::AlignLeft);
  series_->attachAxis(step_axis_);
  series_->attachAxis(loss_axis_);
  chart->legend()->hide();
  chart->setMargins(QMargins(4, 4, 4, 4));
  chart->layout()->setContentsMargins(0, 0, 0, 0);
  chart->setBackgroundRoundness(0);
  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
  setMinimumHeight(120);
}

void TrainingChart::addPoint(double step, double loss) {
  series_->append(step, loss);
  if (step > step_axis_->max())
    step_axis_->setMax(std::max(step, step_axis_->max() * 2));
  if (loss > loss_axis_->max())
    loss_axis_->setMax(loss * 1.1);
}

void TrainingChart::clear() {
  series_->clear();
  step_axis_->setRange(0, kInitialSteps);
  loss_axis_->setRange(0, kInitialLoss);
}

} // namespace drig::ui
