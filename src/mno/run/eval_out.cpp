#include "mno/run/eval_out.h"

#include <filesystem>

#include "mno/core/error.h"
#include "mno/core/output_policy.h"

namespace mno::run {
namespace fs = std::filesystem;

EvalOut claim_eval_out(const std::string& run_dir, const std::string& out, bool overwrite) {
  EvalOut claimed;
  if (out.empty()) return claimed;
  std::error_code ec;
  if (fs::exists(out, ec) && fs::equivalent(out, run_dir, ec)) return claimed;  // the run's own report
  check_output_kind_and_inputs({out, OutputKind::directory, "--out", overwrite, {}});
  const RunPaths target{out};
  if (fs::exists(target.config(), ec)) {
    check(overwrite, "--out '{}' is another run (it holds config.yaml); its metrics.json and report.md would then "
          "describe '{}' instead of its own model; refusing to replace them (add --overwrite to replace them)",
          out, run_dir);
    claimed.lock.emplace(target);  // refuses a run that another process is using
  } else {
    check_output_files({out, OutputKind::directory, "--out", overwrite, {}},
                       {"metrics.json", "along_time.csv", "report.md", "plots"});
  }
  claimed.dir = out;
  return claimed;
}

}  // namespace mno::run
