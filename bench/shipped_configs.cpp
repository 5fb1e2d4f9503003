#include "bench/shipped_configs.h"

#include <filesystem>
#include <vector>

#include "mno/core/error.h"

namespace mno::bench {
namespace fs = std::filesystem;

std::string shipped_configs_root() {
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path dir = exe.parent_path();
    candidates.push_back(dir.parent_path());                  // <repo>/build/mno -> <repo>
    candidates.push_back(dir);                                // configs/ beside the binary
    candidates.push_back(dir.parent_path() / "share" / "mno");  // <prefix>/bin/mno -> <prefix>/share/mno
  }
#ifdef MNO_SOURCE_ROOT
  candidates.push_back(MNO_SOURCE_ROOT);  // the tree this binary was built from
#endif
  std::string tried;
  for (const fs::path& root : candidates) {
    if (!fs::is_directory(root / "configs" / "darcy", ec)) {
      tried += (tried.empty() ? "" : ", ") + (root / "configs").string();
      continue;
    }
    // Run from the repository, the tables name configs as before: configs/darcy/....
    if (fs::equivalent(root, fs::current_path(ec), ec)) return ".";
    return root.lexically_normal().string();
  }
  throw Error(fmt::format("cannot find the configs/ folder mno ships with (tried {}); name the configs on the command "
                          "line instead", tried.empty() ? "nothing" : tried));
}

}  // namespace mno::bench
