#include "mno/core/crash_report.h"

#include <dlfcn.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>

// Plain mode: libgcc's unwinder walks the stack and glibc's backtrace_symbols names the frames
// (exported symbols only), so the report needs no libdw/libbfd on any machine it runs on.
#define BACKWARD_HAS_UNWIND 1
#define BACKWARD_HAS_BACKTRACE_SYMBOL 1
#include <backward.hpp>

namespace mno {
namespace {

const char* g_program = "mno";

void write_str(const char* s) {
  // write(2) only: the handler runs in a broken process, so no allocation, no stdio.
  if (::write(STDERR_FILENO, s, std::strlen(s)) < 0) return;
}

void write_hex(uintptr_t v) {
  char buf[19] = "0x";
  int n = 2;
  for (int shift = 60; shift >= 0; shift -= 4) {
    const int d = static_cast<int>((v >> shift) & 0xf);
    if (n == 2 && d == 0 && shift > 0) continue;
    buf[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
  }
  buf[n] = 0;
  write_str(buf);
}

uintptr_t faulting_instruction(const void* context) {
#if defined(__x86_64__)
  return static_cast<uintptr_t>(static_cast<const ucontext_t*>(context)->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<uintptr_t>(static_cast<const ucontext_t*>(context)->uc_mcontext.pc);
#else
  return 0;
#endif
}

// The faulting instruction: its object, offset in it and nearest exported symbol, and the data
// address (backward-cpp prints none of the last three). The unwinder cannot always walk past it
// (no unwind information there, or a jump through a bad pointer), so this line is what names the
// culprit when the stack below stops at the signal frame.
void write_fault_site(const siginfo_t* info, uintptr_t pc) {
  write_str("fault at instruction ");
  write_hex(pc);
  Dl_info where{};
  if (pc && ::dladdr(reinterpret_cast<void*>(pc), &where) && where.dli_fname) {
    write_str(" in ");
    write_str(where.dli_fname);
    write_str(" (+");
    write_hex(pc - reinterpret_cast<uintptr_t>(where.dli_fbase));
    write_str(")");
    if (where.dli_sname) {
      write_str(" ");
      write_str(where.dli_sname);
    }
  }
  write_str(", data address ");
  write_hex(reinterpret_cast<uintptr_t>(info->si_addr));
  write_str("\n");
}

void on_crash(int sig, siginfo_t* info, void* context) {
  write_str("\n");
  write_str(g_program);
  write_str(": crashed with signal ");
  write_str(strsignal(sig));
  write_str("\n");
  const uintptr_t pc = faulting_instruction(context);
  write_fault_site(info, pc);
  write_str("native call stack (resolve addresses with addr2line -e <object>):\n");
  // backward-cpp allocates while it resolves names; the process is dying anyway, and the lines
  // above are already out if that fails. Starting from the signal context walks past the
  // handler's own frames to the faulting one.
  backward::StackTrace stack;
  stack.load_from(reinterpret_cast<void*>(pc), 64, const_cast<void*>(context), info->si_addr);
  backward::Printer printer;
  printer.object = true;
  printer.address = true;
  printer.snippet = false;
  printer.color_mode = backward::ColorMode::never;
  printer.print(stack, stderr);
  std::fflush(stderr);
  // Die of the same signal, so exit codes and test runners see what they would have seen
  // (SA_RESETHAND restored the default action on entry).
  ::raise(sig);
}

}  // namespace

void install_crash_report(const char* program) {
  g_program = program;
  backward::StackTrace warm;
  warm.load_here(1);  // loads libgcc's unwinder now, not inside the handler
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    struct sigaction action {};
    action.sa_sigaction = on_crash;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_SIGINFO;
    ::sigaction(sig, &action, nullptr);
  }
}

}  // namespace mno
