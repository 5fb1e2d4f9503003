#include "bench/layer_bench.h"

#include <functional>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bench/machine.h"
#include "bench/memory.h"
#include "bench/timing.h"
#include "mno/core/error.h"
#include "mno/core/progress.h"
#include "mno/core/torch_compat.h"
#include "mno/nn/s6/selective_scan_2d.h"
#include "mno/parity/ss2d_authors.h"

namespace mno::bench {
namespace {

int64_t peak_of(const std::function<void()>& fn, const torch::Device& device) {
  PeakMemory peak(device);
  peak.start();
  fn();
  return peak.growth_bytes();
}

}  // namespace

std::vector<LayerBenchRow> run_layer_bench(const LayerBenchOptions& options) {
  check(options.device == "cpu" || options.device == "cuda", "bench layer: --device must be cpu or cuda, found '{}'",
        options.device);
  check(options.device == "cpu" || torch::cuda::is_available(), "bench layer: --device cuda, but CUDA is not available here");
  const torch::Device device(options.device == "cuda" ? torch::kCUDA : torch::kCPU);
  const Clock clock = wall_clock(device.is_cuda());
  const std::vector<int64_t> widths = options.quick ? std::vector<int64_t>{96} : std::vector<int64_t>{96, 256};
  const int64_t batch = options.quick ? 1 : 8, side = options.quick ? 16 : 64, L = side * side;
  const int repeats = options.quick ? 1 : options.repeats;
  Progress progress("bench layer", static_cast<int64_t>(widths.size()));
  std::vector<LayerBenchRow> rows;
  for (const int64_t d : widths) {
    torch::manual_seed(0);
    nn::S6MixerOptions o;
    o.d_model = d;
    o.directions = 2;
    auto layer = std::make_shared<nn::SelectiveScan2dImpl>(o);
    layer->to(device);
    const auto x = torch::randn({batch, L, d}, torch::TensorOptions().device(device)).requires_grad_(true);
    const auto gy = torch::randn({batch, L, d}, torch::TensorOptions().device(device));
    auto fused = [&] { return layer->forward(x, {}, {}, {side, side}); };
    auto authors = [&] { return parity::authors_ss2d_forward(*layer, x, {}, side, side, {}, ops::selective_scan); };
    auto forward_only = [](const std::function<torch::Tensor()>& f) {
      return [f] {
        torch::NoGradGuard no_grad;
        f();
      };
    };
    auto forward_backward = [&](const std::function<torch::Tensor()>& f) {
      return [&, f] {
        layer->zero_grad();
        x.mutable_grad() = torch::Tensor();
        f().backward(gy);
      };
    };
    LayerBenchRow r;
    r.d_model = d, r.batch = batch, r.length = L;
    r.fused_fwd_ms = median_ms(forward_only(fused), 1, repeats, clock);
    r.authors_fwd_ms = median_ms(forward_only(authors), 1, repeats, clock);
    r.fused_fwdbwd_ms = median_ms(forward_backward(fused), 1, repeats, clock);
    r.authors_fwdbwd_ms = median_ms(forward_backward(authors), 1, repeats, clock);
    r.fused_peak_bytes = peak_of(forward_backward(fused), device);
    r.authors_peak_bytes = peak_of(forward_backward(authors), device);
    rows.push_back(r);
    progress.advance(1);
  }
  progress.finish();
  return rows;
}

std::string layer_bench_markdown(const std::vector<LayerBenchRow>& rows, const LayerBenchOptions& options,
                                 const std::string& command) {
  const torch::Device device(options.device == "cuda" ? torch::kCUDA : torch::kCPU);
  const auto machine = machine_info();
  std::string s = fmt::format(
      "`{}` — {}, {}LibTorch {}, {}. SS2D (K 2, N 16, expand 2), fp32; median of {} after a warm-up; peak memory: "
      "growth over parameters and inputs during one forward+backward ({}). \"authors\" = their composition "
      "(flip, stack, einsum, unfused directions-1 scan on all channels, flip back, add) with our kernel, in this run. "
      "Every figure is measured in this run; the authors' own code side by side is tools/device/authors-bench.sh.\n\n",
      command, device_name(device), device.is_cuda() ? "" : fmt::format("{} threads, ", machine.threads),
      machine.torch_version, machine.date, options.quick ? 1 : options.repeats,
      device.is_cuda() ? "CUDA caching allocator, allocated bytes" : "allocated bytes, counted by mno's CPU allocator");
  s += "| D | batch × L | fused fwd ms | authors fwd ms | fwd speed-up | fused fwd+bwd ms | authors fwd+bwd ms | "
       "fwd+bwd speed-up | fused peak | authors peak | memory ratio |\n";
  s += "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows) {
    const std::string ratio = r.fused_peak_bytes > 0 && r.authors_peak_bytes > 0
                                  ? fmt::format("{:.2f}×", double(r.fused_peak_bytes) / r.authors_peak_bytes)
                                  : std::string("n/a");
    s += fmt::format("| {} | {} × {} | {:.2f} | {:.2f} | {:.1f}× | {:.2f} | {:.2f} | {:.1f}× | {} | {} | {} |\n",
                     r.d_model, r.batch, r.length, r.fused_fwd_ms, r.authors_fwd_ms, r.authors_fwd_ms / r.fused_fwd_ms,
                     r.fused_fwdbwd_ms, r.authors_fwdbwd_ms, r.authors_fwdbwd_ms / r.fused_fwdbwd_ms,
                     format_megabytes(r.fused_peak_bytes), format_megabytes(r.authors_peak_bytes), ratio);
  }
  return s;
}

}  // namespace mno::bench
