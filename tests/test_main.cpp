// Test entry point: use every core, as the CLI does, so the parallel splits of the kernels are
// exercised (Debian's LibTorch would otherwise run everything on one thread). MNO_TEST_THREADS
// caps it where many test processes run at once (ctest -j on a many-core machine), which
// otherwise oversubscribe the cores many times over.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "mno/core/crash_report.h"
#include "mno/core/threads.h"

int main(int argc, char** argv) {
  mno::install_crash_report("mno_tests");
  ::testing::InitGoogleTest(&argc, argv);
  const char* cap = std::getenv("MNO_TEST_THREADS");
  mno::set_threads(cap && *cap ? std::stoi(cap) : 0);
  return RUN_ALL_TESTS();
}
