#include "mno/train/optimizer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "mno/core/error.h"
#include "mno/train/fused_adam.h"

namespace mno::train {
namespace {

bool has_prefix(const std::string& name, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes)
    if (name == p || name.rfind(p + ".", 0) == 0) return true;
  return false;
}

template <typename Options>
Options make_options(const AdamHyper& h) {
  Options o(h.lr);
  o.weight_decay(h.weight_decay).eps(h.eps).betas({h.betas[0], h.betas[1]});
  return o;
}

// "train.optimizer": the key of the section `node` itself.
std::string section_path(const ConfigNode& node) {
  std::string p = node.path_of("");
  if (!p.empty()) p.pop_back();  // the '.' before the empty key
  return p;
}

}  // namespace

OptimizerSpec read_optimizer_spec(const ConfigNode& node) {
  OptimizerSpec spec;
  spec.where = section_path(node);
  spec.type = node.get<std::string>("type", "adam");
  check(spec.type == "adam" || spec.type == "adamw", "{}: unknown optimiser '{}'; expected adam or adamw",
        node.path_of("type"), spec.type);
  AdamHyper& base = spec.hyper;
  base.lr = node.get<double>("lr", 1e-3);
  base.weight_decay = node.get<double>("weight_decay", spec.type == "adamw" ? 1e-2 : 0.0);
  base.eps = node.get<double>("eps", 1e-8);
  base.betas = node.get<std::vector<double>>("betas", {0.9, 0.999});
  check(base.betas.size() == 2, "{}: expected two values [beta1, beta2], found {}", node.path_of("betas"),
        base.betas.size());
  check(base.lr > 0.0, "{}: expected > 0, found {}", node.path_of("lr"), base.lr);
  spec.fused = node.get<bool>("fused", true);
  if (node.has("groups") && !node.yaml()["groups"].IsSequence())
    throw Error(fmt::format("{}: expected a list of {{prefixes: [...], lr: ..., weight_decay: ...}}",
                            node.path_of("groups")));
  for (const ConfigNode& g : node.list_items("groups")) {
    OptimizerGroupSpec group;
    group.prefixes = g.require<std::vector<std::string>>("prefixes");
    group.hyper = base;
    group.hyper.lr = g.get<double>("lr", base.lr);
    group.hyper.weight_decay = g.get<double>("weight_decay", base.weight_decay);
    group.where = node.path_of(fmt::format("groups[{}]", spec.groups.size()));
    g.reject_unknown_keys();
    spec.groups.push_back(std::move(group));
  }
  node.reject_unknown_keys();
  return spec;
}

Optimizer::Optimizer(const OptimizerSpec& spec, torch::nn::Module& model) {
  type_ = spec.type;
  const AdamHyper& base = spec.hyper;
  base_lr_ = base.lr;
  const bool fused = spec.fused;

  // Named trainable parameters, assigned to the first group whose prefix matches, else the default group.
  struct Group {
    std::string name;
    std::vector<std::string> prefixes;
    AdamHyper hyper;
    std::vector<torch::Tensor> params;
    std::string where;
  };
  std::vector<Group> groups;
  for (const auto& g : spec.groups)
    groups.push_back({fmt::format("{}", fmt::join(g.prefixes, ",")), g.prefixes, g.hyper, {}, g.where});
  groups.push_back({"rest", {}, base, {}, spec.where});
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (!item.value().requires_grad()) continue;
    size_t g = 0;
    while (g + 1 < groups.size() && !has_prefix(item.key(), groups[g].prefixes)) ++g;
    groups[g].params.push_back(item.value());
  }
  for (size_t g = 0; g + 1 < groups.size(); ++g)
    check(!groups[g].params.empty(), "{}: prefixes [{}] match no trainable parameter of the model", groups[g].where,
          groups[g].name);

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
  check(!param_groups.empty(), "{}.type: the model has no trainable parameters", spec.where);
  const AdamHyper& first = groups.front().params.empty() ? base : groups.front().hyper;
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
