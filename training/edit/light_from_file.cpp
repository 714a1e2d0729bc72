#include "training/edit/light_from_file.h"

#include "model/base/error.h"
#include "model/base/options.h"
#include "model/formats/npy.h"
#include "render/environment_light.h"
#include "render/light_rig.h"
#include "training/photo_io/image_file.h"

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <ATen/ATen.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;

namespace drig::editing {
namespace {

std::string lower_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool is_hdr(const fs::path& path) {
  const std::string ext = lower_extension(path);
  return ext == ".hdr" || ext == ".pic" || ext == ".exr";
}

// CV_32FC3 linear RGB.
cv::Mat read_linear_rgb(const fs::path& path) {
  DRIG_CHECK(fs::is_regular_file(path), "{}: no such file", path.string());
  cv::Mat rgb;
  if (is_hdr(path)) {
    // OpenCV decodes OpenEXR only when asked to (its CVE history); these
    // are the user's own files, read for their pixels only.
    if (lower_extension(path) == ".exr")
      setenv("OPENCV_IO_ENABLE_OPENEXR", "1", 0);
    cv::Mat bgr;
    try {
      bgr = cv::imread(path.string(), cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
      fail("{}: cannot read this HDR image ({})", path.string(), e.what());
    }
    DRIG_CHECK(!bgr.empty(), "{}: cannot read this HDR image (damaged, or not {})", path.string(),
               lower_extension(path) == ".exr" ? "OpenEXR" : "Radiance RGBE");
    if (bgr.channels() == 1)
      cv::cvtColor(bgr, bgr, cv::COLOR_GRAY2BGR);
    else if (bgr.channels() == 4)
      cv::cvtColor(bgr, bgr, cv::COLOR_BGRA2BGR);
    bgr.convertTo(bgr, CV_32FC3);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    cv::patchNaNs(rgb, 0.0);
    cv::max(rgb, 0.0, rgb); // negative radiance is a file error, not light
  } else {
    const image_io::LoadedImage image = image_io::load_image(path);
    image.rgb.convertTo(rgb, CV_32FC3, image.rgb.depth() == CV_16U ? 1 / 65535.0 : 1 / 255.0);
    // sRGB transfer curve undone: light adds up in linear values.
    rgb.forEach<cv::Vec3f>([](cv::Vec3f& px, const int*) {
      for (int c = 0; c < 3; ++c)
        px[c] = px[c] <= 0.04045f ? px[c] / 12.92f : std::pow((px[c] + 0.055f) / 1.055f, 2.4f);
    });
  }
  return rgb;
}

// Area averaging keeps each region's share of the light.
cv::Mat shrink(const cv::Mat& rgb, int max_width) {
  if (rgb.cols <= max_width)
    return rgb;
  cv::Mat out;
  const double k = double(max_width) / rgb.cols;
  cv::resize(rgb, out, cv::Size(max_width, std::max(1, int(std::lround(rgb.rows * k)))), 0, 0,
             cv::INTER_AREA);
  return out;
}

std::vector<float> to_vector(const cv::Mat& rgb) {
  const cv::Mat flat = rgb.isContinuous() ? rgb : rgb.clone();
  return std::vector<float>(flat.ptr<float>(), flat.ptr<float>() + flat.total() * 3);
}

} // namespace

void LightFromFileOptions::check(OptionCheck& c) const {
  c.require(
      std::isfinite(rotation_deg),
      fmt::format("the panorama's rotation must be a number of degrees, got {}", rotation_deg));
  c.require(background_hfov_deg >= 10 && background_hfov_deg <= 170,
            fmt::format("the background's field of view must be 10..170 degrees, got {}",
                        background_hfov_deg));
}

LightFromFile light_from_file(const fs::path& path, const LightFromFileOptions& options) {
  OptionCheck checked;
  options.check(checked);
  checked.throw_if_failed(path.string() + ": light from a file");
  const cv::Mat rgb = read_linear_rgb(path);
  LightFromFile out;
  render::Environment env;
  if (options.panorama) {
    const cv::Mat small = shrink(rgb, 512);
    const double aspect = double(rgb.cols) / rgb.rows;
    if (std::abs(aspect - 2) > 0.05)
      out.note = fmt::format("{}: {} x {} is not an equirectangular panorama's 2:1; read as one "
                             "all the same (rows span 180 degrees, columns 360)",
                             path.string(), rgb.cols, rgb.rows);
    env = {small.cols, small.rows, to_vector(small)};
  } else {
    const cv::Mat small = shrink(rgb, 256);
    render::BackgroundPlacement placement;
    placement.hfov_deg = options.background_hfov_deg;
    env = render::background_to_environment(to_vector(small), small.cols, small.rows, placement);
  }
  out.sh = render::environment_to_sh(env, options.panorama ? options.rotation_deg : 0);
  DRIG_CHECK(render::dc_luminance(out.sh) > 0, "{}: the image is black: it holds no light",
             path.string());
  const render::DirectionalLight dominant = render::dominant_light(out.sh);
  out.azimuth_deg = dominant.azimuth_deg;
  out.elevation_deg = dominant.elevation_deg;
  return out;
}

render::ShLight read_sh_file(const std::filesystem::path& path) {
  std::vector<double> v;
  if (path.extension() == ".npy") {
    const formats::NpyArray a = formats::load_npy(path);
    DRIG_CHECK(a.tensor.defined(), "{}: not a numeric array", path.string());
    const at::Tensor t = a.tensor.to(at::kDouble).reshape({-1}).contiguous();
    v.assign(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
  } else {
    std::ifstream in(path);
    DRIG_CHECK(in.good(), "{}: cannot read the SH file", path.string());
    std::string text(std::istreambuf_iterator<char>(in), {});
    for (char& c : text)
      if (c == ',')
        c = ' ';
    std::istringstream numbers(text);
    std::string part;
    while (numbers >> part) {
      char* end = nullptr;
      const double x = std::strtod(part.c_str(), &end);
      DRIG_CHECK(end && *end == '\0' && std::isfinite(x), "{}: '{}' is not a number", path.string(),
                 part);
      v.push_back(x);
    }
  }
  DRIG_CHECK(v.size() == 27, "{}: an SH light has 27 numbers (9 x RGB), got {}", path.string(),
             v.size());
  render::ShLight sh{};
  for (size_t i = 0; i < 27; ++i)
    sh[i] = float(v[i]);
  return sh;
}

} // namespace drig::editing
