// Test entry point: use every core, as the CLI does, so the parallel splits of the kernels are
// exercised (Debian's LibTorch would otherwise run everything on one thread).
#include <gtest/gtest.h>

#include "mno/core/crash_report.h"
#include "mno/core/threads.h"

int main(int argc, char** argv) {
  mno::install_crash_report("mno_tests");
  ::testing::InitGoogleTest(&argc, argv);
  mno::set_threads(0);
  return RUN_ALL_TESTS();
}
