#pragma once
// The one way every `mno bench` table times things: untimed warm-ups, then timed runs, reported
// as their median. No LibTorch here, so the GPU probes (bench/cuda/probe.cu) use it too.
#include <functional>
#include <vector>

namespace mno::bench {

// The median of the samples: the middle one, or for an even count the mean of the two middle
// ones (the usual definition; it does not favour the slower of two middle runs). `samples` must
// not be empty: every table checks repeats >= 1 first.
double median(std::vector<double> samples);

// Times one run of its argument, in milliseconds.
using Clock = std::function<double(const std::function<void()>&)>;

// Wall-clock time; with synchronise_cuda it waits for the GPU before and after the run, so that
// the time covers the GPU work the run queued.
Clock wall_clock(bool synchronise_cuda = false);

// `warmups` untimed runs of fn, then `repeats` timed by clock (after_each, if given, after every
// timed run: progress bars); returns the median in ms.
double median_ms(const std::function<void()>& fn, int warmups, int repeats, const Clock& clock,
                 const std::function<void()>& after_each = {});

}  // namespace mno::bench
