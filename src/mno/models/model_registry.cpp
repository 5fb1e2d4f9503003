// The model registry (docs/architecture.md). Built-in models register on first use, from the list in
// register_builtin_models(); a new model adds one line there.
#include <map>
#include <mutex>

#include "mno/core/error.h"
#include "mno/models/builtin_models.h"
#include "mno/models/neural_operator.h"

namespace mno::models {
namespace {

std::map<std::string, ModelFactory>& table() {
  static std::map<std::string, ModelFactory> entries;
  return entries;
}

void register_builtin_models() {
  register_model("fno", make_fno);
  register_model("gnot", make_gnot);
  register_model("gt", make_galerkin_transformer);
  register_model("oformer", make_oformer);
}

void ensure_builtins() {
  static std::once_flag once;
  std::call_once(once, register_builtin_models);
}

}  // namespace

void register_model(const std::string& name, ModelFactory factory) {
  check(static_cast<bool>(factory), "register_model: model '{}' needs a factory", name);
  check(!table().count(name), "register_model: model '{}' is already registered", name);
  table()[name] = std::move(factory);
}

std::vector<std::string> model_names() {
  ensure_builtins();
  std::vector<std::string> names;
  for (const auto& [name, factory] : table()) names.push_back(name);
  return names;
}

NeuralOperator make_model(const ConfigNode& node) {
  ensure_builtins();
  const auto name = node.require<std::string>("name");
  const auto it = table().find(name);
  if (it == table().end()) {
    std::string known;
    for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
    throw mismatch_error(fmt::format("{}: key '{}'", node.source(), node.path_of("name")),
                         "one of the models " + known, "'" + name + "'");
  }
  NeuralOperator model = it->second(node);
  node.reject_unknown_keys();
  return model;
}

std::string describe_model(const NeuralOperatorImpl& model) {
  const auto counts = nn::count_parameters(model);
  std::string text = model.summary();
  text += fmt::format("trainable parameters: {}\n", counts.trainable);
  if (counts.frozen) text += fmt::format("frozen parameters: {}\n", counts.frozen);
  return text;
}

}  // namespace mno::models
