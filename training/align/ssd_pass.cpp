#include "training/align/ssd_pass.h"

#include "model/base/load_once.h"
#include "model/face_api/face_api_models.h"
#include "model/face_api/ssd_face_detector.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace drig::align {

namespace {

// The SSD's box (brows to chin, narrower than dlib's) on dlib's convention:
// mean ratios of dlib's box to the SSD's (side, and centre shift, in SSD
// widths), measured on the 101 faces where both fire among the shared
// portraits, albums and group photos (side 1.11 +- 0.11, shift -0.01 +- 0.10
// across, 0.08 +- 0.08 down).
constexpr double kSide = 1.11, kShiftX = 0.0, kShiftY = 0.08;

// The network sees 512x512: on a large photo a group's faces shrink below
// what it finds (~30 px). So it also looks at 512 px tiles at the photo's own
// resolution, overlapping by a quarter, where a face up to 128 px lies whole
// in one tile; bigger ones the whole-photo pass finds. Only where every face
// found is small against the photo (a group, not a portrait, which does not
// pay for them).
constexpr int kTile = 512, kStride = 384;
// A tile finds the faces up to its overlap whole; bigger ones are the
// whole-photo pass's, which sees them at 30 px or more. A bigger box from a
// tile is one the whole photo showed the network and it did not take: in a
// tile, at full size, a chest or a patterned dress can pass for a face.
constexpr double kLargestTileFace = kTile - kStride;

// The network does not take a face that fills the frame, as in a close-up
// or a profile portrait: a 500 px cut around a profile head of face-api's
// demo photo gave no face, and where no pass finds one the photo is looked
// at again, centred on a black canvas 2, 3 and then 4 times its size, until
// one does. That cut is found at 2x, its mirror image only at 4x; 85 crops
// without a face (backgrounds, bodies) gave nothing more.
constexpr int kZoomOut = 4;

face::SsdFace shifted(face::SsdFace f, int dx, int dy) {
  f.left += dx, f.right += dx, f.top += dy, f.bottom += dy;
  return f;
}

double overlap(const face::SsdFace& a, const face::SsdFace& b) {
  const double w = std::min(a.right, b.right) - std::max(a.left, b.left);
  const double h = std::min(a.bottom, b.bottom) - std::max(a.top, b.top);
  if (w <= 0 || h <= 0)
    return 0.0;
  const double area_a = (a.right - a.left) * (a.bottom - a.top);
  const double area_b = (b.right - b.left) * (b.bottom - b.top);
  return w * h / (area_a + area_b - w * h);
}

std::vector<face::SsdFace> detect(const face::SsdFaceDetector& net, const cv::Mat& rgb) {
  const cv::Mat image = rgb.isContinuous() ? rgb : rgb.clone();
  return net.detect(at::from_blob(image.data, {image.rows, image.cols, 3}, at::kByte), 0.5, 100,
                    false);
}

// Tile origins along one side: every kStride, the last flush with the edge.
std::vector<int> origins(int size) {
  std::vector<int> out;
  for (int o = 0; o + kTile < size; o += kStride)
    out.push_back(o);
  out.push_back(std::max(0, size - kTile));
  return out;
}

} // namespace

SsdPass::SsdPass(const std::filesystem::path& manifest)
    : net_(load_once<face::SsdFaceDetector>(manifest, "", [&] {
        count_load("face detector (ssd)");
        return std::make_shared<const face::SsdFaceDetector>(manifest);
      })) {}

SsdPass::~SsdPass() = default;

std::filesystem::path SsdPass::default_manifest() {
  return face::default_face_api_dir() / face::kSsdManifest;
}

std::vector<FaceCandidate> SsdPass::run(const cv::Mat& small, double scale,
                                        double largest_face) const {
  std::vector<face::SsdFace> found = detect(*net_, small);
  for (int zoom = 2; found.empty() && largest_face <= 0 && zoom <= kZoomOut; ++zoom) {
    const int dx = small.cols * (zoom - 1) / 2, dy = small.rows * (zoom - 1) / 2;
    cv::Mat canvas(small.rows * zoom, small.cols * zoom, CV_8UC3, cv::Scalar::all(0));
    small.copyTo(canvas(cv::Rect(dx, dy, small.cols, small.rows)));
    for (const face::SsdFace& f : detect(*net_, canvas)) {
      const face::SsdFace back = shifted(f, -dx, -dy);
      // Mostly on the photo, not on the black around it.
      const double w = std::min<double>(back.right, small.cols) - std::max(back.left, 0.0);
      const double h = std::min<double>(back.bottom, small.rows) - std::max(back.top, 0.0);
      if (w > 0 && h > 0 && w * h >= 0.5 * (back.right - back.left) * (back.bottom - back.top))
        found.push_back(back);
    }
  }
  for (const face::SsdFace& f : found)
    largest_face = std::max(largest_face, f.right - f.left);
  if (std::max(small.cols, small.rows) > kTile + kTile / 2 &&
      largest_face < std::min(small.cols, small.rows) / 4) {
    const std::vector<int> xs = origins(small.cols), ys = origins(small.rows);
    for (int y : ys)
      for (int x : xs) {
        const cv::Rect tile(x, y, std::min(kTile, small.cols - x), std::min(kTile, small.rows - y));
        for (const face::SsdFace& f : detect(*net_, small(tile))) {
          // A face cut by the tile's inner edge is whole in a neighbour.
          const bool cut = (f.left < 2 && x > 0) || (f.top < 2 && y > 0) ||
                           (f.right > tile.width - 2 && tile.br().x < small.cols) ||
                           (f.bottom > tile.height - 2 && tile.br().y < small.rows);
          if (!cut && f.right - f.left <= kLargestTileFace)
            found.push_back(shifted(f, x, y));
        }
      }
    std::stable_sort(
        found.begin(), found.end(),
        [](const face::SsdFace& a, const face::SsdFace& b) { return a.score > b.score; });
    std::vector<face::SsdFace> kept;
    for (const face::SsdFace& f : found)
      if (std::none_of(kept.begin(), kept.end(),
                       [&](const face::SsdFace& k) { return overlap(f, k) > 0.3; }))
        kept.push_back(f);
    found = std::move(kept);
  }
  std::vector<FaceCandidate> out;
  for (const face::SsdFace& f : found) {
    const double w = f.right - f.left;
    FaceCandidate c;
    c.centre = {(0.5 * (f.left + f.right) + kShiftX * w) * scale - 0.5,
                (0.5 * (f.top + f.bottom) + kShiftY * w) * scale - 0.5};
    c.size = kSide * w * scale;
    c.score = f.score;
    c.detector = "face-api-ssd";
    c.box = cv::Rect2d(f.left * scale, f.top * scale, w * scale, (f.bottom - f.top) * scale);
    out.push_back(c);
  }
  return out;
}

} // namespace drig::align
