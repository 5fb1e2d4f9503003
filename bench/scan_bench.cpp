#include "bench/scan_bench.h"

#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "bench/timing.h"
#include "mno/core/error.h"
#include "mno/core/progress.h"
#include "mno/ops/selective_scan/selective_scan.h"

namespace mno::bench {
namespace {

struct Inputs {
  torch::Tensor u, delta, A, B, C, D, bias, z;
  ops::ScanOptions options;
};

Inputs make_inputs(const ScanBenchCase& s) {
  torch::manual_seed(0);
  const int64_t E = s.channels / s.directions;
  Inputs in;
  in.u = torch::randn({s.batch, E, s.length});
  in.delta = torch::randn({s.batch, s.channels, s.length}) * 0.5;
  in.A = -torch::arange(1, s.state + 1, torch::kFloat).repeat({s.channels, 1});
  in.B = torch::randn({s.batch, s.groups, s.state, s.length});
  in.C = torch::randn({s.batch, s.groups, s.state, s.length});
  in.D = torch::ones({s.channels});
  in.bias = torch::randn({s.channels}) * 0.5 - 3.0;
  if (s.gate) in.z = torch::randn({s.batch, E, s.length});
  in.options.directions = s.directions;
  in.options.delta_softplus = true;
  return in;
}

using ScanFn = std::function<ops::ScanResult(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                             const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                             const torch::Tensor&, const torch::Tensor&, const ops::ScanOptions&)>;

ScanTiming measure(const Inputs& in, const ScanFn& scan, int warmups, int repeats, Progress& progress) {
  auto leaf = [](const torch::Tensor& t) { return t.defined() ? t.detach().requires_grad_(true) : t; };
  auto forward = [&] {
    torch::NoGradGuard no_grad;
    scan(in.u, in.delta, in.A, in.B, in.C, in.D, in.bias, in.z, in.options);
  };
  auto forward_backward = [&] {
    const auto u = leaf(in.u), delta = leaf(in.delta), A = leaf(in.A), B = leaf(in.B), C = leaf(in.C),
               D = leaf(in.D), bias = leaf(in.bias), z = leaf(in.z);
    auto y = scan(u, delta, A, B, C, D, bias, z, in.options).y;
    y.backward(torch::ones_like(y));
  };
  const Clock clock = wall_clock();
  const double f = median_ms(forward, warmups, repeats, clock);
  return {f, median_ms(forward_backward, warmups, repeats, clock, [&] { progress.advance(1); })};
}

}  // namespace

std::vector<ScanBenchCase> default_scan_shapes(bool quick) {
  if (quick)
    return {{"MNO K=2 (quick)", 1, 64, 2, 512, 16, 2, false}, {"Mamba block (quick)", 1, 64, 1, 512, 16, 1, true}};
  return {{"MNO-GNOT SS2D, K=2", 2, 384, 2, 4096, 16, 2, false},
          {"Mamba block (z gate)", 1, 768, 1, 4096, 16, 1, true}};
}

std::vector<ScanBenchRow> run_scan_bench(const ScanBenchOptions& o) {
  if (o.device != "cpu") {
    if (o.device == "cuda")
      throw Error("bench scan --device cuda: this build of mno has no CUDA support (built for CPU only)");
    throw mismatch_error("bench scan: option --device", "cpu or cuda", "'" + o.device + "'");
  }
  check(o.repeats >= 1 && o.composed_repeats >= 1, "bench scan: repeats must be >= 1");
  const auto shapes = default_scan_shapes(o.quick);
  const int per_shape = o.repeats + (o.composed ? o.composed_repeats : 0);
  Progress progress("bench scan", per_shape * static_cast<int64_t>(shapes.size()));
  std::vector<ScanBenchRow> rows;
  for (const auto& s : shapes) {
    const Inputs in = make_inputs(s);
    ScanBenchRow row{s, {}, {}};
    row.fused = measure(in, ops::selective_scan, 1, o.repeats, progress);
    // The composed version is so slow that a warm-up would double the bench; its first run is
    // already in steady state (nothing is compiled or cached lazily on the CPU).
    if (o.composed) row.composed = measure(in, ops::selective_scan_reference, 0, o.composed_repeats, progress);
    rows.push_back(row);
  }
  progress.finish();
  return rows;
}

namespace {

// Giga state updates per second per thread.
double rate(const ScanBenchCase& s, double ms, int threads) { return ms > 0 ? s.updates() / (ms * 1e6) / threads : 0.0; }

std::string ratio(double slow, double fast) { return slow > 0 && fast > 0 ? fmt::format("{:.0f}×", slow / fast) : "–"; }
std::string ms_or_dash(double ms) { return ms > 0 ? fmt::format("{:.1f}", ms) : "–"; }

}  // namespace

std::string scan_bench_markdown(const std::vector<ScanBenchRow>& rows, const MachineInfo& m, const std::string& command) {
  std::string out = fmt::format(
      "Selective scan, CPU: fused kernel vs the same maths composed from LibTorch ops (fp32, softplus, delta_bias, D, "
      "input-dependent B/C; median wall time).\n`{}` — {}, {} threads, kernel {}, LibTorch {}, {}.\n\n",
      command, m.cpu, m.threads, m.scan_isa, m.torch_version, m.date);
  out += "| shape | batch×C×L×N, directions, groups | composed fwd ms | fused fwd ms | fwd speed-up | composed fwd+bwd ms "
         "| fused fwd+bwd ms | fwd+bwd speed-up | fused fwd G updates/s/core | fused fwd+bwd G updates/s/core |\n";
  out += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows) {
    const auto& s = r.shape;
    out += fmt::format("| {} | {}×{}×{}×{}, K {}, G {}{} | {} | {:.1f} | {} | {} | {:.1f} | {} | {:.2f} | {:.2f} |\n", s.name,
                       s.batch, s.channels, s.length, s.state, s.directions, s.groups, s.gate ? ", z" : "",
                       ms_or_dash(r.composed.forward_ms), r.fused.forward_ms, ratio(r.composed.forward_ms, r.fused.forward_ms),
                       ms_or_dash(r.composed.forward_backward_ms), r.fused.forward_backward_ms,
                       ratio(r.composed.forward_backward_ms, r.fused.forward_backward_ms),
                       rate(s, r.fused.forward_ms, m.threads), rate(s, r.fused.forward_backward_ms, m.threads));
  }
  return out;
}

std::string scan_bench_json(const std::vector<ScanBenchRow>& rows, const MachineInfo& m, const std::string& command) {
  nlohmann::ordered_json json = {{"command", command}, {"cpu", m.cpu},          {"threads", m.threads},
                                 {"kernel", m.scan_isa}, {"torch", m.torch_version}, {"date", m.date}};
  json["rows"] = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    const auto& s = r.shape;
    json["rows"].push_back({{"shape", s.name}, {"batch", s.batch}, {"channels", s.channels}, {"groups", s.groups},
                            {"length", s.length}, {"state", s.state}, {"directions", s.directions}, {"gate", s.gate},
                            {"state_updates", s.updates()}, {"fused_forward_ms", r.fused.forward_ms},
                            {"fused_forward_backward_ms", r.fused.forward_backward_ms},
                            {"composed_forward_ms", r.composed.forward_ms},
                            {"composed_forward_backward_ms", r.composed.forward_backward_ms}});
  }
  return json.dump(2) + "\n";
}

}  // namespace mno::bench
