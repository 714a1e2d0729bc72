#pragma once

// Colour lock: a sampled edit keeps the source's skin tone and white balance
// where the edit does not ask to change them. Colour is compared in CIELAB
// over the face region both images share; only the low frequencies are
// corrected, so detail, shadows and the new expression stay as sampled.
#include <opencv2/core/mat.hpp>
#include <opencv2/core/matx.hpp>

namespace drig::editing {

enum class ColourLockMode {
  // Pose and expression edits: chroma (a*, b*) locked everywhere it drifted,
  // lightness only in its mean (the new shading stays).
  full,
  // Light edits: the new light's overall colour is kept; only the chroma
  // that drifted unevenly over the face (the albedo's hue) is locked.
  keep_light_colour,
};

struct ColourLockResult {
  cv::Mat image;             // CV_32FC3 RGB [0,1]
  double delta_e_before = 0; // CIEDE2000 of the mean skin colour, source vs result
  double delta_e_after = 0;  // the same after the lock
};

// source, result: CV_32FC3 RGB in [0,1], the same size (the aligned crop);
// region: CV_32FC1 in [0,1], the face both show. strength 0 returns the
// result unchanged (its delta E still measured). Error when the sizes or
// types disagree or the region is empty.
ColourLockResult lock_colour(const cv::Mat& source, const cv::Mat& result, const cv::Mat& region,
                             double strength, ColourLockMode mode = ColourLockMode::full);

// CIEDE2000 colour difference of two CIELAB colours (L* 0..100).
double ciede2000(const cv::Vec3d& lab1, const cv::Vec3d& lab2);

// The region-weighted mean CIELAB colour of an RGB [0,1] image.
cv::Vec3d mean_lab(const cv::Mat& rgb, const cv::Mat& region);

} // namespace drig::editing
