#include "training/photo_io/image_file.h"

#include "model/base/error.h"
#include "model/base/load_once.h"
#include "model/base/options.h"
#include "training/photo_io/exif_orientation.h"
#include "training/photo_io/format_sniff.h"
#include "training/photo_io/heif_decode.h"
#include "training/photo_io/icc_profile.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <new>

namespace drig::image_io {
namespace fs = std::filesystem;
namespace {

std::string read_image_bytes(const fs::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  DRIG_CHECK(status.type() != fs::file_type::not_found, "{}: no such file", name);
  DRIG_CHECK(!ec, "{}: cannot access the file: {}", name, ec.message());
  DRIG_CHECK(!fs::is_directory(status), "{}: is a folder, not an image file", name);
  std::ifstream in(path, std::ios::binary);
  DRIG_CHECK(in.good(), "{}: cannot open the file: {}", name, std::strerror(errno));
  const auto size = fs::file_size(path, ec);
  DRIG_CHECK(!ec, "{}: cannot read the file size: {}", name, ec.message());
  DRIG_CHECK(size > 0, "{}: the file is empty (0 bytes)", name);
  DRIG_CHECK(size <= INT_MAX, "{}: the file is {} bytes, over the 2 GiB an image may have", name,
             size);
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  DRIG_CHECK(!in.bad() && in.gcount() > 0, "{}: cannot read the file: I/O error", name);
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

void check_megapixels(const std::string& name, const detail::HeaderFacts& facts, double limit) {
  const double megapixels = double(facts.width) * double(facts.height) / 1e6;
  DRIG_CHECK(megapixels <= limit,
             "{}: the image declares {}x{} pixels ({:.1f} megapixels), over the limit of {:g} "
             "megapixels that guards against decompression bombs; if the photo is genuine, "
             "raise the limit with --max-megapixels",
             name, facts.width, facts.height, megapixels, limit);
}

// OpenCV refuses images over CV_IO_MAX_IMAGE_PIXELS (read from the environment
// when the library loads, 2^30 by default) before our own, lower-by-default limit.
std::string opencv_limit_hint(const detail::HeaderFacts& facts) {
  const double pixels = double(facts.width) * double(facts.height);
  if (pixels <= double(1u << 30))
    return {};
  return "; OpenCV's decoders refuse more than 1073.7 megapixels unless the environment "
         "variable CV_IO_MAX_IMAGE_PIXELS is raised";
}

cv::Mat decode_with_opencv(const std::string& bytes, const std::string& name, ImageFormat format,
                           const detail::HeaderFacts& facts) {
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  cv::Mat pixels;
  std::string failure;
  try {
    pixels = cv::imdecode(buffer, cv::IMREAD_UNCHANGED | cv::IMREAD_ANYDEPTH |
                                      cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const std::bad_alloc&) {
    failure = "not enough memory to decode it";
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (pixels.empty()) {
    const std::string truncated = detail::truncation_reason(bytes, format);
    if (!truncated.empty())
      fail("{}: {}", name, truncated);
    fail("{}: corrupt or undecodable {} image data{}{}{}", name, format_name(format),
         failure.empty() ? "" : ": ", failure, opencv_limit_hint(facts));
  }
  return pixels;
}

template <typename T>
cv::Mat composite_over_white(const cv::Mat& with_alpha) {
  const int colours = with_alpha.channels() - 1;
  const uint64_t max = (uint64_t{1} << (8 * sizeof(T))) - 1;
  cv::Mat out(with_alpha.size(), CV_MAKETYPE(with_alpha.depth(), colours));
  for (int y = 0; y < with_alpha.rows; ++y) {
    const T* in = with_alpha.ptr<T>(y);
    T* dst = out.ptr<T>(y);
    for (int x = 0; x < with_alpha.cols; ++x, in += colours + 1, dst += colours) {
      const uint64_t alpha = in[colours];
      for (int c = 0; c < colours; ++c)
        dst[c] = static_cast<T>((in[c] * alpha + max * (max - alpha) + max / 2) / max);
    }
  }
  return out;
}

// One gray channel or RGB order, alpha flattened onto white (the page a
// transparent photo is shown on).
cv::Mat gray_or_rgb(const cv::Mat& decoded, bool rgb_order, bool* had_alpha) {
  cv::Mat pixels = decoded;
  *had_alpha = decoded.channels() == 2 || decoded.channels() == 4;
  if (*had_alpha)
    pixels = decoded.depth() == CV_16U ? composite_over_white<uint16_t>(decoded)
                                       : composite_over_white<uint8_t>(decoded);
  if (pixels.channels() == 3 && !rgb_order)
    cv::cvtColor(pixels, pixels, cv::COLOR_BGR2RGB);
  return pixels;
}

} // namespace

void LoadOptions::check(OptionCheck& c) const {
  c.require(
      max_megapixels > 0,
      fmt::format("the largest photo to read must be above 0 megapixels, got {}", max_megapixels));
}

LoadedImage load_image(const fs::path& path, const LoadOptions& options) {
  const std::string name = path.string();
  OptionCheck checked;
  options.check(checked);
  checked.throw_if_failed(name + ": cannot read with these options");
  const std::string bytes = read_image_bytes(path);
  count_load("photo decode");
  LoadedImage loaded;
  ImageInfo& info = loaded.info;
  info.format = sniff_format(std::string_view(bytes).substr(0, 64));
  const detail::HeaderFacts facts = detail::read_header_facts(bytes, info.format, name);
  check_megapixels(name, facts, options.max_megapixels);
  info.bit_depth = facts.bit_depth;
  info.colour_model = facts.colour_model;

  cv::Mat decoded;
  std::string icc;
  bool rgb_order = false;
  if (info.format == ImageFormat::Heif) {
    detail::HeifImage heif = detail::decode_heif(bytes, name, options.apply_orientation);
    decoded = heif.pixels;
    rgb_order = true;
    info.source_width = heif.stored_width;
    info.source_height = heif.stored_height;
    info.exif_orientation = heif.exif_orientation;
    // libheif has already turned the image by the container's irot/imir, which
    // the EXIF tag mirrors; turning it again by the tag would over-rotate.
    info.orientation_applied = options.apply_orientation && heif.exif_orientation != 1;
    icc = std::move(heif.icc_profile);
  } else {
    // libjpeg pads a cut-off JPEG with gray and reports success, so look first.
    if (info.format == ImageFormat::Jpeg) {
      const std::string truncated = detail::truncation_reason(bytes, info.format);
      DRIG_CHECK(truncated.empty(), "{}: {}", name, truncated);
    }
    decoded = decode_with_opencv(bytes, name, info.format, facts);
    info.source_width = decoded.cols;
    info.source_height = decoded.rows;
    info.exif_orientation = detail::read_exif_orientation(bytes, info.format);
    icc = detail::extract_icc_profile(bytes, info.format);
  }
  DRIG_CHECK(decoded.depth() == CV_8U || decoded.depth() == CV_16U,
             "{}: {} samples that are not 8- or 16-bit integers are not supported", name,
             format_name(info.format));
  DRIG_CHECK(decoded.channels() >= 1 && decoded.channels() <= 4,
             "{}: {} channels per pixel are not supported", name, decoded.channels());

  cv::Mat pixels = gray_or_rgb(decoded, rgb_order, &info.had_alpha);
  cv::Mat raw;
  info.had_icc_profile = !icc.empty();
  if (info.had_icc_profile && options.convert_icc) {
    if (options.keep_unconverted)
      raw = pixels.clone();
    const detail::IccOutcome outcome = detail::convert_to_srgb(pixels, icc);
    info.icc_converted = outcome.converted;
    info.icc_description = outcome.description;
    if (!outcome.converted)
      raw.release();
  } else if (info.had_icc_profile) {
    info.icc_description = detail::icc_description(icc);
  }
  const auto finish = [&](cv::Mat m) {
    if (m.channels() == 1)
      cv::cvtColor(m, m, cv::COLOR_GRAY2RGB);
    if (!options.keep_16bit)
      m = to_rgb8(m);
    if (options.apply_orientation && info.format != ImageFormat::Heif && info.exif_orientation != 1)
      m = detail::apply_exif_orientation(m, info.exif_orientation);
    return m;
  };
  loaded.rgb = finish(pixels);
  if (!raw.empty())
    loaded.unconverted = finish(raw);
  info.orientation_applied =
      info.orientation_applied ||
      (options.apply_orientation && info.format != ImageFormat::Heif && info.exif_orientation != 1);
  return loaded;
}

cv::Mat to_rgb8(const cv::Mat& rgb) {
  if (rgb.type() == CV_8UC3)
    return rgb;
  DRIG_CHECK(rgb.type() == CV_16UC3, "to_rgb8: expected an 8- or 16-bit RGB image, not type {}",
             rgb.type());
  cv::Mat out;
  rgb.convertTo(out, CV_8U, 1.0 / 257.0);
  return out;
}

ImageSize read_declared_size(const fs::path& path) {
  const std::string bytes = read_image_bytes(path);
  const ImageFormat format = sniff_format(std::string_view(bytes).substr(0, 64));
  const detail::HeaderFacts facts = detail::read_header_facts(bytes, format, path.string());
  return {facts.width, facts.height};
}

} // namespace drig::image_io
