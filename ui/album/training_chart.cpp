#include "ui/album/training_chart.h"

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
    : QChartView(parent), series_(new QLineSeries), smoothed_(new QLineSeries),
      step_axis_(new QValueAxis), loss_axis_(new QValueAxis) {
  setObjectName(QStringLiteral("trainingChart"));
  series_->setName(tr("loss"));
  smoothed_->setName(tr("smoothed"));
  series_->setColor(QColor(0x90, 0xb8, 0xe0));
  smoothed_->setColor(QColor(0x1f, 0x5f, 0xb0));
  auto* chart = new QChart;
  chart->addSeries(series_);
  chart->addSeries(smoothed_);
  step_axis_->setTitleText(tr("step"));
  step_axis_->setLabelFormat(QStringLiteral("%d"));
  step_axis_->setRange(0, kInitialSteps);
  loss_axis_->setTitleText(tr("loss"));
  loss_axis_->setLabelFormat(QStringLiteral("%.3f"));
  loss_axis_->setRange(0, kInitialLoss);
  chart->addAxis(step_axis_, Qt::AlignBottom);
  chart->addAxis(loss_axis_, Qt::AlignLeft);
  for (QLineSeries* s : {series_, smoothed_}) {
    s->attachAxis(step_axis_);
    s->attachAxis(loss_axis_);
  }
  chart->legend()->setAlignment(Qt::AlignTop);
  chart->setMargins(QMargins(4, 4, 4, 4));
  chart->layout()->setContentsMargins(0, 0, 0, 0);
  chart->setBackgroundRoundness(0);
  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
  setMinimumHeight(120);
}

void TrainingChart::addPoint(double step, double loss) {
  average_ = series_->count() == 0 ? loss : 0.9 * average_ + 0.1 * loss;
  series_->append(step, loss);
  smoothed_->append(step, average_);
  if (step > step_axis_->max())
    step_axis_->setMax(std::max(step, step_axis_->max() * 2));
  if (loss > loss_axis_->max())
    loss_axis_->setMax(loss * 1.1);
}

void TrainingChart::clear() {
  series_->clear();
  smoothed_->clear();
  average_ = 0;
  step_axis_->setRange(0, kInitialSteps);
  loss_axis_->setRange(0, kInitialLoss);
}

} // namespace drig::ui
