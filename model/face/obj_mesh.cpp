#include "model/face/obj_mesh.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"

#include <torch/torch.h>

#include <fmt/format.h>

#include <charconv>
#include <sstream>

namespace drig::face {
namespace {

double parse_number(std::string_view s, const std::string& where) {
  try {
    size_t used = 0;
    const double v = std::stod(std::string(s), &used);
    DRIG_CHECK(used == s.size(), "{}: '{}' is not a number", where, s);
    return v;
  } catch (const std::logic_error&) {
    fail("{}: '{}' is not a number", where, s);
  }
}

// "a/ta" or "a/ta/na" -> (a, ta), 1-based as written.
std::pair<int64_t, int64_t> parse_corner(const std::string& token, const std::string& where) {
  const size_t slash = token.find('/');
  DRIG_CHECK(slash != std::string::npos && slash + 1 < token.size() && token[slash + 1] != '/',
             "{}: face corner '{}' has no UV index (expected v/vt)", where, token);
  const size_t second = token.find('/', slash + 1);
  const std::string v = token.substr(0, slash);
  const std::string vt =
      token.substr(slash + 1, second == std::string::npos ? std::string::npos : second - slash - 1);
  int64_t a = 0, b = 0;
  const auto ok = [](const std::string& s, int64_t& out) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  };
  DRIG_CHECK(ok(v, a) && ok(vt, b), "{}: face corner '{}' is not v/vt integers", where, token);
  return {a, b};
}

} // namespace

ObjMesh load_obj(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  std::vector<float> v, vt;
  std::vector<int64_t> f, ft;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const std::string where = fmt::format("{}:{}", path.string(), number);
    std::istringstream words(line);
    std::string tag;
    words >> tag;
    if (tag == "v" || tag == "vt") {
      const int n = tag == "v" ? 3 : 2;
      std::vector<float>& out = tag == "v" ? v : vt;
      for (int i = 0; i < n; ++i) {
        std::string w;
        DRIG_CHECK(static_cast<bool>(words >> w), "{}: '{}' needs {} numbers", where, tag, n);
        out.push_back(static_cast<float>(parse_number(w, where)));
      }
    } else if (tag == "f") {
      std::vector<std::string> corners;
      for (std::string w; words >> w;)
        corners.push_back(w);
      DRIG_CHECK(corners.size() == 3, "{}: only triangles are supported, this face has {} corners",
                 where, corners.size());
      for (const std::string& c : corners) {
        const auto [a, b] = parse_corner(c, where);
        f.push_back(a - 1);
        ft.push_back(b - 1);
      }
    }
  }
  DRIG_CHECK(!v.empty() && !f.empty(), "{}: no vertices or faces: not a mesh", path.string());
  DRIG_CHECK(!vt.empty(), "{}: no UV coordinates (vt): the renderer needs the UV layout",
             path.string());
  const int64_t nv = static_cast<int64_t>(v.size() / 3), nt = static_cast<int64_t>(vt.size() / 2);
  for (size_t i = 0; i < f.size(); ++i) {
    DRIG_CHECK(f[i] >= 0 && f[i] < nv, "{}: face {} uses vertex {} of {}", path.string(), i / 3,
               f[i] + 1, nv);
    DRIG_CHECK(ft[i] >= 0 && ft[i] < nt, "{}: face {} uses UV {} of {}", path.string(), i / 3,
               ft[i] + 1, nt);
  }
  ObjMesh mesh;
  mesh.vertices = torch::tensor(v).reshape({nv, 3});
  mesh.uvs = torch::tensor(vt).reshape({nt, 2});
  const int64_t nf = static_cast<int64_t>(f.size() / 3);
  mesh.faces = torch::tensor(f, torch::kLong).reshape({nf, 3});
  mesh.uv_faces = torch::tensor(ft, torch::kLong).reshape({nf, 3});
  return mesh;
}

void save_obj(const std::filesystem::path& path, const at::Tensor& vertices,
              const ObjMesh& topology) {
  const at::Tensor verts = vertices.detach().to(at::kCPU, at::kFloat).contiguous();
  DRIG_CHECK(verts.dim() == 2 && verts.size(1) == 3 && verts.size(0) == topology.vertices.size(0),
             "OBJ export: {} vertices given for a template of {}", verts.size(0),
             topology.vertices.size(0));
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out), "# DiffusionRig Studio: fitted FLAME mesh\n");
  const auto* p = verts.data_ptr<float>();
  for (int64_t i = 0; i < verts.size(0); ++i)
    fmt::format_to(std::back_inserter(out), "v {} {} {}\n", p[3 * i], p[3 * i + 1], p[3 * i + 2]);
  const at::Tensor uv = topology.uvs.to(at::kFloat).contiguous();
  const auto* t = uv.data_ptr<float>();
  for (int64_t i = 0; i < uv.size(0); ++i)
    fmt::format_to(std::back_inserter(out), "vt {} {}\n", t[2 * i], t[2 * i + 1]);
  const at::Tensor f = topology.faces.to(at::kLong).contiguous();
  const at::Tensor ft = topology.uv_faces.to(at::kLong).contiguous();
  const auto* fi = f.data_ptr<int64_t>();
  const auto* ti = ft.data_ptr<int64_t>();
  for (int64_t i = 0; i < f.size(0); ++i)
    fmt::format_to(std::back_inserter(out), "f {}/{} {}/{} {}/{}\n", fi[3 * i] + 1, ti[3 * i] + 1,
                   fi[3 * i + 1] + 1, ti[3 * i + 1] + 1, fi[3 * i + 2] + 1, ti[3 * i + 2] + 1);
  write_file_atomic(path, std::string_view(out.data(), out.size()));
}

} // namespace drig::face
