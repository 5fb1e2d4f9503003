#include "models/model_configs.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace mno::testing {

std::string source_dir() {
  if (const char* dir = std::getenv("MNO_SOURCE_DIR")) return dir;
  return MNO_TEST_SOURCE_DIR;
}

Config load_config(const std::string& relative, const std::vector<std::string>& overrides) {
  Config config = Config::load_file(source_dir() + "/configs/" + relative);
  config.apply_overrides(overrides);
  return config;
}

models::NeuralOperator build_model(const std::string& relative, const std::vector<std::string>& overrides) {
  return models::make_model(load_config(relative, overrides).root().child("model"));
}

std::vector<std::string> all_model_configs() {
  std::vector<std::string> files;
  const std::filesystem::path root = source_dir() + "/configs";
  for (const auto& dataset : {"darcy", "swe", "diffreact"})
    for (const auto& entry : std::filesystem::directory_iterator(root / dataset))
      if (entry.path().extension() == ".yaml") files.push_back(std::string(dataset) + "/" + entry.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

models::NeuralOperator build_small_model(const std::string& relative) {
  const Config config = load_config(relative);
  YAML::Node model = config.root().yaml()["model"];  // shares the config's tree
  const auto name = model["name"].as<std::string>();
  if (name == "gt" || name == "fno") model["modes"] = 3;
  if (model["variant"].IsDefined() && model["variant"].as<std::string>() == "marching") {
    model["out_channels"] = 5 * (model["out_channels"].as<int64_t>() / 91);
    model["steps"] = 5;
  }
  return models::make_model(config.root().child("model"));
}

Inputs make_inputs(const models::NeuralOperatorImpl& model, int64_t batch, uint64_t seed) {
  torch::manual_seed(seed);
  const auto axis = torch::linspace(0, 1, kSide);
  const auto grid = torch::stack(torch::meshgrid({axis, axis}, "ij"), -1).reshape({1, kSide * kSide, 2});
  return {torch::randn({batch, kSide * kSide, model.in_channels()}), grid.expand({batch, kSide * kSide, 2}).contiguous()};
}

}  // namespace mno::testing
