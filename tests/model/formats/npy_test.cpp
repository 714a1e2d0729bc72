#include "model/formats/npy.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/formats/zip_archive.h"
#include "tests/support/tensor_compare.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <bit>
#include <complex>
#include <fstream>
#include <random>
#include <sstream>

namespace drig::formats {
namespace {

namespace fs = std::filesystem;
using drig::test::TempDir;

// A .npy with a hand-written header dict, padded as NumPy pads it.
std::string npy_bytes(const std::string& dict, std::string_view data, int major = 1) {
  const size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((prefix + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  for (size_t b = 0; b < prefix - 8; ++b)
    out += static_cast<char>((header.size() >> (8 * b)) & 0xFF);
  return out + header + std::string(data);
}

std::string dict_of(const std::string& descr, const std::string& shape, bool fortran = false) {
  return fmt::format("{{'descr': '{}', 'fortran_order': {}, 'shape': {}, }}", descr,
                     fortran ? "True" : "False", shape);
}

// The bytes of `values` in little (default) or big endian order.
template <typename T>
std::string raw(const std::vector<T>& values, bool big = false) {
  std::string out(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  if (big != (std::endian::native == std::endian::big))
    for (size_t i = 0; i < out.size(); i += sizeof(T))
      std::reverse(out.begin() + i, out.begin() + i + sizeof(T));
  return out;
}

std::string written(const torch::Tensor& t) {
  std::ostringstream out;
  write_npy(out, t);
  return out.str();
}

#define EXPECT_ERROR_HAS(statement, text)                                                          \
  EXPECT_NE(drig::test::error_of([&] { statement; }).find(text), std::string::npos)                \
      << drig::test::error_of([&] { statement; })

TEST(Npy, RoundTripsEveryDtype) {
  torch::manual_seed(7);
  const std::vector<std::pair<torch::ScalarType, std::string>> types = {
      {torch::kHalf, "<f2"},         {torch::kFloat, "<f4"},         {torch::kDouble, "<f8"},
      {torch::kChar, "|i1"},         {torch::kShort, "<i2"},         {torch::kInt, "<i4"},
      {torch::kLong, "<i8"},         {torch::kByte, "|u1"},          {torch::kBool, "|b1"},
      {torch::kComplexFloat, "<c8"}, {torch::kComplexDouble, "<c16"}};
  const std::vector<std::vector<int64_t>> shapes = {{2, 3, 4}, {}, {5}, {0, 3}};
  for (const auto& [type, descr] : types) {
    for (const auto& shape : shapes) {
      const torch::Tensor t = type == torch::kBool ? torch::rand(shape) > 0.5
                              : at::isComplexType(type)
                                  ? torch::randn(shape, torch::TensorOptions().dtype(type))
                                  : (torch::randn(shape) * 50).to(type);
      const std::string bytes = written(t);
      const size_t length = static_cast<unsigned char>(bytes[8]) | (bytes[9] << 8);
      EXPECT_EQ((10 + length) % 64, 0u);
      EXPECT_EQ(bytes[9 + length], '\n');
      const NpyArray a = read_npy(bytes, "t.npy");
      EXPECT_EQ(a.descr, descr);
      EXPECT_EQ(a.shape, shape);
      EXPECT_FALSE(a.fortran_order);
      EXPECT_EQ(a.tensor.scalar_type(), type);
      EXPECT_TRUE(torch::equal(a.tensor, t)) << descr;
    }
  }
  // Non-contiguous input is written in C order.
  const torch::Tensor base = torch::arange(12, torch::kFloat).reshape({3, 4});
  EXPECT_TRUE(torch::equal(read_npy(written(base.t()), "t").tensor, base.t()));
  EXPECT_THROW(written(torch::zeros({2}, torch::kBFloat16)), Error);
}

TEST(Npy, WidensUnsignedTypes) {
  const NpyArray u2 =
      read_npy(npy_bytes(dict_of("<u2", "(3,)"), raw<uint16_t>({0, 1, 65535})), "u2");
  EXPECT_EQ(u2.tensor.scalar_type(), torch::kInt);
  EXPECT_TRUE(torch::equal(u2.tensor, torch::tensor({0, 1, 65535}, torch::kInt)));
  const NpyArray u4 =
      read_npy(npy_bytes(dict_of(">u4", "(2,)"), raw<uint32_t>({4294967295u, 7}, true)), "u4");
  EXPECT_EQ(u4.tensor.scalar_type(), torch::kLong);
  EXPECT_TRUE(torch::equal(u4.tensor, torch::tensor({int64_t{4294967295}, int64_t{7}})));
  const uint64_t top = uint64_t{1} << 63;
  const NpyArray u8 = read_npy(npy_bytes(dict_of("<u8", "(1,)"), raw<uint64_t>({top - 1})), "u8");
  EXPECT_EQ(u8.tensor.item<int64_t>(), static_cast<int64_t>(top - 1));
  EXPECT_ERROR_HAS(read_npy(npy_bytes(dict_of("<u8", "(2,)"), raw<uint64_t>({1, top})), "big.npy"),
                   "big.npy: offset 136: uint64 value 9223372036854775808 does not fit");
}

TEST(Npy, ByteSwapsBigEndianAndAcceptsEveryByteOrder) {
  auto read = [](const std::string& descr, const std::string& data, const std::string& shape) {
    return read_npy(npy_bytes(dict_of(descr, shape), data), "be.npy").tensor;
  };
  EXPECT_TRUE(torch::equal(read(">f4", raw<float>({1.5f, -2.25f}, true), "(2,)"),
                           torch::tensor({1.5f, -2.25f})));
  EXPECT_TRUE(torch::equal(read(">f8", raw<double>({1e300}, true), "(1,)"),
                           torch::tensor({1e300}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(read(">i2", raw<int16_t>({-2, 300}, true), "(2,)"),
                           torch::tensor({-2, 300}, torch::kShort)));
  EXPECT_TRUE(
      torch::equal(read(">i8", raw<int64_t>({-5}, true), "(1,)"), torch::tensor({int64_t{-5}})));
  EXPECT_TRUE(torch::equal(read(">f2", raw<uint16_t>({0x3C00}, true), "(1,)"),
                           torch::ones({1}, torch::kHalf)));
  // Complex numbers swap each part, not the pair.
  const torch::Tensor c = read(">c8", raw<float>({1, 2, 3, -4}, true), "(2,)");
  EXPECT_EQ(c.scalar_type(), torch::kComplexFloat);
  EXPECT_TRUE(torch::equal(torch::view_as_real(c), torch::tensor({{1.f, 2.f}, {3.f, -4.f}})));
  EXPECT_TRUE(torch::equal(read("=f4", raw<float>({2.5f}), "(1,)"), torch::tensor({2.5f})));
  EXPECT_TRUE(torch::equal(read("|u1", "\x01\xff", "(2,)"), torch::tensor({1, 255}, torch::kByte)));
  EXPECT_TRUE(torch::equal(read("<i1", "\xff", "(1,)"), torch::tensor({-1}, torch::kChar)));
  // NumPy bools are bytes: any non-zero byte is true.
  EXPECT_TRUE(torch::equal(read("|b1", std::string("\x00\x01\x02", 3), "(3,)"),
                           torch::tensor({false, true, true})));
}

TEST(Npy, ReadsFortranOrder) {
  const NpyArray a =
      read_npy(npy_bytes(dict_of("<f4", "(2, 3)", true), raw<float>({0, 3, 1, 4, 2, 5})), "f.npy");
  EXPECT_TRUE(a.fortran_order);
  EXPECT_TRUE(a.tensor.is_contiguous());
  EXPECT_TRUE(torch::equal(a.tensor, torch::tensor({{0.f, 1.f, 2.f}, {3.f, 4.f, 5.f}})));

  const torch::Tensor expected = torch::arange(24, torch::kDouble).reshape({2, 3, 4});
  const torch::Tensor column_major = expected.permute({2, 1, 0}).contiguous();
  std::vector<double> values(column_major.data_ptr<double>(), column_major.data_ptr<double>() + 24);
  for (const bool big : {false, true}) {
    const NpyArray b = read_npy(
        npy_bytes(dict_of(big ? ">f8" : "<f8", "(2, 3, 4)", true), raw(values, big)), "f3.npy");
    EXPECT_EQ(b.shape, (std::vector<int64_t>{2, 3, 4}));
    EXPECT_TRUE(torch::equal(b.tensor, expected));
  }
}

TEST(Npy, ReadsVersion2And3HeadersAndPython2Shapes) {
  for (const int major : {2, 3}) {
    const NpyArray a =
        read_npy(npy_bytes(dict_of("<i4", "(2,)"), raw<int32_t>({7, -8}), major), "v");
    EXPECT_TRUE(torch::equal(a.tensor, torch::tensor({7, -8}, torch::kInt)));
  }
  // Python 2 NumPy wrote longs, and some writers use double quotes.
  const NpyArray old =
      read_npy(npy_bytes("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1L, 2L)}",
                         raw<float>({1, 2})),
               "old");
  EXPECT_EQ(old.shape, (std::vector<int64_t>{1, 2}));
}

TEST(Npy, ExplainsTruncatedAndTrailingData) {
  const std::string bytes = written(torch::ones({4, 5}));
  EXPECT_ERROR_HAS(read_npy(bytes.substr(0, bytes.size() - 3), "weights.npy"),
                   "weights.npy: offset 128: truncated: shape (4, 5) of '<f4' needs 20 x 4 bytes "
                   "but 77 follow the header");
  EXPECT_ERROR_HAS(read_npy(bytes + "xx", "weights.npy"), "(trailing data)");
  EXPECT_ERROR_HAS(read_npy(bytes.substr(0, 40), "weights.npy"),
                   "weights.npy: offset 10: .npy header of 118 bytes runs past the end");
  EXPECT_ERROR_HAS(read_npy(npy_bytes(dict_of("<f8", "(4611686018427387904, 4)"), ""), "huge.npy"),
                   "huge.npy: offset 128: shape (4611686018427387904, 4) has too many elements");
  EXPECT_ERROR_HAS(read_npy(npy_bytes(dict_of("<f8", "(1000000, 1000000)"), "12345678"), "big.npy"),
                   "truncated");
}

TEST(Npy, RejectsBadHeaders) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{'descr': '<f4', 'fortran_order': False}", "must have the keys"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "appears twice"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", "trailing comma"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}", "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "non-negative integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", "after the header dict"},
      {"{'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,)}", "escapes"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", "structured"},
      {"{'descr': '<U4', 'fortran_order': False, 'shape': (2,)}", "unsupported dtype '<U4'"},
      {"{'descr': 'f4', 'fortran_order': False, 'shape': (2,)}", "unsupported dtype"},
      {"{'descr': '<M8', 'fortran_order': False, 'shape': (2,)}", "unsupported dtype"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "too large"},
      {"['descr', '<f4']", "expected '{'"},
      {"{'descr': '<f4", "unterminated"}};
  for (const auto& [dict, message] : bad)
    EXPECT_ERROR_HAS(read_npy(npy_bytes(dict, raw<float>({1, 2})), "bad.npy"), message) << dict;
  EXPECT_ERROR_HAS(read_npy("not numpy", "x.npy"), "x.npy: offset 0: not a .npy file");
  std::string v4 = written(torch::ones({2}));
  v4[6] = 4;
  EXPECT_ERROR_HAS(read_npy(v4, "x.npy"), "unsupported .npy version 4.0");
}

bool inside(const torch::Tensor& t, const std::string& buffer) {
  const auto* p = static_cast<const char*>(t.data_ptr());
  return p >= buffer.data() && p < buffer.data() + buffer.size();
}

TEST(Npy, SharesAlignedBytesAndCopiesOtherwise) {
  const torch::Tensor t = torch::arange(10, torch::kDouble);
  auto buffer = std::make_shared<const std::string>(written(t));
  const NpyArray shared = read_npy(*buffer, "s.npy", buffer);
  EXPECT_TRUE(inside(shared.tensor, *buffer));
  EXPECT_TRUE(torch::equal(shared.tensor, t));
  EXPECT_FALSE(inside(read_npy(*buffer, "s.npy").tensor, *buffer)); // no owner: copy

  // The same file one byte into a buffer: the doubles are misaligned.
  auto shifted = std::make_shared<const std::string>(" " + written(t));
  const NpyArray copied = read_npy(std::string_view(*shifted).substr(1), "m.npy", shifted);
  EXPECT_FALSE(inside(copied.tensor, *shifted));
  EXPECT_TRUE(torch::equal(copied.tensor, t));
}

TEST(Npy, SavesAndLoadsFiles) {
  TempDir dir("npy_files");
  const torch::Tensor t = torch::randn({3, 7});
  save_npy(dir / "a.npy", t);
  const NpyArray a = load_npy(dir / "a.npy");
  EXPECT_TRUE(torch::equal(a.tensor, t));
  EXPECT_EQ(drig::read_file(dir / "a.npy"), written(t));
  save_npy(dir / "a.npy", t * 2); // replaces the file
  EXPECT_TRUE(torch::equal(load_npy(dir / "a.npy").tensor, t * 2));
  EXPECT_ERROR_HAS(load_npy(dir / "missing.npy"), "missing.npy");
  std::ofstream(dir / "short.npy", std::ios::binary) << written(t).substr(0, 150);
  EXPECT_ERROR_HAS(load_npy(dir / "short.npy"), "short.npy: offset 128: truncated");
  std::ofstream(dir / "empty.npy", std::ios::binary).flush();
  EXPECT_ERROR_HAS(load_npy(dir / "empty.npy"), "empty.npy: offset 0: not a .npy file");
}

std::string npz_of(const std::vector<std::pair<std::string, std::string>>& members) {
  std::ostringstream out;
  ZipWriter writer(out);
  for (const auto& [name, data] : members)
    writer.add(name, data);
  writer.finish();
  return out.str();
}

// Every prefix and thousands of random mutations give a result or an Error:
// never another exception, a crash or a hang.
TEST(Npy, SurvivesTruncationAndMutation) {
  const std::vector<std::string> originals = {
      written(torch::randn({2, 3})), written(torch::tensor({true, false})),
      npy_bytes(dict_of(">u8", "(2, 2)", true), raw<uint64_t>({1, 2, 3, 4}, true), 2),
      npz_of({{"a.npy", written(torch::ones({3}))}, {"b.npy", written(torch::zeros({2, 2}))}})};
  auto survive = [](const std::string& bytes) {
    try {
      if (ZipReader::looks_like_zip(bytes))
        read_npz(ZipReader(bytes, "fuzz.npz"));
      else
        read_npy(bytes, "fuzz.npy");
    } catch (const Error&) {
    }
  };
  std::mt19937 rng(99);
  for (const std::string& original : originals) {
    for (size_t n = 0; n < original.size(); ++n)
      survive(original.substr(0, n));
    for (int iteration = 0; iteration < 2000; ++iteration) {
      std::string bytes = original;
      for (int f = 0, flips = 1 + static_cast<int>(rng() % 3); f < flips; ++f) {
        const size_t at =
            rng() % 2 ? rng() % bytes.size() : rng() % std::min<size_t>(80, bytes.size());
        bytes[at] = static_cast<char>(rng() & 0xFF);
      }
      survive(bytes);
    }
  }
}

fs::path reference(const std::string& relative) {
  return drig::test::shared_dir() / "reference" / relative;
}

TEST(NpyReference, DecaTextureSpacesDisplacementAndEncoderParams) {
  DRIG_REQUIRE_SHARED();
  using Shape = std::vector<int64_t>;
  const auto texture = load_npz(reference("deca/data/FLAME_texture.npz"));
  ASSERT_EQ(texture.size(), 2u);
  EXPECT_EQ(texture[0].first, "mean");
  EXPECT_EQ(texture[1].first, "tex_dir");
  const at::Tensor mean = texture[0].second.tensor, dir = texture[1].second.tensor;
  EXPECT_EQ(mean.sizes(), (Shape{16, 16, 3}));
  EXPECT_EQ(dir.sizes(), (Shape{16, 16, 3, 200}));
  EXPECT_EQ(dir.scalar_type(), torch::kDouble);
  EXPECT_GE(mean.min().item<double>(), 0.0);
  EXPECT_LE(mean.max().item<double>(), 255.0);
  EXPECT_NEAR(mean.sum().item<double>(), 106240.0, 1e-6);
  EXPECT_DOUBLE_EQ(dir[1][2][0][5].item<double>(), -8.663638814302034);

  const auto albedo = load_npz(reference("deca/data/FLAME_albedo_from_BFM.npz"));
  ASSERT_EQ(albedo.size(), 4u);
  EXPECT_EQ(albedo[0].first, "MU");
  EXPECT_EQ(albedo[1].first, "PC");
  EXPECT_EQ(albedo[0].second.tensor.sizes(), (Shape{768}));
  EXPECT_EQ(albedo[1].second.tensor.sizes(), (Shape{768, 199}));
  EXPECT_DOUBLE_EQ(albedo[0].second.tensor[0].item<double>(), 0.5882352941176471);
  EXPECT_DOUBLE_EQ(albedo[1].second.tensor[767][198].item<double>(), 0.016527154608359046);

  const at::Tensor displacement =
      load_npy(reference("deca/data/fixed_displacement_256.npy")).tensor;
  EXPECT_EQ(displacement.sizes(), (Shape{256, 256}));
  EXPECT_EQ(displacement.scalar_type(), torch::kDouble);
  EXPECT_GE(displacement.min().item<double>(), -1.3e-3);
  EXPECT_LE(displacement.max().item<double>(), 1.6e-3);
  EXPECT_DOUBLE_EQ(displacement[3][7].item<double>(), 0.00016378068450440312);

  const at::Tensor params = load_npy(reference("deca/ref/encoder_params.npy")).tensor;
  EXPECT_EQ(params.sizes(), (Shape{2, 236}));
  EXPECT_EQ(params.scalar_type(), torch::kFloat);
  EXPECT_FLOAT_EQ(params[1][235].item<float>(), 0.025631442666053772f);
}

// Every numeric .npy under reference/ loads, with the shape and dtype that
// diffusion/tiny/manifest.json records for the ones it lists.
TEST(NpyReference, EveryNumericNpyMatchesTheManifest) {
  DRIG_REQUIRE_SHARED();
  const fs::path tiny = reference("diffusion/tiny");
  const auto manifest = nlohmann::json::parse(drig::read_file(tiny / "manifest.json"));
  size_t loaded = 0, listed = 0;
  for (const auto& file : fs::recursive_directory_iterator(reference(""))) {
    if (file.path().extension() != ".npy")
      continue;
    if (parse_npy_header(drig::read_file(file.path()), file.path().string()).descr == "|O")
      continue; // needs the unpickler: see ObjectArrays below
    const NpyArray a = load_npy(file.path());
    EXPECT_EQ(a.tensor.sizes(), a.shape) << file.path();
    ++loaded;
    const std::string relative = fs::relative(file.path(), tiny).generic_string();
    if (!manifest.contains(relative))
      continue;
    ++listed;
    EXPECT_EQ(a.descr, manifest[relative]["dtype"].get<std::string>()) << relative;
    EXPECT_EQ(a.shape, manifest[relative]["shape"].get<std::vector<int64_t>>()) << relative;
  }
  EXPECT_GE(loaded, 170u);
  EXPECT_EQ(listed, manifest.size());
}

// np.save of a 0-d object array pickles the whole array: the unpickler gives
// a one-item object array whose item is the dict.
TEST(NpyReference, ObjectArraysHoldPickledDicts) {
  DRIG_REQUIRE_SHARED();
  auto item_of = [](const NpyArray& a) {
    EXPECT_EQ(a.descr, "|O");
    EXPECT_TRUE(a.shape.empty());
    EXPECT_TRUE(a.object && a.object->items.size() == 1);
    return a.object && a.object->items.size() == 1 ? a.object->items[0] : make_value({});
  };
  const PickleRef landmarks = item_of(load_npy(reference("deca/data/landmark_embedding.npy")));
  ASSERT_EQ(landmarks->kind, PickleValue::Kind::Dict);
  const PickleRef faces = landmarks->get("static_lmk_faces_idx");
  ASSERT_TRUE(faces);
  EXPECT_EQ(faces->tensor.sizes(), (std::vector<int64_t>{51}));
  EXPECT_EQ(faces->tensor.scalar_type(), torch::kLong);
  const PickleRef bary = landmarks->get("static_lmk_bary_coords");
  ASSERT_TRUE(bary);
  EXPECT_EQ(bary->tensor.sizes(), (std::vector<int64_t>{51, 3}));

  const PickleRef dense = item_of(load_npy(reference("deca/data/texture_data_256.npy")));
  ASSERT_EQ(dense->kind, PickleValue::Kind::Dict);
  for (const char* key : {"img_size", "f", "x_coords", "y_coords", "valid_pixel_ids",
                          "valid_pixel_3d_faces", "valid_pixel_b_coords"})
    EXPECT_TRUE(dense->get(key)) << key;
  ASSERT_TRUE(dense->get("img_size"));
  EXPECT_EQ(dense->get("img_size")->as_int("img_size"), 256);
}

} // namespace
} // namespace drig::formats
