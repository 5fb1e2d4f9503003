// `mno import` through the command line (docs/models.md, "Parity with the authors' code"): the
// authors' checkpoint of a parity fixture becomes a run that `mno eval` accepts, and each kind of
// bad input is one error, exit 1, with nothing written.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "mno/models/checkpoint_import.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

std::string fixture(const std::string& name, const std::string& file) {
  return source_dir() + "/tests/fixtures/parity/" + name + "/" + file;
}

// The tiny GT run config of the train tests with the model of a parity fixture (its mno_model).
std::string fixture_config(const TempDir& dir, const std::string& name, const std::string& data_file,
                           const std::string& model_override = "") {
  std::string model_json;
  for (const auto& [k, v] : models::read_torch_entries(fixture(name, "data.pt")).strings)
    if (k == "mno_model") model_json = v;
  const Config config = train::testing::tiny_gt_config(data_file);
  YAML::Node root = config.root().yaml();
  root.remove("name");
  root["model"] = YAML::Load(model_json);
  if (!model_override.empty()) root["model"]["width"] = std::stoi(model_override);
  root["train"]["epochs"] = 1;
  const std::string path = dir.file(name + ".yaml");
  std::ofstream(path) << config.dump();
  return path;
}

TEST(CliImport, TheAuthorsCheckpointBecomesARunThatEvaluates) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const std::string run = dir.file("imported");
  const CliResult r = run_mno({"--threads", "2", "import", "-c", fixture_config(dir, "gt_galerkin_darcy", data),
                               "--checkpoint", fixture("gt_galerkin_darcy", "checkpoint.pt"), "--out", run});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("imported")) << r.output;
  EXPECT_TRUE(fs::exists(run + "/config.yaml"));
  EXPECT_TRUE(fs::exists(run + "/checkpoints/last.pt"));
  const CliResult e = run_mno({"--threads", "2", "eval", run});
  EXPECT_EQ(e.exit_code, 0) << e.output;
  EXPECT_TRUE(fs::exists(run + "/metrics.json")) << e.output;
}

TEST(CliImport, NeedsNoSplitUnlessItFitsNormalisersAndThenNamesTheSamples) {
  TempDir dir, few;
  const std::string checkpoint = fixture("gt_galerkin_darcy", "checkpoint.pt");
  // 4 samples: too few for the pdebench split, enough for a run with nothing to fit, which then predicts.
  const std::string small = train::testing::make_darcy(few.path(), 4, 8);
  const std::string config = fixture_config(dir, "gt_galerkin_darcy", small);
  const std::string run = dir.file("imported");
  const CliResult r = run_mno({"--threads", "2", "import", "-c", config, "--checkpoint", checkpoint, "--out", run});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("no normalisers to fit")) << r.output;
  const CliResult p = run_mno({"--threads", "2", "predict", run, "--input", small, "--out", dir.file("pred.h5")});
  EXPECT_EQ(p.exit_code, 0) << p.output;

  // With normalisers to fit, the split is needed, and the samples they are fitted on are named.
  const CliResult refused = run_mno({"--threads", "2", "import", "-c", config, "--checkpoint", checkpoint, "--out",
                                     dir.file("normalised_few"), "data.normalise_inputs=scalar_gaussian"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_TRUE(refused.has("the pdebench split (10% test) needs at least 10 samples, found 4")) << refused.output;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const CliResult fitted = run_mno({"--threads", "2", "import", "-c", config, "--checkpoint", checkpoint, "--out",
                                    dir.file("normalised"), "data.file=" + data, "data.normalise_inputs=scalar_gaussian"});
  ASSERT_EQ(fitted.exit_code, 0) << fitted.output;
  EXPECT_TRUE(fitted.has("fitting the normalisers (data.normalise_inputs: scalar_gaussian, data.normalise_targets: "
                         "none) on the training samples [2, 24) of " + data)) << fitted.output;
}

struct BadImport {
  std::string what;
  std::vector<std::string> args;  // after the config
  std::string message;
};

void expect_refused(const TempDir& dir, const std::string& config, const BadImport& bad) {
  const std::string out = dir.file("out-" + std::to_string(std::hash<std::string>{}(bad.what)));
  std::vector<std::string> args = {"--threads", "2", "import", "-c", config, "--out", out};
  args.insert(args.end(), bad.args.begin(), bad.args.end());
  const CliResult r = run_mno(args);
  EXPECT_EQ(r.exit_code, 1) << bad.what << "\n" << r.output;
  EXPECT_TRUE(r.has(bad.message)) << bad.what << ": expected '" << bad.message << "' in\n" << r.output;
  EXPECT_FALSE(fs::exists(out)) << bad.what << ": something was written";
}

TEST(CliImport, BadCheckpointsAreOneErrorAndWriteNothing) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const std::string gt = fixture_config(dir, "gt_galerkin_darcy", data);
  const std::string checkpoint = fixture("gt_galerkin_darcy", "checkpoint.pt");

  // A truncated copy and a file that is not a zip archive at all.
  const std::string truncated = dir.file("truncated.pt");
  {
    const std::string bytes = read_text(checkpoint);
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  const std::string text = dir.file("notes.txt");
  std::ofstream(text) << "not a checkpoint\n";

  const std::vector<BadImport> cases = {
      {"another host", {"--checkpoint", fixture("gnot_linear_darcy", "checkpoint.pt")},
       "the checkpoint has no 'downscaler.id.weight'"},
      {"truncated", {"--checkpoint", truncated}, "not a PyTorch zip checkpoint"},
      {"not a zip", {"--checkpoint", text}, "not a PyTorch zip checkpoint"},
      {"not tensors", {"--checkpoint", fixture("gt_galerkin_darcy", "data.pt")}, "no state dict found"},
      {"missing file", {"--checkpoint", dir.file("absent.pt")}, "absent.pt"},
      {"no checkpoint", {}, "needs --checkpoint FILE"},
      {"halves for GT", {"--encoder", checkpoint, "--decoder", checkpoint}, "is one file"},
  };
  for (const auto& bad : cases) expect_refused(dir, gt, bad);

  // Another width: the first tensor's shapes, both named.
  expect_refused(dir, fixture_config(dir, "gt_galerkin_darcy", data, "32"),
                 {"another width", {"--checkpoint", checkpoint}, "has shape [16, 3] in the checkpoint, expected [32, 3]"});

  // OFormer comes as two files: one half missing, or a single --checkpoint.
  const std::string oformer = fixture_config(dir, "oformer_galerkin_darcy", data);
  expect_refused(dir, oformer,
                 {"missing decoder", {"--encoder", fixture("oformer_galerkin_darcy", "encoder.pt")}, "--decoder is missing"});
  expect_refused(dir, oformer, {"one file for OFormer", {"--checkpoint", checkpoint}, "as two files"});
  // The halves swapped: the decoder's tensors are not where the encoder's should be.
  expect_refused(dir, oformer,
                 {"halves swapped",
                  {"--encoder", fixture("oformer_galerkin_darcy", "decoder.pt"), "--decoder",
                   fixture("oformer_galerkin_darcy", "encoder.pt")},
                  "the checkpoint has no 'encoder."});
}

}  // namespace
}  // namespace mno::cli::testing
