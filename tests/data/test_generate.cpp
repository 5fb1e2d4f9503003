// `mno generate`: files in PDEBench's layout, identical for any thread count, never half-written.
#include <filesystem>

#include "data/data_test_support.h"
#include "mno/data/gen/generate.h"
#include "mno/data/pdebench_reader.h"

namespace mno::data::gen {
namespace {

using testing::expect_error;

GenerateOptions options(const std::string& out, size_t samples, int threads) {
  GenerateOptions o;
  o.samples = samples;
  o.out = out;
  o.seed = 11;
  o.threads = threads;
  o.progress = false;
  return o;
}

TEST(Generate, DarcyFileIsTheSameForOneAndThreeThreads) {
  testing::TempDir dir;
  DarcyParams p;
  p.resolution = 16;
  generate_darcy(options(dir.file("one.h5"), 5, 1), p);
  generate_darcy(options(dir.file("three.h5"), 5, 3), p);
  PdebenchReader one(dir.file("one.h5")), three(dir.file("three.h5"));
  EXPECT_EQ(one.info().samples, 5u);
  EXPECT_EQ(*one.info().beta, 1.0);
  const DarcySamples a = one.read_darcy({0, 5, 1}), b = three.read_darcy({0, 5, 1});
  EXPECT_EQ(a.solution.values, b.solution.values);
  EXPECT_EQ(a.coefficient.values, b.coefficient.values);
  // The solution matches a direct solve of the stored coefficient (float32 storage).
  const std::vector<double> a3(a.coefficient.values.begin() + 3 * 256, a.coefficient.values.begin() + 4 * 256);
  const std::vector<double> u3 = solve_darcy(a3, 16, 1.0, DarcyBoundary::ghost_zero);
  for (size_t k = 0; k < 256; ++k) EXPECT_FLOAT_EQ(a.solution.values[3 * 256 + k], static_cast<float>(u3[k]));
}

TEST(Generate, ShallowWaterFileHasPdebenchGridAndFrames) {
  testing::TempDir dir;
  DamBreakParams p;
  p.resolution = 16;
  p.frames = 4;
  p.final_time = 0.15;
  generate_shallow_water(options(dir.file("one.h5"), 3, 1), p);
  generate_shallow_water(options(dir.file("two.h5"), 3, 2), p);
  PdebenchReader one(dir.file("one.h5")), two(dir.file("two.h5"));
  EXPECT_EQ(one.info().pde, Pde::shallow_water);
  EXPECT_EQ(one.info().frames, 4u);
  EXPECT_FLOAT_EQ(one.x().values[0], -2.5f + 2.5f / 16);
  EXPECT_FLOAT_EQ(one.t().values[3], 0.15f);
  Selection all;
  all.samples = 3;
  EXPECT_EQ(one.read_frames(all).values, two.read_frames(all).values);
}

TEST(Generate, DiffusionReactionFileIsTheSameForAnyThreadCount) {
  testing::TempDir dir;
  DiffusionReactionParams p;
  p.resolution = 8;
  p.frames = 3;
  p.final_time = 0.1;
  generate_diffusion_reaction(options(dir.file("one.h5"), 4, 1), p);
  generate_diffusion_reaction(options(dir.file("four.h5"), 4, 4), p);
  PdebenchReader one(dir.file("one.h5")), four(dir.file("four.h5"));
  EXPECT_EQ(one.info().pde, Pde::diffusion_reaction);
  Selection all;
  all.samples = 4;
  EXPECT_EQ(one.read_frames(all).values, four.read_frames(all).values);
}

TEST(Generate, FailedGenerationLeavesNoFile) {
  testing::TempDir dir;
  DiffusionReactionParams p;
  p.resolution = 8;
  p.frames = 3;
  p.final_time = 0.1;
  p.du = -1.0;
  expect_error([&] { generate_diffusion_reaction(options(dir.file("x.h5"), 2, 1), p); }, {"diffreact", ">= 0"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.h5")));
}

TEST(GenerateErrors, BadFlagsNameTheFlag) {
  testing::TempDir dir;
  DarcyParams darcy;
  expect_error([&] { generate_darcy(options(dir.file("x.h5"), 0, 1), darcy); }, {"--samples", "found 0"});
  expect_error([&] { generate_darcy(options("", 1, 1), darcy); }, {"--out"});
  darcy.resolution = 2;
  expect_error([&] { generate_darcy(options(dir.file("x.h5"), 1, 1), darcy); }, {"--resolution", "found 2"});
  DamBreakParams swe;
  swe.radius_min = 0.8;
  swe.radius_max = 0.3;
  expect_error([&] { generate_shallow_water(options(dir.file("x.h5"), 1, 1), swe); }, {"radius-min", "0.8"});
  swe = DamBreakParams{};
  swe.frames = 1;
  expect_error([&] { generate_shallow_water(options(dir.file("x.h5"), 1, 1), swe); }, {"--frames", "found 1"});
}

}  // namespace
}  // namespace mno::data::gen
