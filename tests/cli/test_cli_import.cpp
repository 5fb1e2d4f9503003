// `mno import` through the command line (docs/models.md, "Parity with the authors' code"): the
// authors' checkpoint of a parity fixture becomes a run that `mno eval` accepts, and each kind of
// bad input is one error with nothing written: exit 1, or 2 for the wrong checkpoint flags.
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "cli/cli_runner.h"
#include "cli/parity_fixtures.h"
#include "data/data_test_support.h"
#include "mno/data/pdebench_reader.h"
#include "mno/data/pdebench_writer.h"
#include "mno/parity/checkpoint_import.h"
#include "mno/run/saved_run.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

// The run's last checkpoint holds the fixture's (one-file) authors' checkpoint, each tensor where
// the name table puts it, rounded to the run's dtype.
void expect_run_holds_the_authors_weights(const std::string& run_dir, const std::string& name) {
  run::SavedRun saved = run::load_saved_run(run_dir, "last", "", "cpu");
  parity::NamedTensors ours;
  for (const auto& p : saved.model->named_parameters()) ours.emplace_back(p.key(), p.value());
  for (const auto& b : saved.model->named_buffers()) ours.emplace_back(b.key(), b.value());
  const Config config = Config::load_file(run_dir + "/config.yaml");
  const auto expected = parity::map_authors_tensors(
      ours, parity::read_authors_checkpoint({""}, {fixture(name, "checkpoint.pt")}),
      parity::authors_name_table(config.root().child("model"),
                                 parity::authors_data(config.root().child("model"),
                                                      config.root().child("data").get<int64_t>("input_frames", 10))),
      name);
  ASSERT_EQ(expected.size(), ours.size());
  for (size_t i = 0; i < ours.size(); ++i)
    EXPECT_TRUE(torch::equal(ours[i].second, expected[i].second.to(ours[i].second.dtype()))) << ours[i].first;
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
  expect_run_holds_the_authors_weights(run, "gt_galerkin_darcy");
  const CliResult e = run_mno({"--threads", "2", "eval", run});
  EXPECT_EQ(e.exit_code, 0) << e.output;
  EXPECT_TRUE(fs::exists(run + "/metrics.json")) << e.output;
}

// The fixture's batch as a data file: its grid's coordinates as the file's x and y (the fixture's
// pos is mno's (x_i, y_j)); Darcy: its coefficients as `nu`, zero solutions; diffusion-reaction:
// its input frames (mno's channels are step-major (u0, v0, u1, …), 10 frames of 2 fields) and zero
// frames for the rest of the sequence (`mno import` checks the file against the whole task).
struct FixtureBatch {
  std::map<std::string, torch::Tensor> t;
  int64_t h = 0, w = 0;
};

FixtureBatch read_fixture_batch(const std::string& name) {
  FixtureBatch f;
  for (const auto& [k, v] : parity::read_torch_entries(fixture(name, "data.pt")).tensors) f.t.emplace(k, v);
  f.h = f.t.at("grid")[0].item<int64_t>(), f.w = f.t.at("grid")[1].item<int64_t>();
  return f;
}

// `cell_centres`: the file's coordinates are PDEBench's cell centres (m + ½)/n instead of the fixture's.
std::string fixture_batch_as_file(const TempDir& dir, const std::string& name, const FixtureBatch& f,
                                  bool cell_centres = false) {
  const auto pos = f.t.at("pos")[0].reshape({f.h, f.w, 2}).to(torch::kFloat);
  auto x = pos.select(2, 0).select(1, 0).contiguous(), y = pos.select(2, 1).select(0, 0).contiguous();
  if (cell_centres) {
    x = (torch::arange(f.h, torch::kFloat) + 0.5f) / static_cast<float>(f.h);
    y = (torch::arange(f.w, torch::kFloat) + 0.5f) / static_cast<float>(f.w);
  }
  const auto features = f.t.at("features").to(torch::kFloat);  // [B, L, C]
  const bool darcy = features.size(2) == 1;
  data::LayoutSpec spec;
  spec.pde = darcy ? data::Pde::darcy : data::Pde::diffusion_reaction;
  spec.samples = static_cast<size_t>(features.size(0));
  spec.nx = static_cast<size_t>(f.h), spec.ny = static_cast<size_t>(f.w);
  spec.x.assign(x.data_ptr<float>(), x.data_ptr<float>() + f.h);
  spec.y.assign(y.data_ptr<float>(), y.data_ptr<float>() + f.w);
  const int64_t given = darcy ? 1 : features.size(2) / 2;
  const int64_t frames = darcy ? 1 : given + f.t.at("output_eval").size(2) / 2;
  if (darcy) spec.beta = 1.0;
  else {
    spec.frames = static_cast<size_t>(frames);
    for (int64_t k = 0; k < frames; ++k) spec.t.push_back(0.05f * static_cast<float>(k));
  }
  const std::string path = dir.file(name + "_batch.h5");
  data::PdebenchWriter writer(path, spec);
  for (int64_t b = 0; b < features.size(0); ++b) {
    if (darcy) {
      const auto a = features[b].select(1, 0).contiguous();
      writer.write_darcy(static_cast<size_t>(b), std::vector<float>(a.data_ptr<float>(), a.data_ptr<float>() + a.numel()),
                         std::vector<float>(static_cast<size_t>(f.h * f.w), 0.f));
    } else {  // [L, given·2] step-major -> [given, H, W, 2], then zero frames
      const auto v = features[b].reshape({f.h, f.w, given, 2}).permute({2, 0, 1, 3}).contiguous();
      data::FloatArray array({static_cast<size_t>(frames), spec.nx, spec.ny, 2});
      std::copy(v.data_ptr<float>(), v.data_ptr<float>() + v.numel(), array.values.begin());
      writer.write_frames(static_cast<size_t>(b), array);
    }
  }
  writer.finish();
  return path;
}

// What `mno predict` wrote, as the model's outputs [B, L, C] (Darcy: u; diffusion-reaction: the
// predicted frames after the given ones, step-major).
torch::Tensor predicted_outputs(const std::string& pred, const FixtureBatch& f) {
  const int64_t batch = f.t.at("features").size(0), out = f.t.at("output_eval").size(2);
  const data::PdebenchReader reader(pred);
  if (out == 1) {
    const auto u = reader.read_darcy({0, static_cast<size_t>(batch)}).solution;
    return torch::tensor(u.values).to(torch::kDouble).reshape({batch, f.h * f.w, 1});
  }
  const auto frames = reader.read_frames({0, static_cast<size_t>(batch)});  // [B, T, H, W, 2]
  std::vector<int64_t> shape(frames.shape.begin(), frames.shape.end());
  const auto all = torch::tensor(frames.values).to(torch::kDouble).reshape(shape);
  const int64_t given = f.t.at("features").size(2) / 2;
  return all.narrow(1, given, out / 2).permute({0, 2, 3, 1, 4}).reshape({batch, f.h * f.w, out});
}

// The whole user path: the authors' checkpoint imported by the CLI, `mno predict` on a file (mno's
// data pipeline makes the positions from the file's coordinates, (x_i, y_j), and the channels
// step-major), against what the authors' model computed on the same batch fed as their loaders
// feed it ((y_j, x_i); GNOT DR2D's branch frames field-major): equal to fp32 rounding, because the
// import maps both conventions back (docs/models.md, "Coordinate order").
TEST(CliImport, PredictsWhatTheAuthorsModelComputedFedTheirWay) {
  for (const auto* name : {"gt_galerkin_darcy", "gnot_linear_darcy_experts2", "gnot_mamba_diffreact"}) {
    SCOPED_TRACE(name);
    TempDir dir;
    const auto f = read_fixture_batch(name);
    const std::string data = fixture_batch_as_file(dir, name, f);
    const std::string run = dir.file("imported"), pred = dir.file("pred.h5");
    const CliResult r = run_mno({"--threads", "2", "import", "-c", fixture_config(dir, name, data), "--checkpoint",
                                 fixture(name, "checkpoint.pt"), "--out", run});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const CliResult p = run_mno({"--threads", "2", "predict", run, "--input", data, "--out", pred});
    ASSERT_EQ(p.exit_code, 0) << p.output;
    const auto theirs = f.t.at("output_eval").to(torch::kDouble);
    const auto ours = predicted_outputs(pred, f);
    const double error = ((ours - theirs).norm() / theirs.norm()).item<double>();
    EXPECT_LT(error, 1e-5) << "mno predict vs the authors' model fed their way";
    std::printf("%s: mno predict vs the authors' model, relative error %.1e\n", name, error);
  }
}

// The authors' OFormer Darcy script places its points at linspace(0, 1, n) per axis, whatever the
// file's coordinates (PDEBench's: the cell centres); no permutation of weights maps that, so
// `data.positions=linspace` does. Imported with it, `mno predict` on a file at the cell centres
// computes what their model computed; imported without, the import says which switch is missing
// and the predictions differ.
TEST(CliImport, OformerDarcyWithLinspacePositionsPredictsWhatTheAuthorsModelComputed) {
  for (const std::string name : {"oformer_galerkin_darcy", "oformer_mamba_darcy"}) {
    SCOPED_TRACE(name);
    TempDir dir;
    const auto f = read_fixture_batch(name);
    const std::string data = fixture_batch_as_file(dir, name, f, /*cell_centres=*/true);
    const auto theirs = f.t.at("output_eval").to(torch::kDouble);
    for (const std::string positions : {"linspace", "file"}) {
      SCOPED_TRACE(positions);
      const std::string run = dir.file("imported_" + positions), pred = dir.file("pred_" + positions + ".h5");
      const CliResult r = run_mno({"--threads", "2", "import", "-c", fixture_config(dir, name, data), "--encoder",
                                   fixture(name, "encoder.pt"), "--decoder", fixture(name, "decoder.pt"), "--out",
                                   run, "data.positions=" + positions});
      ASSERT_EQ(r.exit_code, 0) << r.output;
      EXPECT_EQ(r.has("import with data.positions=linspace"), positions == "file") << r.output;
      const CliResult p = run_mno({"--threads", "2", "predict", run, "--input", data, "--out", pred});
      ASSERT_EQ(p.exit_code, 0) << p.output;
      const double error = ((predicted_outputs(pred, f) - theirs).norm() / theirs.norm()).item<double>();
      if (positions == "linspace")
        EXPECT_LT(error, 1e-5) << "mno predict vs the authors' model";
      else
        EXPECT_GT(error, 1e-4) << "the file's coordinates should not reproduce linspace ones";
      std::printf("%s, data.positions=%s: relative error %.1e\n", name.c_str(), positions.c_str(), error);
    }
  }
}

// `key=value` overrides that turn a shipped config's model into a fixture's (its mno_model),
// sub-mappings flattened ("model.mixer.d_state=4").
void model_overrides(const YAML::Node& node, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& kv : node) {
    const std::string key = prefix + "." + kv.first.as<std::string>();
    if (kv.second.IsMap())
      model_overrides(kv.second, key, out);
    else
      out.push_back(key + "=" + YAML::Dump(kv.second));
  }
}

// The README's way: `mno import -c configs/<dataset>/<host>_<mixer>.yaml`, sized down to a parity
// fixture by overrides. The GT name table once asked the Mamba mixer for 'heads' with a default,
// the default was written into the config, and the mixer then refused it as an unknown key.
// The run must then hold the authors' tensors, each where the name table puts it.
TEST(CliImport, ThroughAShippedConfigTheRunHoldsTheAuthorsWeights) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  for (const std::string name : {"gt_mamba_darcy", "gnot_mamba_darcy"}) {
    SCOPED_TRACE(name);
    std::string model_json;
    for (const auto& [k, v] : parity::read_torch_entries(fixture(name, "data.pt")).strings)
      if (k == "mno_model") model_json = v;
    const YAML::Node model = YAML::Load(model_json);
    const std::string host = model["name"].as<std::string>();
    std::vector<std::string> args = {"--threads", "2", "import", "-c",
                                     source_dir() + "/configs/darcy/" + host + "_mamba.yaml",
                                     "--checkpoint", fixture(name, "checkpoint.pt"), "--out", dir.file(name)};
    for (const std::string& o : std::vector<std::string>{"data.file=" + data, "data.stride=1", "data.resolution=0",
                                                         "train.epochs=1", "train.batch_size=4",
                                                         "train.eval_batch_size=4", "train.device=cpu"})
      args.push_back(o);
    model_overrides(model, "model", args);
    const CliResult r = run_mno(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;

    expect_run_holds_the_authors_weights(dir.file(name), name);
  }
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
  int exit_code = 1;  // 2: the flags do not fit the model (a usage error)
};

void expect_refused(const TempDir& dir, const std::string& config, const BadImport& bad) {
  const std::string out = dir.file("out-" + std::to_string(std::hash<std::string>{}(bad.what)));
  std::vector<std::string> args = {"--threads", "2", "import", "-c", config, "--out", out};
  args.insert(args.end(), bad.args.begin(), bad.args.end());
  const CliResult r = run_mno(args);
  EXPECT_EQ(r.exit_code, bad.exit_code) << bad.what << "\n" << r.output;
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
      {"no checkpoint", {}, "needs --checkpoint FILE", 2},
      {"halves for GT", {"--encoder", checkpoint, "--decoder", checkpoint}, "is one file", 2},
  };
  for (const auto& bad : cases) expect_refused(dir, gt, bad);

  // Another width: the first tensor's shapes, both named.
  expect_refused(dir, fixture_config(dir, "gt_galerkin_darcy", data, "32"),
                 {"another width", {"--checkpoint", checkpoint}, "has shape [16, 3] in the checkpoint, expected [32, 3]"});

  // OFormer comes as two files: one half missing, or a single --checkpoint.
  const std::string oformer = fixture_config(dir, "oformer_galerkin_darcy", data);
  expect_refused(dir, oformer,
                 {"missing decoder", {"--encoder", fixture("oformer_galerkin_darcy", "encoder.pt")},
                  "--decoder is missing", 2});
  expect_refused(dir, oformer, {"one file for OFormer", {"--checkpoint", checkpoint}, "as two files", 2});
  // The halves swapped: the decoder's tensors are not where the encoder's should be.
  expect_refused(dir, oformer,
                 {"halves swapped",
                  {"--encoder", fixture("oformer_galerkin_darcy", "decoder.pt"), "--decoder",
                   fixture("oformer_galerkin_darcy", "encoder.pt")},
                  "the checkpoint has no 'encoder."});
}

}  // namespace
}  // namespace mno::cli::testing
