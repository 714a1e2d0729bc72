#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace drig {

// Collects every problem with a set of options so a user sees all of them at
// once, each naming the option and the bad value (COLMAP's Check() idiom).
class OptionCheck {
public:
  // Records `message` when `ok` is false; returns ok.
  bool require(bool ok, std::string message);
  // Runs `parse` (a device or renderer spelling) and records the Error it
  // throws, after `prefix`; returns whether it parsed.
  bool require_parses(const std::function<void()>& parse, const std::string& prefix = {});
  // Records "<path>: no such file or folder" for each input that is absent.
  void require_existing(const std::vector<std::filesystem::path>& inputs);
  bool ok() const { return problems_.empty(); }
  const std::vector<std::string>& problems() const { return problems_; }
  // Throws Error listing every problem, prefixed by `what`.
  void throw_if_failed(const std::string& what) const;

private:
  std::vector<std::string> problems_;
};

// Which compute device a job runs on: auto (CUDA when present), cpu, cuda[:N].
struct DeviceSpec {
  enum class Kind { Auto, Cpu, Cuda } kind = Kind::Auto;
  int index = -1; // CUDA ordinal; -1 = current/default

  static DeviceSpec parse(const std::string& text); // throws Error
  std::string to_string() const;
  bool operator==(const DeviceSpec&) const = default;
};

// Options every command shares (CLI flags, GUI preferences).
struct GlobalOptions {
  int threads = 0; // 0 = every core
  std::string device = "auto";
  std::string verbosity = "normal";
  std::optional<std::filesystem::path> assets_dir; // unset = DIFFUSIONRIG_ASSETS or default

  void check(OptionCheck& check) const;
};

} // namespace drig
