// The crash report: a fatal signal prints the program, the signal and a call stack, then the
// process still dies of that signal.
#include <gtest/gtest.h>

#include <csignal>

#include "mno/core/crash_report.h"

namespace {

TEST(CrashReportDeathTest, SegfaultPrintsProgramSignalAndStackThenDiesOfIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        mno::install_crash_report("crash-test");
        std::raise(SIGSEGV);
      },
      ::testing::KilledBySignal(SIGSEGV),
      // The stack reaches main: its frame line is named because the binary exports its symbols.
      "crash-test: crashed with signal Segmentation fault\nfault at instruction 0x[0-9a-f]+ in .*\n"
      "native call stack(.|\n)*\\(main\\+0x[0-9a-f]+\\)");
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
