#include "model/base/options.h"

#include "model/base/error.h"

#include <fmt/format.h>

#include <charconv>

namespace drig {

bool OptionCheck::require(bool ok, std::string message) {
  if (!ok)
    problems_.push_back(std::move(message));
  return ok;
}

bool OptionCheck::require_parses(const std::function<void()>& parse, const std::string& prefix) {
  try {
    parse();
    return true;
  } catch (const Error& e) {
    return require(false, prefix + e.what());
  }
}

void OptionCheck::require_existing(const std::vector<std::filesystem::path>& inputs) {
  std::error_code ec;
  for (const std::filesystem::path& input : inputs)
    require(std::filesystem::exists(input, ec),
            fmt::format("{}: no such file or folder", input.string()));
}

void OptionCheck::throw_if_failed(const std::string& what) const {
  if (ok())
    return;
  std::string text = what + ":";
  for (const auto& problem : problems_)
    text += "\n  - " + problem;
  throw Error(text);
}

DeviceSpec DeviceSpec::parse(const std::string& text) {
  if (text == "auto")
    return {Kind::Auto, -1};
  if (text == "cpu")
    return {Kind::Cpu, -1};
  if (text == "cuda")
    return {Kind::Cuda, -1};
  if (text.rfind("cuda:", 0) == 0) {
    const std::string digits = text.substr(5);
    int index = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() && index >= 0)
      return {Kind::Cuda, index};
  }
  fail("invalid device '{}' (expected auto, cpu, cuda or cuda:N)", text);
}

std::string DeviceSpec::to_string() const {
  switch (kind) {
  case Kind::Auto:
    return "auto";
  case Kind::Cpu:
    return "cpu";
  case Kind::Cuda:
    return index >= 0 ? fmt::format("cuda:{}", index) : "cuda";
  }
  return "auto";
}

void GlobalOptions::check(OptionCheck& check) const {
  check.require(threads >= 0 && threads <= 1024,
                fmt::format("--threads must be between 0 (all cores) and 1024, got {}", threads));
  check.require_parses([&] { DeviceSpec::parse(device); }, "--device: ");
  check.require(verbosity == "quiet" || verbosity == "normal" || verbosity == "verbose",
                fmt::format("verbosity must be quiet, normal or verbose, got '{}'", verbosity));
  if (assets_dir) {
    std::error_code ec;
    check.require(!std::filesystem::exists(*assets_dir, ec) ||
                      std::filesystem::is_directory(*assets_dir, ec),
                  fmt::format("--assets {} is not a folder", assets_dir->string()));
  }
}

} // namespace drig
