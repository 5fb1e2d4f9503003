// `mno bench` through the command line: each table's quick mode prints its rows, and a device
// that cannot be used is one clear error.
#include <filesystem>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"

namespace mno::cli::testing {
namespace {

TEST(CliBench, ScanQuickPrintsATableAndItsJson) {
  data::testing::TempDir dir;
  const CliResult r = run_mno({"--threads", "2", "bench", "scan", "--quick", "--json", dir.file("scan.json")});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("mno bench scan --device cpu --quick")) << r.output;
  EXPECT_TRUE(r.has("|---")) << r.output;
  EXPECT_NE(read_text(dir.file("scan.json")).find("\"rows\""), std::string::npos);
}

TEST(CliBench, ModelQuickHasARowPerConfig) {
  const CliResult r = run_mno({"--threads", "2", "bench", "model", "--quick", "configs/darcy/gnot_linear.yaml",
                               "configs/darcy/gnot_mamba.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("gnot_linear")) << r.output;
  EXPECT_TRUE(r.has("gnot_mamba")) << r.output;
}

// --quick runs GT at 16 × 16, where its spectral layers hold fewer modes than the config's: the
// output says what was changed and the parameter count the config itself has.
TEST(CliBench, ModelQuickSaysWhatItChangedFromTheConfig) {
  const CliResult r = run_mno({"--threads", "2", "bench", "model", "--quick", "configs/darcy/gt_mamba.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("quick: batch 1, grid 16 × 16, 1 repeat (a full run: batch 8, 64 × 64, 5 repeats).")) << r.output;
  std::smatch changed, row;
  ASSERT_TRUE(std::regex_search(r.output, changed, std::regex(R"(- configs/darcy/gt_mamba.yaml: gt modes its default -> 6 )"
                                                              R"(for the 16 × 16 grid \((\d+) trainable parameters as configured\))")))
      << r.output;
  ASSERT_TRUE(std::regex_search(r.output, row, std::regex(R"(\| configs/darcy/gt_mamba.yaml \| gt / mamba \| (\d+) \|)")))
      << r.output;
  EXPECT_GT(std::stoll(changed[1]), std::stoll(row[1])) << "fewer modes, fewer parameters";
}

// --trace: one Chrome trace per config (named after it), the top ops by self time under the table,
// and the JSON with the same rows; a bad --trace-steps is refused by name.
TEST(CliBench, ModelTraceWritesAChromeTracePerConfigAndTheTopOps) {
  data::testing::TempDir dir;
  const CliResult r = run_mno({"--threads", "2", "bench", "model", "--quick", "configs/darcy/gnot_linear.yaml",
                               "configs/darcy/gt_mamba.yaml", "--trace", dir.file("step.json"), "--trace-steps", "2",
                               "--json", dir.file("bench.json")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* config : {"gnot_linear", "gt_mamba"}) {
    const std::string trace = dir.file(std::string("step.") + config + ".json");
    ASSERT_TRUE(std::filesystem::exists(trace)) << trace << "\n" << r.output;
    EXPECT_NE(read_text(trace).find("traceEvents"), std::string::npos) << trace;
    EXPECT_TRUE(r.has(std::string("### Trace of configs/darcy/") + config + ".yaml")) << r.output;
  }
  EXPECT_TRUE(r.has("| op (self time) | calls a step | ms a step | share of the step |")) << r.output;
  EXPECT_TRUE(r.has("`aten::")) << r.output;  // LibTorch ops by name
  const std::string json = read_text(dir.file("bench.json"));
  for (const char* key : {"\"train_step_ms\"", "\"peak_bytes\"", "\"trace\"", "\"window_ms\""})
    EXPECT_NE(json.find(key), std::string::npos) << key << "\n" << json;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();  // nothing half-written left

  const CliResult bad = run_mno({"bench", "model", "--quick", "configs/darcy/gnot_linear.yaml", "--trace",
                                 dir.file("t.json"), "--trace-steps", "0"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(bad.has("--trace-steps")) << bad.output;
}

TEST(CliBench, ModelPrecisionOtherThanFp32NeedsCudaAndAKnownName) {
  const CliResult cpu = run_mno({"bench", "model", "--quick", "configs/darcy/gnot_linear.yaml", "--precision", "tf32"});
  EXPECT_EQ(cpu.exit_code, 1) << cpu.output;
  EXPECT_TRUE(cpu.has("--precision tf32 needs --device cuda")) << cpu.output;
  const CliResult bf16 = run_mno({"bench", "model", "--quick", "configs/darcy/gnot_linear.yaml", "--precision", "bf16"});
  EXPECT_EQ(bf16.exit_code, 1) << bf16.output;
  EXPECT_TRUE(bf16.has("--precision bf16 needs --device cuda")) << bf16.output;
  const CliResult unknown = run_mno({"bench", "model", "--quick", "configs/darcy/gnot_linear.yaml", "--precision", "fp16"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_TRUE(unknown.has("fp32, tf32 or bf16, found 'fp16'")) << unknown.output;
}

TEST(CliBench, LayerQuickHasItsRow) {
  const CliResult r = run_mno({"--threads", "2", "bench", "layer", "--quick"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("| 96 | 1 × 256 |")) << r.output;
  // Only figures of this run: no column of figures measured elsewhere (an H100's, once).
  EXPECT_FALSE(r.has("H100")) << r.output;
  EXPECT_FALSE(r.has("paper code")) << r.output;
}

TEST(CliBench, DataQuickHasARowPerPde) {
  const CliResult r = run_mno({"--threads", "2", "bench", "data", "--quick"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* pde : {"| darcy | 2 × 32²", "| swe | 2 × 32²", "| diffreact | 2 × 32²"}) EXPECT_TRUE(r.has(pde)) << pde << "\n" << r.output;
}

TEST(CliBench, ScalingQuickHasACellPerConfigAndSideAndItsSlopesAndFiles) {
  data::testing::TempDir dir;
  const CliResult r = run_mno({"--threads", "2", "bench", "scaling", "--quick", "--out", dir.file("scaling")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("mno bench scaling --device cpu --quick")) << r.output;
  for (const char* cell : {"| gt_mamba | gt / mamba | 8 | 64 | 1 |", "| gt_mamba | gt / mamba | 16 | 256 | 1 |",
                           "| gt_galerkin | gt / galerkin | 16 | 256 | 1 |", "| fno | fno | 16 | 256 | 1 |"})
    EXPECT_TRUE(r.has(cell)) << cell << "\n" << r.output;
  EXPECT_TRUE(r.has("| gt_mamba | gt / mamba | 2 | ")) << r.output;  // the slope row, fitted over two sides
  const std::string csv = read_text(dir.file("scaling/scaling.csv"));
  EXPECT_NE(csv.find("gt_galerkin,gt / galerkin,16,256,1,0,"), std::string::npos) << csv;
  EXPECT_TRUE(std::filesystem::exists(dir.file("scaling/scaling_time.png")));
  // The CPU's peak memory is measured (it read 0 MB, and the memory plot was empty): every cell
  // holds at least its parameters, and the memory slope is fitted like the time's.
  std::istringstream rows(csv);
  std::string line;
  std::getline(rows, line);
  int cells = 0;
  while (std::getline(rows, line)) {
    ++cells;
    EXPECT_GT(std::stoll(line.substr(line.rfind(',') + 1)), 0) << line;
  }
  EXPECT_EQ(cells, 6);
  EXPECT_TRUE(std::filesystem::exists(dir.file("scaling/scaling_memory.png")));
  std::smatch slopes;
  ASSERT_TRUE(std::regex_search(r.output, slopes, std::regex(R"(\| gt_mamba \| gt / mamba \| 2 \| ([^|]+) \| ([^|]+) \|)")))
      << r.output;
  EXPECT_NE(slopes[2].str(), " n/a ") << r.output;
}

TEST(CliBench, ScalingNamesABadSideAndAMissingConfig) {
  const CliResult side = run_mno({"bench", "scaling", "--sides", "2"});
  EXPECT_EQ(side.exit_code, 2) << side.output;
  EXPECT_TRUE(side.has("--sides")) << side.output;
  const CliResult config = run_mno({"bench", "scaling", "--quick", "configs/darcy/nope.yaml"});
  EXPECT_EQ(config.exit_code, 1) << config.output;
  EXPECT_TRUE(config.has("bench scaling: config 'configs/darcy/nope.yaml' does not exist")) << config.output;
}

TEST(CliBench, AnUnknownDeviceIsNamed) {
  const CliResult r = run_mno({"bench", "scan", "--device", "tpu"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: bench scan: option --device: expected cpu or cuda, found 'tpu'")) << r.output;
}

#ifndef MNO_WITH_CUDA
TEST(CliBench, CudaWithoutCudaIsAnError) {
  const CliResult r = run_mno({"bench", "scan", "--device", "cuda"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: ")) << r.output;
  EXPECT_TRUE(r.has("CUDA")) << r.output;
}
#endif

}  // namespace
}  // namespace mno::cli::testing
