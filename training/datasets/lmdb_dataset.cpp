#include "training/datasets/lmdb_dataset.h"

#include "model/base/error.h"
#include "model/formats/tensor_pickle.h"

#include <ATen/ATen.h>
#include <lmdb.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fmt/format.h>

#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace drig::datasets {
namespace {

void check(int rc, const fs::path& folder, const char* what) {
  if (rc != MDB_SUCCESS)
    throw Error(fmt::format("{}: LMDB cannot {}: {}", folder.string(), what, mdb_strerror(rc)));
}

struct Txn {
  MDB_txn* txn = nullptr;
  ~Txn() {
    if (txn)
      mdb_txn_abort(txn);
  }
};

std::string encode_png(const at::Tensor& image_rgb) {
  const at::Tensor hwc = image_rgb.to(at::kByte).contiguous();
  DRIG_CHECK(hwc.dim() == 3 && hwc.size(2) == 3, "dataset images must be (H,W,3) uint8");
  cv::Mat rgb(int(hwc.size(0)), int(hwc.size(1)), CV_8UC3, hwc.data_ptr()), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> png;
  // Pillow's default zlib level; the pixels are what matters.
  DRIG_CHECK(cv::imencode(".png", bgr, png, {cv::IMWRITE_PNG_COMPRESSION, 6}),
             "cannot encode a dataset image as PNG");
  return std::string(reinterpret_cast<const char*>(png.data()), png.size());
}

} // namespace

std::string sample_key(const std::string& kind, int64_t index) {
  return fmt::format("{}_{:06d}", kind, index);
}

struct DatasetReader::Env {
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  ~Env() {
    if (env)
      mdb_env_close(env);
  }
};

DatasetReader::DatasetReader(const fs::path& folder)
    : env_(std::make_unique<Env>()), folder_(folder) {
  DRIG_CHECK(fs::is_directory(folder) && fs::exists(folder / "data.mdb"),
             "{}: not an LMDB dataset (no data.mdb in it)", folder.string());
  check(mdb_env_create(&env_->env), folder, "start");
  check(mdb_env_set_maxreaders(env_->env, 32), folder, "set readers");
  check(mdb_env_open(env_->env, folder.c_str(), MDB_RDONLY | MDB_NOLOCK | MDB_NORDAHEAD, 0644),
        folder, "open the dataset");
  Txn t;
  check(mdb_txn_begin(env_->env, nullptr, MDB_RDONLY, &t.txn), folder, "read");
  check(mdb_dbi_open(t.txn, nullptr, 0, &env_->dbi), folder, "open its database");
  const auto length = raw("length");
  DRIG_CHECK(length.has_value(),
             "{}: the dataset has no 'length' key: it is incomplete (an interrupted create-data?) "
             "or not a DiffusionRig dataset",
             folder.string());
  try {
    size_t used = 0;
    length_ = std::stoll(*length, &used);
    DRIG_CHECK(used == length->size() && length_ >= 0, "bad");
  } catch (const std::exception&) {
    throw Error(fmt::format("{}: 'length' is '{}', not a count", folder.string(), *length));
  }
}

DatasetReader::~DatasetReader() = default;
DatasetReader::DatasetReader(DatasetReader&&) noexcept = default;

std::optional<std::string> DatasetReader::raw(const std::string& key) const {
  Txn t;
  check(mdb_txn_begin(env_->env, nullptr, MDB_RDONLY, &t.txn), folder_, "read");
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v{};
  const int rc = mdb_get(t.txn, env_->dbi, &k, &v);
  if (rc == MDB_NOTFOUND)
    return std::nullopt;
  check(rc, folder_, "read a value");
  return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
}

Sample DatasetReader::sample(int64_t index) const {
  DRIG_CHECK(index >= 0 && index < length_, "{}: sample {} is outside 0..{}", folder_.string(),
             index, length_ - 1);
  const auto value = [&](const std::string& kind) {
    const std::string key = sample_key(kind, index);
    auto bytes = raw(key);
    DRIG_CHECK(bytes.has_value(), "{}: key {} is missing", folder_.string(), key);
    return std::make_pair(key, std::move(*bytes));
  };
  Sample s;
  const auto tensor = [&](const std::string& kind) {
    auto [key, bytes] = value(kind);
    at::Tensor t = formats::unpickle_tensor(bytes, folder_.string() + ":" + key);
    DRIG_CHECK(t.dim() == 3 && t.size(0) == 3, "{}:{} is {}, not a (3,H,W) tensor",
               folder_.string(), key, c10::str(t.sizes()));
    return t.to(at::kFloat).contiguous();
  };
  s.normal = tensor("normal");
  s.albedo = tensor("albedo");
  s.rendered = tensor("rendered");
  auto [key, png] = value("image");
  const cv::Mat encoded(1, int(png.size()), CV_8U, png.data());
  const cv::Mat bgr = cv::imdecode(encoded, cv::IMREAD_COLOR);
  DRIG_CHECK(!bgr.empty(), "{}:{} is not a PNG image", folder_.string(), key);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  s.image_u8 = at::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, at::kByte).clone();
  s.image = (s.image_u8.permute({2, 0, 1}).to(at::kFloat) / 255.0f - 0.5f) / 0.5f;
  DRIG_CHECK(s.image.sizes() == s.normal.sizes() && s.albedo.sizes() == s.normal.sizes() &&
                 s.rendered.sizes() == s.normal.sizes(),
             "{}: sample {} has image {} but buffers {}", folder_.string(), index,
             c10::str(s.image.sizes()), c10::str(s.normal.sizes()));
  return s;
}

struct DatasetWriter::Env {
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  size_t map_size = 0;
  ~Env() {
    if (env)
      mdb_env_close(env);
  }
};

DatasetWriter::DatasetWriter(const fs::path& folder)
    : env_(std::make_unique<Env>()), folder_(folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  DRIG_CHECK(fs::is_directory(folder), "{}: cannot create the dataset folder", folder.string());
  check(mdb_env_create(&env_->env), folder, "start");
  // Start small and grow on MDB_MAP_FULL: the file stays the data's size on
  // every filesystem (the original's 1 TiB map relies on sparse files).
  env_->map_size = size_t(64) << 20;
  if (fs::exists(folder / "data.mdb"))
    env_->map_size = std::max(env_->map_size, size_t(fs::file_size(folder / "data.mdb")) * 2);
  check(mdb_env_set_mapsize(env_->env, env_->map_size), folder, "size its map");
  check(mdb_env_open(env_->env, folder.c_str(), MDB_NORDAHEAD, 0644), folder, "open the dataset");
  Txn t;
  check(mdb_txn_begin(env_->env, nullptr, 0, &t.txn), folder, "write");
  check(mdb_dbi_open(t.txn, nullptr, 0, &env_->dbi), folder, "open its database");
  check(mdb_txn_commit(t.txn), folder, "commit");
  t.txn = nullptr;
}

DatasetWriter::~DatasetWriter() = default;

int64_t DatasetWriter::complete_samples() const {
  Txn t;
  check(mdb_txn_begin(env_->env, nullptr, MDB_RDONLY, &t.txn), folder_, "read");
  int64_t i = 0;
  for (;; ++i) {
    // Each sample is one transaction, so image_ (the last put) marks it whole.
    const std::string key = sample_key("image", i);
    MDB_val k{key.size(), const_cast<char*>(key.data())}, v{};
    if (mdb_get(t.txn, env_->dbi, &k, &v) != MDB_SUCCESS)
      return i;
  }
}

namespace {

// Runs `fill` in a write transaction, doubling the map while it is full.
template <typename Fill>
void write_txn(MDB_env* env, size_t& map_size, const fs::path& folder, Fill fill) {
  for (int attempt = 0;; ++attempt) {
    Txn t;
    check(mdb_txn_begin(env, nullptr, 0, &t.txn), folder, "write");
    int rc = fill(t.txn);
    if (rc == MDB_SUCCESS)
      rc = mdb_txn_commit(t.txn);
    else
      mdb_txn_abort(t.txn);
    t.txn = nullptr; // the map can only grow with no transaction open
    if (rc != MDB_MAP_FULL || attempt > 40) {
      if (rc == ENOSPC)
        throw Error(fmt::format("{}: the disk is full; the samples written so far are kept",
                                folder.string()));
      check(rc, folder, "write a sample");
      return;
    }
    map_size *= 2;
    check(mdb_env_set_mapsize(env, map_size), folder, "grow its map");
  }
}

} // namespace

void DatasetWriter::put(int64_t index, const at::Tensor& albedo, const at::Tensor& normal,
                        const at::Tensor& rendered, const at::Tensor& image_rgb) {
  const std::vector<std::pair<std::string, std::string>> puts = {
      {sample_key("albedo", index), formats::pickle_tensor(albedo.to(at::kFloat).contiguous())},
      {sample_key("normal", index), formats::pickle_tensor(normal.to(at::kFloat).contiguous())},
      {sample_key("rendered", index), formats::pickle_tensor(rendered.to(at::kFloat).contiguous())},
      {sample_key("image", index), encode_png(image_rgb)},
  };
  write_txn(env_->env, env_->map_size, folder_, [&](MDB_txn* txn) {
    for (const auto& [key, value] : puts) {
      MDB_val k{key.size(), const_cast<char*>(key.data())};
      MDB_val v{value.size(), const_cast<char*>(value.data())};
      const int rc = mdb_put(txn, env_->dbi, &k, &v, 0);
      if (rc != MDB_SUCCESS)
        return rc;
    }
    return MDB_SUCCESS;
  });
}

void DatasetWriter::finish(int64_t length) {
  const std::string key = "length", value = std::to_string(length);
  write_txn(env_->env, env_->map_size, folder_, [&](MDB_txn* txn) {
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v{value.size(), const_cast<char*>(value.data())};
    return mdb_put(txn, env_->dbi, &k, &v, 0);
  });
  check(mdb_env_sync(env_->env, 1), folder_, "flush to disk");
}

} // namespace drig::datasets
