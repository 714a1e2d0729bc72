// Reading a large torch.save checkpoint: our reader against Python's
// torch.load on the same file, in the same run.
//   bench_checkpoint_io [--size-mb N] [--dir DIR] [--python /usr/bin/python3]
#include "model/base/error.h"
#include "model/formats/torch_checkpoint.h"
#include "model/formats/torch_writer.h"

#include <torch/torch.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A state_dict shaped like a UNet's: many conv kernels and small vectors.
drig::formats::NamedTensors generate_state_dict(int64_t target_bytes) {
  drig::formats::NamedTensors tensors;
  int64_t bytes = 0;
  for (int i = 0; bytes < target_bytes; ++i) {
    const int64_t channels = 64 << (i % 4);
    at::Tensor w = torch::randn({channels, channels, 3, 3});
    at::Tensor b = torch::randn({channels});
    bytes += w.nbytes() + b.nbytes();
    tensors.emplace_back(fmt::format("blocks.{}.conv.weight", i), w);
    tensors.emplace_back(fmt::format("blocks.{}.conv.bias", i), b);
  }
  return tensors;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs `fn` in a child process so its peak RSS is its own; returns (seconds, peak MiB).
template <typename F>
std::pair<double, double> measure_in_child(F&& fn) {
  int pipe_fd[2];
  if (::pipe(pipe_fd) != 0)
    drig::fail("pipe failed");
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fd[0]);
    const auto start = Clock::now();
    fn();
    const double elapsed = seconds_since(start);
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const double result[2] = {elapsed, double(usage.ru_maxrss) / 1024.0};
    (void)!::write(pipe_fd[1], result, sizeof(result));
    ::_exit(0);
  }
  ::close(pipe_fd[1]);
  double result[2] = {0, 0};
  (void)!::read(pipe_fd[0], result, sizeof(result));
  ::close(pipe_fd[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return {result[0], result[1]};
}

void drop_page_cache_hint(const fs::path& file) {
  // Both readers get the file from the page cache: read it once up front.
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())))
    ;
}

} // namespace

int main(int argc, char** argv) {
  int64_t size_mb = 500;
  fs::path dir = fs::temp_directory_path();
  std::string python = "/usr/bin/python3";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--size-mb")
      size_mb = std::stoll(argv[i + 1]);
    else if (flag == "--dir")
      dir = argv[i + 1];
    else if (flag == "--python")
      python = argv[i + 1];
  }
  at::set_num_threads(1);
  const fs::path file = dir / fmt::format("bench_checkpoint_{}mb.pt", size_mb);
  if (!fs::exists(file)) // in a child, so the generator's memory does not count below
    measure_in_child(
        [&] { drig::formats::save_state_dict(file, generate_state_dict(size_mb << 20)); });
  const double file_mb = double(fs::file_size(file)) / double(1 << 20);
  drop_page_cache_hint(file);

  const auto [load_s, load_peak] = measure_in_child([&] {
    const auto ckpt = drig::formats::load_torch_checkpoint(file);
    std::fprintf(stderr, "%zu tensors\n",
                 drig::formats::state_dict_tensors(*ckpt.root, "bench").size());
  });
  const auto [touch_s, touch_peak] = measure_in_child([&] {
    const auto ckpt = drig::formats::load_torch_checkpoint(file);
    double total = 0;
    for (const auto& [name, t] : drig::formats::state_dict_tensors(*ckpt.root, "bench"))
      total += t.sum().item<double>(); // reads every byte, as torch.load does
    std::fprintf(stderr, "checksum %g\n", total);
  });

  double python_s = -1, python_peak = -1;
  const std::string command =
      python +
      " -c \"import resource,sys,time,torch; torch.set_num_threads(1); "
      "t=time.perf_counter(); sd=torch.load(sys.argv[1]); e=time.perf_counter()-t; "
      "print(e, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)\" '" +
      file.string() + "' 2>/dev/null";
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    if (std::fscanf(pipe, "%lf %lf", &python_s, &python_peak) != 2)
      python_s = -1;
    ::pclose(pipe);
  }

  fmt::print("checkpoint {:.0f} MiB ({})\n", file_mb, file.string());
  fmt::print("{:<34}{:>10}{:>14}{:>14}\n", "reader", "seconds", "peak MiB", "peak/file");
  const auto row = [&](const char* name, double s, double peak) {
    fmt::print("{:<34}{:>10.3f}{:>14.0f}{:>14.2f}\n", name, s, peak, peak / file_mb);
  };
  row("ours: load (zero-copy mmap)", load_s, load_peak);
  row("ours: load + read every tensor", touch_s, touch_peak);
  if (python_s > 0) {
    row("python torch.load", python_s, python_peak);
    fmt::print("ratio ours/python: load {:.3f}x, load+read {:.3f}x\n", load_s / python_s,
               touch_s / python_s);
  } else {
    fmt::print("python torch.load: not measured ({} has no torch)\n", python);
  }
  return 0;
}
