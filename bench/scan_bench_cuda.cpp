#include "bench/scan_bench_cuda.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>
#include <torch/torch.h>

#include "bench/timing.h"
#include "mno/core/error.h"
#include "mno/core/progress.h"
#include "mno/core/torch_compat.h"
#include "mno/ops/selective_scan/selective_scan.h"

#ifdef MNO_WITH_CUDA
#include <cuda_runtime_api.h>

#include "bench/cuda/probe.h"
#endif

namespace mno::bench {

#ifndef MNO_WITH_CUDA

CudaScanReport run_scan_bench_cuda(const ScanBenchOptions&, const std::string&) {
  throw Error("bench scan --device cuda: this build of mno has no CUDA support (built for CPU only)");
}

#else

namespace {

struct Case {
  std::string name;  // (a)..(d)
  int64_t batch, channels, groups, length, state, directions;
  torch::Dtype dtype;
};

struct Result {
  Case c;
  double fwd_ms, fwdbwd_ms, fwd_bytes, fwdbwd_bytes, exps;
};

std::vector<Case> cases(bool quick, const std::string& only, const std::string& dtype) {
  struct Shape { const char* name; int64_t b, C, G, L; bool mno; };
  const std::vector<Shape> shapes = quick ? std::vector<Shape>{{"(q) quick", 2, 128, 2, 1024, true}}
                                          : std::vector<Shape>{{"(a) MNO-GNOT", 8, 384, 2, 4096, true},
                                                               {"(b) MNO-GT", 8, 1024, 2, 4096, true},
                                                               {"(c) MNO long", 4, 384, 2, 16384, true},
                                                               {"(d) Mamba", 8, 1536, 1, 4096, false}};
  std::vector<Case> out;
  for (auto dt : {torch::kFloat, torch::kBFloat16}) {
    if (!dtype.empty() && dtype != (dt == torch::kFloat ? "fp32" : "bf16")) continue;
    for (const auto& s : shapes) {
      if (std::string(s.name).rfind(only, 0) != 0) continue;
      if (s.mno) out.push_back({s.name, s.b, s.C, s.G, s.L, 16, 2, dt});
      out.push_back({s.name, s.b, s.C, s.G, s.L, 16, 1, dt});
    }
  }
  return out;
}

// Warm-ups before each timed series: the first calls pay for allocator growth and module loading.
constexpr int kWarmups = 3;

Result measure(const Case& c, int repeats) {
  torch::manual_seed(0);
  const auto o = torch::TensorOptions().device(torch::kCUDA).dtype(c.dtype);
  const auto f32 = o.dtype(torch::kFloat);
  const int64_t E = c.channels / c.directions;
  auto u = torch::randn({c.batch, E, c.length}, o);
  auto delta = (torch::randn({c.batch, c.channels, c.length}, f32) * 0.5).to(c.dtype);
  auto A = -torch::arange(1, c.state + 1, f32).repeat({c.channels, 1});
  auto B = torch::randn({c.batch, c.groups, c.state, c.length}, o);
  auto C = torch::randn({c.batch, c.groups, c.state, c.length}, o);
  auto D = torch::ones({c.channels}, f32);
  auto bias = torch::randn({c.channels}, f32) * 0.5 - 3.0;
  ops::ScanOptions opt;
  opt.directions = c.directions;
  opt.delta_softplus = true;
  auto forward = [&] {
    torch::NoGradGuard no_grad;
    ops::selective_scan(u, delta, A, B, C, D, bias, {}, opt);
  };
  const auto gy = torch::randn({c.batch, E, c.length}, o);
  auto forward_backward = [&] {
    std::vector<torch::Tensor> leaves;
    for (const auto& t : {u, delta, A, B, C, D, bias}) leaves.push_back(t.detach().requires_grad_(true));
    auto y = ops::selective_scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6], {}, opt).y;
    y.backward(gy);
  };
  Result r{c, 0, 0, 0, 0, 0};
  cuda::EventClock clock;
  r.fwd_ms = median_ms(forward, kWarmups, repeats, std::ref(clock));
  r.fwdbwd_ms = median_ms(forward_backward, kWarmups, repeats, std::ref(clock));
  // Minimum traffic: every input read once, every output written once (saved states not counted).
  const double s = c.dtype == torch::kFloat ? 4 : 2;
  const double bel = double(c.batch) * E * c.length, bcl = double(c.batch) * c.channels * c.length;
  const double bc = 2.0 * c.batch * c.groups * c.state * c.length;  // B and C
  const double small = 4.0 * c.channels * (c.state + 2);
  r.fwd_bytes = s * (bel + bcl + bc + bel) + small;            // u, delta, B, C -> y
  const double bwd = s * (bel + bcl + bel + bc) + s * (bel + bcl) + 4.0 * bc + small;  // u, delta, dout, B, C -> du, ddelta, dB, dC (fp32)
  r.fwdbwd_bytes = r.fwd_bytes + bwd;
  r.exps = bcl * c.state;  // one exp(Δ·A) per (batch, channel, position, state)
  return r;
}

}  // namespace

CudaScanReport run_scan_bench_cuda(const ScanBenchOptions& o, const std::string& command) {
  if (!torch::cuda::is_available()) throw Error("bench scan --device cuda: no CUDA device is visible");
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  const double copy_bw = cuda::measure_copy_bandwidth(int64_t(1) << 30, 10);
  const double exp_rate = cuda::measure_exp2_rate(10);
  const auto list = cases(o.quick, o.only, o.dtype);
  check(!list.empty(), "bench scan: no case matches --only '{}' and --dtype '{}'", o.only, o.dtype);
  Progress progress("bench scan (cuda)", static_cast<int64_t>(list.size()));
  std::vector<Result> results;
  const int repeats = std::max(o.repeats, 20);
  for (const auto& c : list) {
    results.push_back(measure(c, repeats));
    progress.advance(1);
  }
  progress.finish();

  const std::string date = machine_info().date;
  CudaScanReport rep;
  rep.markdown = fmt::format(
      "Selective scan, CUDA (softplus, delta_bias, D, input-dependent B/C, no z; N 16; CUDA events, median of {} after {} "
      "warm-ups, whole op incl. autograd).\n`{}` — {}, LibTorch {}, {}. Measured in this run: D2D copy {:.2f} TB/s "
      "(read + write), exp2f {:.2f} T/s. Floor = max(min bytes ÷ copy, B·C·L·N exps ÷ exp2f rate) (×2 exps for fwd+bwd). "
      "Every figure here is measured in this run; mamba_ssm side by side is tools/device/authors-bench.sh "
      "(docs/performance.md).\n\n",
      repeats, kWarmups, command, prop.name, compat::torch_version(), date, copy_bw / 1e12, exp_rate / 1e12);
  rep.markdown +=
      "| shape | dtype | batch×C×L, G, K | fwd ms | fwd GB/s | fwd % floor | fwd+bwd ms | fwd+bwd GB/s | fwd+bwd % floor |\n";
  rep.markdown += "|---|---|---|---:|---:|---:|---:|---:|---:|\n";
  nlohmann::ordered_json json = {{"command", command}, {"device", prop.name}, {"torch", compat::torch_version()},
                                 {"date", date}, {"copy_bytes_per_s", copy_bw}, {"exp2_per_s", exp_rate}};
  json["rows"] = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    const auto& c = r.c;
    const double floor_f = std::max(r.fwd_bytes / copy_bw, r.exps / exp_rate) * 1e3;
    const double floor_fb = std::max(r.fwdbwd_bytes / copy_bw, 2 * r.exps / exp_rate) * 1e3;
    const bool fp32 = c.dtype == torch::kFloat;
    const std::string dt = fp32 ? "fp32" : "bf16";
    rep.markdown += fmt::format("| {} | {} | {}×{}×{}, G {}, K {} | {:.3f} | {:.0f} | {:.1f} | {:.3f} | {:.0f} | {:.1f} |\n",
                                c.name, dt, c.batch, c.channels, c.length, c.groups, c.directions, r.fwd_ms,
                                r.fwd_bytes / r.fwd_ms / 1e6, 100 * floor_f / r.fwd_ms, r.fwdbwd_ms,
                                r.fwdbwd_bytes / r.fwdbwd_ms / 1e6, 100 * floor_fb / r.fwdbwd_ms);
    json["rows"].push_back({{"shape", c.name}, {"dtype", dt}, {"batch", c.batch}, {"channels", c.channels},
                            {"groups", c.groups}, {"length", c.length}, {"state", c.state}, {"directions", c.directions},
                            {"forward_ms", r.fwd_ms}, {"forward_backward_ms", r.fwdbwd_ms}, {"forward_min_bytes", r.fwd_bytes},
                            {"forward_backward_min_bytes", r.fwdbwd_bytes}, {"exps", r.exps}, {"forward_floor_ms", floor_f},
                            {"forward_backward_floor_ms", floor_fb}});
  }
  rep.json = json.dump(2) + "\n";
  return rep;
}

#endif

}  // namespace mno::bench
