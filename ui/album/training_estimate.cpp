#include "ui/album/training_estimate.h"

#include "model/device.h"

#include <QCoreApplication>
#include <QSettings>

namespace drig::ui {

namespace {
QString tr(const char* text) {
  return QCoreApplication::translate("TrainingEstimate", text);
}

// Rounded the way people say durations: "3 days", "14 h", "25 min".
QString spoken_duration(double seconds) {
  if (seconds >= 2 * 86400.0)
    return tr("%1 days").arg(seconds / 86400.0, 0, 'f', seconds < 10 * 86400.0 ? 1 : 0);
  if (seconds >= 2 * 3600.0)
    return tr("%1 h").arg(qRound(seconds / 3600.0));
  if (seconds >= 120.0)
    return tr("%1 min").arg(qRound(seconds / 60.0));
  return tr("%1 s").arg(qRound(seconds));
}
} // namespace

QString resolved_device_kind(const QString& device) {
  try {
    return resolve_device(DeviceSpec::parse(device.trimmed().toStdString())).is_cuda()
               ? QStringLiteral("cuda")
               : QStringLiteral("cpu");
  } catch (const std::exception&) {
    return QStringLiteral("cpu"); // Personalize itself will say what is wrong
  }
}

QString training_rate_key(const QString& device, int image_size, int batch) {
  return QStringLiteral("%1|%2|%3").arg(device).arg(image_size).arg(batch);
}

std::optional<double> remembered_step_seconds(const QString& key) {
  const QVariant v = QSettings().value(QStringLiteral("training/stepSeconds/") + key);
  bool ok = false;
  const double seconds = v.toDouble(&ok);
  if (!v.isValid() || !ok || seconds <= 0)
    return std::nullopt;
  return seconds;
}

void remember_step_seconds(const QString& key, double seconds) {
  QSettings().setValue(QStringLiteral("training/stepSeconds/") + key, seconds);
}

QString training_time_text(double seconds_per_step, int steps, bool on_cpu) {
  const double total = seconds_per_step * double(steps);
  QString text = tr("about %1 for %2 steps (%3 s per step)")
                     .arg(spoken_duration(total))
                     .arg(steps)
                     .arg(seconds_per_step, 0, 'f', seconds_per_step < 10 ? 2 : 0);
  if (on_cpu && total > 2 * 3600.0)
    text += tr(" — that is many hours on this CPU. A computer with an NVIDIA GPU does it in "
               "minutes; fewer steps finish sooner but learn the person less. Cancel pauses it, "
               "and Personalize continues from the last checkpoint.");
  return text;
}

} // namespace drig::ui
