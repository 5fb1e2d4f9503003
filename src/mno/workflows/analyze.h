#pragma once
// `mno analyze` (docs/ssm.md): the structured-SSM analyses as files — a PNG and a CSV each,
// written atomically into a directory (created if missing). The maths is in ssm/; this file
// turns it into tables and pictures, and for a trained run finds its SSM layers and feeds them
// test inputs. Each function returns the paths it wrote.
#include <cstdint>
#include <string>
#include <vector>

namespace mno::workflows {

// Errors of ZOH, bilinear and Euler against the exact solution as Δ shrinks, with the observed
// orders: discretization.png (log-log), discretization.csv. steps: the Δ values (empty: the default).
std::vector<std::string> analyze_discretization(const std::string& out_dir, const std::vector<double>& steps = {});

// Online HiPPO reconstruction of the test signal: hippo_<measure>_N<n>.png / .csv.
std::vector<std::string> analyze_hippo(const std::string& measure, int64_t n, const std::string& out_dir);

struct SsmAnalysisOptions {
  std::string out_dir;      // "": <run>/analysis
  int64_t samples = 4;      // test samples fed through the model
  int64_t frequencies = 33; // θ in [0, π]
  std::string device;       // "": the run's own choice (auto)
};

// For a trained run with S6 (mamba, mamba4), S4 or S4D mixers: the magnitude of each layer's
// frequency response (S6 frozen at each position, averaged over positions and test inputs),
// per channel in ssm_response.csv and averaged per layer in ssm_response.png; and the radial
// energy spectra of predictions and truth on those inputs (energy_spectrum.png / .csv).
// A run without SSM layers is an mno::Error naming its mixers.
std::vector<std::string> analyze_ssm_run(const std::string& run_dir, const SsmAnalysisOptions& options);

}  // namespace mno::workflows
