#pragma once

// How long Personalize will take on this machine: the seconds per training
// step measured by the last run with the same device, image size and batch
// (remembered in QSettings), and the sentence the dialog and the job show.
#include <QString>

#include <optional>

namespace drig::ui {

// "cpu" or "cuda" for a device setting ("auto" resolved on this machine).
QString resolved_device_kind(const QString& device);

// "cpu|256|4": what a measured step time depends on.
QString training_rate_key(const QString& device, int image_size, int batch);
std::optional<double> remembered_step_seconds(const QString& key);
void remember_step_seconds(const QString& key, double seconds);

// "about 14 h for 5000 steps" and, on a CPU past two hours, a plain warning
// that this is many hours and what to do about it.
QString training_time_text(double seconds_per_step, int steps, bool on_cpu);

} // namespace drig::ui
