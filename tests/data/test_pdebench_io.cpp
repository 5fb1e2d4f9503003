// PDEBench files: files written by h5py in PDEBench's layouts read correctly, our writer's files
// read back identically, and every kind of broken file is rejected with a message naming it.
#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/data_test_support.h"
#include "mno/data/pdebench_reader.h"
#include "mno/data/pdebench_writer.h"

namespace mno::data {
namespace {

using testing::expect_error;
using testing::fixture;

// The closed forms make_pdebench_fixture.py writes (N = 3 samples, R = 8, T = 5 frames).
constexpr size_t kN = 3, kR = 8, kT = 5;
float fixture_u(size_t n, size_t i, size_t j) { return static_cast<float>(0.001 * (100.0 * n + 10.0 * i + j)); }
float fixture_nu(size_t n, size_t i, size_t j) { return (i + j + n) % 3 == 0 ? 1.0f : 0.1f; }
float fixture_frame(size_t s, size_t t, size_t i, size_t j, size_t c) {
  return static_cast<float>(1000.0 * s + 100.0 * t + 10.0 * i + j + 0.5 * c);
}

TEST(PdebenchIo, H5pyDarcyFileReadsWithItsLayoutAndValues) {
  PdebenchReader reader(fixture("pdebench_darcy.h5"));
  const PdebenchInfo& info = reader.info();
  EXPECT_EQ(info.pde, Pde::darcy);
  EXPECT_EQ(info.samples, kN);
  EXPECT_EQ(info.nx, kR);
  ASSERT_TRUE(info.beta.has_value());
  EXPECT_EQ(*info.beta, 1.0);
  const DarcySamples all = reader.read_darcy({0, kN, 1});
  ASSERT_EQ(all.solution.shape, (Shape{kN, kR, kR}));
  for (size_t n = 0; n < kN; ++n)
    for (size_t i = 0; i < kR; ++i)
      for (size_t j = 0; j < kR; ++j) {
        EXPECT_EQ(all.solution.values[(n * kR + i) * kR + j], fixture_u(n, i, j));
        EXPECT_EQ(all.coefficient.values[(n * kR + i) * kR + j], fixture_nu(n, i, j));
      }
}

TEST(PdebenchIo, StridedSampleRangeReadsTheHyperslab) {
  PdebenchReader reader(fixture("pdebench_darcy.h5"));
  const DarcySamples part = reader.read_darcy({1, 2, 2});
  ASSERT_EQ(part.solution.shape, (Shape{2, kR / 2, kR / 2}));
  for (size_t n = 0; n < 2; ++n)
    for (size_t i = 0; i < kR / 2; ++i)
      for (size_t j = 0; j < kR / 2; ++j)
        EXPECT_EQ(part.solution.values[(n * 4 + i) * 4 + j], fixture_u(n + 1, 2 * i, 2 * j));
  const FloatArray x = reader.x(2);
  ASSERT_EQ(x.size(), kR / 2);
  EXPECT_FLOAT_EQ(x.values[1], 2.5f / kR);
}

TEST(PdebenchIo, H5pyShallowWaterFileReadsFramesAndGrid) {
  PdebenchReader reader(fixture("pdebench_swe.h5"));
  EXPECT_EQ(reader.info().pde, Pde::shallow_water);
  EXPECT_EQ(reader.info().frames, kT);
  Selection s;
  s.first_sample = 2;
  s.samples = 1;
  s.stride = 2;
  s.first_frame = 1;
  s.frames = 3;
  const FloatArray f = reader.read_frames(s);
  ASSERT_EQ(f.shape, (Shape{1, 3, kR / 2, kR / 2, 1}));
  EXPECT_EQ(f.values[((0 * 3 + 2) * 4 + 3) * 4 + 1], fixture_frame(2, 3, 6, 2, 0));
  EXPECT_EQ(reader.t().values.back(), 1.0f);
}

TEST(PdebenchIo, LzfCompressedDiffusionReactionFileReads) {
  // PDEBench's gen_diff_react.py writes with h5py's LZF filter, which HDF5 itself lacks.
  PdebenchReader plain(fixture("pdebench_diffreact.h5"));
  PdebenchReader lzf(fixture("pdebench_diffreact_lzf.h5"));
  EXPECT_EQ(lzf.info().pde, Pde::diffusion_reaction);
  EXPECT_EQ(lzf.info().channels, 2u);
  Selection all;
  all.samples = kN;
  const FloatArray a = plain.read_frames(all), b = lzf.read_frames(all);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.values[((((2 * kT + 4) * kR + 7) * kR + 5) * 2) + 1], fixture_frame(2, 4, 7, 5, 1));
}

TEST(PdebenchIo, WrittenTimeSeriesReadsBackIdentically) {
  testing::TempDir dir;
  LayoutSpec spec;
  spec.pde = Pde::diffusion_reaction;
  spec.samples = 2;
  spec.nx = spec.ny = 4;
  spec.frames = 3;
  spec.x = spec.y = {-0.75f, -0.25f, 0.25f, 0.75f};
  spec.t = {0.0f, 2.5f, 5.0f};
  FloatArray frames[2] = {FloatArray({3, 4, 4, 2}), FloatArray({3, 4, 4, 2})};
  for (int s = 0; s < 2; ++s)
    for (size_t k = 0; k < frames[s].size(); ++k) frames[s].values[k] = std::sin(0.37f * k + s) * 1e3f;
  {
    PdebenchWriter writer(dir.file("dr.h5"), spec);
    writer.write_frames(0, frames[0], "sim:\n  seed: 0\n");
    writer.write_frames(1, frames[1]);
  }
  PdebenchReader reader(dir.file("dr.h5"));
  EXPECT_EQ(reader.info().groups, (std::vector<std::string>{"0000", "0001"}));
  Selection all;
  all.samples = 2;
  const FloatArray back = reader.read_frames(all);
  std::vector<float> expected = frames[0].values;
  expected.insert(expected.end(), frames[1].values.begin(), frames[1].values.end());
  EXPECT_EQ(back.values, expected);
  EXPECT_EQ(reader.y().values, spec.y);
  EXPECT_EQ(reader.t().values, spec.t);
}

TEST(PdebenchIo, WrittenDarcyReadsBackIdenticallyWithBeta) {
  testing::TempDir dir;
  LayoutSpec spec;
  spec.pde = Pde::darcy;
  spec.samples = 2;
  spec.nx = spec.ny = 2;
  spec.x = spec.y = {0.25f, 0.75f};
  spec.beta = 0.01;
  {
    PdebenchWriter writer(dir.file("darcy.h5"), spec);
    writer.write_darcy(1, {1, 0.1f, 0.1f, 1}, {0.5f, 0.25f, 0.125f, 3e-8f});
    writer.write_darcy(0, {0.1f, 0.1f, 1, 1}, {1, 2, 3, 4});
  }
  PdebenchReader reader(dir.file("darcy.h5"));
  EXPECT_EQ(*reader.info().beta, 0.01);
  const DarcySamples s = reader.read_darcy({0, 2, 1});
  EXPECT_EQ(s.solution.values, (std::vector<float>{1, 2, 3, 4, 0.5f, 0.25f, 0.125f, 3e-8f}));
  EXPECT_EQ(s.coefficient.values, (std::vector<float>{0.1f, 0.1f, 1, 1, 1, 0.1f, 0.1f, 1}));
}

TEST(PdebenchIo, BetaComesFromTheFileNameWhenNotStored) {
  EXPECT_EQ(*beta_from_file_name("/data/2D_DarcyFlow_beta0.01_Train.hdf5"), 0.01);
  EXPECT_EQ(*beta_from_file_name("2D_DarcyFlow_beta1.0_Train.hdf5"), 1.0);
  EXPECT_FALSE(beta_from_file_name("2D_rdb_NA_NA.h5").has_value());
}

TEST(PdebenchIoErrors, MissingFile) {
  expect_error([] { PdebenchReader r("/nonexistent/x.h5"); }, {"/nonexistent/x.h5", "no such file"});
}

TEST(PdebenchIoErrors, NotHdf5) {
  testing::TempDir dir;
  std::ofstream(dir.file("text.h5")) << "this is not HDF5\n";
  expect_error([&] { PdebenchReader r(dir.file("text.h5")); }, {"text.h5", "not an HDF5 file"});
}

TEST(PdebenchIoErrors, TruncatedFile) {
  testing::TempDir dir;
  std::filesystem::copy_file(fixture("pdebench_swe.h5"), dir.file("cut.h5"));
  std::filesystem::resize_file(dir.file("cut.h5"), std::filesystem::file_size(dir.file("cut.h5")) / 2);
  expect_error([&] { PdebenchReader r(dir.file("cut.h5")); }, {"cut.h5", "truncated"});
}

TEST(PdebenchIoErrors, MissingDataset) {
  // A Darcy file without its solutions opens (prediction reads the inputs 'nu' alone); reading
  // (input, solution) pairs from it is the error.
  PdebenchReader r(fixture("bad_missing_tensor.h5"));
  EXPECT_FALSE(r.has_darcy_solution());
  EXPECT_EQ(r.read_darcy_coefficient({0, 1, 1}).shape.at(0), 1u);
  expect_error([&] { r.read_darcy({0, 1, 1}); }, {"bad_missing_tensor.h5", "'tensor'", "missing"});
}

TEST(PdebenchIoErrors, WrongRank) {
  expect_error([] { PdebenchReader r(fixture("bad_rank.h5")); }, {"bad_rank.h5", "'tensor'", "expected rank 4", "[3,8,8]"});
}

TEST(PdebenchIoErrors, WrongDtype) {
  expect_error([] { PdebenchReader r(fixture("bad_dtype.h5")); }, {"bad_dtype.h5", "'nu'", "float32", "integer"});
}

TEST(PdebenchIoErrors, NanValue) {
  PdebenchReader r(fixture("bad_nan.h5"));
  expect_error([&] { r.read_darcy({0, 3, 1}); }, {"bad_nan.h5", "'nu'", "non-finite", "sample 1"});
}

TEST(PdebenchIoErrors, WrongChannelCount) {
  expect_error([] { PdebenchReader r(fixture("bad_channels.h5")); }, {"bad_channels.h5", "'0000/data'", "1 channel (swe: h)", "2 channels (diffreact: u, v)"});
}

TEST(PdebenchIoErrors, NotAPdebenchLayout) {
  expect_error([] { PdebenchReader r(fixture("bad_layout.h5")); }, {"bad_layout.h5", "not a PDEBench layout"});
}

TEST(PdebenchIoErrors, StrideThatDoesNotDivideTheGrid) {
  PdebenchReader r(fixture("pdebench_darcy.h5"));
  expect_error([&] { r.read_darcy({0, 1, 3}); }, {"pdebench_darcy.h5", "stride 3", "8x8"});
}

TEST(PdebenchIoErrors, SampleRangeBeyondTheFile) {
  PdebenchReader r(fixture("pdebench_darcy.h5"));
  expect_error([&] { r.read_darcy({2, 2, 1}); }, {"pdebench_darcy.h5", "samples [2, 4)", "has 3"});
}

TEST(PdebenchIoErrors, WrongPdeForTheRead) {
  PdebenchReader r(fixture("pdebench_swe.h5"));
  expect_error([&] { r.read_darcy({0, 1, 1}); }, {"pdebench_swe.h5", "swe", "Darcy"});
}

TEST(PdebenchIoErrors, FramesBeyondTheSample) {
  PdebenchReader r(fixture("pdebench_swe.h5"));
  Selection s;
  s.first_frame = 3;
  s.frames = 4;
  expect_error([&] { r.read_frames(s); }, {"pdebench_swe.h5", "frames [3, 7)", "have 5"});
}

}  // namespace
}  // namespace mno::data
