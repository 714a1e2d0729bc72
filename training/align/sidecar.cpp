#include "training/align/sidecar.h"

#include "drig/version.h"
#include "model/base/error.h"

#include <dlib/md5.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>

namespace drig::align {

namespace fs = std::filesystem;
using nlohmann::json;

SourceStamp stamp_source(const fs::path& path, bool with_md5) {
  SourceStamp s;
  std::error_code ec;
  s.path = fs::absolute(path, ec);
  s.size_bytes = fs::file_size(path, ec);
  const auto mtime = fs::last_write_time(path, ec);
  if (!ec)
    s.mtime_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  if (with_md5) {
    std::ifstream in(path, std::ios::binary);
    DRIG_CHECK(in.good(), "{}: cannot read the photo", path.string());
    s.md5 = dlib::md5(in);
  }
  return s;
}

namespace {

json point_list(const std::vector<cv::Point2d>& points) {
  json out = json::array();
  for (const cv::Point2d& p : points)
    out.push_back({p.x, p.y});
  return out;
}

json matrix(const cv::Matx23d& m) {
  return json::array({{m(0, 0), m(0, 1), m(0, 2)}, {m(1, 0), m(1, 1), m(1, 2)}});
}

} // namespace

json make_sidecar(const SidecarInput& in) {
  DRIG_CHECK(in.face != nullptr && in.aligned != nullptr, "sidecar needs a face and its alignment");
  const ffhq::AlignTrace& t = in.aligned->trace;
  json quad = json::array();
  for (const cv::Point2d& c : t.quad_source.corners)
    quad.push_back({c.x, c.y});
  json j;
  j["format"] = "diffusionrig-align-sidecar";
  j["version"] = 1;
  j["tool"] = std::string("diffusionrig ") + kVersion;
  j["source"] = {{"path", in.source.path.string()},
                 {"md5", in.source.md5},
                 {"size_bytes", in.source.size_bytes},
                 {"mtime_ns", in.source.mtime_ns}};
  const image_io::ImageInfo& info = in.image;
  j["image"] = {{"format", image_io::format_name(info.format)},
                {"stored_width", info.source_width},
                {"stored_height", info.source_height},
                {"width", in.image_width},
                {"height", in.image_height},
                {"bit_depth", info.bit_depth},
                {"colour_model", info.colour_model},
                {"had_alpha", info.had_alpha},
                {"exif_orientation", info.exif_orientation},
                {"orientation_applied", info.orientation_applied},
                {"icc_profile", info.had_icc_profile},
                {"icc_converted", info.icc_converted},
                {"icc_description", info.icc_description}};
  const DetectedFace& f = *in.face;
  j["face"] = {{"index", in.face_index},
               {"faces_found", in.faces_found},
               {"selection", in.all_faces ? "all-faces" : "largest"},
               {"detector", f.detector},
               {"landmark_model", f.landmark_model},
               {"score", f.score},
               {"box_ltrb_inclusive", {f.box.left, f.box.top, f.box.right, f.box.bottom}},
               {"landmarks68", point_list(f.landmarks)}};
  json crop = {t.crop[0], t.crop[1], t.crop[2], t.crop[3]};
  json pad = {t.pad[0], t.pad[1], t.pad[2], t.pad[3]};
  j["alignment"] = {{"output_size", in.output_size},
                    {"quad_nw_sw_se_ne", quad},
                    {"qsize", t.quad_source.qsize},
                    {"shrink", t.shrink},
                    {"crop", t.cropped ? crop : json(nullptr)},
                    {"pad", t.padded ? pad : json(nullptr)},
                    {"blur", t.blur},
                    {"transform_data", t.transform_data},
                    // Coordinates are pixel-centre based (a pixel's centre is at +0.5) in
                    // both images, and the source frame is the photo after EXIF orientation.
                    {"aligned_to_source", matrix(in.aligned->aligned_to_source)},
                    {"source_to_aligned", matrix(in.aligned->source_to_aligned)}};
  if (in.aligned->upscaled) // absent otherwise: sidecars of earlier versions read the same
    j["alignment"]["upscaled_from_px"] = in.aligned->region_px;
  return j;
}

fs::path sidecar_path(const fs::path& aligned_png) {
  fs::path p = aligned_png;
  p.replace_extension(".json");
  return p;
}

std::vector<cv::Point2d> AlignmentRecord::aligned_landmarks(double size) const {
  const double k = size / double(output_size);
  std::vector<cv::Point2d> out;
  for (const cv::Point2d& p : landmarks) {
    const cv::Vec3d centre(p.x + 0.5, p.y + 0.5, 1.0);
    const cv::Vec2d a = source_to_aligned * centre;
    out.emplace_back(a[0] * k - 0.5, a[1] * k - 0.5);
  }
  return out;
}

std::optional<AlignmentRecord> read_sidecar(const fs::path& sidecar) {
  std::ifstream in(sidecar);
  if (!in)
    return std::nullopt;
  const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  DRIG_CHECK(!j.is_discarded() && j.is_object(), "{}: not a JSON object (alignment sidecar)",
             sidecar.string());
  AlignmentRecord r;
  try {
    const json& a = j.at("alignment");
    const auto read_matrix = [](const json& m) {
      cv::Matx23d out;
      for (int row = 0; row < 2; ++row)
        for (int col = 0; col < 3; ++col)
          out(row, col) = m.at(row).at(col).get<double>();
      return out;
    };
    r.output_size = a.value("output_size", 256);
    r.aligned_to_source = read_matrix(a.at("aligned_to_source"));
    r.source_to_aligned = read_matrix(a.at("source_to_aligned"));
    for (const json& p : j.at("face").at("landmarks68"))
      r.landmarks.emplace_back(p.at(0).get<double>(), p.at(1).get<double>());
    r.source = j.at("source").at("path").get<std::string>();
    r.faces_found = j.at("face").value("faces_found", 0);
    r.orientation_applied = j.at("image").value("orientation_applied", true);
    r.icc_converted = j.at("image").value("icc_converted", false);
    r.region_px = a.value("upscaled_from_px", 0);
    r.upscaled = r.region_px > 0;
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: unreadable alignment sidecar ({})", sidecar.string(), e.what()));
  }
  DRIG_CHECK(r.landmarks.size() == 68, "{}: {} landmarks, expected 68 (alignment sidecar)",
             sidecar.string(), r.landmarks.size());
  DRIG_CHECK(r.output_size > 0, "{}: output_size {} (alignment sidecar)", sidecar.string(),
             r.output_size);
  return r;
}

bool sidecar_matches(const fs::path& sidecar, const SourceStamp& source, int output_size,
                     bool all_faces, bool allow_small_faces) {
  std::ifstream in(sidecar);
  if (!in)
    return false;
  const json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return false;
  try {
    return j.at("format") == "diffusionrig-align-sidecar" &&
           j.at("source").at("size_bytes").get<std::uintmax_t>() == source.size_bytes &&
           j.at("source").at("mtime_ns").get<long long>() == source.mtime_ns &&
           j.at("alignment").at("output_size").get<int>() == output_size &&
           (j.at("face").at("selection") == "all-faces") == all_faces &&
           (allow_small_faces || !j.at("alignment").contains("upscaled_from_px"));
  } catch (const json::exception&) {
    return false;
  }
}

} // namespace drig::align
