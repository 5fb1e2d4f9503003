// The crash report: a fatal signal prints the program, the signal, the faulting instruction and
// data address, and a call stack, then the process still dies of that signal.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>

#include "mno/core/crash_report.h"

namespace {

TEST(CrashReportDeathTest, SegfaultPrintsProgramSignalFaultSiteAndStackThenDiesOfIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        mno::install_crash_report("crash-test");
        *reinterpret_cast<volatile int*>(std::uintptr_t{0x10}) = 1;  // a real fault at a known address
      },
      ::testing::KilledBySignal(SIGSEGV),
      // The fault line names the object, the offset in it and the address that was touched; the
      // stack reaches main, named because the binary exports its symbols.
      "crash-test: crashed with signal Segmentation fault\n"
      "fault at instruction 0x[0-9a-f]+ in [^ ]+ \\(\\+0x[0-9a-f]+\\)[^\n]*, data address 0x10\n"
      "native call stack(.|\n)*Object \"[^\"]+\", at 0x[0-9a-f]+, in main\n");
}

TEST(CrashReportDeathTest, AbortIsReportedToo) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        mno::install_crash_report("crash-test");
        std::abort();
      },
      ::testing::KilledBySignal(SIGABRT), "crash-test: crashed with signal Aborted");
}

}  // namespace
