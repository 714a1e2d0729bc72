#include "training/photo_io/icc_profile.h"

#include "training/photo_io/container_chunks.h"

#include <lcms2.h>
#include <opencv2/core.hpp>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

namespace drig::image_io::detail {
namespace {

// Far above any real profile; stops a hostile iCCP chunk from inflating without bound.
constexpr std::size_t kMaxProfileBytes = 64u << 20;

std::string jpeg_icc(std::string_view file) {
  // Profiles over 64 KiB are split across APP2 segments numbered 1..count.
  const std::string_view tag("ICC_PROFILE\0", 12);
  std::map<int, std::string_view> parts;
  for (const JpegSegment& segment : jpeg_header_segments(file))
    if (segment.marker == 0xE2 && segment.payload.size() > 14 &&
        segment.payload.substr(0, 12) == tag)
      parts.emplace(static_cast<uint8_t>(segment.payload[12]), segment.payload.substr(14));
  std::string profile;
  for (const auto& [index, data] : parts)
    profile.append(data);
  return profile;
}

std::string inflate_zlib(std::string_view compressed) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK)
    return {};
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  std::array<char, 16384> buffer;
  int status = Z_OK;
  while (status == Z_OK && out.size() <= kMaxProfileBytes) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
    stream.avail_out = static_cast<uInt>(buffer.size());
    status = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer.data(), buffer.size() - stream.avail_out);
  }
  inflateEnd(&stream);
  return status == Z_STREAM_END ? out : std::string();
}

std::string png_icc(std::string_view file) {
  for (const Chunk& chunk : png_chunks(file)) {
    if (chunk.type != "iCCP")
      continue;
    // Profile name, NUL, compression method (0 = zlib), compressed profile.
    const std::size_t nul = chunk.data.find('\0');
    if (nul == std::string_view::npos || nul + 2 > chunk.data.size() || chunk.data[nul + 1] != 0)
      return {};
    return inflate_zlib(chunk.data.substr(nul + 2));
  }
  return {};
}

using Profile = std::unique_ptr<void, decltype(&cmsCloseProfile)>;
using Transform = std::unique_ptr<void, decltype(&cmsDeleteTransform)>;

Transform make_transform(cmsHPROFILE from, cmsUInt32Number in_type, cmsHPROFILE to,
                         cmsUInt32Number out_type) {
  const cmsUInt32Number intent = cmsIsIntentSupported(from, INTENT_PERCEPTUAL, LCMS_USED_AS_INPUT)
                                     ? INTENT_PERCEPTUAL
                                     : INTENT_RELATIVE_COLORIMETRIC;
  return Transform(cmsCreateTransform(from, in_type, to, out_type, intent, cmsFLAGS_NOCACHE),
                   &cmsDeleteTransform);
}

// Whether the profile maps a 9x9x9 grid of colours (or every gray level) to
// sRGB within one level: then converting would only add rounding noise to
// pixels that are already sRGB.
bool equivalent_to_srgb(cmsHTRANSFORM transform8, bool gray) {
  std::vector<uint8_t> in;
  if (gray) {
    for (int v = 0; v < 256; ++v)
      in.push_back(static_cast<uint8_t>(v));
  } else {
    for (int r = 0; r < 9; ++r)
      for (int g = 0; g < 9; ++g)
        for (int b = 0; b < 9; ++b)
          for (int v : {r, g, b})
            in.push_back(static_cast<uint8_t>(std::min(255, v * 32)));
  }
  const std::size_t pixels = gray ? in.size() : in.size() / 3;
  std::vector<uint8_t> out(pixels * 3);
  cmsDoTransform(transform8, in.data(), out.data(), static_cast<cmsUInt32Number>(pixels));
  for (std::size_t i = 0; i < out.size(); ++i)
    if (std::abs(int{out[i]} - int{in[gray ? i / 3 : i]}) > 1)
      return false;
  return true;
}

std::string description_of(cmsHPROFILE profile) {
  std::array<char, 256> text{};
  if (cmsGetProfileInfoASCII(profile, cmsInfoDescription, "en", "US", text.data(),
                             static_cast<cmsUInt32Number>(text.size())) == 0)
    return {};
  return std::string(text.data());
}

} // namespace

std::string extract_icc_profile(std::string_view file, ImageFormat format) {
  switch (format) {
  case ImageFormat::Jpeg:
    return jpeg_icc(file);
  case ImageFormat::Png:
    return png_icc(file);
  case ImageFormat::Tiff: {
    const auto dir = TiffDirectory::parse(file);
    const auto bytes = dir ? dir->bytes(34675) : std::nullopt;
    return bytes ? std::string(*bytes) : std::string();
  }
  case ImageFormat::WebP:
    for (const Chunk& chunk : riff_chunks(file))
      if (chunk.type == "ICCP")
        return std::string(chunk.data);
    return {};
  default:
    return {};
  }
}

std::string icc_description(std::string_view profile_bytes) {
  Profile profile(cmsOpenProfileFromMem(profile_bytes.data(),
                                        static_cast<cmsUInt32Number>(profile_bytes.size())),
                  &cmsCloseProfile);
  return profile ? description_of(profile.get()) : std::string();
}

IccOutcome convert_to_srgb(cv::Mat& pixels, std::string_view profile_bytes) {
  IccOutcome outcome;
  Profile profile(cmsOpenProfileFromMem(profile_bytes.data(),
                                        static_cast<cmsUInt32Number>(profile_bytes.size())),
                  &cmsCloseProfile);
  if (!profile)
    return outcome;
  outcome.description = description_of(profile.get());
  const cmsColorSpaceSignature space = cmsGetColorSpace(profile.get());
  const bool gray = pixels.channels() == 1;
  if ((gray && space != cmsSigGrayData) || (!gray && space != cmsSigRgbData) ||
      (pixels.channels() != 1 && pixels.channels() != 3))
    return outcome;
  Profile srgb(cmsCreate_sRGBProfile(), &cmsCloseProfile);
  const Transform check =
      make_transform(profile.get(), gray ? TYPE_GRAY_8 : TYPE_RGB_8, srgb.get(), TYPE_RGB_8);
  if (!check || equivalent_to_srgb(check.get(), gray))
    return outcome;

  const bool wide = pixels.depth() == CV_16U;
  const Transform transform = make_transform(
      profile.get(), gray ? (wide ? TYPE_GRAY_16 : TYPE_GRAY_8) : (wide ? TYPE_RGB_16 : TYPE_RGB_8),
      srgb.get(), wide ? TYPE_RGB_16 : TYPE_RGB_8);
  if (!transform)
    return outcome;
  cv::Mat out(pixels.size(), CV_MAKETYPE(pixels.depth(), 3));
  for (int y = 0; y < pixels.rows; ++y)
    cmsDoTransform(transform.get(), pixels.ptr(y), out.ptr(y),
                   static_cast<cmsUInt32Number>(pixels.cols));
  pixels = out;
  outcome.converted = true;
  return outcome;
}

bool convert_from_srgb(cv::Mat& pixels, std::string_view profile_bytes) {
  Profile profile(cmsOpenProfileFromMem(profile_bytes.data(),
                                        static_cast<cmsUInt32Number>(profile_bytes.size())),
                  &cmsCloseProfile);
  if (!profile || cmsGetColorSpace(profile.get()) != cmsSigRgbData || pixels.channels() != 3)
    return false;
  Profile srgb(cmsCreate_sRGBProfile(), &cmsCloseProfile);
  const Transform check = make_transform(profile.get(), TYPE_RGB_8, srgb.get(), TYPE_RGB_8);
  if (!check || equivalent_to_srgb(check.get(), false))
    return false;
  const bool wide = pixels.depth() == CV_16U;
  const cmsUInt32Number type = wide ? TYPE_RGB_16 : TYPE_RGB_8;
  const Transform transform = make_transform(srgb.get(), type, profile.get(), type);
  if (!transform)
    return false;
  cv::Mat out(pixels.size(), pixels.type());
  for (int y = 0; y < pixels.rows; ++y)
    cmsDoTransform(transform.get(), pixels.ptr(y), out.ptr(y),
                   static_cast<cmsUInt32Number>(pixels.cols));
  pixels = out;
  return true;
}

} // namespace drig::image_io::detail
