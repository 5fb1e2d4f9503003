// Prediction and evaluation on files of a user's own, through the command line, with runs of the
// shipped configs (sizes overridden to tiny): `mno predict` predicts every sample of any file
// from its inputs alone (1 sample included, targets missing or NaN), `mno eval --data` evaluates
// every sample of its file and says which, and a run directory works from any directory.
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "mno/data/hdf5_file.h"
#include "mno/data/pdebench_reader.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

// A shipped config's model and schedule at test size: a one-layer GT of width 16, one epoch on CPU.
std::vector<std::string> tiny_overrides(const std::string& data_file, int side) {
  return {"data.file=" + data_file, "data.stride=1", "data.resolution=" + std::to_string(side), "model.width=16",
          "model.layers=1", "model.ffn_dim=16", "model.freq_dim=8", "model.modes=2", "model.spectral_layers=1",
          "model.regressor_hidden=16", "train.device=cpu", "train.epochs=1", "train.batch_size=4",
          "train.eval_batch_size=3", "train.plot_samples=1"};
}

// A run of configs/darcy/gt_mamba.yaml on `data_file` (8x8), at `run`; extra arguments follow.
CliResult train_darcy(const std::string& data_file, const std::string& run, std::vector<std::string> extra = {},
                      const CliOptions& options = {}) {
  std::vector<std::string> args{"--threads", "2", "train", "-c", source_dir() + "/configs/darcy/gt_mamba.yaml"};
  for (const auto& o : tiny_overrides(data_file, 8)) args.push_back(o);
  args.insert(args.end(), {"--out", run});
  args.insert(args.end(), extra.begin(), extra.end());
  return run_mno(args, options);
}

std::string generate_darcy(const std::string& file, int samples) {
  const CliResult g = run_mno({"generate", "darcy", "--samples", std::to_string(samples), "--resolution", "8",
                               "--out", file});
  EXPECT_EQ(g.exit_code, 0) << g.output;
  return file;
}

// Copies of a Darcy file: its inputs alone (no 'tensor'), or with a NaN among its solutions.
void write_darcy_copy(const std::string& from, const std::string& to, bool keep_solutions, bool nan_in_solutions) {
  const data::Hdf5File in(from, data::Hdf5File::Mode::read);
  data::Hdf5File out(to, data::Hdf5File::Mode::create);
  std::vector<std::string> names{"nu", "x-coordinate", "y-coordinate"};
  if (keep_solutions) names.push_back("tensor");
  for (const auto& name : names) {
    data::FloatArray a = in.read(name);
    if (name == "tensor" && nan_in_solutions) a.values[a.size() / 2] = std::nanf("");
    out.create_dataset(name, a.shape);
    out.write(name, a);
  }
  out.close();
}

// A copy of a time-dependent file holding only the first `frames` frames of each sample.
void write_given_frames(const std::string& from, const std::string& to, size_t frames) {
  const data::Hdf5File in(from, data::Hdf5File::Mode::read);
  data::Hdf5File out(to, data::Hdf5File::Mode::create);
  for (const auto& g : in.children("/")) {
    if (!in.is_group(g)) continue;
    const data::Shape s = in.shape(g + "/data");
    const data::FloatArray d = in.read(g + "/data", {{0, 0, 0, 0}, {frames, s[1], s[2], s[3]}, {1, 1, 1, 1}});
    const data::FloatArray t = in.read(g + "/grid/t", {{0}, {frames}, {1}});
    for (const auto& [name, a] : std::vector<std::pair<std::string, data::FloatArray>>{
             {g + "/data", d}, {g + "/grid/t", t}, {g + "/grid/x", in.read(g + "/grid/x")},
             {g + "/grid/y", in.read(g + "/grid/y")}}) {
      out.create_dataset(name, a.shape);
      out.write(name, a);
    }
  }
  out.close();
}

torch::Tensor as_tensor(const data::FloatArray& a) {
  std::vector<int64_t> shape(a.shape.begin(), a.shape.end());
  return torch::tensor(a.values).reshape(shape);
}

TEST(CliPredict, EverySampleOfAFileOfAnyNumberIsPredicted) {
  TempDir dir;
  const std::string run = dir.file("run");
  const CliResult t = train_darcy(generate_darcy(dir.file("train.h5"), 24), run, {"--no-eval"});
  ASSERT_EQ(t.exit_code, 0) << t.output;
  for (int n : {1, 4, 9}) {
    const std::string input = generate_darcy(dir.file("in" + std::to_string(n) + ".h5"), n);
    const std::string out = dir.file("pred" + std::to_string(n) + ".h5");
    const CliResult p = run_mno({"--threads", "2", "predict", run, "--input", input, "--out", out});
    ASSERT_EQ(p.exit_code, 0) << p.output;
    EXPECT_TRUE(p.has(fmt::format("predictions for all {} samples of {}", n, input))) << p.output;
    const data::PdebenchReader written(out);
    EXPECT_EQ(written.info().samples, static_cast<size_t>(n));
    const data::DarcySamples got = written.read_darcy({0, static_cast<size_t>(n)});
    EXPECT_GT(as_tensor(got.solution).abs().max().item<double>(), 0.0) << "sample " << n;
  }
}

TEST(CliEval, ADataFileIsEvaluatedOnAllItsSamplesAndSaysWhich) {
  TempDir dir;
  const std::string run = dir.file("run");
  const std::string train = generate_darcy(dir.file("train.h5"), 24);
  const CliResult t = train_darcy(train, run, {"--no-eval"});
  ASSERT_EQ(t.exit_code, 0) << t.output;
  const auto samples_in = [](const std::string& metrics) {
    return nlohmann::json::parse(read_text(metrics))["samples"].get<int>();
  };

  for (int n : {4, 10}) {
    const std::string file = generate_darcy(dir.file("own" + std::to_string(n) + ".h5"), n);
    const std::string out = dir.file("eval" + std::to_string(n));
    const CliResult e = run_mno({"--threads", "2", "eval", run, "--data", file, "--out", out});
    ASSERT_EQ(e.exit_code, 0) << e.output;
    EXPECT_TRUE(e.has(fmt::format("evaluating {} samples (all of {})", n, file))) << e.output;
    EXPECT_EQ(samples_in(out + "/metrics.json"), n);
  }
  // --samples test: the file's test split, as the run's own file is evaluated by default.
  const CliResult split = run_mno({"--threads", "2", "eval", run, "--data", dir.file("own10.h5"), "--samples", "test",
                                   "--out", dir.file("split10")});
  ASSERT_EQ(split.exit_code, 0) << split.output;
  EXPECT_TRUE(split.has("evaluating 1 samples (the test split [0, 1) of")) << split.output;
  const CliResult own = run_mno({"--threads", "2", "eval", run});
  ASSERT_EQ(own.exit_code, 0) << own.output;
  EXPECT_TRUE(own.has("evaluating 2 samples (the test split [0, 2) of " + train + ")")) << own.output;
  EXPECT_EQ(samples_in(run + "/metrics.json"), 2);
  const CliResult few = run_mno({"eval", run, "--data", dir.file("own4.h5"), "--samples", "test"});
  EXPECT_EQ(few.exit_code, 1) << few.output;
  EXPECT_TRUE(few.has("the pdebench split (10% test) needs at least 10 samples, found 4")) << few.output;
}

TEST(CliPredict, ADarcyFileWithoutOrWithBrokenSolutionsIsPredictedFromItsInputs) {
  TempDir dir;
  const std::string run = dir.file("run");
  const std::string full = generate_darcy(dir.file("full.h5"), 5);
  const CliResult t = train_darcy(generate_darcy(dir.file("train.h5"), 24), run, {"--no-eval"});
  ASSERT_EQ(t.exit_code, 0) << t.output;
  write_darcy_copy(full, dir.file("inputs.h5"), false, false);
  write_darcy_copy(full, dir.file("nan.h5"), true, true);

  const CliResult reference = run_mno({"predict", run, "--input", full, "--out", dir.file("pred_full.h5")});
  ASSERT_EQ(reference.exit_code, 0) << reference.output;
  const torch::Tensor expected = as_tensor(data::PdebenchReader(dir.file("pred_full.h5")).read_darcy({0, 5}).solution);
  for (const char* name : {"inputs", "nan"}) {
    const std::string out = dir.file(std::string("pred_") + name + ".h5");
    const CliResult p = run_mno({"predict", run, "--input", dir.file(std::string(name) + ".h5"), "--out", out});
    ASSERT_EQ(p.exit_code, 0) << name << ": " << p.output;
    const torch::Tensor got = as_tensor(data::PdebenchReader(out).read_darcy({0, 5}).solution);
    EXPECT_TRUE(torch::equal(got, expected)) << name;
  }
  // Evaluation needs the solutions: the inputs-only file is refused, naming what is missing.
  const CliResult e = run_mno({"eval", run, "--data", dir.file("inputs.h5"), "--out", dir.file("e")});
  EXPECT_EQ(e.exit_code, 1) << e.output;
  EXPECT_TRUE(e.has("holds the Darcy inputs 'nu' but not their solutions 'tensor'")) << e.output;
}

TEST(CliPredict, AShallowWaterFileOfTheGivenFramesAloneIsPredicted) {
  TempDir dir;
  const std::string data = dir.file("swe.h5");
  const CliResult g = run_mno({"generate", "swe", "--samples", "10", "--resolution", "16", "--frames", "5", "--out", data});
  ASSERT_EQ(g.exit_code, 0) << g.output;
  std::vector<std::string> args{"--threads", "2", "train", "-c", source_dir() + "/configs/swe/gt_mamba.yaml"};
  for (const auto& o : tiny_overrides(data, 16)) args.push_back(o);
  args.insert(args.end(), {"model.in_channels=2", "model.out_channels=3", "data.input_frames=2", "--out",
                           dir.file("run"), "--no-eval"});
  const CliResult t = run_mno(args);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  write_given_frames(data, dir.file("given.h5"), 2);

  const CliResult full = run_mno({"predict", dir.file("run"), "--input", data, "--out", dir.file("pred_full.h5")});
  ASSERT_EQ(full.exit_code, 0) << full.output;
  const CliResult given = run_mno({"predict", dir.file("run"), "--input", dir.file("given.h5"), "--out",
                                   dir.file("pred_given.h5")});
  ASSERT_EQ(given.exit_code, 0) << given.output;
  EXPECT_TRUE(given.has("holds 2 of the 5 frames written")) << given.output;
  const data::PdebenchReader a(dir.file("pred_full.h5")), b(dir.file("pred_given.h5"));
  ASSERT_EQ(b.info().samples, 10u);
  ASSERT_EQ(b.info().frames, 5u);
  data::Selection all;
  all.samples = 10;
  EXPECT_TRUE(torch::equal(as_tensor(a.read_frames(all)), as_tensor(b.read_frames(all))));
  EXPECT_LT((as_tensor(a.t()) - as_tensor(b.t())).abs().max().item<double>(), 1e-5);  // times continued evenly
}

TEST(CliRun, ARunMadeWithARelativeDataPathWorksFromAnyDirectory) {
  TempDir made_in, elsewhere;
  generate_darcy(made_in.file("darcy.h5"), 24);
  CliOptions there;
  there.cwd = made_in.path();
  const CliResult stopped = train_darcy("darcy.h5", "run", {"--stop-after-steps", "2"}, there);
  ASSERT_EQ(stopped.exit_code, 130) << stopped.output;
  const std::string run = made_in.file("run");
  const std::string config = read_text(run + "/config.yaml");
  EXPECT_NE(config.find("file: " + made_in.file("darcy.h5")), std::string::npos) << config;
  EXPECT_NE(config.find("file_as_typed: darcy.h5"), std::string::npos) << config;

  CliOptions away;
  away.cwd = elsewhere.path();
  const CliResult resumed = run_mno({"--threads", "2", "train", "--resume", run}, away);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const CliResult e = run_mno({"--threads", "2", "eval", run, "--out", "report"}, away);
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_TRUE(fs::exists(elsewhere.file("report/metrics.json")));
}

TEST(CliRun, AResumedRunTakesItsDataFromANewPlaceAndRefusesOtherOverrides) {
  TempDir dir;
  const std::string run = dir.file("run");
  const CliResult stopped = train_darcy(generate_darcy(dir.file("darcy.h5"), 24), run, {"--stop-after-steps", "2"});
  ASSERT_EQ(stopped.exit_code, 130) << stopped.output;
  fs::create_directories(dir.file("moved"));
  fs::rename(dir.file("darcy.h5"), dir.file("moved/darcy.h5"));

  const CliResult lost = run_mno({"train", "--resume", run});
  EXPECT_EQ(lost.exit_code, 1) << lost.output;
  EXPECT_TRUE(lost.has("the run's data file '" + dir.file("darcy.h5") + "' does not exist")) << lost.output;
  EXPECT_TRUE(lost.has("data.file=FILE (mno train --resume)")) << lost.output;

  const CliResult other = run_mno({"train", "--resume", run, "train.epochs=5"});
  EXPECT_EQ(other.exit_code, 2) << other.output;  // a usage error: the command line asks what a resume cannot do
  EXPECT_TRUE(other.has("'train.epochs=5' is not accepted: a resumed run takes data.file=FILE alone")) << other.output;

  const CliResult bad = run_mno({"train", "--resume", run, "data.file=" + dir.file("nowhere.h5")});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(read_text(run + "/config.yaml").find("file: " + dir.file("darcy.h5")), std::string::npos)
      << "a refused file leaves config.yaml as it was";

  const CliResult moved = run_mno({"--threads", "2", "train", "--resume", run, "data.file=" + dir.file("moved/darcy.h5")});
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_NE(read_text(run + "/config.yaml").find("file: " + dir.file("moved/darcy.h5")), std::string::npos);
  const CliResult e = run_mno({"--threads", "2", "eval", run});
  EXPECT_EQ(e.exit_code, 0) << e.output;
}

}  // namespace
}  // namespace mno::cli::testing
