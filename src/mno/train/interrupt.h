#pragma once
// Ctrl-C during training: the first SIGINT asks the trainer to stop at the end of the current
// step (it then writes a checkpoint and exits); a second one kills the process as usual.
namespace mno::train {

class InterruptGuard {
 public:
  InterruptGuard();   // installs the handler
  ~InterruptGuard();  // restores the previous one
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

bool interrupt_requested();
void clear_interrupt();

}  // namespace mno::train
