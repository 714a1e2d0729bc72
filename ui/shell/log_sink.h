#pragma once

#include <spdlog/sinks/base_sink.h>

#include <QString>

#include <functional>
#include <memory>
#include <mutex>

class QObject;

namespace drig::ui {

// An spdlog sink that hands each message to `receiver` on its own (GUI)
// thread, so any thread may log. Call detach() before the receiver dies.
class LogSink : public spdlog::sinks::base_sink<std::mutex> {
public:
  using Deliver = std::function<void(spdlog::level::level_enum, const QString&)>;
  LogSink(QObject* receiver, Deliver deliver);

  // After this the sink drops messages; blocks while one is being handed over.
  void detach();

  // Adds a sink for `receiver` to the default logger (call on the GUI thread
  // before worker threads log).
  static std::shared_ptr<LogSink> install(QObject* receiver, Deliver deliver);

protected:
  void sink_it_(const spdlog::details::log_msg& message) override;
  void flush_() override {}

private:
  QObject* receiver_; // guarded by base_sink::mutex_
  Deliver deliver_;
};

} // namespace drig::ui
