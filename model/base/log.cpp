#include "model/base/log.h"

#include "model/base/error.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace drig {

void setup_logging(Verbosity verbosity) {
  auto logger = spdlog::get("drig");
  if (!logger) {
    logger = spdlog::stderr_color_mt("drig");
    logger->set_pattern("%^[%L]%$ %v");
    spdlog::set_default_logger(logger);
  }
  switch (verbosity) {
  case Verbosity::Quiet:
    spdlog::set_level(spdlog::level::err);
    break;
  case Verbosity::Normal:
    spdlog::set_level(spdlog::level::info);
    break;
  case Verbosity::Verbose:
    spdlog::set_level(spdlog::level::debug);
    break;
  }
}

Verbosity parse_verbosity(const std::string& text) {
  if (text == "quiet")
    return Verbosity::Quiet;
  if (text == "normal")
    return Verbosity::Normal;
  if (text == "verbose")
    return Verbosity::Verbose;
  fail("unknown verbosity '{}' (expected quiet, normal or verbose)", text);
}

} // namespace drig
