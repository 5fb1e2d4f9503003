#pragma once
// `mno bench ssm` (docs/performance.md): the structured-SSM paths side by side in one run —
// (a) the S4 kernel from its generating function at the roots of unity (Cauchy sums + Woodbury +
//     inverse FFT, never a power of Ā) against the direct kernel C·Āᵏ·B̄ by L matrix-vector
//     products, as L grows (N 64, fp32);
// (b) S4D convolution mode (Vandermonde kernel + FFT) against recurrent mode (L sequential steps).
#include <cstdint>
#include <string>
#include <vector>

namespace mno::bench {

struct SsmBenchOptions {
  std::string device = "cpu";
  int repeats = 5;
  bool quick = false;  // small H and L, one run: a smoke test
};

struct SsmKernelRow {
  int64_t channels = 0, state = 0, length = 0;
  double cauchy_ms = 0, direct_ms = -1;  // -1: not run (too slow at this L)
};

struct SsmModeRow {
  int64_t batch = 0, channels = 0, state = 0, length = 0;
  double conv_ms = 0, recurrent_ms = 0;
};

struct SsmBenchResult {
  std::vector<SsmKernelRow> kernels;
  std::vector<SsmModeRow> modes;
};

SsmBenchResult run_ssm_bench(const SsmBenchOptions& options);
std::string ssm_bench_markdown(const SsmBenchResult& result, const SsmBenchOptions& options, const std::string& command);

}  // namespace mno::bench
