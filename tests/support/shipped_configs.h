#pragma once
// The configs mno ships (configs/<dataset>/*.yaml), for tests that run each as a user would.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mno::testing {

inline std::vector<std::string> shipped_configs() {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& d : fs::directory_iterator(std::string(MNO_TEST_SOURCE_DIR) + "/configs"))
    for (const auto& f : fs::directory_iterator(d.path()))
      if (f.path().extension() == ".yaml") out.push_back(f.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// "darcy_gt_mamba": a test name for configs/darcy/gt_mamba.yaml.
inline std::string shipped_config_name(const ::testing::TestParamInfo<std::string>& info) {
  const std::filesystem::path p(info.param);
  return p.parent_path().filename().string() + "_" + p.stem().string();
}

}  // namespace mno::testing
