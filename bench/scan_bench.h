#pragma once
// `mno bench scan`: the fused selective scan against the same maths composed from LibTorch ops
// (selective_scan_reference in fp32: what a user without a kernel writes), at MNO's and standard
// Mamba's shapes. Both are timed side by side in one run; the table reports the ratio.
#include <cstdint>
#include <string>
#include <vector>

#include "bench/machine.h"

namespace mno::bench {

struct ScanBenchCase {
  std::string name;
  int64_t batch, channels, groups, length, state, directions;
  bool gate;  // z (standard Mamba)
  int64_t updates() const { return batch * channels * length * state; }  // state updates per pass
};

struct ScanTiming {
  double forward_ms = 0, forward_backward_ms = 0;  // medians
};

struct ScanBenchRow {
  ScanBenchCase shape;
  ScanTiming fused, composed;  // composed is zero when not measured
};

struct ScanBenchOptions {
  std::string device = "cpu";
  int repeats = 5;           // timed runs of the fused op (after one warm-up)
  int composed_repeats = 1;  // timed runs of the composed version (slow: ~3 s forward at the MNO shape)
  bool composed = true;
  bool quick = false;        // small shapes (for tests and smoke runs)
  std::string only;          // CUDA: run only the cases whose name starts with this, e.g. "(b)" (for profiling)
  std::string dtype;         // CUDA: "fp32" or "bf16" only; empty: both
};

// The benchmark's shapes (docs/performance.md): MNO-GNOT (batch 2, C 384, G 2, L 4096, N 16, directions 2) and a
// standard-Mamba block of the same size (batch 1, C 768, G 1, L 4096, N 16, gate z).
std::vector<ScanBenchCase> default_scan_shapes(bool quick);

std::vector<ScanBenchRow> run_scan_bench(const ScanBenchOptions& options);

std::string scan_bench_markdown(const std::vector<ScanBenchRow>& rows, const MachineInfo& machine,
                                const std::string& command);
std::string scan_bench_json(const std::vector<ScanBenchRow>& rows, const MachineInfo& machine,
                            const std::string& command);

}  // namespace mno::bench
