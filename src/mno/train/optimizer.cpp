#include "mno/train/optimizer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mno/core/error.h"
#include "mno/train/fused_adam.h"

namespace mno::train {
namespace {

struct Hyper {
  double lr, weight_decay, eps;
  std::vector<double> betas;
};

bool has_prefix(const std::string& name, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes)
    if (name == p || name.rfind(p + ".", 0) == 0) return true;
  return false;
}

template <typename Options>
Options make_options(const Hyper& h) {
  Options o(h.lr);
  o.weight_decay(h.weight_decay).eps(h.eps).betas({h.betas[0], h.betas[1]});
  return o;
}

}  // namespace

Optimizer::Optimizer(const ConfigNode& node, torch::nn::Module& model) {
  type_ = node.get<std::string>("type", "adam");
  check(type_ == "adam" || type_ == "adamw", "{}: unknown optimiser '{}'; expected adam or adamw", node.path_of("type"),
        type_);
  Hyper base{node.get<double>("lr", 1e-3), node.get<double>("weight_decay", type_ == "adamw" ? 1e-2 : 0.0),
             node.get<double>("eps", 1e-8), node.get<std::vector<double>>("betas", {0.9, 0.999})};
  check(base.betas.size() == 2, "{}: expected two values [beta1, beta2], found {}", node.path_of("betas"),
        base.betas.size());
  check(base.lr > 0.0, "{}: expected > 0, found {}", node.path_of("lr"), base.lr);
  base_lr_ = base.lr;
  const bool fused = node.get<bool>("fused", true);

  // Named trainable parameters, assigned to the first group whose prefix matches, else the default group.
  struct Group {
    std::string name;
    std::vector<std::string> prefixes;
    Hyper hyper;
    std::vector<torch::Tensor> params;
  };
  std::vector<Group> groups;
  if (node.has("groups") && !node.yaml()["groups"].IsSequence())
    throw Error(fmt::format("{}: expected a list of {{prefixes: [...], lr: ..., weight_decay: ...}}",
                            node.path_of("groups")));
  for (const ConfigNode& g : node.list_items("groups")) {
    Group group;
    group.prefixes = g.require<std::vector<std::string>>("prefixes");
    group.hyper = base;
    group.hyper.lr = g.get<double>("lr", base.lr);
    group.hyper.weight_decay = g.get<double>("weight_decay", base.weight_decay);
    group.name = fmt::format("{}", fmt::join(group.prefixes, ","));
    g.reject_unknown_keys();
    groups.push_back(std::move(group));
  }
  groups.push_back({"rest", {}, base, {}});
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (!item.value().requires_grad()) continue;
    size_t g = 0;
    while (g + 1 < groups.size() && !has_prefix(item.key(), groups[g].prefixes)) ++g;
    groups[g].params.push_back(item.value());
  }
  for (size_t g = 0; g + 1 < groups.size(); ++g)
    check(!groups[g].params.empty(), "{}: prefixes [{}] match no trainable parameter of the model",
          node.path_of(fmt::format("groups[{}]", g)), groups[g].name);
  node.reject_unknown_keys();

  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  for (auto& g : groups) {
    if (g.params.empty()) continue;
    std::unique_ptr<torch::optim::OptimizerOptions> options;
    if (type_ == "adam") options = std::make_unique<torch::optim::AdamOptions>(make_options<torch::optim::AdamOptions>(g.hyper));
    else options = std::make_unique<torch::optim::AdamWOptions>(make_options<torch::optim::AdamWOptions>(g.hyper));
    param_groups.emplace_back(g.params, std::move(options));
    lr_scale_.push_back(g.hyper.lr / base.lr);
    group_names_.push_back(g.name);
  }
  check(!param_groups.empty(), "{}: the model has no trainable parameters", node.path_of("type"));
  const Hyper& first = groups.front().params.empty() ? base : groups.front().hyper;
  std::vector<torch::Tensor> trainable;
  for (const auto& g : groups) trainable.insert(trainable.end(), g.params.begin(), g.params.end());
  const std::string why_not = fused ? fused_adam_unavailable(trainable) : "fused: false";
  step_kind_ = why_not.empty() ? "fused step" : "per-tensor step (" + why_not + ")";
  const auto adam = make_options<torch::optim::AdamOptions>(first);
  const auto adamw = make_options<torch::optim::AdamWOptions>(first);
  if (type_ == "adam")
    optimizer_ = fused ? std::make_unique<FusedAdam>(param_groups, adam) : std::make_unique<torch::optim::Adam>(param_groups, adam);
  else
    optimizer_ = fused ? std::make_unique<FusedAdamW>(param_groups, adamw)
                       : std::make_unique<torch::optim::AdamW>(param_groups, adamw);
}

void Optimizer::apply(const ScheduleValue& value) {
  auto& groups = optimizer_->param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    auto& options = groups[g].options();
    options.set_lr(value.lr * lr_scale_[g]);
    if (!value.beta1) continue;
    if (type_ == "adam") {
      auto& o = static_cast<torch::optim::AdamOptions&>(options);
      o.betas({*value.beta1, std::get<1>(o.betas())});
    } else {
      auto& o = static_cast<torch::optim::AdamWOptions&>(options);
      o.betas({*value.beta1, std::get<1>(o.betas())});
    }
  }
}

double Optimizer::current_lr() const { return optimizer_->param_groups().front().options().get_lr(); }

std::string Optimizer::describe() const {
  return fmt::format("{} ({} parameter group{}: {}), {}", type_, group_names_.size(), group_names_.size() == 1 ? "" : "s",
                     fmt::join(group_names_, "; "), step_kind_);
}

}  // namespace mno::train
