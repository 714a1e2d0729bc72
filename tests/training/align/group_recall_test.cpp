// Recall on the annotated group photos (dlib's XML boxes): every face, as
// --all-faces keeps them, against the original detector on the same photos.
#include "tests/support/test_paths.h"
#include "tests/training/align/reference_faces.h"
#include "training/align/dlib_hog.h"
#include "training/align/face_detector.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace drig::align {
namespace {

namespace fs = std::filesystem;

// One annotated face: dlib's box and, in training_with_face_landmarks.xml,
// its 68 landmarks.
struct Annotated {
  Box box;
  std::vector<cv::Point2d> landmarks;
};

std::map<std::string, std::vector<Annotated>> read_dlib_xml(const fs::path& xml) {
  std::ifstream in(xml);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  std::map<std::string, std::vector<Annotated>> faces;
  const std::regex image_re("<image file='([^']+)'");
  const std::regex box_re("<box top='(-?\\d+)' left='(-?\\d+)' width='(\\d+)' height='(\\d+)'");
  const std::regex part_re("<part name='\\d+' x='(-?\\d+)' y='(-?\\d+)'");
  std::string current;
  std::istringstream lines(s);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, image_re)) {
      current = m[1];
      faces[current];
    } else if (std::regex_search(line, m, box_re) && !current.empty()) {
      const long top = std::stol(m[1]), left = std::stol(m[2]);
      faces[current].push_back(
          {Box{left, top, left + std::stol(m[3]) - 1, top + std::stol(m[4]) - 1}, {}});
    } else if (std::regex_search(line, m, part_re) && !current.empty() && !faces[current].empty()) {
      faces[current].back().landmarks.emplace_back(std::stod(m[1]), std::stod(m[2]));
    }
  }
  return faces;
}

// The boxes of annotated or detected faces.
template <class Face>
std::vector<Box> boxes_of(const std::vector<Face>& faces) {
  std::vector<Box> boxes;
  for (const Face& f : faces)
    boxes.push_back(f.box);
  return boxes;
}

struct Score {
  int truth = 0, found = 0, false_faces = 0;
};

void tally(const std::vector<Box>& truth, const std::vector<Box>& detected, Score& s) {
  s.truth += static_cast<int>(truth.size());
  for (const Box& t : truth)
    s.found += std::any_of(detected.begin(), detected.end(),
                           [&](const Box& d) { return iou(t, d) >= 0.5; });
  for (const Box& d : detected)
    s.false_faces +=
        std::none_of(truth.begin(), truth.end(), [&](const Box& t) { return iou(t, d) >= 0.5; });
}

cv::Mat read_rgb(const fs::path& file) {
  cv::Mat bgr = cv::imread(file.string(), cv::IMREAD_COLOR);
  cv::Mat rgb;
  if (!bgr.empty())
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

FaceDetector without_ssd() {
  DetectorOptions o;
  o.ssd = false;
  return FaceDetector(o);
}

TEST(GroupRecall, AllFacesRecallIsAtLeastTheOriginals) {
  DRIG_REQUIRE_SHARED();
  const fs::path dir = test::shared_dir() / "testdata/faces/groups";
  const auto annotated = read_dlib_xml(dir / "training.xml");
  ASSERT_GE(annotated.size(), 4u);
  HogDetector original;
  const FaceDetector ours = without_ssd();
  Score s_orig, s_ours;
  for (const auto& [file, truth] : annotated) {
    const cv::Mat rgb = read_rgb(dir / file);
    ASSERT_FALSE(rgb.empty()) << file;
    tally(boxes_of(truth), boxes_of(original.detect(rgb, 1)), s_orig);
    tally(boxes_of(truth), boxes_of(ours.detect(rgb)), s_ours);
  }
  std::cout << "annotated faces " << s_orig.truth << ": original found " << s_orig.found
            << " (false " << s_orig.false_faces << "), ours found " << s_ours.found << " (false "
            << s_ours.false_faces << ")\n";
  EXPECT_GE(s_ours.found, s_orig.found);
  EXPECT_LE(s_ours.false_faces, s_orig.false_faces + 2);
  EXPECT_GE(double(s_ours.found) / s_ours.truth, 0.8);
}

// Where the nose tip lies along the jaw line, 0 at the face's right jaw end
// (the image's left), 1 at its left: about 0.5 for a frontal face, within the
// outer 15 % for a head turned about 60 degrees or more.
double turn(const std::vector<cv::Point2d>& lm) {
  return (lm[30].x - lm[0].x) / (lm[16].x - lm[0].x);
}

// The group photos' faces turned furthest towards profile, as photographed
// and mirrored (so each looks both ways): found, with landmarks that turn
// the same way and put the nose tip where the annotation has it.
TEST(GroupRecall, FindsFacesTurnedTowardsProfileEitherWay) {
  DRIG_REQUIRE_SHARED();
  const fs::path dir = test::shared_dir() / "testdata/faces/groups";
  const FaceDetector detector;
  HogDetector original;
  int profiles = 0, found = 0, original_found = 0;
  double worst_nose = 0, worst_turn = 0;
  for (const auto& [file, truth] : read_dlib_xml(dir / "training_with_face_landmarks.xml")) {
    const cv::Mat photo = read_rgb(dir / file);
    ASSERT_FALSE(photo.empty()) << file;
    for (const Annotated& face : truth) {
      ASSERT_EQ(face.landmarks.size(), 68u) << file;
      if (const double t = turn(face.landmarks); t > 0.15 && t < 0.85)
        continue;
      for (const bool mirrored : {false, true}) {
        SCOPED_TRACE(file + (mirrored ? " mirrored" : "") + " face at x " +
                     std::to_string(face.box.left));
        cv::Mat rgb = photo; // a new header: flip() into it would write into photo
        Annotated want = face;
        if (mirrored) {
          rgb = cv::Mat();
          cv::flip(photo, rgb, 1);
          const long last = rgb.cols - 1;
          want.box.left = last - face.box.right;
          want.box.right = last - face.box.left;
          // Mirrored, the annotation's point 0 lies on the image's right:
          // the nose tip keeps its place, the turn becomes 1 - t.
          for (cv::Point2d& p : want.landmarks)
            p.x = double(last) - p.x;
        }
        const double want_turn = mirrored ? 1 - turn(face.landmarks) : turn(face.landmarks);
        ++profiles;
        const auto matches = [&](const Box& b) { return iou(b, want.box) >= 0.5; };
        const std::vector<Box> by_original = boxes_of(original.detect(rgb, 1));
        original_found += std::any_of(by_original.begin(), by_original.end(), matches);
        const std::vector<DetectedFace> faces = detector.detect(rgb);
        const auto hit = std::find_if(faces.begin(), faces.end(),
                                      [&](const DetectedFace& f) { return matches(f.box); });
        EXPECT_NE(hit, faces.end()) << "not found";
        if (hit == faces.end())
          continue;
        ++found;
        const double got_turn = turn(hit->landmarks);
        const double nose = cv::norm(hit->landmarks[30] - want.landmarks[30]) / want.box.width();
        worst_turn = std::max(worst_turn, std::abs(got_turn - want_turn));
        worst_nose = std::max(worst_nose, nose);
        EXPECT_EQ(got_turn < 0.5, want_turn < 0.5) << "turned the wrong way: " << got_turn;
        EXPECT_LT(std::abs(got_turn - want_turn), 0.1) << got_turn << " vs " << want_turn;
        EXPECT_LT(nose, 0.1) << "nose tip off by " << nose << " box widths";
      }
    }
  }
  std::cout << profiles << " faces turned towards profile (both ways): found " << found
            << " (the original " << original_found << "); worst turn error " << worst_turn
            << ", worst nose tip error " << worst_nose << " box widths\n";
  // Measured: 8 of 8 found (4 faces, both ways), worst turn error 0.025,
  // worst nose tip error 0.027 box widths; ../shared has no face turned the
  // full 90 degrees.
  EXPECT_GE(profiles, 6);
  EXPECT_GE(found, original_found);
}

// A crowd made from the reference portraits: one cell per portrait and
// condition, the conditions HOG is known to miss in real group photos (a
// tilted head, a dim face, a face behind a hand, a blurred face) beside
// untouched faces, so the HOG-only cascade finds some faces and its
// nothing-found fallbacks do not run. Returns the truth: each face's
// landmarks.
struct Crowd {
  cv::Mat rgb;
  std::vector<std::string> condition;
  std::vector<std::vector<cv::Point2d>> faces;
};

Crowd make_crowd() {
  constexpr int kCell = 260;
  const std::vector<std::string> conditions = {"untouched", "tilted 45 degrees", "dark and noisy",
                                               "face mask", "sunglasses"};
  std::vector<std::pair<cv::Mat, std::vector<cv::Point2d>>> bases;
  for (const test::ReferenceFace& face : test::reference_portraits("portraits/", 8))
    bases.emplace_back(face.rgb, face.landmarks);
  const int rows = int(bases.size());
  Crowd crowd;
  crowd.rgb =
      cv::Mat(rows * kCell, int(conditions.size()) * kCell, CV_8UC3, cv::Scalar(90, 90, 90));
  for (int r = 0; r < rows; ++r) {
    const auto& [rgb, lm] = bases[size_t(r)];
    // Each face scaled to a 110 px wide jaw line, centred in its cell.
    const double jaw = cv::norm(lm[16] - lm[0]);
    cv::Point2d centre(0, 0);
    for (const cv::Point2d& p : lm)
      centre += p * (1.0 / double(lm.size()));
    for (size_t c = 0; c < conditions.size(); ++c) {
      const double angle = conditions[c] == "tilted 45 degrees" ? 45.0 : 0.0;
      cv::Matx23d m(cv::getRotationMatrix2D(cv::Point2f(float(centre.x), float(centre.y)), angle,
                                            110.0 / jaw));
      m(0, 2) += (double(c) + 0.5) * kCell - centre.x;
      m(1, 2) += (r + 0.5) * kCell - centre.y;
      cv::Mat cell(crowd.rgb.size(), CV_8UC3);
      cv::Mat mask(rgb.size(), CV_8U, cv::Scalar(255)), placed;
      cv::warpAffine(rgb, cell, cv::Mat(m), crowd.rgb.size(), cv::INTER_AREA);
      cv::warpAffine(mask, placed, cv::Mat(m), crowd.rgb.size(), cv::INTER_NEAREST);
      const cv::Rect roi(int(c) * kCell, r * kCell, kCell, kCell);
      cv::Mat face = cell(roi);
      if (conditions[c] == "dark and noisy") {
        cv::Mat noise(face.size(), CV_8UC3);
        cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(14));
        face.convertTo(face, -1, 0.3, 0);
        face += noise;
      }
      std::vector<cv::Point2d> truth;
      for (const cv::Point2d& p : lm)
        truth.push_back(
            {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)});
      if (conditions[c] == "face mask") {
        std::vector<cv::Point> outline;
        for (int i : {1, 28, 15, 12, 8, 4})
          outline.emplace_back(int(truth[size_t(i)].x), int(truth[size_t(i)].y));
        cv::fillConvexPoly(cell, outline, cv::Scalar(110, 160, 215));
      }
      if (conditions[c] == "sunglasses")
        for (int i : {37, 44})
          cv::ellipse(cell, cv::Point(int(truth[size_t(i)].x), int(truth[size_t(i)].y + 2)),
                      cv::Size(22, 15), 0, 0, 360, cv::Scalar(15, 15, 15), cv::FILLED);
      cell(roi).copyTo(crowd.rgb(roi), placed(roi));
      crowd.condition.push_back(conditions[c]);
      crowd.faces.push_back(truth);
    }
  }
  return crowd;
}

// A detection finds a face when its landmarks' centre is within a fifth of
// the jaw width of the truth's.
bool finds(const DetectedFace& f, const std::vector<cv::Point2d>& truth) {
  cv::Point2d a(0, 0), b(0, 0);
  for (size_t i = 0; i < truth.size(); ++i) {
    a += f.landmarks[i] * (1.0 / double(truth.size()));
    b += truth[i] * (1.0 / double(truth.size()));
  }
  return cv::norm(a - b) < 0.2 * cv::norm(truth[16] - truth[0]);
}

// The SSD stage against the HOG-only cascade: in the crowd it must find
// more of the faces, without many false ones; on the annotated group photos
// and the portraits it must lose none (the HOG boxes stay as they were).
TEST(GroupRecall, SsdStageFindsMoreThanTheHogOnlyCascade) {
  DRIG_REQUIRE_SHARED();
  const FaceDetector with_ssd;
  if (!with_ssd.has_ssd())
    GTEST_SKIP() << "no face-api SSD model (packaging/bootstrap.sh installs it)";
  const FaceDetector hog_only = without_ssd();
  const fs::path dir = test::shared_dir() / "testdata/faces/groups";
  Score s_hog, s_ssd;
  int by_ssd = 0;
  for (const auto& [file, truth] : read_dlib_xml(dir / "training.xml")) {
    const cv::Mat rgb = read_rgb(dir / file);
    ASSERT_FALSE(rgb.empty()) << file;
    const std::vector<DetectedFace> hog_faces = hog_only.detect(rgb);
    const std::vector<DetectedFace> ssd_faces = with_ssd.detect(rgb);
    tally(boxes_of(truth), boxes_of(hog_faces), s_hog);
    tally(boxes_of(truth), boxes_of(ssd_faces), s_ssd);
    for (const DetectedFace& f : ssd_faces) {
      by_ssd += f.detector == "face-api-ssd";
      EXPECT_EQ(f.landmarks.size(), 68u) << file;
    }
    // The original's faces are kept as they were.
    for (const DetectedFace& h : hog_faces) {
      if (h.detector != "dlib-hog")
        continue;
      EXPECT_TRUE(std::any_of(ssd_faces.begin(), ssd_faces.end(), [&](const DetectedFace& f) {
        return f.box.left == h.box.left && f.box.top == h.box.top && f.box.right == h.box.right &&
               f.box.bottom == h.box.bottom;
      })) << file;
    }
  }
  int portraits = 0, hog_portraits = 0, ssd_portraits = 0;
  for (const auto& entry :
       fs::directory_iterator(test::shared_dir() / "testdata/faces/portraits")) {
    const cv::Mat rgb = read_rgb(entry.path());
    ASSERT_FALSE(rgb.empty()) << entry.path();
    ++portraits;
    hog_portraits += !hog_only.detect(rgb).empty();
    ssd_portraits += !with_ssd.detect(rgb).empty();
  }
  const Crowd crowd = make_crowd();
  const std::vector<DetectedFace> crowd_hog = hog_only.detect(crowd.rgb);
  const std::vector<DetectedFace> crowd_ssd = with_ssd.detect(crowd.rgb);
  std::map<std::string, std::pair<int, int>> by_condition;
  int crowd_hog_found = 0, crowd_ssd_found = 0;
  for (size_t i = 0; i < crowd.faces.size(); ++i) {
    const auto hit = [&](const std::vector<DetectedFace>& found) {
      return std::any_of(found.begin(), found.end(),
                         [&](const DetectedFace& f) { return finds(f, crowd.faces[i]); });
    };
    const bool h = hit(crowd_hog), s = hit(crowd_ssd);
    crowd_hog_found += h;
    crowd_ssd_found += s;
    by_condition[crowd.condition[i]].first += h;
    by_condition[crowd.condition[i]].second += s;
  }
  std::cout << "crowd of " << crowd.faces.size() << " faces: HOG-only cascade found "
            << crowd_hog_found << " of " << crowd_hog.size() << " detections, with the SSD stage "
            << crowd_ssd_found << " of " << crowd_ssd.size() << ";";
  for (const auto& [condition, n] : by_condition)
    std::cout << " " << condition << " " << n.first << "/" << n.second;
  std::cout << "\n";
  std::cout << "annotated group faces " << s_hog.truth << ": HOG-only cascade found " << s_hog.found
            << " (false " << s_hog.false_faces << "), with the SSD stage " << s_ssd.found
            << " (false " << s_ssd.false_faces << ", " << by_ssd
            << " faces added by the SSD); portraits with a face: " << hog_portraits << " / "
            << ssd_portraits << " of " << portraits << "\n";
  // Measured: 28 of 40 crowd faces without the SSD stage, 35 with it
  // (masks 2 -> 7 of 8); HOG finds all 18 annotated group faces already.
  EXPECT_GE(crowd_ssd_found, crowd_hog_found + 4);
  EXPECT_LE(int(crowd_ssd.size()) - crowd_ssd_found, 4) << "detections that are no face";
  EXPECT_GE(s_ssd.found, s_hog.found);
  EXPECT_LE(s_ssd.false_faces, s_hog.false_faces + 2);
  EXPECT_EQ(ssd_portraits, portraits);
  EXPECT_GE(ssd_portraits, hog_portraits);
}

} // namespace
} // namespace drig::align
