// mno analyze discretization [--out DIR] [--steps D1,D2,...]
// mno analyze ssm RUN [--out DIR] [--samples N] [--device cpu|cuda|auto]
// mno analyze hippo --measure legs|legt|lagt --n N [--out DIR]
// mno analyze resolution RUN [RUN ...] --data FILE[,FILE ...] [--strides S1,S2,...] [--out DIR]
// mno analyze compare RUN [RUN ...] [--labels A,B,...] [--heatmap A,B] [--sample K] [--out DIR]
// Each also takes --overwrite: files an earlier analysis wrote in --out are refused without it.
#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/log.h"
#include "mno/core/output_policy.h"
#include "mno/workflows/analyze.h"
#include "mno/workflows/compare_runs.h"
#include "mno/workflows/resolution_study.h"

namespace mno::cli {
namespace {

int report(const std::vector<std::string>& written) {
  for (const auto& path : written) log::info("wrote {}", path);
  return 0;
}

// The output policy (core/output_policy.h) before any work: --out is a directory (or new), and
// the files this analysis writes there are refused when they exist, unless --overwrite.
void check_out(const std::string& dir, bool overwrite, const std::vector<std::string>& files) {
  check_output_files({dir, OutputKind::directory, "--out", overwrite, {}}, files);
}

void add_overwrite_flag(CLI::App& cmd, bool& overwrite) {
  cmd.add_flag("--overwrite", overwrite, "replace the files an earlier analysis wrote in --out");
}

}  // namespace

void add_analyze_command(CLI::App& app, Action& action) {
  auto* analyze = app.add_subcommand(
      "analyze", "Analyses as PNG + CSV: discretisation orders, a run's SSM layers, HiPPO, runs across resolutions, runs side by side");
  analyze->require_subcommand(1);

  auto* disc = analyze->add_subcommand("discretization", "Error of ZOH, bilinear and Euler vs the exact solution as the step shrinks");
  auto disc_out = std::make_shared<std::string>("analysis");
  auto steps = std::make_shared<std::vector<double>>();
  disc->add_option("--out", *disc_out, "output directory")->capture_default_str();
  disc->add_option("--steps", *steps, "steps Δ, comma-separated, each dividing T = 8 (default: 2^-1 .. 2^-10)")->delimiter(',');
  auto disc_overwrite = std::make_shared<bool>(false);
  add_overwrite_flag(*disc, *disc_overwrite);
  disc->callback([&action, disc_out, steps, disc_overwrite] {
    action = [disc_out, steps, disc_overwrite] {
      check_out(*disc_out, *disc_overwrite, {"discretization.png", "discretization.csv"});
      return report(workflows::analyze_discretization(*disc_out, *steps));
    };
  });

  auto* ssm = analyze->add_subcommand("ssm", "Frequency responses of a trained run's SSM layers and its predictions' energy spectra");
  auto run_dir = std::make_shared<std::string>();
  auto opts = std::make_shared<workflows::SsmAnalysisOptions>();
  ssm->add_option("run", *run_dir, "run directory")->required();
  ssm->add_option("--out", opts->out_dir, "output directory (default: RUN/analysis)");
  ssm->add_option("--samples", opts->samples, "test samples fed through the model")->capture_default_str()->check(CLI::PositiveNumber);
  ssm->add_option("--device", opts->device, "cpu, cuda or auto (default: auto)")->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  auto ssm_overwrite = std::make_shared<bool>(false);
  add_overwrite_flag(*ssm, *ssm_overwrite);
  ssm->callback([&action, run_dir, opts, ssm_overwrite] {
    action = [run_dir, opts, ssm_overwrite] {
      check_out(opts->out_dir.empty() ? *run_dir + "/analysis" : opts->out_dir, *ssm_overwrite,
                {"ssm_response.png", "ssm_response.csv", "energy_spectrum.png", "energy_spectrum.csv"});
      return report(workflows::analyze_ssm_run(*run_dir, *opts));
    };
  });

  auto* hippo = analyze->add_subcommand("hippo", "Online reconstruction of a test signal from its HiPPO coefficients");
  auto measure = std::make_shared<std::string>();
  auto n = std::make_shared<int64_t>(0);
  auto hippo_out = std::make_shared<std::string>("analysis");
  hippo->add_option("--measure", *measure, "legs, legt or lagt")
      ->required()
      ->check(CLI::IsMember({"legs", "legt", "lagt"}));
  // At most 4096: the analysis holds N x N matrices, and a mistyped N of millions would not fit in memory.
  hippo->add_option("--n", *n, "state size N (1 to 4096)")->required()->check(CLI::Range(int64_t(1), int64_t(4096)));
  hippo->add_option("--out", *hippo_out, "output directory")->capture_default_str();
  auto hippo_overwrite = std::make_shared<bool>(false);
  add_overwrite_flag(*hippo, *hippo_overwrite);
  hippo->callback([&action, measure, n, hippo_out, hippo_overwrite] {
    action = [measure, n, hippo_out, hippo_overwrite] {
      const std::string stem = fmt::format("hippo_{}_N{}", *measure, *n);
      check_out(*hippo_out, *hippo_overwrite, {stem + ".png", stem + ".csv"});
      return report(workflows::analyze_hippo(*measure, *n, *hippo_out));
    };
  });

  auto* resolution = analyze->add_subcommand(
      "resolution", "Runs evaluated zero-shot at several resolutions (every S-th point of a grid, or files of other "
                    "sides or point counts): table + PNG");
  struct ResolutionArgs {
    std::vector<std::string> runs;
    std::vector<std::string> data;
    std::string out = "resolution";
    std::vector<int64_t> strides{1};
    bool overwrite = false;
  };
  auto res = std::make_shared<ResolutionArgs>();
  resolution->add_option("runs", res->runs, "run directories")->required();
  resolution->add_option("--data", res->data,
                         "the PDE file(s) every run is evaluated on (each one's test split), comma-separated: one grid "
                         "file at several strides, or files of other sides or point counts (docs/irregular.md)")
      ->delimiter(',')
      ->required();
  resolution->add_option("--strides", res->strides,
                         "strides, comma-separated, e.g. 4,2,1 for 32², 64², 128² of a 128² file (point clouds: 1)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  resolution->add_option("--out", res->out, "output directory")->capture_default_str();
  add_overwrite_flag(*resolution, res->overwrite);
  resolution->callback([&action, res] {
    action = [res] {
      check_out(res->out, res->overwrite, {"resolution.md", "resolution.csv", "resolution.png"});
      const auto study = workflows::analyze_resolution(res->runs, res->data, res->strides, res->out);
      fmt::print("{}", study.markdown);
      return report(study.written);
    };
  });

  auto* compare = analyze->add_subcommand(
      "compare", "Trained runs of one dataset side by side: metrics and timing table, error against time, heatmaps");
  auto cmp = std::make_shared<workflows::CompareOptions>();
  compare->add_option("runs", cmp->runs, "run directories, in table order")->required();
  compare->add_option("--labels", cmp->labels, "a name per run, comma-separated (default: the directory names)")
      ->delimiter(',');
  compare->add_option("--heatmap", cmp->heatmap, "labels of the runs drawn in heatmaps.png (default: the first two)")
      ->delimiter(',');
  compare->add_option("--sample", cmp->sample, "the test sample drawn (below the runs' train.plot_samples)")
      ->capture_default_str();
  compare->add_option("--out", cmp->out_dir, "output directory")->capture_default_str();
  compare->add_flag("--group", cmp->group,
                    "runs given one label (--labels) are repeats of one setting, seeds say: one row of their mean, "
                    "± half their range for nRMSE and RL2");
  auto cmp_overwrite = std::make_shared<bool>(false);
  add_overwrite_flag(*compare, *cmp_overwrite);
  compare->callback([&action, cmp, cmp_overwrite] {
    action = [cmp, cmp_overwrite] {
      check_out(cmp->out_dir, *cmp_overwrite, {"compare.md", "compare.csv", "along_time.png", "heatmaps.png"});
      const auto comparison = workflows::compare_runs(*cmp);
      fmt::print("{}", comparison.markdown);
      return report(comparison.written);
    };
  });
}

}  // namespace mno::cli
