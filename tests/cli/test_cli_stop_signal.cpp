// Ctrl-C (SIGINT) or SIGTERM while `mno generate` or `mno predict` writes its output: the command
// stops with one line naming the file and exits with 128 + the signal, and leaves neither the
// output nor its temporary file behind (core/stop_signal.h).
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

std::vector<std::string> temporaries(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) found.push_back(e.path().string());
  return found;
}

// Starts `args`, waits until its temporary output file exists (it is writing), then sends `sig`.
CliResult signal_while_writing(const std::vector<std::string>& args, const std::string& dir, int sig) {
  MnoProcess p(args);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (p.running() && temporaries(dir).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a few samples in
  p.signal(sig);
  return p.wait();
}

void expect_stopped_cleanly(const CliResult& r, int code, const std::string& signal_name, const std::string& out,
                            const std::string& dir) {
  EXPECT_EQ(r.exit_code, code) << r.output;
  // A death by the signal has the same exit status: the line is what shows that mno handled it.
  EXPECT_TRUE(r.has("stopped by " + signal_name + " before '" + out + "' was complete")) << r.output;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(temporaries(dir), std::vector<std::string>{});
}

// 4,000 samples at 32 x 32 take far longer than the wait before the signal.
std::vector<std::string> long_generate(const std::string& out) {
  return {"generate", "darcy", "--samples", "4000", "--resolution", "32", "--out", out, "--threads", "1"};
}

TEST(CliStopSignal, CtrlCStopsGenerateWithALineAndNoTemporaryFile) {
  TempDir dir;
  const std::string out = dir.file("big.h5");
  expect_stopped_cleanly(signal_while_writing(long_generate(out), dir.path(), SIGINT), 130, "SIGINT (Ctrl-C)", out,
                         dir.path());
}

TEST(CliStopSignal, SigtermStopsGenerateWithExitCode143) {
  TempDir dir;
  const std::string out = dir.file("big.h5");
  expect_stopped_cleanly(signal_while_writing(long_generate(out), dir.path(), SIGTERM), 143, "SIGTERM", out, dir.path());
}

TEST(CliStopSignal, CtrlCStopsPredictWithALineAndNoTemporaryFile) {
  TempDir dir;
  const std::string config = train::testing::write_tiny_gt_config(dir.path(), train::testing::make_darcy(dir.path()));
  const std::string run = dir.file("run");
  ASSERT_EQ(run_mno({"train", "-c", config, "--out", run, "train.epochs=1", "--no-eval"}).exit_code, 0);
  // Many samples at the run's 8 x 8, one batch of 3 at a time: seconds of prediction.
  const std::string input = dir.file("many.h5");
  const CliResult g = run_mno({"generate", "darcy", "--samples", "6000", "--resolution", "8", "--out", input});
  ASSERT_EQ(g.exit_code, 0) << g.output;
  const std::string out = dir.file("pred.h5");
  expect_stopped_cleanly(
      signal_while_writing({"--threads", "1", "predict", run, "--input", input, "--out", out}, dir.path(), SIGINT), 130,
      "SIGINT (Ctrl-C)", out, dir.path());
}

}  // namespace
}  // namespace mno::cli::testing
