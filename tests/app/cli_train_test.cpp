// diffusionrig train on the original's 3-sample fixture LMDB with a tiny
// model: an interrupted (SIGKILLed) and resumed run ends with the weights of
// an uninterrupted one, bit for bit; stage 2 trains only the UNet.
#include "model/formats/torch_checkpoint.h"
#include "tests/support/test_paths.h"

#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

namespace fs = std::filesystem;
using drig::test::run_command;

using drig::test::cli;

namespace {

const char* const kTiny = " --image_size 64 --num_channels 32 --num_res_blocks 1 "
                          "--attention_resolutions 16 --channel_mult 1,2 --latent_dim 16 ";

std::string train(const fs::path& log_dir, const std::string& flags) {
  const fs::path data = drig::test::shared_dir() / "reference/lmdb/fixture.lmdb";
  return cli() + " -q --device cpu train --data_dir " + data.string() + " --log_dir " +
         log_dir.string() + kTiny + flags;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

drig::formats::NamedTensors weights(const fs::path& p) {
  const auto ckpt = drig::formats::load_torch_checkpoint(p);
  auto named = drig::formats::state_dict_tensors(*ckpt.root, p.string());
  for (auto& [name, t] : named)
    t = t.clone();
  return named;
}

} // namespace

TEST(CliTrain, KilledAndResumedEqualsUninterrupted) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir whole("train_whole"), killed("train_killed");
  auto r = run_command(
      train(whole.path(), "--stage 1 --batch_size 2 --max_steps 6 --save_interval 2") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  ASSERT_TRUE(fs::exists(whole / "model000006.pt"));
  ASSERT_TRUE(fs::exists(whole / "opt000006.pt"));
  EXPECT_TRUE(fs::exists(whole / "progress.csv"));
  int event_files = 0; // TensorBoard, beside the CSV
  for (const auto& e : fs::directory_iterator(whole.path()))
    event_files += e.path().filename().string().rfind("events.out.tfevents.", 0) == 0 &&
                   fs::file_size(e.path()) > 100;
  EXPECT_EQ(event_files, 1);

  // Forever (--max_steps 0), SIGKILLed once the step-4 checkpoint exists.
  const std::string background = train(killed.path(), "--stage 1 --batch_size 2 --max_steps 0 "
                                                      "--save_interval 2") +
                                 " > /dev/null 2>&1 & echo $!";
  const auto started = run_command(background);
  const int pid = std::stoi(started.out);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(killed / "model000004.pt") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(fs::exists(killed / "model000004.pt")) << "training made no checkpoint in time";
  // Every model file there is whole (loads), whatever the moment of the kill.
  for (const auto& e : fs::directory_iterator(killed.path()))
    if (e.path().extension() == ".pt") {
      EXPECT_NO_THROW(drig::formats::load_torch_checkpoint(e.path())) << e.path();
    }

  r = run_command(train(killed.path(), "--stage 1 --batch_size 2 --max_steps 6 --save_interval 2 "
                                       "--resume_checkpoint " +
                                           (killed / "model000004.pt").string()) +
                  " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(bytes_of(killed / "model000006.pt"), bytes_of(whole / "model000006.pt"))
      << "the resumed run's weights differ from the uninterrupted run's";
}

TEST(CliTrain, StageTwoTrainsTheUnetOnly) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir stage1("train_s1"), stage2("train_s2");
  ASSERT_EQ(run_command(train(stage1.path(), "--stage 1 --batch_size 2 --max_steps 1")).exit_code,
            0);
  const auto r = run_command(train(stage2.path(), "--stage 2 --batch_size 3 --max_steps 2 "
                                                  "--preview_interval 2 --preview_steps ddim2 "
                                                  "--resume_checkpoint " +
                                                      (stage1 / "model000001.pt").string()) +
                             " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Stage 2 starts counting at 0 from a stage 1 model, as the original.
  ASSERT_TRUE(fs::exists(stage2 / "model000002.pt")) << r.out;
  // The preview: the 3 photos over their samples.
  const fs::path preview = stage2 / "preview000002.png";
  ASSERT_TRUE(fs::exists(preview)) << r.out;
  std::ifstream png(preview, std::ios::binary);
  unsigned char header[24] = {};
  png.read(reinterpret_cast<char*>(header), 24);
  const auto be32 = [&](int at) {
    return (header[at] << 24) | (header[at + 1] << 16) | (header[at + 2] << 8) | header[at + 3];
  };
  EXPECT_EQ(be32(16), 3 * 64); // IHDR width
  EXPECT_EQ(be32(20), 2 * 64); // IHDR height
  const auto before = weights(stage1 / "model000001.pt");
  const auto after = weights(stage2 / "model000002.pt");
  ASSERT_EQ(before.size(), after.size());
  int unet_changed = 0;
  for (size_t i = 0; i < before.size(); ++i) {
    const auto& [name, t] = before[i];
    const bool same = at::equal(t, after[i].second);
    if (name.rfind("encoder.", 0) == 0 && name.find("running_") == std::string::npos &&
        name.find("num_batches_tracked") == std::string::npos) {
      EXPECT_TRUE(same) << name << " changed in stage 2";
    }
    if (name.rfind("denoisingUNet.", 0) == 0 && !same)
      ++unet_changed;
  }
  EXPECT_GT(unet_changed, 10);
}

TEST(CliTrain, BadSettingsAreClearErrors) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir dir("train_bad");
  auto r = run_command(train(dir.path(), "--stage 2 --batch_size 4 --max_steps 1") + " 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("batch size 4"), std::string::npos) << r.out;
  r = run_command(cli() + " --device cpu train --stage 2 --data_dir " +
                  (drig::test::shared_dir() / "reference/lmdb/fixture.lmdb").string() +
                  " --log_dir " + dir.path().string() +
                  " --batch_size 2 --image_size 32 --channel_mult 1,2 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("64x64"), std::string::npos) << r.out;
  r = run_command(
      train(dir.path(),
            "--stage 2 --batch_size 2 --resume_checkpoint /nonexistent/model000001.pt") +
      " 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("model000001.pt"), std::string::npos) << r.out;
}

namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool is_buffer(const std::string& name) {
  return name.find("running_") != std::string::npos ||
         name.find("num_batches_tracked") != std::string::npos;
}

} // namespace

// Issue 9's distributed check: two processes under the launcher's variables
// (what torchrun sets), Gloo on localhost, end with identical weights, equal
// bit for bit to one process that splits the same global batch into the same
// two parts. BatchNorm running statistics are per rank, as in the original
// (DDP with broadcast_buffers=False), so only those may differ.
TEST(CliTrain, TwoGlooRanksEqualOneProcessWithTheSameGlobalBatch) {
  DRIG_REQUIRE_SHARED();
  drig::test::TempDir single("dist_single"), ranks("dist_ranks");
  const fs::path data = drig::test::shared_dir() / "reference/lmdb/fixture.lmdb";
  const auto command = [&](const fs::path& log_dir, const std::string& flags) {
    return cli() + " -q --threads 1 --device cpu train --stage 1 --data_dir " + data.string() +
           " --log_dir " + log_dir.string() + kTiny + "--max_steps 3 --save_interval 3 " + flags;
  };
  auto r = run_command(command(single.path(), "--batch_size 2 --micro_batches 2") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;

  const std::string env =
      "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port());
  const std::string rank_cmd = command(ranks.path(), "--batch_size 1 --save_every_rank");
  r = run_command("(" + env + " RANK=1 LOCAL_RANK=1 " + rank_cmd + " > " +
                  (ranks / "rank1.log").string() + " 2>&1 & " + env + " RANK=0 LOCAL_RANK=0 " +
                  rank_cmd + " 2>&1; rc=$?; wait $! || rc=1; cat " +
                  (ranks / "rank1.log").string() + "; exit $rc)");
  if (r.out.find("has no c10d/Gloo") != std::string::npos)
    GTEST_SKIP() << "this build has no distributed support: " << r.out;
  ASSERT_EQ(r.exit_code, 0) << r.out;
  ASSERT_TRUE(fs::exists(ranks / "model000003.pt")) << r.out;
  ASSERT_TRUE(fs::exists(ranks / "rank1/model000003.pt")) << r.out;
  EXPECT_FALSE(fs::exists(ranks / "rank1/progress.csv"));

  const auto one = weights(single / "model000003.pt");
  const auto rank0 = weights(ranks / "model000003.pt");
  const auto rank1 = weights(ranks / "rank1/model000003.pt");
  ASSERT_EQ(one.size(), rank0.size());
  ASSERT_EQ(one.size(), rank1.size());
  int compared = 0;
  for (size_t i = 0; i < one.size(); ++i) {
    const auto& [name, t] = one[i];
    ASSERT_EQ(name, rank0[i].first);
    if (is_buffer(name))
      continue;
    EXPECT_TRUE(at::equal(rank0[i].second, rank1[i].second)) << name << ": the ranks differ";
    EXPECT_TRUE(at::equal(t, rank0[i].second)) << name << ": differs from the single process";
    ++compared;
  }
  EXPECT_GT(compared, 50);
}
