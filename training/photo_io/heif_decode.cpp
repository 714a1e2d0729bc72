#include "training/photo_io/heif_decode.h"

#include "model/base/error.h"
#include "training/photo_io/container_chunks.h"
#include "training/photo_io/exif_orientation.h"

#include <libheif/heif.h>
#include <opencv2/core.hpp>

#include <memory>
#include <vector>

namespace drig::image_io::detail {
namespace {

using Context = std::unique_ptr<heif_context, decltype(&heif_context_free)>;
using Handle = std::unique_ptr<const heif_image_handle, decltype(&heif_image_handle_release)>;
using Image = std::unique_ptr<const heif_image, decltype(&heif_image_release)>;
using Options = std::unique_ptr<heif_decoding_options, decltype(&heif_decoding_options_free)>;

struct Opened {
  Context context{nullptr, &heif_context_free};
  Handle handle{nullptr, &heif_image_handle_release};
};

// `file` must outlive the result: libheif reads from it without copying.
Opened open_primary(std::string_view file, const std::string& name) {
  Opened opened;
  opened.context.reset(heif_context_alloc());
  DRIG_CHECK(opened.context != nullptr, "{}: libheif could not allocate a context", name);
  heif_error error = heif_context_read_from_memory_without_copy(opened.context.get(), file.data(),
                                                                file.size(), nullptr);
  DRIG_CHECK(error.code == heif_error_Ok, "{}: corrupt or truncated HEIF container: {}", name,
             error.message);
  heif_image_handle* handle = nullptr;
  error = heif_context_get_primary_image_handle(opened.context.get(), &handle);
  DRIG_CHECK(error.code == heif_error_Ok, "{}: the HEIF file has no readable primary image: {}",
             name, error.message);
  opened.handle.reset(handle);
  return opened;
}

int luma_bits(const heif_image_handle* handle) {
  const int bits = heif_image_handle_get_luma_bits_per_pixel(handle);
  return bits > 0 ? bits : 8;
}

// The TIFF-structured Exif block (empty without one).
std::string exif_block(const heif_image_handle* handle) {
  heif_item_id id = 0;
  if (heif_image_handle_get_list_of_metadata_block_IDs(handle, "Exif", &id, 1) < 1)
    return {};
  std::string block(heif_image_handle_get_metadata_size(handle, id), '\0');
  if (block.size() < 4 || heif_image_handle_get_metadata(handle, id, block.data()).code != 0)
    return {};
  // The block starts with the offset of the TIFF header past these four bytes.
  const std::size_t offset = 4 + std::size_t{read_be32(block, 0)};
  return offset < block.size() ? block.substr(offset) : std::string();
}

int exif_orientation(const heif_image_handle* handle) {
  const std::string block = exif_block(handle);
  return block.empty() ? 1 : exif_block_orientation(block);
}

std::string icc_profile(const heif_image_handle* handle) {
  const heif_color_profile_type type = heif_image_handle_get_color_profile_type(handle);
  if (type != heif_color_profile_type_prof && type != heif_color_profile_type_rICC)
    return {};
  std::string profile(heif_image_handle_get_raw_color_profile_size(handle), '\0');
  if (profile.empty() || heif_image_handle_get_raw_color_profile(handle, profile.data()).code != 0)
    return {};
  return profile;
}

HeaderFacts facts_of(const heif_image_handle* handle) {
  HeaderFacts facts;
  // ispe is the coded size before rotation; older writers may omit it.
  facts.width = heif_image_handle_get_ispe_width(handle);
  facts.height = heif_image_handle_get_ispe_height(handle);
  if (facts.width <= 0 || facts.height <= 0) {
    facts.width = heif_image_handle_get_width(handle);
    facts.height = heif_image_handle_get_height(handle);
  }
  facts.bit_depth = luma_bits(handle);
  return facts;
}

} // namespace

HeaderFacts heif_header_facts(std::string_view file, const std::string& name) {
  return facts_of(open_primary(file, name).handle.get());
}

HeifMetadata heif_metadata(std::string_view file, const std::string& name) {
  const Opened opened = open_primary(file, name);
  return {exif_block(opened.handle.get()), icc_profile(opened.handle.get())};
}

HeifImage decode_heif(std::string_view file, const std::string& name, bool apply_transformations) {
  const Opened opened = open_primary(file, name);
  const heif_image_handle* handle = opened.handle.get();
  HeifImage result;
  const HeaderFacts facts = facts_of(handle);
  result.stored_width = facts.width;
  result.stored_height = facts.height;
  result.bit_depth = facts.bit_depth;
  result.has_alpha = heif_image_handle_has_alpha_channel(handle) != 0;
  result.exif_orientation = exif_orientation(handle);
  result.icc_profile = icc_profile(handle);

  const bool wide = result.bit_depth > 8;
  const heif_chroma chroma =
      wide ? (result.has_alpha ? heif_chroma_interleaved_RRGGBBAA_LE
                               : heif_chroma_interleaved_RRGGBB_LE)
           : (result.has_alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB);
  Options options(heif_decoding_options_alloc(), &heif_decoding_options_free);
  DRIG_CHECK(options != nullptr, "{}: libheif could not allocate decoding options", name);
  options->ignore_transformations = apply_transformations ? 0 : 1;
  heif_image* decoded = nullptr;
  const heif_error error =
      heif_decode_image(handle, &decoded, heif_colorspace_RGB, chroma, options.get());
  Image image(decoded, &heif_image_release);
  DRIG_CHECK(error.code == heif_error_Ok && image != nullptr,
             "{}: corrupt or undecodable HEIF image data: {}", name, error.message);

  int stride = 0;
  const uint8_t* plane =
      heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
  const int width = heif_image_get_width(image.get(), heif_channel_interleaved);
  const int height = heif_image_get_height(image.get(), heif_channel_interleaved);
  DRIG_CHECK(plane != nullptr && width > 0 && height > 0,
             "{}: libheif returned no pixels for the HEIF image", name);
  const int type = CV_MAKETYPE(wide ? CV_16U : CV_8U, result.has_alpha ? 4 : 3);
  // Little-endian samples read as native uint16: every platform we build for is little-endian.
  const cv::Mat view(height, width, type, const_cast<uint8_t*>(plane), static_cast<size_t>(stride));
  if (wide) {
    const int range = heif_image_get_bits_per_pixel_range(image.get(), heif_channel_interleaved);
    const int bits = range > 8 && range <= 16 ? range : result.bit_depth;
    view.convertTo(result.pixels, type, 65535.0 / ((1 << bits) - 1));
  } else {
    result.pixels = view.clone();
  }
  return result;
}

} // namespace drig::image_io::detail
