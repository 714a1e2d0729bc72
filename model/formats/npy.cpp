#include "model/formats/npy.h"

#include "model/base/atomic_file.h"
#include "model/base/error.h"
#include "model/formats/mapped_file.h"
#include "model/formats/zip_archive.h"

#include <ATen/ATen.h>
#include <c10/util/strides.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <set>

namespace drig::formats {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr bool kLittleHost = std::endian::native == std::endian::little;
constexpr size_t kMaxDims = 64;

using T = at::ScalarType;
struct Known {
  std::string_view key; // kind and item size, as in "f4"
  T stored, result;     // how the bytes are laid out, what the tensor holds
};
// uint16/32/64 have no LibTorch 1.13 type: they are read element by element
// into a wider signed type. write_npy takes the first entry whose `result`
// matches, so the signed types come before them.
// clang-format off
constexpr Known kKnown[] = {
    {"f2", T::Half, T::Half}, {"f4", T::Float, T::Float}, {"f8", T::Double, T::Double},
    {"i1", T::Char, T::Char}, {"i2", T::Short, T::Short}, {"i4", T::Int, T::Int},
    {"i8", T::Long, T::Long}, {"u1", T::Byte, T::Byte},   {"b1", T::Byte, T::Bool},
    {"c8", T::ComplexFloat, T::ComplexFloat}, {"c16", T::ComplexDouble, T::ComplexDouble},
    {"u2", T::Long, T::Int},  {"u4", T::Long, T::Long},   {"u8", T::Long, T::Long}};
// clang-format on

std::string excerpt(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 120)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7F) ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  return text.size() > 120 ? out + "..." : out;
}

// A strict reader for the one dict literal NumPy writes, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// Anything beyond that grammar is refused rather than guessed at.
class HeaderParser {
public:
  HeaderParser(std::string_view text, const std::string& source, uint64_t base)
      : s_(text), source_(source), base_(base) {}

  void parse(NpyHeader& header) {
    std::set<std::string> seen;
    expect('{');
    while (!eat('}')) {
      const std::string key = string();
      expect(':');
      if (!seen.insert(key).second)
        error(fmt::format("key '{}' appears twice", excerpt(key)));
      if (key == "descr") {
        skip_space();
        if (i_ < s_.size() && s_[i_] == '[')
          error("structured dtypes are not supported");
        header.descr = string();
      } else if (key == "fortran_order") {
        header.fortran_order = boolean();
      } else if (key == "shape") {
        header.shape = tuple();
      } else {
        error(fmt::format("unexpected key '{}'", excerpt(key)));
      }
      if (eat('}'))
        break;
      expect(',');
    }
    skip_space();
    if (i_ != s_.size())
      error("unexpected characters after the header dict");
    if (seen.size() != 3)
      error("the header must have the keys 'descr', 'fortran_order' and 'shape'");
  }

private:
  [[noreturn]] void error(const std::string& problem) const {
    fail("{}: offset {}: bad .npy header: {} (header: {})", source_, base_ + i_, problem,
         excerpt(s_));
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    skip_space();
    const bool match = i_ < s_.size() && s_[i_] == c;
    i_ += match ? 1 : 0;
    return match;
  }
  void expect(char c) {
    if (!eat(c))
      error(fmt::format("expected '{}'", c));
  }
  std::string string() {
    skip_space();
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"'))
      error("expected a quoted string");
    const char quote = s_[i_++];
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] != quote) {
      if (s_[i_] == '\\')
        error("escapes in strings are not supported");
      ++i_;
    }
    if (i_ >= s_.size())
      error("unterminated string");
    return std::string(s_.substr(start, i_++ - start));
  }
  bool boolean() {
    skip_space();
    const bool value = s_.substr(i_, 4) == "True";
    if (!value && s_.substr(i_, 5) != "False")
      error("expected True or False");
    i_ += value ? 4 : 5;
    return value;
  }
  int64_t integer() {
    skip_space();
    if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9')
      error("expected a non-negative integer");
    int64_t value = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      const int digit = s_[i_++] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10)
        error("dimension too large");
      value = value * 10 + digit;
    }
    if (i_ < s_.size() && s_[i_] == 'L')
      ++i_; // Python 2 long, as old NumPy wrote shapes
    return value;
  }
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> dims;
    if (eat(')'))
      return dims;
    for (;;) {
      if (dims.size() == kMaxDims)
        error(fmt::format("more than {} dimensions", kMaxDims));
      dims.push_back(integer());
      if (eat(')')) {
        if (dims.size() == 1)
          error("a one-element shape needs a trailing comma, as in (3,)");
        return dims;
      }
      expect(',');
      if (eat(')'))
        return dims;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  const std::string& source_;
  uint64_t base_;
};

struct Dtype {
  at::ScalarType stored = at::kFloat; // how the bytes are laid out
  at::ScalarType result = at::kFloat; // what the tensor holds
  size_t itemsize = 0;
  bool swap = false, object = false;
  bool widen = false; // u2, u4, u8: converted element by element
};

Dtype parse_dtype(const std::string& descr, const std::string& source) {
  auto refuse = [&](std::string_view why) -> Dtype {
    fail("{}: unsupported dtype '{}' ({})", source, excerpt(descr), why);
  };
  if (descr.size() < 2 || std::string_view("<>=|").find(descr[0]) == std::string_view::npos)
    refuse("expected a byte order, a kind and a size, as in '<f4'");
  const char order = descr[0], kind = descr[1];
  const std::string digits = descr.substr(2);
  Dtype d;
  if (kind == 'O' && (digits.empty() || digits == "8")) {
    d.object = true;
    return d;
  }
  if (digits.empty() || digits.size() > 2 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    refuse("bad item size");
  d.itemsize = std::stoul(digits);
  d.swap = (order == '>' && kLittleHost) || (order == '<' && !kLittleHost);
  const std::string key = std::string(1, kind) + digits;
  const auto* found = std::find_if(std::begin(kKnown), std::end(kKnown),
                                   [&](const Known& k) { return k.key == key; });
  if (found == std::end(kKnown))
    refuse("supported: float16/32/64, int8/16/32/64, uint8/16/32/64, bool, complex64/128, object");
  d.stored = found->stored;
  d.result = found->result;
  d.widen = kind == 'u' && d.itemsize > 1;
  return d;
}

at::Tensor decode(const char* data, uint64_t nbytes, const Dtype& d, at::IntArrayRef sizes,
                  const std::shared_ptr<const void>& owner, const std::string& source,
                  uint64_t data_offset) {
  const uint64_t count = d.itemsize == 0 ? 0 : nbytes / d.itemsize;
  if (d.widen) {
    at::Tensor out = at::empty(sizes, at::TensorOptions().dtype(at::kLong));
    int64_t* values = out.data_ptr<int64_t>();
    const bool big = d.swap == kLittleHost; // the file's order
    for (uint64_t i = 0; i < count; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(data + i * d.itemsize);
      uint64_t v = 0;
      for (size_t b = 0; b < d.itemsize; ++b)
        v |= static_cast<uint64_t>(p[big ? d.itemsize - 1 - b : b]) << (8 * b);
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail("{}: offset {}: uint64 value {} does not fit int64", source,
             data_offset + i * d.itemsize, v);
      values[i] = static_cast<int64_t>(v);
    }
    return out.to(d.result);
  }
  at::Tensor out;
  if (d.swap && d.itemsize > 1) {
    out = at::empty(sizes, at::TensorOptions().dtype(d.stored));
    std::memcpy(out.data_ptr(), data, nbytes);
    char* p = static_cast<char*>(out.data_ptr());
    const size_t unit = at::isComplexType(d.stored) ? d.itemsize / 2 : d.itemsize;
    for (uint64_t i = 0; i < nbytes; i += unit)
      std::reverse(p + i, p + i + unit);
  } else {
    out = tensor_from_bytes(owner, data, nbytes, d.stored, sizes, c10::contiguous_strides(sizes));
  }
  // NumPy bools are bytes; anything but 0/1 would be undefined in a torch bool.
  return d.result == at::kBool ? out.ne(0) : out;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  if (shape.size() == 1)
    return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

} // namespace

at::Tensor numpy_bytes_to_tensor(const std::string& descr, const std::vector<int64_t>& shape,
                                 bool fortran_order, std::string_view data,
                                 const std::string& source, std::shared_ptr<const void> owner,
                                 uint64_t data_offset) {
  const Dtype d = parse_dtype(descr, source);
  if (d.object)
    fail("{}: object array where numbers were expected", source);
  // prod(shape) * itemsize, checked so that a hostile shape cannot overflow.
  uint64_t count = 1;
  for (const int64_t dim : shape) {
    const auto n = static_cast<uint64_t>(std::max<int64_t>(dim, 1));
    if (count > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / n)
      fail("{}: offset {}: shape {} has too many elements", source, data_offset, shape_text(shape));
    count *= n;
  }
  if (std::find(shape.begin(), shape.end(), 0) != shape.end())
    count = 0;
  if (count > data.size() / d.itemsize)
    fail("{}: offset {}: truncated: shape {} of '{}' needs {} x {} bytes but {} follow the header",
         source, data_offset, shape_text(shape), descr, count, d.itemsize, data.size());
  const uint64_t need = count * d.itemsize;
  if (need != data.size())
    fail("{}: offset {}: shape {} of '{}' needs {} bytes but {} follow the header (trailing data)",
         source, data_offset, shape_text(shape), descr, need, data.size());

  if (!fortran_order) {
    return decode(data.data(), need, d, shape, owner, source, data_offset);
  }
  // Fortran order is C order of the reversed shape, transposed back.
  std::vector<int64_t> reversed(shape.rbegin(), shape.rend());
  std::vector<int64_t> dims(reversed.size());
  for (size_t i = 0; i < dims.size(); ++i)
    dims[i] = static_cast<int64_t>(dims.size() - 1 - i);
  return decode(data.data(), need, d, reversed, owner, source, data_offset)
      .permute(dims)
      .contiguous();
}

NpyHeader parse_npy_header(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 10 || bytes.substr(0, kMagic.size()) != kMagic)
    fail("{}: offset 0: not a .npy file (no \\x93NUMPY magic)", source);
  const auto major = static_cast<unsigned char>(bytes[6]);
  const auto minor = static_cast<unsigned char>(bytes[7]);
  if (!((major == 1 || major == 2 || major == 3) && minor == 0))
    fail("{}: offset 6: unsupported .npy version {}.{}", source, major, minor);
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  uint64_t prefix = 10, length = u[8] | (u[9] << 8);
  if (major >= 2) {
    if (bytes.size() < 12)
      fail("{}: offset {}: truncated .npy header", source, bytes.size());
    prefix = 12;
    length = length | (static_cast<uint64_t>(u[10]) << 16) | (static_cast<uint64_t>(u[11]) << 24);
  }
  if (length > bytes.size() - prefix)
    fail("{}: offset {}: .npy header of {} bytes runs past the end of the file ({} bytes)", source,
         prefix, length, bytes.size());
  NpyHeader header;
  HeaderParser(bytes.substr(prefix, length), source, prefix).parse(header);
  header.data_offset = prefix + length;
  return header;
}

NpyArray read_npy(std::string_view bytes, const std::string& source,
                  std::shared_ptr<const void> owner, const UnpickleOptions& options) {
  const NpyHeader header = parse_npy_header(bytes, source);
  NpyArray array{.descr = header.descr,
                 .fortran_order = header.fortran_order,
                 .shape = header.shape,
                 .tensor = {},
                 .object = {}};
  const Dtype d = parse_dtype(header.descr, source);
  const std::string_view data = bytes.substr(header.data_offset);
  if (d.object) {
    UnpickleOptions nested = options;
    nested.source = source;
    array.object = unpickle(data, nested);
    return array;
  }

  array.tensor = numpy_bytes_to_tensor(header.descr, header.shape, header.fortran_order, data,
                                       source, owner, header.data_offset);
  return array;
}

NpyArray load_npy(const std::filesystem::path& path, const UnpickleOptions& options) {
  auto file = MappedFile::open(path);
  const std::string_view bytes = file->bytes();
  return read_npy(bytes, path.filename().string(), std::move(file), options);
}

std::vector<std::pair<std::string, NpyArray>> read_npz(const ZipReader& zip,
                                                       const UnpickleOptions& options) {
  std::vector<std::pair<std::string, NpyArray>> arrays;
  for (const ZipEntry& entry : zip.entries()) {
    if (!entry.name.empty() && entry.name.back() == '/')
      continue; // a folder entry
    const std::string label = zip.source() + ":" + entry.name;
    auto scratch = std::make_shared<std::string>();
    const std::string_view bytes = zip.read(entry, *scratch);
    if (zip_crc32(bytes) != entry.crc32)
      fail("{}: CRC-32 mismatch (the member is corrupt)", label);
    // Stored members share the archive's bytes; inflated ones their buffer.
    std::shared_ptr<const void> owner = entry.method == 0 ? zip.owner() : scratch;
    std::string key = entry.name;
    if (key.size() > 4 && key.ends_with(".npy"))
      key.resize(key.size() - 4);
    arrays.emplace_back(std::move(key), read_npy(bytes, label, std::move(owner), options));
  }
  return arrays;
}

std::vector<std::pair<std::string, NpyArray>> load_npz(const std::filesystem::path& path,
                                                       const UnpickleOptions& options) {
  return read_npz(ZipReader(MappedFile::open(path)), options);
}

void write_npy(std::ostream& out, const at::Tensor& tensor) {
  DRIG_CHECK(tensor.defined(), "write_npy: undefined tensor");
  const at::Tensor t = tensor.detach().cpu().contiguous();
  const auto* found = std::find_if(std::begin(kKnown), std::end(kKnown),
                                   [&](const Known& k) { return k.result == t.scalar_type(); });
  if (found == std::end(kKnown))
    fail("write_npy: NumPy has no equivalent of dtype {}", c10::toString(t.scalar_type()));
  const char order = t.element_size() == 1 ? '|' : kLittleHost ? '<' : '>';
  const std::string descr = order + std::string(found->key);
  const std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
  const std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                       descr, shape_text(shape));
  // As numpy.lib.format: pad with spaces and a final '\n' so the data starts at
  // a multiple of 64. Version 1.0: a tensor's header never needs 2.0's 32-bit length.
  const uint64_t length = dict.size() + 1, total = length + 64 - (10 + length) % 64;
  DRIG_CHECK(total <= 0xFFFF, "write_npy: {} dimensions are too many for a .npy header",
             shape.size());
  std::string head(kMagic);
  head += {'\x01', '\x00', static_cast<char>(total & 0xFF), static_cast<char>(total >> 8)};
  head += dict + std::string(total - length, ' ') + '\n';
  out.write(head.data(), static_cast<std::streamsize>(head.size()));
  out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
  if (!out)
    fail("write_npy: write failed (disk full?)");
}

void save_npy(const std::filesystem::path& path, const at::Tensor& tensor) {
  write_file_atomic(path, [&](std::ostream& out) { write_npy(out, tensor); });
}

} // namespace drig::formats
