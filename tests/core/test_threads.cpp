// The process-wide CPU settings every entry point applies (core/threads.h): the OpenBLAS pool's
// size and its default, and subnormal floats flushed to zero (set_threads: test_files_and_progress).
// Each test puts back what it changed.
#include <limits>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "mno/core/threads.h"

namespace mno {
namespace {

TEST(Threads, OpenBlasRunsOneThreadBesideTwoLibTorchThreadsAndOtherwiseWhatIsAsked) {
  const int torch_threads = at::get_num_threads();
  if (set_blas_threads(0) == -1) GTEST_SKIP() << "the BLAS LibTorch calls here is not OpenBLAS";
  at::set_num_threads(2);
  EXPECT_EQ(set_blas_threads(0), 1) << "the default beside <= 2 LibTorch threads";
  EXPECT_EQ(set_blas_threads(2), 2) << "an explicit --blas-threads";
  at::set_num_threads(4);
  EXPECT_EQ(set_blas_threads(0), 4) << "the default beside more LibTorch threads: the same count";
  at::set_num_threads(torch_threads);
  set_blas_threads(0);
}

TEST(Threads, SubnormalsAreReadAndComputedAsZeroOnceFlushed) {
  volatile float tiny = std::numeric_limits<float>::denorm_min() * 1000.0f;  // ~1.4e-42, subnormal
  volatile float one = 1.0f;
  ASSERT_GT(static_cast<float>(tiny), 0.0f);
  if (!flush_denormals_to_zero()) GTEST_SKIP() << "this CPU cannot flush subnormals";
  const float read = tiny * one;  // DAZ: the subnormal operand is read as zero
  const float made = std::numeric_limits<float>::min() * one * 0.5f;  // FTZ: a subnormal result becomes zero
  at::globalContext().setFlushDenormal(false);  // the rest of the suite runs with IEEE subnormals
  EXPECT_EQ(read, 0.0f);
  EXPECT_EQ(made, 0.0f);
  const float again = tiny * one;
  EXPECT_GT(again, 0.0f) << "turned off again";
}

}  // namespace
}  // namespace mno
