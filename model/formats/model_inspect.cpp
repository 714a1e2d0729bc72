#include "model/formats/model_inspect.h"

#include "model/base/assets.h"
#include "model/base/error.h"
#include "model/diffusionrig_config.h"
#include "model/formats/npy.h"
#include "model/formats/torch_checkpoint.h"

#include <torch/torch.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace drig::formats {
namespace {

using K = PickleValue::Kind;
using nlohmann::json;

std::string shape_text(const at::Tensor& t) {
  return fmt::format("[{}]", fmt::join(t.sizes(), ", "));
}

// Counts every distinct tensor once (shared references are not double counted).
void count_tensors(const PickleRef& node, std::unordered_set<const PickleValue*>& seen,
                   ModelFileReport& report) {
  std::vector<PickleRef> pending{node};
  while (!pending.empty()) {
    PickleRef v = std::move(pending.back());
    pending.pop_back();
    if (!v || !seen.insert(v.get()).second)
      continue;
    if (v->kind == K::Tensor) {
      report.tensor_count += 1;
      report.element_count += v->tensor.numel();
      report.byte_count += static_cast<int64_t>(v->tensor.nbytes());
    }
    for (const auto& item : v->items)
      pending.push_back(item);
    for (const auto& [key, value] : v->entries)
      pending.push_back(value);
  }
}

PickleRef dict_of_arrays(std::vector<std::pair<std::string, NpyArray>> arrays) {
  auto dict = make_value(K::Dict);
  for (auto& [name, array] : arrays) {
    auto key = make_value(K::String);
    key->text = name;
    PickleRef value = array.object;
    if (!value) {
      value = make_value(K::Tensor);
      value->tensor = array.tensor;
      value->dtype = array.descr;
    }
    dict->entries.emplace_back(key, value);
  }
  return dict;
}

// 0-d object arrays (np.save of a dict) unwrap to the dict itself.
PickleRef unwrap_object_array(const PickleRef& v) {
  if (v && v->kind == K::List && v->dtype == "|O" && v->items.size() == 1)
    return v->items[0];
  return v;
}

bool has_keys(const PickleValue& dict, std::initializer_list<const char*> keys) {
  if (dict.kind != K::Dict)
    return false;
  for (const char* k : keys)
    if (!dict.get(k))
      return false;
  return true;
}

int64_t tensor_dim(const PickleValue& dict, const char* key, int d) {
  const PickleRef v = dict.get(key);
  if (!v || v->kind != K::Tensor || v->tensor.dim() <= d)
    return -1;
  return v->tensor.size(d);
}

void identify(ModelFileReport& r) {
  const PickleValue& root = *r.root;
  json details = json::object();
  if (root.kind == K::Dict && root.get("denoisingUNet.input_blocks.0.0.weight")) {
    const NamedTensors tensors = state_dict_tensors(root, r.path.filename().string());
    const DiffusionRigConfig config = infer_diffusionrig_config(tensors);
    r.model_kind = "DiffusionRig model (Stage 1 and Stage 2 checkpoints share this layout)";
    details = to_json(config);
  } else if (has_keys(root, {"E_flame", "E_detail", "D_detail"})) {
    r.model_kind = "DECA model";
    for (const char* part : {"E_flame", "E_detail", "D_detail"})
      details[part] = root.get(part)->entries.size();
    if (const auto step = root.get("global_step"); step && step->kind == K::Int)
      details["global_step"] = step->integer;
    const PickleRef flame = root.get("E_flame");
    if (const auto fc = flame->get("layers.2.weight"); fc && fc->kind == K::Tensor)
      details["E_flame_outputs"] = fc->tensor.size(0); // 236 = shape|tex|exp|pose|cam|light
  } else if (has_keys(root, {"v_template", "shapedirs", "posedirs", "J_regressor", "f"})) {
    r.model_kind = "FLAME model";
    details = {{"vertices", tensor_dim(root, "v_template", 0)},
               {"faces", tensor_dim(root, "f", 0)},
               {"shape_and_expression_components", tensor_dim(root, "shapedirs", 2)},
               {"pose_correctives", tensor_dim(root, "posedirs", 2)},
               {"joints", tensor_dim(root, "J_regressor", 0)}};
  } else if (has_keys(root, {"mean", "tex_dir"})) {
    r.model_kind = "FLAME texture (albedo) space";
    details = {{"components", tensor_dim(root, "tex_dir", 3)},
               {"resolution", tensor_dim(root, "mean", 0)}};
  } else if (has_keys(root, {"MU", "PC"})) {
    r.model_kind = "FLAME albedo space from the Basel Face Model";
    details = {{"components", tensor_dim(root, "PC", 1)}};
  } else if (has_keys(root, {"static_lmk_faces_idx", "dynamic_lmk_faces_idx"})) {
    r.model_kind = "FLAME landmark embedding";
  } else if (root.kind == K::Tensor && root.tensor.dim() == 2 && root.tensor.size(0) == 1 &&
             root.tensor.size(1) == 100) {
    r.model_kind = "DiffusionRig mean shape (1 x 100 FLAME shape code)";
  }
  r.details = std::make_shared<const json>(std::move(details));
}

void tree_lines(const PickleRef& v, const std::string& label, int depth, int max_depth,
                int max_items, std::string& out) {
  const std::string indent(2 * depth, ' ');
  std::string line = indent + label + (label.empty() ? "" : ": ");
  switch (v->kind) {
  case K::Tensor:
    line +=
        fmt::format("tensor {} {}", shape_text(v->tensor), c10::toString(v->tensor.scalar_type()));
    break;
  case K::String:
    line += fmt::format("'{}'", v->text.substr(0, 80));
    break;
  case K::Bytes: {
    const bool printable =
        v->py2_str && v->text.size() <= 80 &&
        std::all_of(v->text.begin(), v->text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
    line += printable ? fmt::format("'{}'", v->text)
                      : fmt::format("{} of {} bytes", v->kind_name(), v->text.size());
    break;
  }
  case K::Int:
    line += std::to_string(v->integer);
    break;
  case K::BigInt:
    line += v->text;
    break;
  case K::Float:
    line += fmt::format("{}", v->real);
    break;
  case K::Bool:
    line += v->boolean ? "True" : "False";
    break;
  default:
    line += v->kind_name();
    if (!v->items.empty() || !v->entries.empty())
      line += fmt::format(" ({} items)", v->items.size() + v->entries.size());
  }
  out += line + "\n";
  if (depth >= max_depth)
    return;
  int shown = 0;
  const int total = static_cast<int>(v->items.size() + v->entries.size());
  for (const auto& [key, value] : v->entries) {
    if (shown++ == max_items)
      break;
    tree_lines(value, key->is_string() ? key->text : key->kind_name(), depth + 1, max_depth,
               max_items, out);
  }
  for (size_t i = 0; i < v->items.size() && shown < max_items + 1; ++i) {
    if (shown++ == max_items)
      break;
    tree_lines(v->items[i], fmt::format("[{}]", i), depth + 1, max_depth, max_items, out);
  }
  if (total > max_items)
    out += fmt::format("{}  ... {} more\n", indent, total - max_items);
}

json tree_json(const PickleRef& v, int depth, int max_depth) {
  switch (v->kind) {
  case K::Tensor:
    return {{"tensor",
             {{"shape", v->tensor.sizes().vec()},
              {"dtype", std::string(c10::toString(v->tensor.scalar_type()))},
              {"numel", v->tensor.numel()}}}};
  case K::String:
    return v->text;
  case K::Int:
    return v->integer;
  case K::Float:
    return v->real;
  case K::Bool:
    return v->boolean;
  case K::None:
    return nullptr;
  case K::Dict: {
    json out = json::object();
    if (depth >= max_depth)
      return {{"type", v->kind_name()}, {"items", v->entries.size()}};
    for (const auto& [key, value] : v->entries)
      out[key->is_string() ? key->text : key->kind_name()] = tree_json(value, depth + 1, max_depth);
    return out;
  }
  case K::List:
  case K::Tuple:
  case K::Set: {
    if (depth >= max_depth)
      return {{"type", v->kind_name()}, {"items", v->items.size()}};
    json out = json::array();
    for (const auto& item : v->items)
      out.push_back(tree_json(item, depth + 1, max_depth));
    return out;
  }
  default:
    return {{"type", v->kind_name()}};
  }
}

} // namespace

ModelFileReport inspect_model_file(const std::filesystem::path& path) {
  ModelFileReport r;
  r.path = path;
  std::error_code ec;
  DRIG_CHECK(std::filesystem::is_regular_file(path, ec), "{}: no such file", path.string());
  switch (sniff_file_kind(path)) {
  case FileKind::TorchZip:
  case FileKind::TorchLegacy: {
    TorchCheckpoint ckpt = load_torch_checkpoint(path);
    r.format = ckpt.format == TorchCheckpoint::Format::Zip
                   ? "torch.save (zip, root '" + ckpt.archive_root + "')"
                   : "torch.save (legacy)";
    r.root = ckpt.root;
    break;
  }
  case FileKind::Pickle: {
    UnpickleOptions options;
    options.source = path.filename().string();
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    r.format = "Python pickle";
    r.root = unpickle(buffer.str(), options);
    break;
  }
  case FileKind::Npy: {
    NpyArray array = load_npy(path);
    r.format = "NumPy .npy (" + array.descr + ")";
    if (array.object) {
      r.root = unwrap_object_array(array.object);
    } else {
      r.root = make_value(K::Tensor);
      r.root->tensor = array.tensor;
      r.root->dtype = array.descr;
    }
    break;
  }
  case FileKind::Npz:
    r.format = "NumPy .npz";
    r.root = dict_of_arrays(load_npz(path));
    break;
  default:
    fail("{}: not a model file this program reads (content: {})", path.string(),
         to_string(sniff_file_kind(path)));
  }
  std::unordered_set<const PickleValue*> seen;
  count_tensors(r.root, seen, r);
  identify(r);
  return r;
}

std::string report_text(const ModelFileReport& r, int max_depth, int max_items) {
  std::string out = fmt::format("{}\n  format: {}\n", r.path.string(), r.format);
  if (!r.model_kind.empty())
    out += fmt::format("  model:  {}\n", r.model_kind);
  out += fmt::format("  totals: {} tensors, {} elements, {:.1f} MiB\n", r.tensor_count,
                     r.element_count, double(r.byte_count) / double(1 << 20));
  if (r.details && !r.details->empty()) {
    out += "  details:\n";
    for (const auto& [key, value] : r.details->items())
      out += fmt::format("    {:<34}{}\n", key, value.dump());
  }
  out += "\n";
  tree_lines(r.root, "", 0, max_depth, max_items, out);
  return out;
}

nlohmann::json report_json(const ModelFileReport& r, int max_depth) {
  return {{"file", r.path.string()},
          {"format", r.format},
          {"model", r.model_kind},
          {"tensors", r.tensor_count},
          {"elements", r.element_count},
          {"bytes", r.byte_count},
          {"details", r.details ? *r.details : json::object()},
          {"tree", tree_json(r.root, 0, max_depth)}};
}

} // namespace drig::formats
