#include "mno/nn/lti/structured_ssm_2d.h"

#include <cmath>

#include "mno/core/error.h"
#include "mno/core/torch_compat.h"
#include "mno/ssm/discretize.h"
#include "mno/ssm/frequency_response.h"
#include "mno/ssm/modes.h"
#include "mno/ssm/s4.h"

namespace mno::nn {
namespace {

torch::Tensor as_complex(const torch::Tensor& real_view) { return torch::view_as_complex(real_view); }

// A complex double tensor as a float parameter's real view [..., 2].
torch::Tensor real_view(const torch::Tensor& c) { return torch::view_as_real(c.to(torch::kComplexFloat)).contiguous(); }

}  // namespace

StructuredSsmOptions StructuredSsmOptions::from_config(const ConfigNode& node, int64_t d_model, bool s4d, bool cross) {
  StructuredSsmOptions o;
  o.d_model = d_model;
  o.cross = cross;
  o.d_state = node.get<int64_t>("d_state", o.d_state);
  o.dt_min = node.get<double>("dt_min", o.dt_min);
  o.dt_max = node.get<double>("dt_max", o.dt_max);
  if (s4d) o.init = ssm::parse_s4d_init(node.get_choice("init", "lin", {"lin", "inv"}));
  const auto where = [&](const char* key) { return fmt::format("{}: key '{}'", node.source(), node.path_of(key)); };
  if (o.d_state < 2 || o.d_state > 512 || o.d_state % 2 != 0)
    throw mismatch_error(where("d_state"), "an even number in 2..512 (N/2 conjugate pairs)", std::to_string(o.d_state));
  if (!(o.dt_min > 0 && o.dt_min <= o.dt_max))
    throw mismatch_error(where("dt_min"), "0 < dt_min <= dt_max", fmt::format("dt_min {}, dt_max {}", o.dt_min, o.dt_max));
  return o;
}

StructuredSsm2dBase::StructuredSsm2dBase(const StructuredSsmOptions& o) : options_(o) {
  check(o.d_model >= 1, "structured SSM mixer: expected d_model >= 1, found {}", o.d_model);
  const int64_t H = o.d_model;
  log_dt = register_parameter(
      "log_dt", torch::rand({kDirections * H}) * (std::log(o.dt_max) - std::log(o.dt_min)) + std::log(o.dt_min));
  Ds = register_parameter("Ds", torch::randn({H}));
  out_proj = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(H, 2 * H)));
  if (o.cross) context_proj = register_module("context_proj", torch::nn::Linear(torch::nn::LinearOptions(H, H).bias(false)));
}

torch::Tensor StructuredSsm2dBase::forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor&,
                                           const TokenGrid&) {
  if (!x.defined() || x.dim() != 3 || x.size(2) != options_.d_model)
    throw mismatch_error("structured SSM mixer: input 'x'", fmt::format("[batch, L, {}]", options_.d_model),
                         compat::shape_str(x));
  const int64_t H = options_.d_model, L = x.size(1);
  auto input = x;
  if (options_.cross) {
    check(context.defined(), "the cross form of the s4/s4d mixer needs a context tensor [batch, L, d_model]");
    if (context.sizes() != x.sizes())
      throw mismatch_error("structured SSM mixer: context", fmt::format("the query's shape {}", compat::shape_str(x)),
                           compat::shape_str(context));
    input = x + context_proj->forward(context);
  } else {
    check(!context.defined(), "the s4 and s4d mixers in self form take no context");
  }
  // fp32 from here to the output projection: FFTs in half precision lose the kernel's tail.
  const auto u = input.transpose(1, 2).to(torch::kFloat);  // [B, H, L]
  const auto y2 = ssm::fft_conv(torch::cat({u, u.flip(-1)}, 1), kernel(L).to(torch::kFloat));  // [B, 2H, L]
  const auto y = y2.narrow(1, 0, H) + y2.narrow(1, H, H).flip(-1) + Ds.unsqueeze(-1) * u;
  // Transposed before the GELU, not after: Debian's LibTorch 1.13 CPU gelu_backward returns
  // garbage (zeros or ~1e8, depending on memory) when its incoming gradient is not contiguous,
  // which a transpose after the GELU makes it (tests/nn/test_structured_ssm_2d.cpp).
  const auto h = torch::gelu(y.transpose(1, 2).contiguous()).to(x.scalar_type());
  return torch::glu(out_proj->forward(h), -1);
}

S4dMixerImpl::S4dMixerImpl(const StructuredSsmOptions& o) : StructuredSsm2dBase(o) {
  const int64_t rows = kDirections * o.d_model;
  const auto A0 = ssm::s4d_init_eigenvalues(o.init, o.d_state).to(torch::kComplexFloat).unsqueeze(0).expand({rows, -1});
  A_log_real = register_parameter("A_log_real", torch::log(-torch::real(A0)).contiguous());
  A_imag = register_parameter("A_imag", torch::imag(A0).contiguous());
  // C ~ CN(0, 1) per pair (B = 1 is absorbed into C), as the S4D paper's minimal layer.
  C = register_parameter("C", torch::randn({rows, o.d_state / 2, 2}) * std::sqrt(0.5));
}

torch::Tensor S4dMixerImpl::A() const { return torch::complex(-torch::exp(A_log_real), A_imag); }

torch::Tensor S4dMixerImpl::kernel(int64_t length) {
  const auto a = A();
  return ssm::s4d_kernel(a, torch::ones_like(a), as_complex(C), dt(), length);
}

torch::Tensor S4dMixerImpl::frequency_response(const torch::Tensor& theta, int64_t) {
  const auto a = A();
  const auto d = ssm::discretize_diagonal(a, torch::ones_like(a), dt().unsqueeze(1), ssm::Discretization::zoh);
  return ssm::diagonal_response(d.A, as_complex(C) * d.B, theta, /*pairs=*/true);
}

std::string S4dMixerImpl::describe() const {
  return fmt::format("{}S4D(d_model {}, d_state {}, init {}, directions 2)", options_.cross ? "Cross" : "", options_.d_model, options_.d_state,
                     options_.init == ssm::S4dInit::lin ? "lin" : "inv");
}

S4MixerImpl::S4MixerImpl(const StructuredSsmOptions& o) : StructuredSsm2dBase(o) {
  const int64_t rows = kDirections * o.d_model;
  const auto dplr = ssm::dplr_legs(o.d_state);
  const auto expand = [rows](const torch::Tensor& t) { return t.unsqueeze(0).expand({rows, -1}); };
  Lambda_log_real = register_parameter("Lambda_log_real", expand(torch::log(-torch::real(dplr.Lambda))).to(torch::kFloat).contiguous());
  Lambda_imag = register_parameter("Lambda_imag", expand(torch::imag(dplr.Lambda)).to(torch::kFloat).contiguous());
  P = register_parameter("P", real_view(expand(dplr.P)));
  B = register_parameter("B", real_view(expand(dplr.B)));
  C_tilde = register_parameter("C_tilde", torch::randn({rows, o.d_state / 2, 2}) * std::sqrt(0.5));
}

torch::Tensor S4MixerImpl::Lambda() const { return torch::complex(-torch::exp(Lambda_log_real), Lambda_imag); }

torch::Tensor S4MixerImpl::kernel(int64_t length) {
  return ssm::s4_kernel(Lambda(), as_complex(P), as_complex(B), as_complex(C_tilde), dt(), length);
}

torch::Tensor S4MixerImpl::frequency_response(const torch::Tensor& theta, int64_t length) {
  // The layer learns C̃ = C (I − Ā^L) for its length; the transfer function needs C itself.
  torch::NoGradGuard no_grad;
  const auto lam = Lambda().to(torch::kComplexDouble), p = as_complex(P).to(torch::kComplexDouble);
  const auto b = as_complex(B).to(torch::kComplexDouble), ct = as_complex(C_tilde).to(torch::kComplexDouble);
  const auto step = dt().to(torch::kDouble);
  const auto dense = ssm::s4_dense(lam, p, b, ct);
  const auto d = ssm::discretize(dense.A, dense.B, step, ssm::Discretization::bilinear);
  const int64_t half = ct.size(-1);
  const auto c_full = ssm::c_from_c_tilde(d.A, torch::cat({ct, torch::conj(ct)}, -1), length);
  const auto c = c_full.narrow(-1, 0, half);
  const auto omega = torch::complex(torch::cos(theta), -torch::sin(theta));  // e^{−iθ}
  const auto z_inverse = omega.to(torch::kComplexDouble).unsqueeze(0);
  // G(e^{−iθ}) = Σ_j K_j e^{−iθj} = e^{iθ} H(e^{iθ}).
  return ops::s4_generating_function(lam, p, b, c, step, omega) * z_inverse;
}

std::string S4MixerImpl::describe() const {
  return fmt::format("{}S4(d_model {}, d_state {}, DPLR HiPPO-LegS, directions 2)", options_.cross ? "Cross" : "", options_.d_model, options_.d_state);
}

}  // namespace mno::nn

namespace mno::nn {

torch::Tensor StructuredSsm2dBase::response_magnitude(const torch::Tensor& theta, int64_t length) {
  torch::NoGradGuard no_grad;
  return torch::abs(frequency_response(theta.to(log_dt.device()), length)).to(torch::kCPU, torch::kDouble);
}

}  // namespace mno::nn
