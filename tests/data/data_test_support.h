#pragma once
// Helpers for the data tests: fixture paths and temporary directories (error checks come from
// support/testing.h, shared by every test).
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "mno/core/error.h"
#include "mno/core/remove_tree.h"
#include "support/testing.h"

namespace mno::data::testing {

using mno::testing::expect_error;

inline std::string fixture(const std::string& name) {
  const char* root = std::getenv("MNO_SOURCE_DIR");
  const std::string base = root ? root : MNO_TEST_SOURCE_DIR;
  return base + "/tests/fixtures/" + name;
}

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  // Removed with mno::remove_tree: std::filesystem::remove_all of a non-empty directory crashed
  // on the GPU machine (core/remove_tree.h says why).
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mno-data-test-XXXXXX").string();
    const char* made = mkdtemp(pattern.data());
    if (!made) throw Error("cannot create a temporary directory from " + pattern + ": " + std::strerror(errno));
    path_ = made;
  }
  ~TempDir() {
    remove_tree_noexcept(path_);
  }
  std::string file(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace mno::data::testing
