#include "mno/core/crash_report.h"

#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <initializer_list>

namespace mno {
namespace {

const char* g_program = "mno";

void write_str(const char* s) {
  // write(2) only: the handler runs in a broken process, so no allocation, no stdio.
  if (::write(STDERR_FILENO, s, std::strlen(s)) < 0) return;
}

void on_crash(int sig) {
  write_str("\n");
  write_str(g_program);
  write_str(": crashed with signal ");
  write_str(strsignal(sig));
  write_str("; native call stack (innermost first; resolve offsets with addr2line -e <binary>):\n");
  void* frames[64];
  const int n = ::backtrace(frames, 64);
  ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
  // Die of the same signal, so exit codes and test runners see what they would have seen.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void install_crash_report(const char* program) {
  g_program = program;
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc's unwinder now, not inside the handler
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    struct sigaction action {};
    action.sa_handler = on_crash;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &action, nullptr);
  }
}

}  // namespace mno
