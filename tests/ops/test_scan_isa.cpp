// Choosing the CPU kernel's instruction set (cpu_isa.h). The scan tests themselves run once on
// the variant this processor picks and once more on the generic one (ctest
// tests.scan_on_generic_isa, which sets MNO_SCAN_ISA=generic).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "mno/ops/selective_scan/cpu_isa.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

TEST(ScanIsa, EnvironmentPicksTheKernel) {
  const char* env = std::getenv("MNO_SCAN_ISA");
  if (!env || !*env) GTEST_SKIP() << "MNO_SCAN_ISA is not set in this run";
  EXPECT_EQ(ops::scan_cpu_isa().rfind(env, 0), 0u) << "running " << ops::scan_cpu_isa() << " with MNO_SCAN_ISA=" << env;
}

TEST(ScanIsa, ForcingAnUnknownSetIsRejected) {
  expect_error([] { ops::force_scan_cpu_isa("sse"); }, {"force_scan_cpu_isa: expected generic or avx2, found 'sse'"});
}

}  // namespace
}  // namespace mno::testing
