// `mno export` through the command line (docs/models.md, "Export"): a run imported from the
// authors' checkpoint exports back to their files, tensor for tensor; each kind of bad input is
// one error, exit 1, with nothing written.
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "cli/cli_runner.h"
#include "cli/parity_fixtures.h"
#include "data/data_test_support.h"
#include "mno/parity/checkpoint_import.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

// `mno import` of a fixture into dir/<name>; the run directory.
std::string import_fixture(const TempDir& dir, const std::string& name, const std::string& data) {
  const std::string run = dir.file(name);
  std::vector<std::string> args = {"--threads", "2", "import", "-c", fixture_config(dir, name, data), "--out", run};
  if (name.rfind("oformer", 0) == 0)
    args.insert(args.end(), {"--encoder", fixture(name, "encoder.pt"), "--decoder", fixture(name, "decoder.pt")});
  else
    args.insert(args.end(), {"--checkpoint", fixture(name, "checkpoint.pt")});
  const CliResult r = run_mno(args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return run;
}

// The same names (load_state_dict matches by name), shapes and values. The parity fixtures are
// float64 and an imported run holds fp32: the authors' tensors are compared rounded to fp32 (the
// derived rotary frequencies, computed in fp32 here and in float64 there, to two fp32 ulps).
void expect_same_file(const std::string& ours, const std::string& theirs) {
  const auto a = parity::read_torch_state_dict(ours), b = parity::read_torch_state_dict(theirs);
  ASSERT_EQ(a.size(), b.size()) << ours << " vs " << theirs;
  std::map<std::string, torch::Tensor> by_name(a.begin(), a.end());
  for (const auto& [name, want] : b) {
    const auto it = by_name.find(name);
    ASSERT_NE(it, by_name.end()) << "'" << name << "' was not exported";
    const auto& got = it->second;
    EXPECT_TRUE(got.sizes() == want.sizes() && torch::allclose(got, want.to(got.dtype()), 3e-7, 0))
        << name << " differs from the authors' file";
  }
}

TEST(CliExport, AnImportedRunExportsBackToTheAuthorsFiles) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);

  const std::string gt = import_fixture(dir, "gt_galerkin_darcy", data);
  const std::string out = dir.file("gt.pt");
  const CliResult r = run_mno({"--threads", "2", "export", gt, "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("exported")) << r.output;
  expect_same_file(out, fixture("gt_galerkin_darcy", "checkpoint.pt"));

  // OFormer: the authors' two files, named from the --out prefix.
  const std::string oformer = import_fixture(dir, "oformer_galerkin_darcy", data);
  const CliResult o = run_mno({"--threads", "2", "export", oformer, "--out", dir.file("of.pt"), "--checkpoint", "last"});
  ASSERT_EQ(o.exit_code, 0) << o.output;
  expect_same_file(dir.file("of.encoder.pt"), fixture("oformer_galerkin_darcy", "encoder.pt"));
  expect_same_file(dir.file("of.decoder.pt"), fixture("oformer_galerkin_darcy", "decoder.pt"));
  EXPECT_FALSE(fs::exists(dir.file("of.pt")));

  // safetensors: the header names the authors' tensors with their shapes.
  const std::string st = dir.file("gt.safetensors");
  const CliResult s = run_mno({"--threads", "2", "export", gt, "--out", st, "--format", "safetensors"});
  ASSERT_EQ(s.exit_code, 0) << s.output;
  const std::string bytes = read_text(st);
  ASSERT_GT(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  ASSERT_LE(8 + n, bytes.size());
  const std::string header = bytes.substr(8, n);
  EXPECT_NE(header.find(R"("downscaler.id.weight":{"dtype":"F32","shape":[16,3],"data_offsets":[0,192]})"),
            std::string::npos)
      << header.substr(0, 300);
}

struct BadExport {
  std::string what;
  std::vector<std::string> args;  // after `export`
  std::string message;
  std::string must_not_appear;    // a file the command must not write
};

void expect_refused(const BadExport& bad) {
  std::vector<std::string> args = {"--threads", "2", "export"};
  args.insert(args.end(), bad.args.begin(), bad.args.end());
  const CliResult r = run_mno(args);
  EXPECT_EQ(r.exit_code, 1) << bad.what << "\n" << r.output;
  EXPECT_TRUE(r.has("error: ")) << bad.what << "\n" << r.output;
  EXPECT_TRUE(r.has(bad.message)) << bad.what << ": expected '" << bad.message << "' in\n" << r.output;
  if (!bad.must_not_appear.empty()) {
    EXPECT_FALSE(fs::exists(bad.must_not_appear)) << bad.what << ": " << bad.must_not_appear << " was written";
  }
}

TEST(CliExport, BadInputIsOneErrorAndWritesNothing) {
  TempDir dir;
  const std::string data = train::testing::make_darcy(dir.path(), 24, 8);
  const std::string gt = import_fixture(dir, "gt_galerkin_darcy", data);

  // A model the authors have no counterpart of: a trained run with the S4D mixer.
  const std::string s4d_config = dir.file("s4d.yaml");
  {
    const Config config = train::testing::tiny_gt_config(data, "s4d");
    YAML::Node root = config.root().yaml();  // a handle: editing through it edits the config
    root["train"]["epochs"] = 1;
    std::ofstream(s4d_config) << config.dump_as_given();
  }
  const std::string s4d = dir.file("s4d-run");
  const CliResult t = run_mno({"--threads", "2", "train", "-c", s4d_config, "--out", s4d});
  ASSERT_EQ(t.exit_code, 0) << t.output;
  expect_refused({"s4d mixer", {s4d, "--out", dir.file("s4d.pt")},
                  "cannot export: model.mixer.type 's4d': the MNO authors' Galerkin Transformer has no such mixer",
                  dir.file("s4d.pt")});

  // A run without a checkpoint, and a best checkpoint asked for that was never written.
  const std::string bare = dir.file("bare");
  fs::create_directories(bare);
  fs::copy_file(gt + "/config.yaml", bare + "/config.yaml");
  expect_refused({"no checkpoint", {bare, "--out", dir.file("bare.pt")}, "has no checkpoint to export",
                  dir.file("bare.pt")});
  expect_refused({"no best", {gt, "--out", dir.file("best.pt"), "--checkpoint", "best"}, "has no checkpoint 'best'",
                  dir.file("best.pt")});
  expect_refused({"no run", {dir.file("absent"), "--out", dir.file("absent.pt")}, "does not exist",
                  dir.file("absent.pt")});

  // An existing file is kept without --overwrite, and replaced with it.
  const std::string kept = dir.file("kept.pt");
  std::ofstream(kept) << "mine\n";
  expect_refused({"existing file", {gt, "--out", kept}, "already exists; refusing to replace it", ""});
  EXPECT_EQ(read_text(kept), "mine\n");
  const CliResult o = run_mno({"--threads", "2", "export", gt, "--out", kept, "--overwrite"});
  EXPECT_EQ(o.exit_code, 0) << o.output;
  expect_same_file(kept, fixture("gt_galerkin_darcy", "checkpoint.pt"));

  // OFormer: one of its two files exists: neither is written.
  const std::string oformer = import_fixture(dir, "oformer_softmax_darcy", data);
  std::ofstream(dir.file("pair.decoder.pt")) << "mine\n";
  expect_refused({"one half exists", {oformer, "--out", dir.file("pair")}, "pair.decoder.pt' already exists",
                  dir.file("pair.encoder.pt")});
  EXPECT_EQ(read_text(dir.file("pair.decoder.pt")), "mine\n");

  // An unknown format is a usage error.
  const CliResult u = run_mno({"export", gt, "--out", dir.file("u.pt"), "--format", "onnx"});
  EXPECT_EQ(u.exit_code, 2) << u.output;
  EXPECT_FALSE(fs::exists(dir.file("u.pt")));

  // Nothing else appeared beside the files the cases made.
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path() << " left behind";
}

}  // namespace
}  // namespace mno::cli::testing
