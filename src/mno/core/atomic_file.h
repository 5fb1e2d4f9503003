#pragma once
// Files a user owns are never left half-written: write to a temporary name beside the target,
// then rename over it (rename is atomic within one file system).
#include <functional>
#include <string>

namespace mno {

// Calls write(tmp_path) and renames tmp_path to `path` only if write returns normally.
// On an exception the temporary file is removed and the exception propagates; `path` is untouched.
void write_atomically(const std::string& path, const std::function<void(const std::string& tmp_path)>& write);

// The policy for files a user owns: an existing `path` is refused, naming it and `option`, unless
// `overwrite` (then it is replaced atomically when the new one is complete). Called before any
// work, so a refusal costs nothing.
void check_may_write(const std::string& path, bool overwrite, const std::string& option);

// Writes `text` to `path` atomically.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace mno
