#pragma once
// Removing a directory and everything under it, without std::filesystem::remove_all.
//
// Why not remove_all: on the GPU machine, where mno links PyTorch's LibTorch (built with a newer
// toolchain that carries its own copy of parts of libstdc++), remove_all on a non-empty directory
// crashed every process that called it (tests' temporary directories, `mno bench data`), while
// the same binary's other std::filesystem calls worked. nftw(3) is plain libc on every platform.
#include <string>

namespace mno {

// Removes `path` and, if it is a directory, everything below it (symbolic links are removed,
// never followed). A path that does not exist is not an error. Throws mno::Error naming the
// entry that could not be removed and why.
void remove_tree(const std::string& path);

// As remove_tree, but never throws: for clean-up paths that already handle another error.
// Returns false if something could not be removed.
bool remove_tree_noexcept(const std::string& path) noexcept;

}  // namespace mno
