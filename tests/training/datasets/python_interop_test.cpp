// Our dataset and checkpoints read by Python the way the original code reads
// them (pickle.load of the LMDB values, PIL for the images, torch.load +
// load_state_dict), where /usr/bin/python3 has torch, lmdb and PIL; skipped
// with a message elsewhere.
#include "tests/support/test_paths.h"
#include "training/datasets/lmdb_dataset.h"

#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include <fstream>

namespace fs = std::filesystem;

TEST(PythonInterop, TheOriginalReaderReadsOurDataset) {
  const auto probe =
      drig::test::run_command("/usr/bin/python3 -c 'import torch, lmdb, PIL' 2>/dev/null");
  if (probe.exit_code != 0)
    GTEST_SKIP() << "/usr/bin/python3 lacks torch, lmdb or PIL: the Python side cannot run here";
  drig::test::TempDir dir("py_interop");
  const at::Tensor albedo = at::rand({3, 16, 16}), normal = at::rand({3, 16, 16}) * 2 - 1,
                   rendered = at::rand({3, 16, 16});
  const at::Tensor image = at::randint(0, 255, {16, 16, 3}, at::kByte);
  {
    drig::datasets::DatasetWriter writer(dir / "x.lmdb");
    writer.put(0, albedo, normal, rendered, image);
    writer.finish(1);
  }
  // The values the Python side must see, as raw float32 files.
  const auto dump = [&](const std::string& name, const at::Tensor& t) {
    std::ofstream out(dir / name, std::ios::binary);
    out.write(static_cast<const char*>(t.contiguous().data_ptr()), std::streamsize(t.nbytes()));
  };
  dump("albedo.f32", albedo);
  dump("normal.f32", normal);
  dump("rendered.f32", rendered);
  dump("image.u8", image);
  std::ofstream(dir / "check.py") << R"(import io, pickle, sys, lmdb, torch
from PIL import Image
d = sys.argv[1]
env = lmdb.open(d + '/x.lmdb', readonly=True, lock=False, readahead=False, meminit=False)
with env.begin(write=False) as txn:
    assert int(txn.get(b'length').decode('utf-8')) == 1
    for kind in ('albedo', 'normal', 'rendered'):
        t = pickle.load(io.BytesIO(txn.get(f'{kind}_{str(0).zfill(6)}'.encode('utf-8'))))
        want = torch.frombuffer(bytearray(open(f'{d}/{kind}.f32', 'rb').read()), dtype=torch.float32).view(3, 16, 16)
        assert t.dtype == torch.float32 and t.shape == (3, 16, 16) and torch.equal(t, want), kind
    img = Image.open(io.BytesIO(txn.get(b'image_000000'))).convert('RGB')
    want = torch.frombuffer(bytearray(open(f'{d}/image.u8', 'rb').read()), dtype=torch.uint8).view(16, 16, 3)
    assert torch.equal(torch.tensor(list(img.getdata()), dtype=torch.uint8).view(16, 16, 3), want)
print('ok')
)";
  const auto r = drig::test::run_command("/usr/bin/python3 " + (dir / "check.py").string() + " " +
                                         dir.path().string() + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;
}
