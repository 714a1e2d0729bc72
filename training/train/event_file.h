#pragma once

// TensorBoard event files (events.out.tfevents.*) written directly: a
// TFRecord stream of Event protocol buffers with scalar summaries, so
// `tensorboard --logdir LOG_DIR` shows the training curves without
// TensorFlow or Python in the app.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace drig::training {

// CRC-32C (Castagnoli), as TFRecord frames use it.
uint32_t crc32c(std::string_view bytes);

class EventFileWriter {
public:
  // Creates LOG_DIR/events.out.tfevents.<seconds>.<host> and writes the
  // file_version record; Error naming the file when it cannot be created.
  explicit EventFileWriter(const std::filesystem::path& log_dir);
  void add_scalar(const std::string& tag, double value, int64_t step, double wall_time);
  void flush();
  const std::filesystem::path& path() const { return path_; }

private:
  void write_record(const std::string& event);
  std::filesystem::path path_;
  std::ofstream out_;
};

} // namespace drig::training
