#include "mno/train/interrupt.h"

#include <atomic>
#include <csignal>

namespace mno::train {
namespace {

std::atomic<bool> requested{false};
using Handler = void (*)(int);
Handler previous = SIG_DFL;

extern "C" void on_sigint(int) {
  requested.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

}  // namespace

InterruptGuard::InterruptGuard() {
  clear_interrupt();
  previous = std::signal(SIGINT, on_sigint);
}

InterruptGuard::~InterruptGuard() { std::signal(SIGINT, previous == SIG_ERR ? SIG_DFL : previous); }

bool interrupt_requested() { return requested.load(); }
void clear_interrupt() { requested.store(false); }

}  // namespace mno::train
