// Test entry point: use every core, as the CLI does, so the parallel splits of the kernels are
// exercised (Debian's LibTorch would otherwise run everything on one thread). MNO_TEST_THREADS
// caps it where many test processes run at once (ctest -j on a many-core machine), which
// otherwise oversubscribe the cores many times over.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "mno/core/crash_report.h"
#include "mno/core/heap_policy.h"
#include "mno/core/threads.h"

int main(int argc, char** argv) {
  mno::install_crash_report("mno_tests");
  mno::keep_freed_memory_for_reuse();  // as the CLI does (core/heap_policy.h)
  ::testing::InitGoogleTest(&argc, argv);
  int threads = 0;
  if (const char* cap = std::getenv("MNO_TEST_THREADS"); cap && *cap) {
    char* end = nullptr;
    const long n = std::strtol(cap, &end, 10);
    if (*end != '\0' || n < 1 || n > 4096) {
      std::fprintf(stderr, "mno_tests: MNO_TEST_THREADS: expected a thread count 1..4096, found '%s'\n", cap);
      return 2;
    }
    threads = static_cast<int>(n);
  }
  mno::set_threads(threads);
  mno::set_blas_threads(0);  // as the CLI does by default (core/threads.h)
  return RUN_ALL_TESTS();
}
