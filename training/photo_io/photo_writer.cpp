#include "training/photo_io/photo_writer.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/base/options.h"
#include "training/photo_io/container_chunks.h"
#include "training/photo_io/heif_decode.h"
#include "training/photo_io/icc_profile.h"
#include "training/photo_io/tiff_exif.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <tiffio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace drig::editing {
namespace {

namespace io = image_io;
constexpr std::string_view kExifPrefix("Exif\0\0", 6);

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  DRIG_CHECK(in.good(), "{}: cannot read", p.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void put_be32(std::string& s, uint32_t v) {
  for (int shift : {24, 16, 8, 0})
    s.push_back(char((v >> shift) & 0xff));
}

std::string png_chunk(std::string_view type, std::string_view data) {
  std::string c;
  put_be32(c, uint32_t(data.size()));
  c.append(type);
  c.append(data);
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type.data()), uInt(type.size()));
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size()));
  put_be32(c, uint32_t(crc));
  return c;
}

std::string deflate(std::string_view raw) {
  uLongf size = compressBound(uLong(raw.size()));
  std::string out(size, '\0');
  DRIG_CHECK(compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                       reinterpret_cast<const Bytef*>(raw.data()), uLong(raw.size()), 9) == Z_OK,
             "cannot compress the ICC profile");
  out.resize(size);
  return out;
}

std::string jpeg_segment(uint8_t marker, std::string_view payload) {
  std::string s{char(0xff), char(marker)};
  const size_t len = payload.size() + 2;
  s.push_back(char(len >> 8));
  s.push_back(char(len & 0xff));
  s.append(payload);
  return s;
}

std::string with_jpeg_metadata(const std::string& jpeg, const PhotoMetadata& m) {
  std::string segments;
  if (!m.exif.empty() && m.exif.size() + kExifPrefix.size() <= 65533)
    segments += jpeg_segment(0xE1, std::string(kExifPrefix) + m.exif);
  if (!m.icc.empty()) {
    constexpr size_t kChunk = 65519; // 65533 - "ICC_PROFILE\0" - 2 counters
    const size_t count = (m.icc.size() + kChunk - 1) / kChunk;
    if (count <= 255)
      for (size_t i = 0; i < count; ++i) {
        std::string payload("ICC_PROFILE\0", 12);
        payload.push_back(char(i + 1));
        payload.push_back(char(count));
        payload.append(m.icc, i * kChunk, kChunk);
        segments += jpeg_segment(0xE2, payload);
      }
  }
  // After SOI and the encoder's JFIF APP0, where readers look first.
  size_t at = 2;
  if (jpeg.size() > 6 && uint8_t(jpeg[2]) == 0xff && uint8_t(jpeg[3]) == 0xE0)
    at = 4 + ((uint8_t(jpeg[4]) << 8) | uint8_t(jpeg[5]));
  return jpeg.substr(0, at) + segments + jpeg.substr(at);
}

std::string with_png_metadata(const std::string& png, const PhotoMetadata& m) {
  std::string extra;
  if (!m.icc.empty())
    extra += png_chunk("iCCP", std::string("ICC profile\0\0", 13) + deflate(m.icc));
  if (!m.exif.empty())
    extra += png_chunk("eXIf", m.exif);
  // Right after IHDR (8-byte signature + 25-byte IHDR chunk).
  constexpr size_t at = 8 + 25;
  DRIG_CHECK(png.size() > at && png.compare(12, 4, "IHDR") == 0, "unexpected PNG encoder output");
  return png.substr(0, at) + extra + png.substr(at);
}

} // namespace

bool reset_exif_orientation(std::string& exif) {
  if (exif.size() < 8)
    return false;
  const bool le = exif.compare(0, 2, "II") == 0;
  if (!le && exif.compare(0, 2, "MM") != 0)
    return false;
  const auto u16 = [&](size_t at) {
    return le ? io::detail::read_le16(exif, at) : io::detail::read_be16(exif, at);
  };
  const auto u32 = [&](size_t at) {
    return le ? io::detail::read_le32(exif, at) : io::detail::read_be32(exif, at);
  };
  const size_t ifd = u32(4);
  if (ifd + 2 > exif.size())
    return false;
  const size_t entries = u16(ifd);
  for (size_t i = 0; i < entries; ++i) {
    const size_t e = ifd + 2 + 12 * i;
    if (e + 12 > exif.size())
      return false;
    if (u16(e) == 0x0112 && u16(e + 2) == 3) { // SHORT, value inline
      exif[e + 8] = char(le ? 1 : 0);
      exif[e + 9] = char(le ? 0 : 1);
      return true;
    }
  }
  return false;
}

PhotoMetadata read_metadata(const std::filesystem::path& source) {
  const std::string file = read_all(source);
  const io::ImageFormat format = io::sniff_format(std::string_view(file).substr(0, 32));
  PhotoMetadata m;
  if (format != io::ImageFormat::Heif)
    m.icc = io::detail::extract_icc_profile(file, format);
  if (format == io::ImageFormat::Jpeg) {
    for (const auto& s : io::detail::jpeg_header_segments(file))
      if (s.marker == 0xE1 && s.payload.substr(0, 6) == kExifPrefix) {
        m.exif = std::string(s.payload.substr(6));
        break;
      }
  } else if (format == io::ImageFormat::Png) {
    for (const auto& c : io::detail::png_chunks(file))
      if (c.type == "eXIf") {
        m.exif = std::string(c.data);
        break;
      }
  } else if (format == io::ImageFormat::Heif) {
    io::detail::HeifMetadata heif = io::detail::heif_metadata(file, source.string());
    m.exif = std::move(heif.exif);
    m.icc = std::move(heif.icc);
  } else if (format == io::ImageFormat::WebP) {
    for (const auto& c : io::detail::riff_chunks(file))
      if (c.type == "EXIF") {
        std::string_view d = c.data;
        if (d.substr(0, 6) == kExifPrefix)
          d.remove_prefix(6);
        m.exif = std::string(d);
        break;
      }
  }
  if (!m.exif.empty())
    reset_exif_orientation(m.exif);
  return m;
}

namespace {

// TIFF through libtiff (OpenCV's encoder cannot carry a colour profile):
// RGB, 8 or 16 bits, LZW with horizontal differencing, the ICC profile in
// tag 34675, the EXIF as tags (tiff_exif.h). libtiff writes files, so it writes a temporary one
// that is read back for the atomic write.
std::string encode_tiff(const cv::Mat& rgb, const PhotoMetadata& metadata,
                        const std::filesystem::path& path) {
  char name[] = "/tmp/drig-tiff-XXXXXX";
  const int fd = ::mkstemp(name);
  DRIG_CHECK(fd >= 0, "{}: cannot make a temporary file for the TIFF encoder", path.string());
  ::close(fd);
  struct Remove {
    const char* file;
    ~Remove() { std::remove(file); }
  } remove_temp{name};
  TIFF* tif = TIFFOpen(name, "w");
  DRIG_CHECK(tif, "{}: the TIFF encoder cannot start", path.string());
  const int bits = rgb.depth() == CV_16U ? 16 : 8;
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, uint32_t(rgb.cols));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, uint32_t(rgb.rows));
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, uint16_t(bits));
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, uint16_t(3));
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, uint16_t(PHOTOMETRIC_RGB));
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, uint16_t(PLANARCONFIG_CONTIG));
  TIFFSetField(tif, TIFFTAG_ORIENTATION, uint16_t(ORIENTATION_TOPLEFT));
  TIFFSetField(tif, TIFFTAG_COMPRESSION, uint16_t(COMPRESSION_LZW));
  TIFFSetField(tif, TIFFTAG_PREDICTOR, uint16_t(PREDICTOR_HORIZONTAL));
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tif, 0));
  if (!metadata.icc.empty())
    TIFFSetField(tif, TIFFTAG_ICCPROFILE, uint32_t(metadata.icc.size()), metadata.icc.data());
  // The predictor differences the row in place: hand libtiff a copy.
  std::vector<uchar> row(rgb.cols * rgb.elemSize());
  bool ok = true;
  for (int y = 0; y < rgb.rows && ok; ++y) {
    std::memcpy(row.data(), rgb.ptr(y), row.size());
    ok = TIFFWriteScanline(tif, row.data(), uint32_t(y), 0) == 1;
  }
  TIFFClose(tif);
  DRIG_CHECK(ok, "{}: the TIFF encoder failed", path.string());
  std::ifstream in(name, std::ios::binary);
  return tiff_with_exif(
      std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()),
      metadata.exif);
}

} // namespace

void WriteOptions::check(OptionCheck& c) const {
  c.require(jpeg_quality >= 1 && jpeg_quality <= 100,
            fmt::format("JPEG quality must be 1..100, got {}", jpeg_quality));
  c.require(bit_depth == 0 || bit_depth == 8 || bit_depth == 16,
            fmt::format("bit depth must be 8 or 16 (0: the image's own), got {}", bit_depth));
}

void write_photo(const std::filesystem::path& path, const cv::Mat& rgb,
                 const PhotoMetadata& metadata, const WriteOptions& options) {
  OptionCheck checked;
  options.check(checked);
  checked.throw_if_failed(path.string() + ": cannot write with these options");
  DRIG_CHECK(rgb.type() == CV_8UC3 || rgb.type() == CV_16UC3,
             "{}: only 8- or 16-bit RGB images can be written", path.string());
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  const bool jpeg = ext == ".jpg" || ext == ".jpeg";
  const bool png = ext == ".png";
  const bool tiff = ext == ".tif" || ext == ".tiff";
  DRIG_CHECK(jpeg || png || tiff, "{}: write .jpg, .png or .tif (not '{}')", path.string(), ext);
  DRIG_CHECK(options.jpeg_quality >= 1 && options.jpeg_quality <= 100,
             "JPEG quality {} is outside 1..100", options.jpeg_quality);
  const int depth = jpeg                ? 8
                    : options.bit_depth ? options.bit_depth
                                        : (rgb.depth() == CV_16U ? 16 : 8);
  DRIG_CHECK(depth == 8 || depth == 16, "bit depth {} is not 8 or 16", depth);
  if (tiff) {
    cv::Mat out = rgb;
    if (depth == 8 && out.depth() == CV_16U)
      out.convertTo(out, CV_8U, 1.0 / 257.0);
    else if (depth == 16 && out.depth() == CV_8U)
      out.convertTo(out, CV_16U, 257.0);
    write_file_atomic(path, encode_tiff(out.isContinuous() ? out : out.clone(), metadata, path));
    return;
  }
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  if (depth == 8 && bgr.depth() == CV_16U)
    bgr.convertTo(bgr, CV_8U, 1.0 / 257.0);
  else if (depth == 16 && bgr.depth() == CV_8U)
    bgr.convertTo(bgr, CV_16U, 257.0);
  std::vector<uchar> bytes;
  std::vector<int> params;
  if (jpeg)
    params = {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality};
  DRIG_CHECK(cv::imencode(jpeg  ? ".jpg"
                          : png ? ".png"
                                : ".tiff",
                          bgr, bytes, params),
             "{}: the encoder failed", path.string());
  std::string out(bytes.begin(), bytes.end());
  if (jpeg)
    out = with_jpeg_metadata(out, metadata);
  else if (png)
    out = with_png_metadata(out, metadata);
  write_file_atomic(path, out);
}

} // namespace drig::editing
