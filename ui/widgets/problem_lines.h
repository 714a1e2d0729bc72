#pragma once

#include "model/base/options.h"

#include <QStringList>

namespace drig::ui {

// An options check's problems as text lines, for a dialog's list or a
// status message.
inline QStringList problem_lines(const OptionCheck& check) {
  QStringList lines;
  for (const std::string& problem : check.problems())
    lines << QString::fromStdString(problem);
  return lines;
}

} // namespace drig::ui
