// Fault injection through the command line (docs/reliability.md): a tiny model of each host is
// trained, interrupted with SIGINT and SIGKILL at random points — once while a checkpoint is
// being written, held open by the MNO_FAULT_CHECKPOINT_DELAY_MS hook — and resumed with
// `mno train --resume` until it completes. On the CPU the final weights must equal those of a run
// never interrupted, bit for bit; no temporary file or lock may be left behind.
//
// MNO_FAULT_ROUNDS (default 3) interruptions per host, MNO_FAULT_SEED (default 2026) for the
// random points; tools/fault-injection.sh runs many more.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "mno/run/saved_run.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

struct Host {
  const char* name;
  const char* model;  // the model: section, tiny
};

const Host kHosts[] = {
    {"gt", "{name: gt, width: 16, layers: 1, ffn_dim: 16, freq_dim: 8, modes: 2, spectral_layers: 1, "
           "regressor_hidden: 16, mixer: {type: mamba}}"},
    {"oformer", "{name: oformer, variant: steady, encoder_width: 16, encoder_heads: 1, encoder_head_dim: 16, "
                "rotary_scales: [1.0], decoder_width: 16, decoder_heads: 1, decoder_head_dim: 16, "
                "fourier_features: 8, mixer: {type: mamba}}"},
    {"gnot", "{name: gnot, width: 16, layers: 1, mlp_layers: 1, ffn_ratio: 1, mixer: {type: mamba}}"},
    {"fno", "{name: fno, width: 8, modes: 2, layers: 1, hidden: 16}"},
};

long env_number(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtol(v, nullptr, 10) : fallback;
}

std::string write_config(const TempDir& dir, const Host& host, const std::string& data_file, long epochs) {
  const std::string path = dir.file(std::string(host.name) + ".yaml");
  std::ofstream(path) << "model: " << host.model << "\ndata: {file: " << data_file << ", stride: 1}\n"
                      << "train:\n  device: cpu\n  seed: 7\n  epochs: " << epochs << "\n  batch_size: 4\n  eval_every: 4\n"
                         "  optimizer: {type: adam, lr: 1.0e-3}\n";
  return path;
}

std::vector<std::string> leftovers(const std::string& run) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(run)) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp.") != std::string::npos || name == ".lock") found.push_back(e.path().string());
  }
  return found;
}

// log.csv without its last two columns (seconds, samples/s): what a resumed run must reproduce.
std::string log_without_times(const std::string& csv) {
  std::istringstream in(csv);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    for (int drop = 0; drop < 2; ++drop) line = line.substr(0, line.rfind(','));
    out += line + "\n";
  }
  return out;
}

// Epochs a run has finished: the rows of its log.csv.
long finished_epochs(const std::string& run) {
  const std::string log = read_text(run + "/log.csv");
  const long lines = static_cast<long>(std::count(log.begin(), log.end(), '\n'));
  return std::max(0L, lines - 1);
}

bool has_temporary_checkpoint(const std::string& run) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run + "/checkpoints", ec))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
  return false;
}

// What a user runs next: the resume command once the run exists, the first command otherwise.
std::vector<std::string> next_command(const std::string& config, const std::string& run) {
  if (fs::exists(run + "/config.yaml")) return {"--threads", "1", "train", "--resume", run, "--no-eval"};
  return {"--threads", "1", "train", "-c", config, "--out", run, "--no-eval"};
}

class FaultInjection : public ::testing::TestWithParam<Host> {};

TEST_P(FaultInjection, InterruptedRunsResumeToTheUninterruptedWeights) {
  const Host host = GetParam();
  const long rounds = env_number("MNO_FAULT_ROUNDS", 3);
  const long epochs = 6 + 2 * rounds;  // room for every interruption before the end
  TempDir dir;
  const std::string config = write_config(dir, host, train::testing::make_darcy(dir.path(), 24, 8), epochs);
  const std::string reference = dir.file("reference"), run = dir.file("run");
  const CliResult whole = run_mno({"--threads", "1", "train", "-c", config, "--out", reference, "--no-eval"});
  ASSERT_EQ(whole.exit_code, 0) << whole.output;

  // Random points, tied to the run's progress rather than to the clock (a loaded machine is
  // slower): one or two epochs on from where the run stands, then 0-40 ms into the next one.
  std::mt19937 rng(static_cast<unsigned>(env_number("MNO_FAULT_SEED", 2026)));
  std::uniform_int_distribution<long> epochs_on(1, 2);
  std::uniform_int_distribution<int> into_epoch_ms(0, 40);
  int interrupted = 0, during_checkpoint = 0;
  bool finished = false;
  for (long round = 0; round < rounds && !finished; ++round) {
    // Round 1 (and every third after it) kills during a checkpoint write; the others alternate
    // SIGINT and SIGKILL at a random moment.
    const bool in_checkpoint = round % 3 == 1;
    const int sig = in_checkpoint || round % 3 == 2 ? SIGKILL : SIGINT;
    CliOptions options;
    if (in_checkpoint) options.env = {{"MNO_FAULT_CHECKPOINT_DELAY_MS", "400"}};
    MnoProcess p(next_command(config, run), options);
    std::string checkpoint_before;
    if (in_checkpoint) {
      while (p.running() && !has_temporary_checkpoint(run)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      checkpoint_before = read_text(run + "/checkpoints/last.pt");
    } else {
      const long target = std::min(finished_epochs(run) + epochs_on(rng), epochs - 1);
      while (p.running() && finished_epochs(run) < target) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::this_thread::sleep_for(std::chrono::milliseconds(into_epoch_ms(rng)));
    }
    const bool hit = p.running();
    p.signal(sig);
    const CliResult r = p.wait();
    if (!hit) {
      ASSERT_EQ(r.exit_code, 0) << r.output;
      finished = true;
      continue;
    }
    ++interrupted;
    EXPECT_TRUE(r.exit_code == 128 + sig || r.exit_code == 0) << "round " << round << ": " << r.output;
    if (in_checkpoint) {
      ++during_checkpoint;
      // The kill landed between the temporary file and its rename: the last checkpoint is whole.
      EXPECT_TRUE(read_text(run + "/checkpoints/last.pt") == checkpoint_before) << "round " << round;
    }
  }
  if (!finished) {
    const CliResult last = run_mno(next_command(config, run));
    ASSERT_EQ(last.exit_code, 0) << last.output;
  }
  RecordProperty("interruptions", interrupted);
  // Every round lands (the run has 6 + 2 x rounds epochs; a round moves it on at most 2 and a bit),
  // and every third, from the second on, during a checkpoint write.
  EXPECT_EQ(interrupted, rounds) << "the run finished before every interruption: too short";
  EXPECT_EQ(during_checkpoint, (rounds + 1) / 3);

  EXPECT_EQ(log_without_times(read_text(run + "/log.csv")), log_without_times(read_text(reference + "/log.csv")));
  const run::SavedRun a = run::load_saved_run(reference, "last", "", "cpu"), b = run::load_saved_run(run, "last", "", "cpu");
  EXPECT_EQ(a.state.step, b.state.step);
  const auto pa = a.model->named_parameters(), pb = b.model->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << host.name << ": " << p.key();
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Hosts, FaultInjection, ::testing::ValuesIn(kHosts),
                         [](const ::testing::TestParamInfo<Host>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace mno::cli::testing
