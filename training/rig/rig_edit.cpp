#include "training/rig/rig_edit.h"

#include "model/base/angles.h"
#include "model/base/error.h"

#include <ATen/ATen.h>
#include <Eigen/Geometry>

#include <cmath>
#include <sstream>

namespace drig::rendering {
namespace {

Eigen::Matrix3d euler_matrix(const std::array<double, 3>& ypr) {
  return (Eigen::AngleAxisd(radians(ypr[0]), Eigen::Vector3d::UnitY()) *
          Eigen::AngleAxisd(-radians(ypr[1]), Eigen::Vector3d::UnitX()) *
          Eigen::AngleAxisd(radians(ypr[2]), Eigen::Vector3d::UnitZ()))
      .toRotationMatrix();
}

} // namespace

std::array<double, 3> euler_deg_to_axis_angle(const std::array<double, 3>& ypr) {
  const Eigen::AngleAxisd aa(euler_matrix(ypr));
  const Eigen::Vector3d v = aa.axis() * aa.angle();
  return {v.x(), v.y(), v.z()};
}

std::array<double, 3> head_pose_deg(const face::DecaCode& code) {
  const at::Tensor pose = code.pose.to(at::kCPU, at::kDouble).contiguous();
  const double* p = pose.data_ptr<double>();
  return axis_angle_to_euler_deg({p[0], p[1], p[2]});
}

double jaw_open_deg(const face::DecaCode& code) {
  return degrees(code.pose[0][3].item<double>());
}

std::array<double, 3> axis_angle_to_euler_deg(const std::array<double, 3>& axis_angle) {
  const Eigen::Vector3d v(axis_angle[0], axis_angle[1], axis_angle[2]);
  const double angle = v.norm();
  const Eigen::Matrix3d m = angle < 1e-12 ? Eigen::Matrix3d::Identity()
                                          : Eigen::AngleAxisd(angle, v / angle).toRotationMatrix();
  // M = Ry(a) Rx(b) Rz(c): M12 = -sin b, M02 = sin a cos b, M22 = cos a cos b,
  // M10 = cos b sin c, M11 = cos b cos c.
  const double b = std::asin(std::clamp(-m(1, 2), -1.0, 1.0));
  const double a = std::atan2(m(0, 2), m(2, 2));
  const double c = std::atan2(m(1, 0), m(1, 1));
  return {degrees(a), -degrees(b), degrees(c)};
}

face::DecaCode apply_edit(const face::DecaCode& code, const RigEdit& edit) {
  face::DecaCode out{code.shape.clone(), code.tex.clone(), code.exp.clone(),
                     code.pose.clone(),  code.cam.clone(), code.light.clone()};
  const auto set = [](at::Tensor& t, int64_t column, double value) {
    t.select(1, column).fill_(value);
  };
  if (edit.head_pose_deg) {
    const auto aa = euler_deg_to_axis_angle(*edit.head_pose_deg);
    for (int i = 0; i < 3; ++i)
      set(out.pose, i, aa[size_t(i)]);
  }
  if (edit.jaw_open_deg) {
    set(out.pose, 3, radians(*edit.jaw_open_deg));
    set(out.pose, 4, 0);
    set(out.pose, 5, 0);
  }
  const int64_t n_exp = out.exp.size(1);
  for (const auto& [index, value] : edit.expression) {
    DRIG_CHECK(index >= 0 && index < n_exp,
               "expression coefficient {} does not exist (the rig has {}: 0..{})", index, n_exp,
               n_exp - 1);
    set(out.exp, index, value);
  }
  if (edit.light) {
    const at::Tensor l =
        at::from_blob(const_cast<float*>(edit.light->data()), {1, 9, 3}, at::kFloat);
    out.light.copy_(l.expand_as(out.light));
  }
  return out;
}

std::vector<std::pair<int, double>> parse_expression_edits(const std::string& text) {
  std::vector<std::pair<int, double>> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    const size_t eq = part.find('=');
    DRIG_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < part.size(),
               "--exp: '{}' is not INDEX=VALUE (e.g. --exp 0=1.5,3=-0.5)", part);
    try {
      size_t used = 0;
      const int index = std::stoi(part.substr(0, eq), &used);
      DRIG_CHECK(used == eq, "bad index");
      const std::string value_text = part.substr(eq + 1);
      const double value = std::stod(value_text, &used);
      DRIG_CHECK(used == value_text.size() && std::isfinite(value), "bad value");
      out.emplace_back(index, value);
    } catch (const std::exception&) {
      throw Error(fmt::format("--exp: '{}' is not INDEX=VALUE (e.g. --exp 0=1.5,3=-0.5)", part));
    }
  }
  DRIG_CHECK(!out.empty(), "--exp: no INDEX=VALUE pairs in '{}'", text);
  return out;
}

} // namespace drig::rendering
