// Times the CPU half of one edit's "end to end" on a big photo: decoding the
// source, pasting the edited 256x256 crop back, and encoding the result with
// its EXIF and colour profile. The sampling itself is timed by
// `diffusionrig bench` (on the GPU where there is one); the paste-back runs
// on the CPU in every set-up, so this is what a GPU edit adds to its sampling.
//   bench_paste_back [--megapixels 24] [--iterations 5] [--format jpg|png|tif]
#include "model/base/error.h"
#include "model/base/paths.h"
#include "training/edit/paste_back.h"
#include "training/edit/source_paste.h"
#include "training/photo_io/image_file.h"
#include "training/photo_io/photo_writer.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>

namespace fs = std::filesystem;

namespace {

double median_ms(int iterations, const std::function<void()>& run) {
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    const auto t = std::chrono::steady_clock::now();
    run();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// A real album photo scaled to `megapixels` (a photo's texture compresses
// like a photo), or a textured gradient without ../shared.
cv::Mat make_photo(double megapixels, const fs::path& album_photo) {
  const int w = int(std::sqrt(megapixels * 1e6 * 1.5)), h = int(w / 1.5);
  cv::Mat bgr;
  if (!album_photo.empty())
    bgr = cv::imread(album_photo.string(), cv::IMREAD_COLOR);
  cv::Mat big;
  if (bgr.empty()) {
    big.create(h, w, CV_8UC3);
    cv::randu(big, 0, 255);
    cv::GaussianBlur(big, big, cv::Size(0, 0), 3.0);
  } else {
    cv::resize(bgr, big, cv::Size(w, h), 0, 0, cv::INTER_CUBIC);
  }
  cv::cvtColor(big, big, cv::COLOR_BGR2RGB);
  return big;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time paste-back and export of one edit on a big photo (CPU)"};
  double megapixels = 24;
  int iterations = 5, threads = 0;
  std::string format = "jpg", work = (fs::temp_directory_path() / "drig_bench_paste").string();
  app.add_option("--megapixels", megapixels, "Photo size")->capture_default_str();
  app.add_option("--iterations", iterations, "Timed runs (median)")->check(CLI::Range(1, 1000));
  app.add_option("--format", format, "Output format")
      ->check(CLI::IsMember({"jpg", "png", "tif"}))
      ->capture_default_str();
  app.add_option("--threads", threads, "OpenCV threads (0 = every core)");
  app.add_option("--work", work, "Scratch folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    if (threads > 0)
      cv::setNumThreads(threads);
    fs::create_directories(work);
    // img14.jpg carries an Adobe RGB profile and a camera's EXIF: the export
    // path with colour management, as a photographer's camera JPEG has it.
    const fs::path shared = drig::find_shared_dir(DRIG_SOURCE_DIR);
    const fs::path album_photo =
        shared.empty() ? fs::path() : shared / "testdata/albums/mark/img14.jpg";
    const cv::Mat photo = make_photo(megapixels, album_photo);
    const fs::path source = fs::path(work) / "source.jpg";
    drig::editing::write_photo(source, photo,
                               album_photo.empty() ? drig::editing::PhotoMetadata{}
                                                   : drig::editing::read_metadata(album_photo),
                               {92, 8});

    // A face a quarter of the photo's height, as a portrait has it.
    const double side = photo.rows / 4.0, scale = side / 256.0;
    const cv::Matx23d to_source(scale, 0, photo.cols / 2.0 - side / 2, 0, scale,
                                photo.rows / 3.0 - side / 2);
    cv::Matx23d to_aligned;
    cv::invertAffineTransform(to_source, to_aligned);
    cv::Mat aligned;
    cv::warpAffine(photo, aligned, cv::Mat(to_aligned), cv::Size(256, 256), cv::INTER_AREA);
    aligned.convertTo(aligned, CV_32FC3, 1.0 / 255.0);
    cv::Mat alpha(256, 256, CV_32F, cv::Scalar(0));
    cv::ellipse(alpha, cv::Point(128, 136), cv::Size(80, 100), 0, 0, 360, cv::Scalar(1), -1);
    cv::Mat result = aligned.clone();
    cv::ellipse(result, cv::Point(128, 120), cv::Size(40, 50), 0, 0, 360,
                cv::Scalar(0.9, 0.75, 0.7), -1);
    const cv::Mat mask = drig::editing::paste_mask(alpha, alpha, {});
    const drig::editing::PhotoMetadata metadata = drig::editing::read_metadata(source);
    const bool icc = drig::image_io::load_image(source).info.icc_converted;

    drig::image_io::LoadOptions stored;
    stored.convert_icc = false;
    const double decode =
        median_ms(iterations, [&] { drig::image_io::load_image(source, stored); });
    // What converting the whole photo to sRGB would cost (the paste converts
    // only the region the edit can touch).
    const double decode_convert =
        icc ? median_ms(iterations, [&] { drig::image_io::load_image(source); }) : 0.0;
    cv::Mat composite;
    const double paste = median_ms(iterations, [&] {
      composite =
          drig::editing::paste_into_source({source, true, icc}, aligned, result, mask, to_source);
    });
    const fs::path out = fs::path(work) / ("edited." + format);
    const double encode = median_ms(iterations, [&] {
      drig::editing::write_photo(out, composite, metadata, {95, 8});
    });
    fmt::print("{}x{} ({:.1f} MP){}, {} OpenCV threads, median of {}:\n", photo.cols, photo.rows,
               photo.total() / 1e6, icc ? ", Adobe RGB profile" : "", cv::getNumThreads(),
               iterations);
    fmt::print("  decode alone            {:8.1f} ms\n", decode);
    if (icc)
      fmt::print("  decode + whole-photo ICC conversion {:.1f} ms (not needed)\n", decode_convert);
    fmt::print("  decode + paste-back     {:8.1f} ms\n", paste);
    fmt::print("  write {:<4} (8-bit)      {:8.1f} ms ({:.1f} MB)\n", format, encode,
               double(fs::file_size(out)) / 1e6);
    fmt::print("  paste-back and export   {:8.1f} ms\n", paste + encode);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_paste_back: " << e.what() << "\n";
    return 1;
  }
}
