// `mno generate` and `mno data` through the command line: the files made are the PDEBench
// layout `data info` recognises, plots are PNGs, and bad arguments name themselves.
#include <cmath>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "mno/data/pdebench_reader.h"
#include "mno/data/pdebench_writer.h"

namespace mno::cli::testing {
namespace {

using data::testing::TempDir;

bool is_png(const std::string& path) { return read_text(path).rfind("\x89PNG\r\n\x1a\n", 0) == 0; }

TEST(CliData, GeneratedDarcyIsReadBackAsDarcy) {
  TempDir dir;
  const CliResult g = run_mno({"generate", "darcy", "--samples", "3", "--resolution", "16", "--out", dir.file("d.h5"),
                               "--threads", "2"});
  ASSERT_EQ(g.exit_code, 0) << g.output;
  const data::PdebenchReader reader(dir.file("d.h5"));
  EXPECT_EQ(reader.info().samples, 3u);
  EXPECT_EQ(reader.info().nx, 16u);
  const CliResult info = run_mno({"data", "info", dir.file("d.h5")});
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_TRUE(info.has("pde:")) << info.output;
  EXPECT_TRUE(info.has("darcy")) << info.output;
}

TEST(CliData, GeneratedShallowWaterHasItsFrames) {
  TempDir dir;
  const CliResult g = run_mno({"generate", "swe", "--samples", "2", "--resolution", "16", "--frames", "5",
                               "--final-time", "0.2", "--out", dir.file("s.h5")});
  ASSERT_EQ(g.exit_code, 0) << g.output;
  const CliResult info = run_mno({"data", "info", dir.file("s.h5")});
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_TRUE(info.has("data [5,16,16,1]")) << info.output;
  const CliResult bad = run_mno({"data", "plot", dir.file("s.h5"), "--sample", "0", "--frame", "9"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;  // a frame the file does not have: a usage error
  EXPECT_TRUE(bad.has("error: ")) << bad.output;
  EXPECT_TRUE(bad.has("--frame 9")) << bad.output;
}

TEST(CliData, DiffusionReactionSamplePlotsAsAPng) {
  TempDir dir;
  const CliResult g = run_mno({"generate", "diffreact", "--samples", "2", "--resolution", "16", "--frames", "5",
                               "--final-time", "0.2", "--out", dir.file("r.h5")});
  ASSERT_EQ(g.exit_code, 0) << g.output;
  const CliResult plot = run_mno({"data", "plot", dir.file("r.h5"), "--sample", "1", "--frame", "2", "--out", dir.file("r.png")});
  EXPECT_EQ(plot.exit_code, 0) << plot.output;
  EXPECT_TRUE(is_png(dir.file("r.png")));
}

TEST(CliData, AnH5pyWrittenLzfFileIsRead) {
  const CliResult r = run_mno({"data", "info", "tests/fixtures/pdebench_diffreact_lzf.h5"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.has("diffreact")) << r.output;
}

TEST(CliData, ZeroSamplesAreRefused) {
  TempDir dir;
  const CliResult r = run_mno({"generate", "darcy", "--samples", "0", "--out", dir.file("x.h5")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.has("--samples")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.h5")));
}

// A NaN is reported at the file's sample and frame, whatever part of the file a command reads.
TEST(CliData, ANanIsNamedByTheFilesSampleAndFrame) {
  TempDir dir;
  const std::string path = dir.file("nan.h5");
  {
    data::LayoutSpec spec;
    spec.pde = data::Pde::shallow_water;
    spec.samples = 4;
    spec.nx = spec.ny = 4;
    spec.frames = 3;
    spec.x = spec.y = {0.125f, 0.375f, 0.625f, 0.875f};
    spec.t = {0.0f, 0.5f, 1.0f};
    data::PdebenchWriter writer(path, spec);
    for (size_t i = 0; i < spec.samples; ++i) {
      data::FloatArray frames(data::Shape{3, 4, 4, 1});
      for (size_t k = 0; k < frames.size(); ++k) frames.values[k] = 1.0f + 0.01f * static_cast<float>(k);
      if (i == 2) frames.values[16 + 5] = NAN;  // frame 1, point (1, 1)
      writer.write_frames(i, frames);
    }
    writer.finish();
  }
  const CliResult info = run_mno({"data", "info", path});
  EXPECT_EQ(info.exit_code, 1) << info.output;
  EXPECT_TRUE(info.has("error: " + path + ": dataset '0002/data': non-finite value nan in sample 2, frame 1 (flat index 5 "
                       "of the frame, shape [4,4,1])"))
      << info.output;
  const CliResult plot = run_mno({"data", "plot", path, "--sample", "2", "--frame", "1", "--out", dir.file("p.png")});
  EXPECT_EQ(plot.exit_code, 1) << plot.output;
  EXPECT_TRUE(plot.has("non-finite value nan in sample 2, frame 1")) << plot.output;
}

TEST(CliData, AFileThatIsNotHdf5IsNamed) {
  const CliResult r = run_mno({"data", "info", "CMakeLists.txt"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: ")) << r.output;
  EXPECT_TRUE(r.has("not an HDF5 file")) << r.output;
}

}  // namespace
}  // namespace mno::cli::testing
