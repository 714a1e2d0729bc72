// diffusionrig align: the original scripts/align.py over an album, with
// robust loading, better detection, sidecars, progress and clean cancel.
#include "app/cli/align.h"

#include "model/base/error.h"
#include "training/align/album_job.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace drig::cli {

namespace {

void print_summary(const align::AlignSummary& s, std::ostream& out) {
  out << fmt::format("\n{:<16} {:>6}\n", "result", "photos");
  for (align::PhotoStatus st :
       {align::PhotoStatus::Aligned, align::PhotoStatus::UpToDate, align::PhotoStatus::NoFace,
        align::PhotoStatus::TooSmall, align::PhotoStatus::Unreadable, align::PhotoStatus::Failed})
    if (s.count(st) > 0)
      out << fmt::format("{:<16} {:>6}\n", align::status_name(st), s.count(st));
  int fallback = 0, extra_faces = 0;
  for (const align::PhotoResult& p : s.photos) {
    for (const std::string& d : p.detectors)
      fallback += d != "dlib-hog";
    extra_faces +=
        p.status == align::PhotoStatus::Aligned && p.outputs.size() == 1 && p.faces_found > 1;
  }
  if (fallback > 0)
    out << fmt::format("{} face(s) found only by the fallback detectors\n", fallback);
  if (extra_faces > 0)
    out << fmt::format("{} photo(s) had several faces: the largest was kept (--all-faces keeps "
                       "every one)\n",
                       extra_faces);
  bool header = false;
  for (const align::PhotoResult& p : s.photos) {
    if (p.status == align::PhotoStatus::Aligned || p.status == align::PhotoStatus::UpToDate)
      continue;
    if (!header)
      out << "\nnot aligned:\n";
    header = true;
    out << fmt::format("  {} [{}]: {}\n", p.source.string(), align::status_name(p.status),
                       p.reason);
  }
}

} // namespace

CommandRunner add_align_command(CLI::App& sub) {
  auto o = std::make_shared<align::AlignJobOptions>();
  sub.add_option("-i,--input", o->inputs, "Photo folder(s) and/or photo files")
      ->required()
      ->check(CLI::ExistingPath);
  sub.add_option("-o,--output", o->output_dir, "Folder for the aligned PNGs and their sidecars")
      ->required();
  sub.add_option("-s,--size", o->size, "Output size in pixels (N x N)")->capture_default_str();
  sub.add_flag("--all-faces", o->all_faces,
               "One aligned crop per face (default: the largest face of each photo)");
  sub.add_option("--workers", o->workers, "Photos processed at once (0: one per core)")
      ->capture_default_str();
  sub.add_flag("--force", o->force, "Re-align photos whose outputs are up to date");
  sub.add_flag("--allow-small-faces", o->allow_small_faces,
               "Upscale faces smaller than the output instead of skipping them (for editing; "
               "create-data refuses them)");
  sub.add_option("--max-megapixels", o->load.max_megapixels,
                 "Refuse images larger than this (decompression-bomb guard)")
      ->capture_default_str();
  auto keep_colours = std::make_shared<bool>(false);
  auto keep_orientation = std::make_shared<bool>(false);
  sub.add_flag("--ignore-icc", *keep_colours,
               "Keep the stored colours instead of converting embedded ICC profiles to sRGB (as "
               "the original does)");
  sub.add_flag("--ignore-exif-orientation", *keep_orientation,
               "Keep photos as stored instead of turning them by their EXIF orientation (as the "
               "original does)");
  sub.add_option("--exact-megapixels", o->detector.exact_megapixels,
                 "Photos up to this size are searched at full resolution, as the original does")
      ->capture_default_str();
  sub.add_option("--detect-megapixels", o->detector.detect_megapixels,
                 "Larger photos are searched on a copy of this size (landmarks use full "
                 "resolution)")
      ->capture_default_str();
  sub.add_option("--landmark-model", o->detector.landmark_model,
                 "dlib 68-point shape predictor (default: "
                 "/usr/share/dlib/shape_predictor_68_face_landmarks.dat)");
  sub.add_option("--ssd-model", o->detector.ssd_model,
                 "face-api's SSD detector manifest (default: "
                 "ssd_mobilenetv1_model-weights_manifest.json in the face-api models folder, "
                 "used when present)");
  auto no_ssd = std::make_shared<bool>(false);
  sub.add_flag("--no-ssd", *no_ssd,
               "Without face-api's SSD detector stage (it adds faces the others missed)");
  auto no_fallbacks = std::make_shared<bool>(false);
  sub.add_flag("--original-detector-only", *no_fallbacks,
               "Only the original align.py detector: no fallback passes, no SSD stage");
  return [o, no_fallbacks, no_ssd, keep_colours, keep_orientation](CommandEnv& env) {
    o->detector.fallbacks = !*no_fallbacks;
    o->detector.ssd = !*no_fallbacks && !*no_ssd;
    o->load.convert_icc = !*keep_colours;
    o->load.apply_orientation = !*keep_orientation;
    const align::AlignSummary s = align::align_album(*o, env.job);
    print_summary(s, std::cout);
    if (s.cancelled)
      throw CancelledError();
    return s.usable() > 0 || s.photos.empty() ? 0 : 1;
  };
}

} // namespace drig::cli
