// Times `diffusionrig align` on an album of big JPEGs against the original
// align.py approach (dlib HOG upsampled once on the full image, one photo
// after another) on the same photos, in one run. Without --album it makes an
// album of --photos JPEGs of --megapixels each from ../shared's album photos.
#include "model/base/error.h"
#include "model/base/paths.h"
#include "model/base/thread_pool.h"
#include "training/align/album_job.h"
#include "training/align/dlib_hog.h"
#include "training/align/landmark_predictor.h"
#include "training/ffhq_align/ffhq_align.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// 4:3 (or 3:4) crops of the shared album photos, upscaled to `megapixels`.
std::vector<fs::path> make_album(const fs::path& dir, int photos, double megapixels) {
  const fs::path shared = drig::find_shared_dir(DRIG_SOURCE_DIR);
  DRIG_CHECK(!shared.empty(), "../shared not found: pass --album DIR");
  std::vector<fs::path> sources;
  for (const char* set : {"angelina", "mark", "matt"})
    for (const auto& e : fs::directory_iterator(shared / "testdata/albums" / set))
      sources.push_back(e.path());
  std::sort(sources.begin(), sources.end());
  fs::create_directories(dir);
  std::vector<fs::path> out;
  for (int i = 0; i < photos; ++i) {
    const fs::path dst = dir / fmt::format("photo_{:02}.jpg", i);
    out.push_back(dst);
    if (fs::exists(dst))
      continue;
    const cv::Mat src = cv::imread(sources[size_t(i) % sources.size()].string());
    const bool landscape = src.cols >= src.rows;
    const double aspect = landscape ? 4.0 / 3.0 : 3.0 / 4.0;
    cv::Rect crop(0, 0, src.cols, src.rows);
    if (double(src.cols) / src.rows > aspect)
      crop.width = int(src.rows * aspect), crop.x = (src.cols - crop.width) / 2;
    else
      crop.height = int(src.cols / aspect), crop.y = (src.rows - crop.height) / 2;
    const int w = int(std::sqrt(megapixels * 1e6 * aspect));
    cv::Mat big;
    cv::resize(src(crop), big, cv::Size(w, int(w / aspect)), 0, 0, cv::INTER_CUBIC);
    cv::imwrite(dst.string(), big, {cv::IMWRITE_JPEG_QUALITY, 92});
  }
  return out;
}

// The original: decode, HOG with one upsampling on the full photo, landmarks,
// FFHQ alignment, PNG, one photo after another on one thread.
double time_original(const std::vector<fs::path>& photos, const fs::path& out, int size) {
  drig::align::HogDetector hog;
  const drig::align::LandmarkPredictor predictor(
      drig::align::LandmarkPredictor::default_model_path());
  drig::ffhq::AlignParams params;
  params.output_size = size;
  const auto start = Clock::now();
  for (const fs::path& p : photos) {
    cv::Mat rgb = cv::imread(p.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    cv::cvtColor(rgb, rgb, cv::COLOR_BGR2RGB);
    for (const auto& face : hog.detect(rgb, 1)) {
      const auto aligned = drig::ffhq::align_face(rgb, predictor.predict(rgb, face.box), params);
      if (aligned.image.empty())
        continue;
      cv::Mat bgr;
      cv::cvtColor(aligned.image, bgr, cv::COLOR_RGB2BGR);
      cv::imwrite((out / (p.stem().string() + ".png")).string(), bgr);
      break;
    }
    std::cerr << "." << std::flush;
  }
  std::cerr << "\n";
  return seconds_since(start);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Album alignment benchmark: ours against the original align.py approach"};
  fs::path album, work = fs::temp_directory_path() / "drig_bench_align";
  int photos = 20, workers = 0, original_photos = -1, size = 256;
  double megapixels = 12.0;
  app.add_option("--album", album, "Folder of photos (default: a generated album)");
  app.add_option("--photos", photos, "Photos in the generated album")->capture_default_str();
  app.add_option("--megapixels", megapixels, "Size of each generated photo")->capture_default_str();
  app.add_option("--work", work, "Where the generated album and outputs go")->capture_default_str();
  app.add_option("--workers", workers, "Our worker threads (0: one per core)");
  app.add_option("--original-photos", original_photos,
                 "Time the original approach on the first N photos (-1: all, 0: skip)");
  app.add_option("--size", size, "Output size")->capture_default_str();
  double detect_megapixels = drig::align::DetectorOptions{}.detect_megapixels;
  bool no_ssd = false;
  app.add_flag("--no-ssd", no_ssd, "Ours without face-api's SSD stage");
  app.add_option("--detect-megapixels", detect_megapixels, "Our detection copy's size")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (album.empty() && drig::find_shared_dir(DRIG_SOURCE_DIR).empty()) {
    std::cout << "bench_align: skipped: no --album and no ../shared to make one from\n";
    return 0;
  }
  try {
    std::vector<fs::path> inputs = album.empty() ? make_album(work / "album", photos, megapixels)
                                                 : drig::align::collect_photos({album});
    fs::remove_all(work / "ours");
    fs::remove_all(work / "original");
    fs::create_directories(work / "original");

    drig::align::AlignJobOptions o;
    o.inputs = inputs;
    o.output_dir = work / "ours";
    o.size = size;
    o.workers = workers;
    o.detector.detect_megapixels = detect_megapixels;
    o.detector.ssd = !no_ssd;
    const auto start = Clock::now();
    const drig::align::AlignSummary s = drig::align::align_album(o, {});
    const double ours = seconds_since(start);
    const double ours_each = ours / double(inputs.size());
    fmt::print("ours{}: {} photos in {:.2f} s ({:.3f} s/photo, {} aligned, workers {})\n",
               no_ssd ? " without the SSD stage" : "", inputs.size(), ours, ours_each, s.usable(),
               workers > 0 ? workers : drig::default_thread_count());
    if (original_photos != 0) {
      const size_t n =
          original_photos < 0 ? inputs.size() : std::min(inputs.size(), size_t(original_photos));
      const std::vector<fs::path> subset(inputs.begin(), inputs.begin() + long(n));
      const double orig = time_original(subset, work / "original", size);
      const double orig_each = orig / double(n);
      fmt::print("original approach: {} photos in {:.2f} s ({:.3f} s/photo, one thread)\n", n, orig,
                 orig_each);
      fmt::print("per-photo ratio original/ours: {:.1f}x\n", orig_each / ours_each);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_align: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
