#pragma once
// `mno bench scan --device cuda`: the CUDA selective scan at the benchmark's shapes (docs/gpu.md: MNO-GNOT, MNO-GT,
// a long MNO sequence, standard Mamba; fp32 and bf16; MNO shapes with the fused two directions
// and with one direction on all channels, as the authors call the anchor kernel), timed with CUDA
// events, against the binding floor measured in the same run: max(bytes ÷ D2D copy bandwidth,
// exponentials ÷ exp2f throughput).
#include <string>

#include "bench/scan_bench.h"

namespace mno::bench {

struct CudaScanReport {
  std::string markdown, json;
};

// Throws mno::Error when this build has no CUDA kernels or no GPU is visible.
CudaScanReport run_scan_bench_cuda(const ScanBenchOptions& options, const std::string& command);

}  // namespace mno::bench
