// The parity test's gradient check can fail (parity/parity_check.h): for a few fixtures, every
// gradient of the authors' set is perturbed in turn (tests/fixtures/parity is not touched: the
// perturbed copies live in memory) and compare_gradients, the very function test_parity.cpp
// runs, must report a failure, while it reports none for the fixture as made. A check with too
// loose a floor passed with the SSM's Δ and A gradients zeroed or of the wrong sign; these
// mutations pin that down.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "parity/parity_check.h"

namespace mno::testing {
namespace {

using parity::NamedTensors;

NamedTensors deep_copy(const NamedTensors& tensors) {
  NamedTensors copy;
  for (const auto& [k, v] : tensors) copy.emplace_back(k, v.clone());
  return copy;
}

// The kind of an authors' parameter: its name with every layer / head / expert index as '*'
// ("encoder_layers.*.attn.dt_projs_weight").
std::string kind_of(const std::string& name) {
  static const std::regex index(R"((^|\.)\d+(?=\.|$))");
  return std::regex_replace(name, index, "$1*");
}

struct Mutation {
  std::string label;
  std::function<void(NamedTensors&)> apply;
};

// Applies `change` to every gradient whose authors' name ends with `suffix` (all layers); fails
// the test if there is none, so a renamed parameter cannot make a mutation vanish.
Mutation on_suffix(const std::string& label, const std::string& suffix, std::function<void(torch::Tensor&)> change) {
  return {label, [suffix, change](NamedTensors& grads) {
            size_t hits = 0;
            for (auto& [k, v] : grads)
              if (k.size() >= suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0)
                change(v), ++hits;
            ASSERT_GT(hits, 0u) << "no authors' gradient ends with " << suffix;
          }};
}

// The mutations of the issue that found the loose floor, for every Mamba fixture: Δ's projection
// zeroed, A's and Δ's bias (and projection) of the wrong sign.
std::vector<Mutation> ssm_mutations() {
  auto zero = [](torch::Tensor& g) { g.zero_(); };
  auto flip = [](torch::Tensor& g) { g.neg_(); };
  return {
      on_suffix("zero every dt_projs_weight", "dt_projs_weight", zero),
      on_suffix("flip the sign of every A_logs", "A_logs", flip),
      on_suffix("flip the sign of every dt_projs_bias", "dt_projs_bias", flip),
      {"flip the sign of every A_logs, dt_projs_weight and dt_projs_bias",
       [flip](NamedTensors& grads) {
         for (auto& [k, v] : grads)
           if (std::regex_search(k, std::regex(R"((A_logs|dt_projs_weight|dt_projs_bias)$)"))) flip(v);
       }},
  };
}

// One mutation per authors' parameter: a gradient with a norm above rounding is scaled by
// 1 + max(1e-3, 100 x the set's gradient tolerance) (float64: 1e-3; the fp32 kernel set: 0.1); one
// that is zero (exactly, or up to rounding: frozen, or zero in exact arithmetic) gets
// max(1e-9, 10 x the set's exact-zero bound) of the largest gradient added to one entry.
std::vector<Mutation> per_parameter_mutations(const NamedTensors& grads, const FixtureSet& set) {
  double largest = 0;
  for (const auto& [k, v] : grads) largest = std::max(largest, v.norm().item<double>());
  const double scale = std::max(1e-3, 100 * set.gradient_tolerance);
  const double added = std::max(1e-9, 10 * set.exact_zero_bound);
  std::vector<Mutation> mutations;
  for (size_t i = 0; i < grads.size(); ++i) {
    const auto& name = grads[i].first;
    if (grads[i].second.norm().item<double>() > set.exact_zero_bound * largest) {
      mutations.push_back({fmt::format("scale {} by 1+{:.0e}", name, scale),
                           [i, scale](NamedTensors& g) { g[i].second.mul_(1 + scale); }});
    } else {
      mutations.push_back({fmt::format("add {:.0e} of the largest to one entry of {}", added, name),
                           [i, largest, added](NamedTensors& g) { g[i].second.view(-1)[0].add_(added * largest); }});
    }
  }
  return mutations;
}

void check_mutations(const std::string& fixture, const FixtureSet& set = kFloat64Set) {
  const auto run = run_parity(fixture, set);
  const auto original = compare_gradients(run, run.their_grads);
  ASSERT_TRUE(original.failures().empty()) << "the fixture itself fails: " << original.failures().front();

  std::vector<Mutation> mutations = ssm_mutations();
  const bool mamba = std::any_of(run.their_grads.begin(), run.their_grads.end(),
                                 [](const auto& g) { return g.first.find("A_logs") != std::string::npos; });
  // The fp32 kernel set holds gradients below 1e-5 of the largest only to that floor (the float64
  // set holds them to their own scale), so the SSM mutations, aimed at such gradients, are the
  // float64 set's alone.
  if (!mamba || &set != &kFloat64Set) mutations.clear();
  const auto each = per_parameter_mutations(run.their_grads, set);
  mutations.insert(mutations.end(), each.begin(), each.end());

  // Per kind: how many parameters, how they were perturbed, and the smallest error / bound seen.
  struct KindSummary {
    size_t count = 0;
    std::set<std::string> rules;
    double weakest = HUGE_VAL;
  };
  std::map<std::string, KindSummary> kinds;
  for (size_t m = 0; m < mutations.size(); ++m) {
    auto grads = deep_copy(run.their_grads);
    mutations[m].apply(grads);
    if (::testing::Test::HasFatalFailure()) return;
    const auto report = compare_gradients(run, grads);
    const auto failures = report.failures();
    EXPECT_FALSE(failures.empty()) << fixture << ": the parity check passes with the mutation '"
                                   << mutations[m].label << "'";
    double ratio = 0;
    std::string rule;
    for (const auto& r : report.results) {
      // A frozen parameter's bound is 0: any gradient at all is infinitely over it.
      const double over = r.bound > 0 ? r.error / r.bound : r.error > 0 ? HUGE_VAL : 0;
      if (over > ratio) ratio = over, rule = r.rule;
    }
    if (m + each.size() < mutations.size()) {
      fmt::print("{}: mutation '{}': {} failing gradient(s), worst error {:.1e}x its bound ({})\n", fixture,
                 mutations[m].label, failures.size(), ratio, rule);
    } else {
      auto& summary = kinds[kind_of(run.their_grads[m + each.size() - mutations.size()].first)];
      ++summary.count;
      summary.rules.insert(rule.substr(0, rule.find(':')));
      summary.weakest = std::min(summary.weakest, ratio);
    }
  }
  fmt::print("{}: {} parameters perturbed one at a time, by kind (weakest: the smallest error/bound among them):\n",
             fixture, each.size());
  for (const auto& [kind, s] : kinds) {
    std::string rules;
    for (const auto& r : s.rules) rules += (rules.empty() ? "" : ", ") + r;
    fmt::print("  {:60s} {:3d} x  caught by {:10s} weakest {:.1e}x\n", kind, s.count, rules, s.weakest);
  }
}

// The fixtures of the issue (each a Mamba mixer in another host), Mamba with four directions, and
// the softmax rows whose key biases and one-expert gates are zero in exact arithmetic.
TEST(ParityMutations, EveryPerturbedGradientKindFails) {
  for (const auto* fixture :
       {"gt_mamba_swe", "oformer_mamba_swe", "gnot_mamba_darcy", "gnot_mamba4_swe", "gt_softmax_darcy", "gnot_softmax_darcy"}) {
    SCOPED_TRACE(fixture);
    check_mutations(fixture);
  }
}

// The fp32 fixtures made with mamba_ssm's compiled kernel: a perturbation of any gradient by 10x the
// set's tolerance (or, below its floor, by 10x the floor) fails the check, in each host.
TEST(ParityMutations, KernelSetFailsAPerturbedGradientOfEveryParameter) {
  for (const auto* fixture : {"gt_mamba_swe", "oformer_mamba_swe", "gnot_mamba4_darcy"}) {
    SCOPED_TRACE(fixture);
    check_mutations(fixture, kKernelSet);
  }
}

}  // namespace
}  // namespace mno::testing
