#include "mno/core/stop_signal.h"

#include <atomic>
#include <csignal>

namespace mno {
namespace {

std::atomic<int> recorded{0};  // the signal received, 0 for none
static_assert(std::atomic<int>::is_always_lock_free, "a signal handler may only touch lock-free atomics");

struct sigaction previous_int, previous_term;

extern "C" void record_signal(int sig) { recorded.store(sig); }

void install(int sig, struct sigaction* previous) {
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: the next such signal has its default effect (a second Ctrl-C ends the process);
  // SA_RESTART: file writes under way are resumed, not failed with EINTR.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(sig, &action, previous);
}

const char* describe(int sig) { return sig == SIGINT ? "SIGINT (Ctrl-C)" : sig == SIGTERM ? "SIGTERM" : "a signal"; }

}  // namespace

StopOnSignal::StopOnSignal() {
  recorded.store(0);
  install(SIGINT, &previous_int);
  install(SIGTERM, &previous_term);
}

StopOnSignal::~StopOnSignal() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

void throw_if_stop_requested(const std::string& output) {
  const int sig = recorded.load();
  if (sig == 0) return;
  throw Interrupted(sig, fmt::format("stopped by {} before '{}' was complete: it was not written (an existing one "
                                     "is kept) and its temporary file is removed", describe(sig), output));
}

}  // namespace mno
