#pragma once
// Removing a directory and everything under it, without std::filesystem::remove_all.
//
// Why not remove_all: PyTorch's wheel LibTorch (the GPU machine's) exports its own copies of
// std::filesystem (libtorch_cpu.so: 101 symbols, remove_all among them; found with nm -D), built
// by an older toolchain than the one compiling mno. Linked before libstdc++, they win symbol
// lookup, and remove_all of a non-empty directory crashed every process that called it there
// (tests' temporary directories, `mno bench data`) with a fault the unwinder could not walk past.
// nftw(3) is plain libc, which nothing shadows.
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
