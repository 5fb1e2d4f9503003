// Data-parallel training as a user starts it (docs/distributed.md): `mno launch --nproc N --
// train ...` with Gloo over loopback. Whole jobs of 2 and 3 ranks end where a single process on
// the same global batch ends; a run stopped on 2 ranks resumes on 1 and the reverse; a rank
// killed mid-run stops the job with a message and the last checkpoint intact; Ctrl-C stops every
// rank with a checkpoint.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "mno/core/config.h"
#include "mno/models/neural_operator.h"
#include "mno/train/checkpoint.h"
#include "mno/train/distributed.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

using data::testing::TempDir;

bool have_gloo() {
  const auto b = train::available_backends();
  return std::find(b.begin(), b.end(), "gloo") != b.end();
}

struct DistributedRuns : ::testing::Test {
  void SetUp() override {
    if (!have_gloo()) GTEST_SKIP() << "this build has no Gloo process group";
    const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
    config = train::testing::write_tiny_gt_config(dir.path(), data);
  }
  // `mno [launch --nproc N --] train -c tiny.yaml --out RUN --no-eval ...`
  CliResult train(int nproc, const std::string& run, std::vector<std::string> extra = {},
                  const CliOptions& options = {}) {
    std::vector<std::string> args;
    if (nproc > 1) args = {"launch", "--nproc", std::to_string(nproc), "--"};
    else args = {"--threads", "1"};
    for (const char* a : {"train", "-c"}) args.push_back(a);
    args.push_back(config);
    for (const std::string& a : std::vector<std::string>{"--out", run, "--no-eval"}) args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    return run_mno(args, options);
  }
  CliResult resume(int nproc, const std::string& run) {
    std::vector<std::string> args;
    if (nproc > 1) args = {"launch", "--nproc", std::to_string(nproc), "--"};
    else args = {"--threads", "1"};
    for (const std::string& a : std::vector<std::string>{"train", "--resume", run, "--no-eval"}) args.push_back(a);
    return run_mno(args);
  }
  TempDir dir;
  std::string config;
};

struct Weights {
  std::vector<torch::Tensor> parameters;
  train::TrainState state;
};

Weights last_weights(const std::string& run) {
  const Config config = Config::load_file(run + "/config.yaml");
  auto model = models::make_model(config.root().child("model"));
  Weights w;
  w.state = train::load_checkpoint(run + "/checkpoints/last.pt", *model, nullptr).state;
  for (const auto& p : model->parameters()) w.parameters.push_back(p.detach().clone());
  return w;
}

// fp32 with the gradients summed in another order: after 15 Adam steps the weights agree to a
// few units in the 5th significant digit (measured: max |diff| ~1e-6 here).
void expect_same_weights(const std::string& a, const std::string& b, double rtol = 1e-4, double atol = 1e-5) {
  const Weights x = last_weights(a), y = last_weights(b);
  EXPECT_EQ(x.state.step, y.state.step);
  ASSERT_EQ(x.parameters.size(), y.parameters.size());
  for (size_t k = 0; k < x.parameters.size(); ++k)
    EXPECT_TRUE(torch::allclose(x.parameters[k], y.parameters[k], rtol, atol))
        << a << " vs " << b << ", parameter " << k << ": max |diff| "
        << (x.parameters[k] - y.parameters[k]).abs().max().item<double>();
}

TEST_F(DistributedRuns, TwoAndThreeRanksEndWhereOneProcessEnds) {
  const CliResult one = train(1, dir.file("one"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  for (const int n : {2, 3}) {
    const std::string run = dir.file("ranks" + std::to_string(n));
    const CliResult r = train(n, run);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(r.has(fmt::format("data parallel: {} ranks (gloo), global batch 4", n))) << r.output;
    EXPECT_TRUE(r.has("mno launch: " + std::to_string(n) + " ranks, rendezvous at 127.0.0.1:")) << r.output;
    expect_same_weights(run, dir.file("one"));
    // Only rank 0 logs: one line per epoch, not one per rank.
    size_t lines = 0;
    for (size_t at = r.output.find("epoch 3/3"); at != std::string::npos; at = r.output.find("epoch 3/3", at + 1)) ++lines;
    EXPECT_EQ(lines, 1u) << r.output;
  }
}

TEST_F(DistributedRuns, AStoppedRunResumesOnAnotherNumberOfRanks) {
  ASSERT_EQ(train(1, dir.file("one")).exit_code, 0);
  const std::string two_then_one = dir.file("two_then_one"), one_then_two = dir.file("one_then_two");
  const CliResult a = train(2, two_then_one, {"--stop-after-steps", "7"});
  EXPECT_EQ(a.exit_code, 130) << a.output;
  EXPECT_EQ(last_weights(two_then_one).state.step, 7);
  const CliResult a2 = resume(1, two_then_one);
  ASSERT_EQ(a2.exit_code, 0) << a2.output;
  expect_same_weights(two_then_one, dir.file("one"));

  const CliResult b = train(1, one_then_two, {"--stop-after-steps", "7"});
  EXPECT_EQ(b.exit_code, 130) << b.output;
  const CliResult b2 = resume(2, one_then_two);
  ASSERT_EQ(b2.exit_code, 0) << b2.output;
  expect_same_weights(one_then_two, dir.file("one"));
}

TEST_F(DistributedRuns, AKilledRankStopsTheJobWithAMessageAndTheCheckpointIntact) {
  const std::string run = dir.file("run");
  CliOptions o;
  o.env = {{"MNO_FAULT_KILL_RANK", "1:8"}};  // rank 1 dies after step 8 (epoch 2 of 5-step epochs)
  const auto start = std::chrono::steady_clock::now();
  const CliResult r = train(2, run, {"train.distributed_timeout_s=20"}, o);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("mno launch: rank 1 (pid")) << r.output;
  EXPECT_TRUE(r.has("was killed by signal 9")) << r.output;
  EXPECT_TRUE(r.has("error: rank 0 of 2 (gloo): the loss all-reduce at step 9 failed")) << r.output;  // step 9's first collective
  EXPECT_EQ(last_weights(run).state.step, 5);  // the end of epoch 1, written before rank 1 died
}

TEST_F(DistributedRuns, CtrlCStopsEveryRankAfterTheSameStep) {
  const std::string run = dir.file("run");
  MnoProcess job({"launch", "--nproc", "2", "--", "train", "-c", config, "--out", run, "--no-eval", "train.epochs=200"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (read_text(run + "/log.csv").find("\n1,") == std::string::npos && job.running() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  job.signal(SIGINT);
  const CliResult r = job.wait();
  EXPECT_EQ(r.exit_code, 130) << r.output;
  EXPECT_TRUE(r.has("continue with: mno train --resume " + run)) << r.output;
  // Both ranks stopped, each after the step the checkpoint holds.
  const int64_t step = last_weights(run).state.step;
  EXPECT_GT(step, 5);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("stopped at step (\\d+): checkpoint"))) << r.output;
  EXPECT_EQ(std::stoll(m[1]), step) << r.output;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("rank 1 stopped at step (\\d+)"))) << r.output;
  EXPECT_EQ(std::stoll(m[1]), step) << r.output;
}

// On a machine with two GPUs (the device run, tools/device/distributed-run.sh): NCCL, one rank
// per GPU, ends where one GPU on the same global batch ends. CUDA reductions are not bit-stable
// run to run, so the tolerance is looser than on the CPU.
TEST(DistributedRunsCuda, TwoGpusWithNcclEndWhereOneGpuEnds) {
  if (torch::cuda::device_count() < 2) GTEST_SKIP() << "needs two CUDA devices";
  TempDir dir;
  const std::string config = train::testing::write_tiny_gt_config(dir.path(), train::testing::make_darcy(dir.path(), 24, 8));
  const std::vector<std::string> args = {"train", "-c", config, "--no-eval", "train.device=cuda"};
  std::vector<std::string> one = args, two = {"launch", "--nproc", "2", "--"};
  one.insert(one.end(), {"--out", dir.file("one")});
  two.insert(two.end(), args.begin(), args.end());
  two.insert(two.end(), {"--out", dir.file("two")});
  const CliResult a = run_mno(one);
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const CliResult b = run_mno(two);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_TRUE(b.has("data parallel: 2 ranks (nccl)")) << b.output;
  expect_same_weights(dir.file("two"), dir.file("one"), 1e-3, 1e-4);
}

TEST(CliDistributed, BadLaunchesAndEnvironmentsAreClearErrors) {
  const CliResult none = run_mno({"launch", "--nproc", "2"});
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_TRUE(none.has("error: mno launch: give the mno command every rank runs after '--'")) << none.output;

  const CliResult zero = run_mno({"launch", "--nproc", "0", "--", "train"});
  EXPECT_EQ(zero.exit_code, 2) << zero.output;

  CliOptions no_port;
  no_port.env = {{"WORLD_SIZE", "2"}, {"RANK", "0"}};
  const CliResult p = run_mno({"train", "-c", "configs/darcy/gt_mamba.yaml"}, no_port);
  EXPECT_EQ(p.exit_code, 1) << p.output;
  EXPECT_TRUE(p.has("error: WORLD_SIZE=2 but MASTER_PORT is not set")) << p.output;
}

TEST_F(DistributedRuns, NcclOnACpuBuildIsRefusedOnEveryRank) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this build has CUDA";
  const CliResult r = train(2, dir.file("run"), {"train.backend=nccl"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("train.backend nccl: this build of mno has no nccl process group")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("run")));
}

}  // namespace
}  // namespace mno::cli::testing
