#include "training/edit/source_paste.h"

#include "training/photo_io/icc_profile.h"
#include "training/photo_io/image_file.h"
#include "training/photo_io/photo_writer.h"

#include <opencv2/core.hpp>

namespace drig::editing {

cv::Mat paste_into_source(const PasteSource& source, const cv::Mat& aligned, const cv::Mat& result,
                          const cv::Mat& mask, const cv::Matx23d& a2s,
                          const PasteOptions& options) {
  image_io::LoadOptions load;
  load.convert_icc = false;
  load.apply_orientation = source.orientation_applied;
  load.keep_16bit = true;
  const cv::Mat stored = image_io::load_image(source.file, load).rgb;
  if (!source.icc_converted)
    return paste_back(stored, aligned, result, mask, a2s, options);
  // The crop was made in sRGB: composite there. Only the region the edit
  // can touch is converted (a 24 MP photo's whole conversion costs more
  // than the rest of the paste).
  const cv::Rect box = paste_region(stored.size(), result.cols, a2s);
  const std::string icc = read_metadata(source.file).icc;
  cv::Mat region = stored(box).clone();
  image_io::detail::convert_to_srgb(region, icc); // may replace the buffer: not a view
  cv::Mat srgb = stored.clone();
  region.copyTo(srgb(box));
  const cv::Mat composite = paste_back(srgb, aligned, result, mask, a2s, options);
  cv::Mat back = composite(box).clone();
  image_io::detail::convert_from_srgb(back, icc);
  // Only what the edit changed takes the round trip back into the profile.
  cv::Mat differs;
  cv::compare(composite(box).reshape(1), region.reshape(1), differs, cv::CMP_NE);
  cv::Mat changed;
  cv::reduce(differs.reshape(1, box.height * box.width), changed, 1, cv::REDUCE_MAX);
  cv::Mat out = stored.clone();
  back.copyTo(out(box), changed.reshape(1, box.height));
  return out;
}

} // namespace drig::editing
