#include "app/cli/doctor_report.h"

#include "drig/version.h"
#include "model/base/error.h"
#include "model/base/paths.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace drig::cli {

DoctorReport run_doctor(const GlobalOptions& options) {
  DoctorReport r;
  r.version = kVersion;
  r.torch = torch_runtime_info();
  r.device_requested = options.device;
  try {
    const c10::Device device = resolve_device(DeviceSpec::parse(options.device));
    r.device_selected = device.str();
    r.device_description = describe_device(device);
  } catch (const Error& e) {
    r.problems.push_back(e.what());
  }
  if (!r.torch.cuda_available)
    r.notes.push_back(r.torch.built_with_cuda
                          ? "no CUDA GPU found: generation and training run on the CPU (slow)"
                          : "CPU-only LibTorch: for GPU generation build against a CUDA LibTorch "
                            "(README, 'GPU set-up')");
  r.qt_version = DRIG_QT_VERSION;
  r.libraries = training_library_versions();

  r.gl = probe_headless_gl();
  if (!r.gl.ok)
    r.problems.push_back("headless OpenGL unavailable: " + r.gl.error);

  r.shape_predictor_path = default_shape_predictor_path().string();
  r.shape_predictor_problem = check_shape_predictor(default_shape_predictor_path());
  if (!r.shape_predictor_problem.empty())
    r.problems.push_back("dlib landmark model: " + r.shape_predictor_problem);

  r.face_models = face::find_face_api_models();
  if (!r.face_models.descriptor || !r.face_models.expression || !r.face_models.detector ||
      !r.face_models.landmarks)
    r.notes.push_back(fmt::format(
        "face-api models incomplete in {}: without them the identity guard, the expression "
        "report, the SSD face-detection stage or its 68 points (faces in profile) are off "
        "(packaging/bootstrap.sh installs them "
        "from npm @vladmandic/face-api; or set DIFFUSIONRIG_FACE_MODELS)",
        r.face_models.folder.string()));

  r.assets = validate_assets(resolve_assets_dir(options.assets_dir));
  for (const std::string& problem : r.assets.problems())
    r.problems.push_back("assets: " + problem);
  return r;
}

nlohmann::json to_json(const DoctorReport& r) {
  using nlohmann::json;
  json devices = json::array();
  for (const CudaDeviceInfo& d : r.torch.devices)
    devices.push_back({{"index", d.index},
                       {"name", d.name},
                       {"memory_bytes", d.total_memory_bytes},
                       {"compute_capability", fmt::format("{}.{}", d.major, d.minor)}});
  json files = json::array();
  for (const AssetStatus& s : r.assets.files)
    files.push_back({{"name", s.spec->file_name},
                     {"purpose", s.spec->purpose},
                     {"required", s.spec->required},
                     {"state", to_string(s.state)},
                     {"format", to_string(s.found)},
                     {"path", s.path.string()},
                     {"detail", s.detail},
                     {"where_to_get", s.spec->where_to_get}});
  return {
      {"version", r.version},
      {"ok", r.ok()},
      {"problems", r.problems},
      {"notes", r.notes},
      {"torch",
       {{"version", r.torch.libtorch_version},
        {"built_with_cuda", r.torch.built_with_cuda},
        {"cuda_available", r.torch.cuda_available},
        {"cudnn_available", r.torch.cudnn_available},
        {"cuda_version", r.torch.cuda_version},
        {"cudnn_version", r.torch.cudnn_version},
        {"threads", r.torch.intra_op_threads},
        {"devices", devices}}},
      {"device",
       {{"requested", r.device_requested},
        {"selected", r.device_selected},
        {"description", r.device_description}}},
      {"libraries",
       {{"qt", r.qt_version},
        {"opencv", r.libraries.opencv},
        {"dlib", r.libraries.dlib},
        {"eigen", r.libraries.eigen},
        {"lmdb", r.libraries.lmdb}}},
      {"opengl",
       {{"ok", r.gl.ok},
        {"error", r.gl.error},
        {"platform", r.gl.platform},
        {"egl_vendor", r.gl.egl_vendor},
        {"egl_version", r.gl.egl_version},
        {"vendor", r.gl.gl_vendor},
        {"renderer", r.gl.gl_renderer},
        {"version", r.gl.gl_version},
        {"glsl_version", r.gl.glsl_version}}},
      {"dlib_shape_predictor",
       {{"path", r.shape_predictor_path},
        {"ok", r.shape_predictor_problem.empty()},
        {"problem", r.shape_predictor_problem}}},
      {"face_models",
       {{"folder", r.face_models.folder.string()},
        {"descriptor", r.face_models.descriptor},
        {"expression", r.face_models.expression},
        {"detector", r.face_models.detector},
        {"landmarks", r.face_models.landmarks}}},
      {"assets",
       {{"folder", r.assets.folder.string()},
        {"exists", r.assets.folder_exists},
        {"usable", r.assets.usable()},
        {"files", files}}},
  };
}

std::string to_text(const DoctorReport& r) {
  std::string out = fmt::format("DiffusionRig Studio {} - doctor\n\n", r.version);
  const auto row = [&out](std::string_view key, const std::string& value) {
    out += fmt::format("  {:<14}{}\n", key, value);
  };
  row("LibTorch",
      r.torch.libtorch_version + (r.torch.built_with_cuda ? " (CUDA build)" : " (CPU-only build)"));
  if (r.torch.cuda_available) {
    row("CUDA", fmt::format("{}, cuDNN {}", r.torch.cuda_version,
                            r.torch.cudnn_available ? r.torch.cudnn_version : "unavailable"));
    for (const CudaDeviceInfo& d : r.torch.devices)
      row(fmt::format("GPU {}", d.index),
          fmt::format("{} ({:.1f} GiB, sm_{}{})", d.name,
                      double(d.total_memory_bytes) / double(1ull << 30), d.major, d.minor));
  } else {
    row("CUDA", "not available");
  }
  row("Compute", r.device_selected.empty()
                     ? fmt::format("none (--device {})", r.device_requested)
                     : fmt::format("{} (--device {})", r.device_description, r.device_requested));
  row("Qt", r.qt_version);
  row("OpenCV", r.libraries.opencv);
  row("dlib", r.libraries.dlib);
  row("Eigen", r.libraries.eigen);
  row("LMDB", r.libraries.lmdb);
  row("OpenGL (EGL)", r.gl.ok ? fmt::format("{} | {} | GLSL {} [{}]", r.gl.gl_renderer,
                                            r.gl.gl_version, r.gl.glsl_version, r.gl.platform)
                              : "unavailable: " + r.gl.error);
  row("dlib model", r.shape_predictor_problem.empty() ? r.shape_predictor_path + ": ok"
                                                      : r.shape_predictor_problem);
  const auto state = [](bool present) { return present ? "ok" : "missing"; };
  row("Face models", fmt::format("{}: identity {}, expressions {}, detector {}, landmarks {}",
                                 r.face_models.folder.string(), state(r.face_models.descriptor),
                                 state(r.face_models.expression), state(r.face_models.detector),
                                 state(r.face_models.landmarks)));
  row("Assets", r.assets.folder.string() + (r.assets.folder_exists ? "" : " (does not exist)"));
  for (const AssetStatus& s : r.assets.files)
    out += fmt::format("    {:<14}{:<28}{}\n", "[" + to_string(s.state) + "]", s.spec->file_name,
                       s.state == AssetStatus::State::Present
                           ? s.detail
                           : (s.spec->required ? "required: " : "optional: ") + s.spec->purpose);
  for (const std::string& note : r.notes)
    out += fmt::format("\nnote: {}\n", note);
  if (r.ok()) {
    out += "\nEverything needed is in place.\n";
  } else {
    out += "\nProblems:\n";
    for (const std::string& problem : r.problems)
      out += fmt::format("  - {}\n", problem);
  }
  return out;
}

} // namespace drig::cli
