#include "ui/shell/log_sink.h"

#include <QMetaObject>
#include <QObject>

#include <spdlog/spdlog.h>

namespace drig::ui {

LogSink::LogSink(QObject* receiver, Deliver deliver)
    : receiver_(receiver), deliver_(std::move(deliver)) {}

void LogSink::detach() {
  const std::lock_guard<std::mutex> lock(mutex_);
  receiver_ = nullptr;
}

std::shared_ptr<LogSink> LogSink::install(QObject* receiver, Deliver deliver) {
  auto sink = std::make_shared<LogSink>(receiver, std::move(deliver));
  spdlog::default_logger()->sinks().push_back(sink);
  return sink;
}

void LogSink::sink_it_(const spdlog::details::log_msg& message) {
  if (receiver_ == nullptr)
    return;
  const QString text =
      QString::fromUtf8(message.payload.data(), static_cast<qsizetype>(message.payload.size()));
  // Queued: posting is thread-safe, and detach() (under the same mutex) runs
  // before the receiver is destroyed, which also discards undelivered events.
  QMetaObject::invokeMethod(
      receiver_, [deliver = deliver_, level = message.level, text] { deliver(level, text); },
      Qt::QueuedConnection);
}

} // namespace drig::ui
