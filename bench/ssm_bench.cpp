#include "bench/ssm_bench.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "bench/machine.h"
#include "bench/memory.h"
#include "bench/timing.h"
#include "mno/core/error.h"
#include "mno/core/progress.h"
#include "mno/ssm/discretize.h"
#include "mno/ssm/modes.h"
#include "mno/ssm/s4.h"
#include "mno/ssm/s4d.h"

namespace mno::bench {
namespace {

// The direct kernel costs L sequential N×N products: past this L it is left out.
constexpr int64_t kDirectMaxLength = 4096;

torch::Tensor per_channel(const torch::Tensor& t, int64_t channels, const torch::Device& device) {
  return t.to(torch::kComplexFloat).unsqueeze(0).expand({channels, -1}).contiguous().to(device);
}

}  // namespace

SsmBenchResult run_ssm_bench(const SsmBenchOptions& options) {
  check(options.device == "cpu" || options.device == "cuda", "bench ssm: option --device: expected cpu or cuda, found '{}'",
        options.device);
  check(options.device == "cpu" || torch::cuda::is_available(), "bench ssm: --device cuda, but CUDA is not available here");
  const torch::Device device(options.device == "cuda" ? torch::kCUDA : torch::kCPU);
  const Clock clock = wall_clock(device.is_cuda());
  const int repeats = options.quick ? 1 : options.repeats;
  const int64_t N = options.quick ? 16 : 64, H = options.quick ? 4 : 16;
  const std::vector<int64_t> kernel_lengths = options.quick ? std::vector<int64_t>{64, 256}
                                                            : std::vector<int64_t>{256, 1024, 4096, 16384, 65536};
  const std::vector<int64_t> mode_lengths = options.quick ? std::vector<int64_t>{64} : std::vector<int64_t>{256, 1024, 4096};
  Progress progress("bench ssm", static_cast<int64_t>(kernel_lengths.size() + mode_lengths.size()));
  torch::NoGradGuard no_grad;
  SsmBenchResult result;

  torch::manual_seed(0);
  const auto dplr = ssm::dplr_legs(N);
  const auto Lambda = per_channel(dplr.Lambda, H, device), P = per_channel(dplr.P, H, device);
  const auto B = per_channel(dplr.B, H, device);
  const auto C = torch::randn({H, N / 2}, torch::TensorOptions().dtype(torch::kComplexFloat).device(device));
  const auto dt = torch::logspace(-3, -1, H, 10, torch::TensorOptions().device(device));
  const auto dense = ssm::s4_dense(Lambda, P, B, C);
  const auto bilinear = ssm::discretize(dense.A, dense.B, dt, ssm::Discretization::bilinear);
  for (const int64_t L : kernel_lengths) {
    SsmKernelRow row{H, N, L};
    row.cauchy_ms = median_ms([&] { ssm::s4_kernel(Lambda, P, B, C, dt, L); }, 1, repeats, clock);
    if (L <= kDirectMaxLength)
      row.direct_ms = median_ms([&] { ssm::direct_kernel(bilinear.A, bilinear.B, dense.C, L); }, 1, repeats, clock);
    result.kernels.push_back(row);
    progress.advance(1);
  }

  const int64_t batch = options.quick ? 1 : 4, modes_h = options.quick ? 4 : 64;
  const auto A = ssm::s4d_init_eigenvalues(ssm::S4dInit::lin, N).to(torch::kComplexFloat).unsqueeze(0)
                     .expand({modes_h, -1}).contiguous().to(device);
  const auto ones = torch::ones_like(A);
  const auto Cm = torch::randn({modes_h, N / 2}, torch::TensorOptions().dtype(torch::kComplexFloat).device(device));
  const auto dtm = torch::logspace(-3, -1, modes_h, 10, torch::TensorOptions().device(device));
  const auto d = ssm::discretize_diagonal(A, ones, dtm.unsqueeze(1), ssm::Discretization::zoh);
  for (const int64_t L : mode_lengths) {
    const auto u = torch::randn({batch, modes_h, L}, torch::TensorOptions().device(device));
    SsmModeRow row{batch, modes_h, N, L};
    row.conv_ms = median_ms([&] { ssm::fft_conv(u, ssm::s4d_kernel(A, ones, Cm, dtm, L)); }, 1, repeats, clock);
    row.recurrent_ms = median_ms([&] { ssm::recurrent_diagonal(d.A, d.B, Cm, u); }, 1, repeats, clock);
    result.modes.push_back(row);
    progress.advance(1);
  }
  progress.finish();
  return result;
}

std::string ssm_bench_markdown(const SsmBenchResult& result, const SsmBenchOptions& options, const std::string& command) {
  const torch::Device device(options.device == "cuda" ? torch::kCUDA : torch::kCPU);
  const auto machine = machine_info();
  std::string s = fmt::format("`{}` — {}, {}LibTorch {}, {}. fp32 (complex64), median of {} after a warm-up.\n\n", command,
                              device_name(device), device.is_cuda() ? "" : fmt::format("{} threads, ", machine.threads),
                              machine.torch_version, machine.date, options.quick ? 1 : options.repeats);
  s += "S4 kernel (HiPPO-LegS DPLR, bilinear): Cauchy + Woodbury at the roots of unity + inverse FFT vs direct "
       "C·Āᵏ·B̄ by L matrix-vector products.\n\n";
  s += "| H | N | L | Cauchy ms | direct powers ms | direct / Cauchy |\n|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : result.kernels)
    s += fmt::format("| {} | {} | {} | {:.3f} | {} | {} |\n", r.channels, r.state, r.length, r.cauchy_ms,
                     r.direct_ms < 0 ? std::string("–") : fmt::format("{:.3f}", r.direct_ms),
                     r.direct_ms < 0 ? std::string("–") : fmt::format("{:.1f}×", r.direct_ms / r.cauchy_ms));
  s += "\nS4D sequence mixing: convolution mode (Vandermonde kernel + FFT) vs recurrent mode (one step at a time).\n\n";
  s += "| batch × H | N | L | convolution ms | recurrence ms | recurrence / convolution |\n|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : result.modes)
    s += fmt::format("| {} × {} | {} | {} | {:.3f} | {:.3f} | {:.1f}× |\n", r.batch, r.channels, r.state, r.length, r.conv_ms,
                     r.recurrent_ms, r.recurrent_ms / r.conv_ms);
  return s;
}

}  // namespace mno::bench
