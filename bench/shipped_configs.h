#pragma once
// Where the configs/ folder that mno ships with is, so that `mno bench model` and
// `mno bench scaling` find their default configs from any working directory.
#include <string>

namespace mno::bench {

// The folder that holds configs/: found from the executable (its folder's parent — the
// repository for a build tree at <repo>/build — or <prefix>/share/mno for an install), else the
// source tree mno was built from. Throws mno::Error naming the places tried when none holds it.
std::string shipped_configs_root();

}  // namespace mno::bench
