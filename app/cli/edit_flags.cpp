#include "app/cli/edit_flags.h"

#include "model/base/error.h"
#include "training/edit/light_from_file.h"
#include "training/rig/rig_edit.h"

#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

namespace drig::cli {

std::vector<double> parse_numbers(const std::string& text, const std::string& what) {
  std::string s = text;
  for (char& c : s)
    if (c == ',' || c == '\n' || c == '\t')
      c = ' ';
  std::istringstream in(s);
  std::vector<double> out;
  std::string part;
  while (in >> part)
    out.push_back(parse_number(part, what));
  return out;
}

namespace {

std::vector<double> exactly(const std::string& text, size_t count, const char* flag) {
  const std::vector<double> v = parse_numbers(text, flag);
  DRIG_CHECK(v.size() == count, "{} takes {} comma-separated numbers, got {}", flag, count,
             v.size());
  return v;
}

// --sh: a file of 27 numbers (text or .npy), or the numbers themselves.
render::ShLight read_sh(const std::string& value) {
  std::error_code ec;
  if (fs::is_regular_file(fs::path(value), ec))
    return editing::read_sh_file(value);
  DRIG_CHECK(value.find_first_of(",0123456789") != std::string::npos,
             "--sh {}: no such file (give a file of 27 numbers, or the numbers)", value);
  const std::vector<double> v = parse_numbers(value, "--sh");
  DRIG_CHECK(v.size() == 27, "--sh: an SH light has 27 numbers (9 x RGB), got {}", v.size());
  render::ShLight sh{};
  for (size_t i = 0; i < 27; ++i)
    sh[i] = float(v[i]);
  return sh;
}

} // namespace

void add_edit_flags(CLI::App& sub, EditFlags& f, bool absolute_pose) {
  sub.add_option("--edit", f.edit_file, "An edit saved by the Studio (JSON); flags override it")
      ->check(CLI::ExistingFile);
  sub.add_option("--light-azimuth", f.azimuth,
                 "Light direction: degrees, + from the image's right (0 = from the camera)");
  sub.add_option("--light-elevation", f.elevation, "Light direction: degrees, + from above");
  sub.add_option("--light", f.light,
                 "Light direction AZIMUTH,ELEVATION in degrees (the same as "
                 "--light-azimuth and --light-elevation)");
  sub.add_option("--light-intensity", f.intensity, "Light intensity (irradiance)");
  sub.add_option("--light-color,--light-colour", f.colour, "Light colour R,G,B (0..1)");
  sub.add_option("--ambient", f.ambient, "Uniform ambient light");
  sub.add_option("--sh", f.sh,
                 "The whole light: 27 SH numbers, light[k][c] order (k = 0..8, c = R,G,B), as a "
                 "file (text or .npy) or comma-separated");
  sub.add_option("--light-from-background", f.light_background,
                 "The light of this background photo, placed around the subject (see the user "
                 "guide for the assumptions)")
      ->check(CLI::ExistingFile);
  sub.add_option("--light-from-hdri", f.light_hdri,
                 "The light of this equirectangular panorama (.hdr, .exr or a photo)")
      ->check(CLI::ExistingFile);
  sub.add_option("--hdri-rotation", f.hdri_rotation,
                 "Turn the panorama by this azimuth first (degrees, towards the image's right)");
  sub.add_flag("--light-absolute", f.light_absolute,
               "Use the panorama's or background's own exposure instead of the photo's");
  sub.add_option("--exp", f.exp,
                 "Expression coefficients INDEX=VALUE ... (also comma-separated: 0=3,4=-2)");
  sub.add_option("--jaw", f.jaw, "Jaw opening in degrees (+ opens the mouth)");
  sub.add_option("--yaw", f.yaw, "Head turn in degrees, relative to the photo (+ to the right)");
  sub.add_option("--pitch", f.pitch, "Head nod in degrees, relative to the photo (+ up)");
  sub.add_option("--roll", f.roll,
                 "Head tilt in degrees, relative to the photo (+ counter-clockwise)");
  if (absolute_pose)
    sub.add_option("--pose", f.pose,
                   "The absolute head pose YAW,PITCH,ROLL in degrees (instead of "
                   "--yaw/--pitch/--roll)");
  sub.add_option("--strength", f.strength, "How far to go from the photo's own rig (0..1)");
}

editing::EditSpec edit_spec(const EditFlags& a, const face::DecaCode* fitted) {
  editing::EditSpec s = a.edit_file.empty() ? editing::EditSpec{} : editing::load_edit(a.edit_file);
  auto& l = s.light;
  std::optional<double> azimuth = a.azimuth, elevation = a.elevation;
  if (!a.light.empty()) {
    DRIG_CHECK(!a.azimuth && !a.elevation,
               "--light and --light-azimuth/--light-elevation set the same direction: give one");
    const auto v = exactly(a.light, 2, "--light");
    azimuth = v[0];
    elevation = v[1];
  }
  const bool directional = azimuth || elevation || a.intensity || a.ambient || !a.colour.empty();
  if (azimuth)
    l.azimuth_deg = azimuth;
  if (elevation)
    l.elevation_deg = elevation;
  if (a.intensity)
    l.intensity = a.intensity;
  if (a.ambient)
    l.ambient = a.ambient;
  if (!a.colour.empty()) {
    const auto v = exactly(a.colour, 3, "--light-color");
    l.colour = std::array<double, 3>{v[0], v[1], v[2]};
  }
  if (!a.sh.empty()) {
    DRIG_CHECK(!directional, "--sh sets the whole light; it cannot be combined with --light, "
                             "--light-*, --light-colour or --ambient");
    l = editing::LightEdit{};
    l.sh = read_sh(a.sh);
  }
  if (!a.light_background.empty() || !a.light_hdri.empty()) {
    DRIG_CHECK(a.light_background.empty() || a.light_hdri.empty(),
               "--light-from-background and --light-from-hdri each set the whole light: give one");
    DRIG_CHECK(a.sh.empty() && !directional,
               "--light-from-* sets the whole light; it cannot be combined with --sh, --light, "
               "--light-* or --ambient");
    editing::LightFromFileOptions o;
    o.panorama = !a.light_hdri.empty();
    o.rotation_deg = a.hdri_rotation;
    const editing::LightFromFile from =
        editing::light_from_file(o.panorama ? a.light_hdri : a.light_background, o);
    if (!from.note.empty())
      std::cerr << "note: " << from.note << "\n";
    l = editing::LightEdit{};
    l.sh = from.sh;
    l.keep_exposure = !a.light_absolute;
  }
  for (const std::string& item : a.exp) {
    std::stringstream parts(item);
    std::string e;
    while (std::getline(parts, e, ',')) {
      const size_t eq = e.find('=');
      DRIG_CHECK(eq != std::string::npos, "--exp takes INDEX=VALUE, got '{}'", e);
      const auto index = parse_numbers(e.substr(0, eq), "--exp index");
      const auto value = parse_numbers(e.substr(eq + 1), "--exp value");
      DRIG_CHECK(index.size() == 1 && value.size() == 1 && index[0] >= 0 &&
                     index[0] == double(int(index[0])),
                 "--exp takes INDEX=VALUE, got '{}'", e);
      s.expression.emplace_back(int(index[0]), value[0]);
    }
  }
  if (a.jaw)
    s.jaw_deg = a.jaw;
  if (a.yaw != 0 || a.pitch != 0 || a.roll != 0)
    s.pose_delta_deg = {a.yaw, a.pitch, a.roll};
  if (!a.pose.empty()) {
    DRIG_CHECK(a.yaw == 0 && a.pitch == 0 && a.roll == 0,
               "--pose sets the absolute head pose; it cannot be combined with --yaw, --pitch "
               "or --roll");
    DRIG_CHECK(fitted != nullptr, "--pose needs the fitted rig");
    const auto v = exactly(a.pose, 3, "--pose");
    const auto now = rendering::head_pose_deg(*fitted);
    s.pose_delta_deg = {v[0] - now[0], v[1] - now[1], v[2] - now[2]};
  }
  if (a.strength)
    s.strength = *a.strength;
  DRIG_CHECK(s.strength >= 0 && s.strength <= 1, "--strength {} is outside 0..1", s.strength);
  return s;
}

} // namespace drig::cli
