#pragma once
// The one output policy of every mno command that writes. Before any work, each output a command
// is about to write is checked here:
//  - an existing directory where a file is expected (or a file where a directory is) is refused,
//    naming it, so that no command computes for minutes and then fails at the rename;
//  - an output that is one of the command's own inputs is refused, compared by identity
//    (device + inode, so "./d.h5", "d.h5" and a symbolic link to it are the same file), and a
//    directory output that holds an input is refused too (replacing it would delete the input);
//  - an existing output is refused unless the user asked for --overwrite; with it, the command
//    replaces the output only once the new one is complete (core/atomic_file.h, workflows/training.h).
#include <string>
#include <vector>

namespace mno {

enum class OutputKind { file, directory };

// Something the command reads, named as the user would know it ("--input", "data.file").
struct OutputInput {
  std::string what;
  std::string path;
};

struct OutputSpec {
  std::string path;     // as the user gave it
  OutputKind kind = OutputKind::file;
  std::string option;   // the option that named it ("--out", "--json")
  bool overwrite = false;
  std::vector<OutputInput> inputs;  // files or directories (then: anything inside) the command reads
};

// True when `path` is `dir` or lies below it, by identity: the nearest existing ancestor of
// `path` (or `path` itself) is compared with `dir` by device and inode. False when `dir` does
// not exist.
bool is_same_or_inside(const std::string& path, const std::string& dir);

// The kind and input checks only: for commands that decide themselves what an existing output
// means (a run directory: `mno train`, `mno demo`).
void check_output_kind_and_inputs(const OutputSpec& out);

// The whole policy: the kind and input checks, then an existing output (a file, or a directory
// that is not empty) is refused unless `overwrite`.
void check_output(const OutputSpec& out);

// A directory output that the command fills with the files `names` (paths inside `dir`), leaving
// whatever else it holds alone: the kind and input checks for `dir`, then each of those files
// that exists is refused, naming it, unless `overwrite`.
void check_output_files(const OutputSpec& dir, const std::vector<std::string>& names);

}  // namespace mno
