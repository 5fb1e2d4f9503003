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

}  // namespace mno::testing
