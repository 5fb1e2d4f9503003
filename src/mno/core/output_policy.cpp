#include "mno/core/output_policy.h"

#include <filesystem>

#include "mno/core/error.h"

namespace mno {
namespace fs = std::filesystem;

namespace {

const char* kind_name(OutputKind kind) { return kind == OutputKind::file ? "a file" : "a directory"; }

// Whether `path` exists, following symbolic links; errors (a missing permission) read as "no".
bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

}  // namespace

bool is_same_or_inside(const std::string& path, const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return false;
  // Absolute and without "." or "..", so that walking up parent_path() visits real ancestors.
  fs::path p = fs::absolute(path, ec).lexically_normal();
  if (ec) return false;
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();  // a trailing '/'
  for (;;) {
    if (fs::exists(p, ec) && fs::equivalent(p, dir, ec)) return true;
    if (!p.has_parent_path() || p.parent_path() == p) return false;
    p = p.parent_path();
  }
}

void check_output_kind_and_inputs(const OutputSpec& out) {
  check(!out.path.empty(), "{}: expected a path, found an empty one", out.option);
  std::error_code ec;
  if (exists(out.path)) {
    const bool is_dir = fs::is_directory(out.path, ec);
    const bool want_dir = out.kind == OutputKind::directory;
    check(is_dir == want_dir, "{} '{}' is {}; expected {} (give another path)", out.option, out.path,
          is_dir ? "an existing directory" : "an existing file", kind_name(out.kind));
  }
  for (const OutputInput& in : out.inputs) {
    if (in.path.empty() || !exists(in.path)) continue;
    // A file output must not be an input, nor lie inside an input directory; a directory output
    // must not be an input nor hold one (replacing or filling it would change what is read).
    if (is_same_or_inside(out.path, in.path)) {
      const bool same = exists(out.path) && fs::equivalent(out.path, in.path, ec);
      throw Error(fmt::format("{} '{}' {} {} '{}', which this command reads; expected a new {}", out.option, out.path,
                              same ? "is the same as" : "lies inside", in.what, in.path,
                              out.kind == OutputKind::file ? "file" : "directory"));
    }
    check(out.kind == OutputKind::file || !is_same_or_inside(in.path, out.path),
          "{} '{}' holds {} '{}' that this command reads (replacing the directory would delete it); move it "
          "out first or choose another directory",
          out.option, out.path, in.what, in.path);
  }
}

void check_output(const OutputSpec& out) {
  check_output_kind_and_inputs(out);
  if (out.overwrite || !exists(out.path)) return;
  std::error_code ec;
  if (out.kind == OutputKind::directory && fs::is_empty(out.path, ec) && !ec) return;
  throw Error(fmt::format("{} '{}' already exists; refusing to replace it (add --overwrite to replace it)", out.option,
                          out.path));
}

void check_output_files(const OutputSpec& dir, const std::vector<std::string>& names) {
  check_output_kind_and_inputs(dir);
  if (dir.overwrite) return;
  for (const std::string& name : names) {
    const std::string file = (fs::path(dir.path) / name).string();
    check(!exists(file), "{} '{}' already holds '{}'; refusing to replace it (add --overwrite to replace it)",
          dir.option, dir.path, file);
  }
}

}  // namespace mno
