#include "parity/parity_check.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "mno/models/host_mixer.h"
#include "mno/models/neural_operator.h"
#include "models/model_configs.h"

namespace mno::testing {
namespace {

double relative_error(const torch::Tensor& ours, const torch::Tensor& theirs) {
  const double scale = theirs.norm().item<double>();
  const double diff = (ours - theirs).norm().item<double>();
  return scale > 0 ? diff / scale : diff;
}

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

}  // namespace

const FixtureSet kFloat64Set{"parity", "float64", kOutputTolerance, kGradientTolerance, kGradientFloor,
                             kExactZeroBound, ""};
const FixtureSet kKernelSet{"parity_kernel", "float32", 1e-5, 1e-4, 1e-5, 1e-6, "mamba_ssm selective_scan_cuda (compiled"};

std::vector<ExactZeroRule> exact_zero_rules(const ConfigNode& model) {
  const auto host = model.get<std::string>("name", "");
  const auto mixer = model.has("mixer") ? models::mixer_type(model, "mixer") : std::string();
  std::vector<ExactZeroRule> rules;
  // Softmax attention: the last bias on the key path adds q_i·b to every logit of query i, which the
  // softmax over keys cancels. (GT normalises K per head, so its bias is norm_k's, not to_k's: to_k's
  // goes through the normalisation and has a real gradient.)
  if (mixer == "softmax" && host == "gnot")
    rules.push_back({std::regex(R"(blocks\.\d+\.(self|cross)_mixer\.to_k\.bias)"),
                     "softmax attention's key bias shifts every logit of a query alike"});
  if (mixer == "softmax" && host == "gt")
    rules.push_back({std::regex(R"(mixers\.\d+\.norm_k\.bias)"),
                     "softmax attention's key-norm bias shifts every logit of a query alike"});
  // GNOT's gate is a softmax over the experts: with one expert it is 1 whatever the gate network says.
  if (host == "gnot" && model.get<int64_t>("experts", 1) == 1)
    rules.push_back({std::regex(R"(blocks\.\d+\.gate\.\d+\.(weight|bias))"),
                     "a softmax over one expert is 1 whatever the gate network computes"});
  return rules;
}

ParityRun run_parity(const std::string& name, const FixtureSet& set,
                     const std::function<void(parity::NameTable&)>& edit_table) {
  const auto dir = source_dir() + "/tests/fixtures/" + set.folder + "/" + name;
  const auto dtype_wanted = set.dtype == "float64" ? torch::kDouble : torch::kFloat;
  if (!std::filesystem::exists(dir + "/data.pt")) fail(dir + ": missing; make it with tools/parity/make_fixtures.py");
  std::map<std::string, torch::Tensor> t;
  std::string mno_model, mno_data = "{}", dtype, scan;
  const auto entries = parity::read_torch_entries(dir + "/data.pt");
  for (const auto& [k, v] : entries.tensors) t.emplace(k, v);
  for (const auto& [k, v] : entries.strings) {
    if (k == "mno_model") mno_model = v;
    if (k == "mno_data") mno_data = v;
    if (k == "dtype") dtype = v;
    if (k == "scan") scan = v;
  }
  if (mno_model.empty()) fail(dir + "/data.pt holds no mno_model");
  if (dtype != set.dtype)
    fail(fmt::format("{}/data.pt: dtype '{}', expected {} (regenerate with tools/parity/make_fixtures.py: "
                     "its header says how each set is made)",
                     dir, dtype, set.dtype));
  if (scan.rfind(set.scan, 0) != 0)
    fail(fmt::format("{}/data.pt: made with the scan '{}', expected '{}...' (tools/device/parity-kernel-fixtures.sh "
                     "makes this set on the GPU machine)",
                     dir, scan, set.scan));
  for (const auto& [k, v] : t)
    if (v.is_floating_point() && v.scalar_type() != dtype_wanted)
      fail(fmt::format("{}/data.pt: '{}' is {}, expected {}", dir, k, c10::toString(v.scalar_type()), set.dtype));

  const Config config = Config::parse("model: " + mno_model + "\ndata: " + mno_data, dir + "/data.pt:mno_model");
  ParityRun run{name, &set, config.root().child("model"), {}, 0, 0, 0, {}, {}, {}, {}};
  auto model = models::make_model(run.model_node);
  // The set's dtype before the import: load_authors_state copies into our dtype, and fp32 weights
  // would round the authors' float64 ones.
  model->to(dtype_wanted);
  const auto parts = parity::authors_checkpoint_parts(run.model_node);
  std::vector<std::string> files;
  for (const auto& part : parts) files.push_back(dir + "/" + (part.empty() ? "checkpoint" : part) + ".pt");
  const auto data = config.root().child("data");
  run.table = parity::authors_name_table(
      run.model_node,
      parity::authors_data(run.model_node, data.has("input_frames") ? data.require<int64_t>("input_frames") : 0));
  if (edit_table) edit_table(run.table);
  parity::load_authors_state(*model, parity::read_authors_checkpoint(parts, files), run.table, name);
  for (const auto& p : model->parameters())
    if (p.scalar_type() != dtype_wanted) fail(name + ": a parameter of ours is not " + set.dtype + " after model->to()");

  const auto features = t.at("features"), pos = t.at("pos"), target = t.at("target");
  const models::TokenGrid grid{t.at("grid")[0].item<int64_t>(), t.at("grid")[1].item<int64_t>()};
  model->eval();
  {
    torch::NoGradGuard no_grad;
    const auto out = model->forward(features, pos, grid);
    if (out.sizes() != t.at("output_eval").sizes()) fail(name + ": eval output shape differs from the fixture's");
    if (out.scalar_type() != dtype_wanted) fail(name + ": our output is not " + set.dtype);
    run.eval_error = relative_error(out, t.at("output_eval"));
  }
  model->train();
  model->zero_grad();
  const auto out = model->forward(features, pos, grid);
  run.train_error = relative_error(out.detach(), t.at("output_train"));
  const auto loss = torch::mse_loss(out, target);
  run.loss_error = relative_error(loss.detach(), t.at("loss"));
  loss.backward();

  for (const auto& p : model->named_parameters()) {
    if (p.value().requires_grad())
      run.trainable.emplace_back(p.key(), p.value().grad());
    else
      run.frozen.emplace_back(p.key(), p.value());
  }
  for (const auto& [k, v] : t)
    if (k.rfind("grads.", 0) == 0) run.their_grads.emplace_back(k.substr(6), v);
  run.exact_zero = exact_zero_rules(run.model_node);
  return run;
}

std::vector<std::string> GradientReport::failures() const {
  std::vector<std::string> out;
  for (const auto& r : results)
    if (!r.passed())
      out.push_back(fmt::format("{} [{}]: error {:.3e} > {:.1e} (authors' norm {:.3e}, largest {:.3e})", r.ours, r.rule,
                                r.error, r.bound, r.own_norm, largest));
  return out;
}

const GradientResult* GradientReport::worst_relative() const {
  const GradientResult* worst = nullptr;
  for (const auto& r : results)
    if (r.rule == "relative" && (!worst || r.error > worst->error)) worst = &r;
  return worst;
}

GradientReport compare_gradients(const ParityRun& run, const parity::NamedTensors& their_grads) {
  // Every authors' gradient maps to exactly one parameter of ours (trainable or frozen).
  parity::NamedTensors ours = run.trainable;
  for (const auto& [k, v] : run.frozen) ours.emplace_back(k, v);
  for (size_t i = 0; i < run.trainable.size(); ++i)
    if (!ours[i].second.defined()) fail(run.name + ": our " + ours[i].first + " got no gradient");
  const auto mapped = parity::map_authors_tensors(ours, their_grads, run.table, run.name + " gradients");

  GradientReport report;
  for (const auto& [k, g] : mapped) report.largest = std::max(report.largest, g.norm().item<double>());
  for (size_t i = 0; i < ours.size(); ++i) {
    const auto& name = ours[i].first;
    const auto& theirs = mapped[i].second;
    GradientResult r;
    r.ours = name;
    r.own_norm = theirs.norm().item<double>();
    if (i >= run.trainable.size()) {
      // Frozen on our side: the authors' parameter must not have learned either.
      r.rule = "frozen";
      r.error = r.own_norm;
      r.bound = 0;
    } else {
      const auto& grad = ours[i].second;
      const auto rule = std::find_if(run.exact_zero.begin(), run.exact_zero.end(),
                                     [&](const ExactZeroRule& z) { return std::regex_match(name, z.ours); });
      if (rule != run.exact_zero.end()) {
        r.rule = "exact zero: " + rule->reason;
        r.error = std::max(grad.norm().item<double>(), r.own_norm) / report.largest;
        r.bound = run.set->exact_zero_bound;
      } else {
        r.rule = "relative";
        const double diff = (grad - theirs).norm().item<double>();
        r.error = diff / std::max(r.own_norm, run.set->gradient_floor * report.largest);
        r.bound = run.set->gradient_tolerance;
      }
    }
    report.results.push_back(r);
  }
  return report;
}

}  // namespace mno::testing
