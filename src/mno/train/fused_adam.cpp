#include "mno/train/fused_adam.h"

#include <map>
#include <sstream>
#include <type_traits>

#include "mno/core/torch_compat.h"

namespace mno::train {
namespace {

// torch::optim keys its per-parameter state by the TensorImpl: as a string in 1.13, as the
// pointer itself in later versions.
template <typename Map>
typename Map::key_type state_key(const torch::Tensor& p) {
  if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
    std::ostringstream key;  // what 1.13's c10::guts::to_string writes: the address via operator<<
    key << p.unsafeGetTensorImpl();
    return key.str();
  } else
    return p.unsafeGetTensorImpl();
}

constexpr bool kHaveFusedAdam = MNO_TORCH_AT_LEAST(2, 1);

// One fused launch per (group, device, step count). Returns false, having changed nothing, when
// any parameter of the optimiser needs torch::optim's own step.
template <typename Options, typename State>
bool fused_step(torch::optim::Optimizer& optimizer, bool decoupled_weight_decay) {
  if (!kHaveFusedAdam) return false;
  auto& state = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    const auto& o = static_cast<const Options&>(group.options());
    if (o.amsgrad()) return false;
    std::vector<torch::Tensor> params;
    for (const auto& p : group.params())
      if (p.grad().defined()) params.push_back(p);
    if (!fused_adam_unavailable(params).empty()) return false;
  }
  torch::NoGradGuard no_grad;
  for (auto& group : optimizer.param_groups()) {
    const auto& o = static_cast<const Options&>(group.options());
    struct Bucket {
      std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs;
      std::vector<State*> states;
    };
    std::map<std::pair<std::string, int64_t>, Bucket> buckets;  // (device, step before this one)
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto key = state_key<std::decay_t<decltype(state)>>(p);
      auto it = state.find(key);
      if (it == state.end()) {  // first step of this parameter: torch::optim's own initial state
        auto fresh = std::make_unique<State>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state.emplace(key, std::move(fresh)).first;
      }
      auto& s = static_cast<State&>(*it->second);
      auto& b = buckets[{p.device().str(), s.step()}];
      b.params.push_back(p);
      b.grads.push_back(p.grad());
      b.exp_avgs.push_back(s.exp_avg());
      b.exp_avg_sqs.push_back(s.exp_avg_sq());
      b.states.push_back(&s);
    }
    const auto [beta1, beta2] = o.betas();
    for (auto& [where, b] : buckets) {
      // The kernel reads each parameter's step count (already incremented, as PyTorch's own
      // fused path passes it) from a float tensor on the parameter's device.
      const auto step = torch::full({}, static_cast<double>(where.second + 1),
                                    torch::TensorOptions().dtype(torch::kFloat).device(b.params.front().device()));
      const std::vector<torch::Tensor> steps(b.params.size(), step);
#if MNO_TORCH_AT_LEAST(2, 1)
      if (decoupled_weight_decay)
        at::_fused_adamw_(b.params, b.grads, b.exp_avgs, b.exp_avg_sqs, {}, steps, o.lr(), beta1, beta2,
                          o.weight_decay(), o.eps(), false, false);
      else
        at::_fused_adam_(b.params, b.grads, b.exp_avgs, b.exp_avg_sqs, {}, steps, o.lr(), beta1, beta2,
                         o.weight_decay(), o.eps(), false, false);
#else
      (void)decoupled_weight_decay, (void)steps, (void)beta1, (void)beta2;
#endif
      for (auto* s : b.states) s->step(where.second + 1);
    }
  }
  return true;
}

}  // namespace

std::string fused_adam_unavailable(const std::vector<torch::Tensor>& params) {
  if (!kHaveFusedAdam) return "LibTorch " + compat::torch_version() + " has no fused Adam kernel (2.1 or later has)";
  for (const auto& p : params) {
    if (p.grad().defined() && p.grad().is_sparse()) return "a sparse gradient";
    if (p.is_cuda()) {
      if (p.scalar_type() != torch::kFloat && p.scalar_type() != torch::kDouble && p.scalar_type() != torch::kHalf &&
          p.scalar_type() != torch::kBFloat16)
        return "a parameter of type " + compat::dtype_str(p);
    } else if (!(p.is_cpu() && MNO_TORCH_AT_LEAST(2, 4))) {
      return "a parameter on " + p.device().str();
    }
  }
  return "";
}

torch::Tensor FusedAdam::step(LossClosure closure) {
  if (closure) return torch::optim::Adam::step(std::move(closure));
  if (fused_step<torch::optim::AdamOptions, torch::optim::AdamParamState>(*this, false)) return {};
  return torch::optim::Adam::step();
}

torch::Tensor FusedAdamW::step(LossClosure closure) {
  if (closure) return torch::optim::AdamW::step(std::move(closure));
  if (fused_step<torch::optim::AdamWOptions, torch::optim::AdamWParamState>(*this, true)) return {};
  return torch::optim::AdamW::step();
}

}  // namespace mno::train
