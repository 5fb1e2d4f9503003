#pragma once
// `mno demo` (make demo), the embedded default job: generates a small Darcy set, trains the MNO
// (Galerkin Transformer host with the Mamba mixer) and the same host with Galerkin attention on
// it, evaluates both on the same test samples and writes a side-by-side report.
#include <string>

namespace mno::workflows {

struct DemoOptions {
  std::string out = "runs/demo";
  bool quick = false;  // a tiny version (seconds) for tests
};

// Returns the path of the report written.
std::string run_demo(const DemoOptions& options);

}  // namespace mno::workflows
