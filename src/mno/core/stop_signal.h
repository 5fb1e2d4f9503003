#pragma once
// SIGINT (Ctrl-C) and SIGTERM in commands that write one output file (mno generate, mno predict).
// The handler only records the signal (all a signal handler may safely do); the work loops call
// throw_if_stop_requested() between samples, which throws Interrupted, so write_atomically
// removes the temporary file as for any failure, and the CLI prints one line and exits with
// 128 + the signal (130 for Ctrl-C, 143 for SIGTERM), as a shell reports a death by that signal.
// A second signal ends the process at once, as without the guard.
#include <string>

#include "mno/core/error.h"

namespace mno {

// Thrown by throw_if_stop_requested(); an Error, so whatever cleans up after errors does so.
class Interrupted : public Error {
 public:
  Interrupted(int signal, const std::string& message) : Error(message), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

// Installs the recording handler for SIGINT and SIGTERM while it lives; restores the previous ones.
class StopOnSignal {
 public:
  StopOnSignal();
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
};

// Throws Interrupted, naming `output` (the file that will now not be written), once a signal has
// been recorded; does nothing otherwise. Safe to call from any thread.
void throw_if_stop_requested(const std::string& output);

}  // namespace mno
