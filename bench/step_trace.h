#pragma once
// A timeline of a few training steps from LibTorch's own profiler (Kineto, profiler_kineto.h),
// for `mno bench model --trace FILE`: the Chrome trace itself (chrome://tracing, Perfetto; Kineto's own
// writer, or ours where LibTorch has none, as Debian's 1.13) and a
// summary — on CUDA the top kernels by GPU time with their share of the step, the number of
// launches and the GPU-idle share (the step's wall time not covered by any kernel or copy: launch
// gaps and host waits); on the CPU the top ops by self time (time in the op minus its child ops).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

namespace mno::bench {

struct TraceEntry {
  std::string name;
  int64_t calls = 0;
  double total_ms = 0;  // GPU: kernel time; CPU: self time
};

struct StepTrace {
  bool cuda = false;
  int steps = 0;
  double window_ms = 0;       // wall time of the traced steps, waiting for the GPU at the end
  double busy_ms = 0;         // CUDA: union of kernel/copy intervals; CPU: time inside top-level ops
  int64_t launches = 0;       // CUDA: kernels, copies and memsets in the window
  std::vector<TraceEntry> top;  // descending by total_ms
};

// Runs `step` `steps` times under the profiler (after the caller's warm-ups) and writes the
// Chrome trace to chrome_trace_path (through a temporary file, then renamed) when not empty.
StepTrace trace_steps(const std::function<void()>& step, int steps, const torch::Device& device,
                      const std::string& chrome_trace_path);

// "### title" and a table of the `top` entries, per step, with the idle share.
std::string step_trace_markdown(const StepTrace& trace, const std::string& title, size_t top = 15);

}  // namespace mno::bench
