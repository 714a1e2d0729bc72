// Mutation fuzzing of the readers with the real fixture files: random byte
// flips, insertions and truncations must end in a value or a drig::Error —
// never a crash, a hang, another exception type or (under the asan preset) a
// sanitizer report. DRIG_FUZZ_ITERATIONS overrides the count per file.
#include "model/base/error.h"
#include "model/formats/npy.h"
#include "model/formats/pickle.h"
#include "model/formats/torch_checkpoint.h"
#include "model/formats/torch_writer.h"
#include "model/formats/zip_archive.h"
#include "tests/support/test_paths.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using namespace drig::formats;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int iterations() {
  const char* value = std::getenv("DRIG_FUZZ_ITERATIONS");
  return value ? std::atoi(value) : 4000;
}

std::string mutate(const std::string& original, std::mt19937& random) {
  std::string data = original;
  switch (random() % 4) {
  case 0: // truncate
    data.resize(random() % (data.size() + 1));
    break;
  case 1: // flip a few bytes, biased towards the start where headers live
    for (int n = 1 + random() % 4; n > 0; --n) {
      const size_t span = (random() % 2) ? std::min<size_t>(data.size(), 512) : data.size();
      data[random() % span] = static_cast<char>(random());
    }
    break;
  case 2: // overwrite 4 bytes with a large or negative number
    if (data.size() >= 4) {
      const uint32_t values[] = {0xffffffffu, 0x7fffffffu, 0x80000000u, 0x00ffffffu, 0};
      const uint32_t v = values[random() % 5];
      const size_t at = random() % (data.size() - 3);
      std::memcpy(&data[at], &v, 4);
    }
    break;
  default: // insert or delete a run
    if (random() % 2)
      data.insert(random() % (data.size() + 1), std::string(1 + random() % 16, char(random())));
    else if (!data.empty())
      data.erase(random() % data.size(), 1 + random() % 16);
  }
  return data;
}

// Runs `load` on `iterations()` mutants of `original`; returns how many were refused.
template <typename F>
int fuzz(const std::string& original, uint32_t seed, F&& load) {
  std::mt19937 random(seed);
  int refused = 0;
  for (int i = 0; i < iterations(); ++i) {
    const std::string data = mutate(original, random);
    try {
      load(data);
    } catch (const drig::Error&) {
      ++refused;
    }
  }
  return refused;
}

} // namespace

TEST(FixtureFuzz, PicklesFromTheReferenceFolder) {
  DRIG_REQUIRE_SHARED();
  for (const char* name : {"deca/data/generic_model.pkl", "lmdb/fixture.lmdb/mean_shape.pkl",
                           "lmdb/extra/normal_000000_hwc_strided.pkl"}) {
    SCOPED_TRACE(name);
    const std::string original = read_all(drig::test::shared_dir() / "reference" / name);
    EXPECT_GT(fuzz(original, 1, [](const std::string& d) { unpickle(d); }), 0);
  }
}

TEST(FixtureFuzz, NumpyFilesFromTheReferenceFolder) {
  DRIG_REQUIRE_SHARED();
  const fs::path reference = drig::test::shared_dir() / "reference";
  const std::string embedding = read_all(reference / "deca/data/landmark_embedding.npy");
  EXPECT_GT(fuzz(embedding, 2, [](const std::string& d) { read_npy(d, "embedding"); }), 0);
  const std::string params = read_all(reference / "deca/ref/encoder_params.npy");
  EXPECT_GT(fuzz(params, 3, [](const std::string& d) { read_npy(d, "params"); }), 0);
  const std::string texture = read_all(reference / "deca/data/FLAME_texture.npz");
  EXPECT_GT(
      fuzz(texture, 4, [](const std::string& d) { read_npz(ZipReader(d, "FLAME_texture.npz")); }),
      0);
}

TEST(FixtureFuzz, TorchZipCheckpoints) {
  drig::test::TempDir dir("fuzz-torch");
  torch::manual_seed(0);
  const at::Tensor shared = torch::randn({8, 8});
  save_state_dict(dir / "small.pt", {{"a.weight", shared},
                                     {"a.view", shared.t()},
                                     {"b.bias", torch::randn({8})},
                                     {"steps", torch::tensor(3, torch::kLong)}});
  const std::string original = read_all(dir / "small.pt");
  const fs::path mutant = dir / "mutant.pt";
  EXPECT_GT(fuzz(original, 5,
                 [&](const std::string& d) {
                   std::ofstream(mutant, std::ios::binary | std::ios::trunc) << d;
                   load_torch_checkpoint(mutant);
                 }),
            0);
}
