#pragma once
// `mno bench layer`: the SS2D layer (MNO's self S6 mixer, K = 2) at the paper's sizes
// (D 96 and 256, batch 8, 64 × 64 grid: L 4096) — our fused layer against the authors'
// composition of the same parameters (parity/ss2d_authors.h: flips, stack, einsum, one unfused
// directions-1 scan on all K·E channels with our fast kernel, flip back, add). Forward and
// forward+backward time (median after a warm-up) and the peak memory of a forward+backward
// above the parameters and inputs (bench/memory.h), side by side in one run.
#include <string>
#include <vector>

namespace mno::bench {

struct LayerBenchOptions {
  std::string device = "cpu";
  int repeats = 10;
  bool quick = false;  // D 96, batch 1, 16 × 16, 1 repeat: a smoke run
};

struct LayerBenchRow {
  int64_t d_model = 0, batch = 0, length = 0;
  double fused_fwd_ms = 0, authors_fwd_ms = 0, fused_fwdbwd_ms = 0, authors_fwdbwd_ms = 0;
  int64_t fused_peak_bytes = -1, authors_peak_bytes = -1;
};

std::vector<LayerBenchRow> run_layer_bench(const LayerBenchOptions& options);
std::string layer_bench_markdown(const std::vector<LayerBenchRow>& rows, const LayerBenchOptions& options,
                                 const std::string& command);

}  // namespace mno::bench
