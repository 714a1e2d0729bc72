#include "training/align/album_job.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/base/log.h"
#include "model/base/thread_pool.h"
#include "training/align/sidecar.h"
#include "training/ffhq_align/ffhq_align.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <set>

namespace drig::align {

namespace fs = std::filesystem;

const char* status_name(PhotoStatus status) {
  switch (status) {
  case PhotoStatus::Aligned:
    return "aligned";
  case PhotoStatus::UpToDate:
    return "up to date";
  case PhotoStatus::NoFace:
    return "no face";
  case PhotoStatus::TooSmall:
    return "face too small";
  case PhotoStatus::Unreadable:
    return "unreadable";
  case PhotoStatus::Failed:
    return "failed";
  }
  return "?";
}

int AlignSummary::count(PhotoStatus status) const {
  return static_cast<int>(std::count_if(photos.begin(), photos.end(),
                                        [&](const PhotoResult& p) { return p.status == status; }));
}

std::vector<fs::path> collect_photos(const std::vector<fs::path>& inputs) {
  std::vector<fs::path> photos;
  for (const fs::path& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      std::vector<fs::path> listed;
      for (const auto& entry : fs::directory_iterator(input, ec)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file(ec) || name.empty() || name[0] == '.' ||
            entry.path().extension() == ".json")
          continue;
        listed.push_back(entry.path());
      }
      DRIG_CHECK(!ec, "{}: cannot list the folder ({})", input.string(), ec.message());
      std::sort(listed.begin(), listed.end());
      photos.insert(photos.end(), listed.begin(), listed.end());
    } else {
      DRIG_CHECK(fs::exists(input, ec), "{}: no such file or folder", input.string());
      photos.push_back(input);
    }
  }
  return photos;
}

namespace {

// Whether the crop <stem>.png in `dir` is another photo's: its sidecar names
// a photo that exists and is not `photo`. A photo that is gone (an album
// moved elsewhere) gives its name up; a .json that is not a sidecar keeps it.
bool taken_by_another(const fs::path& dir, const std::string& stem, const fs::path& photo) {
  std::optional<AlignmentRecord> record;
  try {
    record = read_sidecar(dir / (stem + ".json"));
  } catch (const Error&) {
    return true;
  }
  std::error_code ec;
  return record && fs::exists(record->source, ec) && !fs::equivalent(record->source, photo, ec);
}

// The original names outputs <stem>.png; photos sharing a stem (a.jpg, a.png,
// one name in two folders, or in two runs into one folder, as the Studio's
// imports are) get _2, _3... instead of silently overwriting each other. A
// photo keeps the name its earlier run gave it.
std::vector<std::string> output_stems(const std::vector<fs::path>& photos, const fs::path& dir) {
  std::set<std::string> used;
  std::vector<std::string> stems;
  for (const fs::path& p : photos) {
    const std::string base = p.stem().string();
    std::string stem = base;
    for (int n = 2; used.count(stem) > 0 || taken_by_another(dir, stem, p); ++n)
      stem = base + "_" + std::to_string(n);
    used.insert(stem);
    stems.push_back(stem);
  }
  return stems;
}

fs::path output_png(const fs::path& dir, const std::string& stem, int face) {
  return dir / (face == 0 ? stem + ".png" : stem + "_face" + std::to_string(face + 1) + ".png");
}

// An earlier run's crops of this photo from `first_face` on (the photo had
// more faces then, or the run kept every face): what is in the folder is
// what this run found, so a dataset built from it takes no stale face. Only
// pairs whose sidecar names this photo are removed.
void remove_outputs_from(const fs::path& dir, const std::string& stem, int first_face,
                         const fs::path& photo) {
  for (int k = first_face;; ++k) {
    const fs::path png = output_png(dir, stem, k);
    std::optional<AlignmentRecord> record;
    try {
      record = read_sidecar(sidecar_path(png));
    } catch (const Error&) {
      return; // not ours to remove
    }
    std::error_code ec;
    if (!record || !fs::equivalent(record->source, photo, ec))
      return;
    fs::remove(png, ec);
    fs::remove(sidecar_path(png), ec);
  }
}

void write_png_atomic(const fs::path& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> bytes;
  DRIG_CHECK(cv::imencode(".png", bgr, bytes), "{}: PNG encoding failed", path.string());
  write_file_atomic(path,
                    std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

PhotoResult align_one(const fs::path& photo, const std::string& stem,
                      const AlignJobOptions& options, const FaceDetector& detector) {
  PhotoResult result;
  result.source = photo;
  const SourceStamp quick = stamp_source(photo, false);
  const fs::path first = output_png(options.output_dir, stem, 0);
  if (!options.force && fs::exists(first) &&
      sidecar_matches(sidecar_path(first), quick, options.size, options.all_faces,
                      options.allow_small_faces)) {
    result.status = PhotoStatus::UpToDate;
    result.outputs.push_back(first);
    // Every face an --all-faces run wrote, as it listed them.
    for (int k = 1; options.all_faces; ++k) {
      const fs::path next = output_png(options.output_dir, stem, k);
      if (!fs::exists(next) || !sidecar_matches(sidecar_path(next), quick, options.size, true,
                                                options.allow_small_faces))
        break;
      result.outputs.push_back(next);
    }
    try {
      if (const auto record = read_sidecar(sidecar_path(first)))
        result.faces_found = record->faces_found;
    } catch (const Error&) {
      result.faces_found = int(result.outputs.size());
    }
    return result;
  }
  image_io::LoadedImage loaded;
  image_io::LoadOptions load = options.load;
  load.keep_unconverted = true;
  try {
    loaded = image_io::load_image(photo, load);
  } catch (const Error& e) {
    result.status = PhotoStatus::Unreadable;
    result.reason = e.what();
    return result;
  }
  const cv::Mat rgb = image_io::to_rgb8(loaded.rgb);
  loaded.rgb.release();
  // Faces are searched on the pixels the original saw (it ignores ICC
  // profiles), so boxes and landmarks stay the original's; the crop itself
  // comes from the colour-managed pixels.
  const bool raw = !loaded.unconverted.empty();
  const std::vector<DetectedFace> faces =
      detector.detect(raw ? image_io::to_rgb8(loaded.unconverted) : rgb);
  loaded.unconverted.release();
  result.faces_found = static_cast<int>(faces.size());
  if (faces.empty()) {
    result.status = PhotoStatus::NoFace;
    result.reason = fmt::format("no face found ({}x{} pixels)", rgb.cols, rgb.rows);
    remove_outputs_from(options.output_dir, stem, 0, photo);
    return result;
  }
  SourceStamp stamp = stamp_source(photo, true);
  ffhq::AlignParams params;
  params.output_size = options.size;
  params.upscale_small = options.allow_small_faces;
  int written = 0;
  for (size_t k = 0; k < faces.size(); ++k) {
    const ffhq::AlignResult aligned = ffhq::align_face(rgb, faces[k].landmarks, params);
    if (aligned.image.empty()) {
      result.reason = aligned.failure;
      continue; // as the original: the next face gets a try
    }
    const fs::path png = output_png(options.output_dir, stem, written);
    write_png_atomic(png, aligned.image);
    SidecarInput in;
    in.source = stamp;
    in.image = loaded.info;
    in.image_width = rgb.cols;
    in.image_height = rgb.rows;
    in.face_index = static_cast<int>(k);
    in.faces_found = result.faces_found;
    in.all_faces = options.all_faces;
    in.face = &faces[k];
    in.aligned = &aligned;
    in.output_size = options.size;
    write_file_atomic(sidecar_path(png), make_sidecar(in).dump(1) + "\n");
    result.outputs.push_back(png);
    if (options.keep_crops)
      result.crops.push_back(aligned.image);
    result.detectors.push_back(faces[k].detector);
    ++written;
    if (!options.all_faces)
      break;
  }
  remove_outputs_from(options.output_dir, stem, written, photo);
  if (written == 0) {
    result.status = PhotoStatus::TooSmall;
    result.reason = fmt::format("every face is too small for {}x{} output ({})", options.size,
                                options.size, result.reason);
  } else {
    result.status = PhotoStatus::Aligned;
    result.reason.clear();
  }
  return result;
}

} // namespace

void AlignJobOptions::check(OptionCheck& c) const {
  c.require(!inputs.empty(), "no photos given");
  c.require_existing(inputs);
  c.require(!output_dir.empty(), "no output folder given");
  c.require(size >= 16 && size <= 4096,
            fmt::format("output size must be between 16 and 4096 pixels, got {}", size));
  c.require(workers >= 0, fmt::format("workers must be 0 (one per core) or more, got {}", workers));
}

AlignSummary align_album(const AlignJobOptions& options, const JobContext& job) {
  OptionCheck checked;
  options.check(checked);
  checked.throw_if_failed("align");
  const std::vector<fs::path> photos = collect_photos(options.inputs);
  std::error_code ec;
  fs::create_directories(options.output_dir, ec);
  DRIG_CHECK(fs::is_directory(options.output_dir), "{}: cannot create the output folder ({})",
             options.output_dir.string(), ec.message());
  const FaceDetector detector(options.detector);
  const std::vector<std::string> stems = output_stems(photos, options.output_dir);

  AlignSummary summary;
  ProgressReporter progress(job, "align", static_cast<int64_t>(photos.size()));
  std::vector<std::future<PhotoResult>> pending;
  {
    ThreadPool pool(options.workers);
    for (size_t i = 0; i < photos.size(); ++i) {
      pending.push_back(pool.submit([&, i]() -> PhotoResult {
        if (job.cancel.cancelled())
          throw CancelledError();
        PhotoResult r;
        try {
          r = align_one(photos[i], stems[i], options, detector);
        } catch (const CancelledError&) {
          throw;
        } catch (const std::exception& e) {
          // Anything unexpected (out of memory on one photo, a disk error)
          // costs that photo only.
          r.source = photos[i];
          r.status = PhotoStatus::Failed;
          r.reason = e.what();
        }
        progress.advance(1, photos[i].filename().string());
        return r;
      }));
    }
    for (std::future<PhotoResult>& f : pending) {
      try {
        summary.photos.push_back(f.get());
      } catch (const CancelledError&) {
        summary.cancelled = true;
      } catch (const std::future_error&) {
        summary.cancelled = true;
      }
      if (job.cancel.cancelled() && !summary.cancelled) {
        summary.cancelled = true;
        pool.discard_pending();
      }
    }
  }
  if (summary.cancelled)
    spdlog::info("align: cancelled after {} of {} photos; finished outputs were kept",
                 summary.photos.size(), photos.size());
  return summary;
}

} // namespace drig::align
