// `mno bench` through the command line: each table's quick mode prints its rows, and a device
// that cannot be used is one clear error.
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

TEST(CliBench, LayerQuickHasItsRow) {
  const CliResult r = run_mno({"--threads", "2", "bench", "layer", "--quick"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("| 96 | 1 × 256 |")) << r.output;
}

TEST(CliBench, DataQuickHasARowPerPde) {
  const CliResult r = run_mno({"--threads", "2", "bench", "data", "--quick"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* pde : {"| darcy | 2 × 32²", "| swe | 2 × 32²", "| diffreact | 2 × 32²"}) EXPECT_TRUE(r.has(pde)) << pde << "\n" << r.output;
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
