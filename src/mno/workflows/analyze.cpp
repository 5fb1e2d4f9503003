#include "mno/workflows/analyze.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <torch/torch.h>

#include "mno/core/atomic_file.h"
#include "mno/core/error.h"
#include "mno/core/log.h"
#include "mno/eval/evaluate.h"
#include "mno/eval/line_plot.h"
#include "mno/eval/spectrum.h"
#include "mno/nn/mixer.h"
#include "mno/run/saved_run.h"
#include "mno/ssm/analysis_discretization.h"
#include "mno/ssm/analysis_hippo.h"
#include "mno/ssm/frequency_response.h"

// The run directory and its Experiment (run/): this room's floor below.
using namespace mno::run;

namespace mno::workflows {
namespace {

std::string prepare_dir(const std::string& dir) {
  check(!dir.empty(), "analyze: --out must name a directory");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  check(!ec && std::filesystem::is_directory(dir), "analyze: cannot create the output directory '{}': {}", dir,
        ec ? ec.message() : "not a directory");
  return dir;
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

std::string order_text(double order) { return std::isnan(order) ? std::string("exact") : fmt::format("{:.2f}", order); }

}  // namespace

std::vector<std::string> analyze_discretization(const std::string& out_dir, const std::vector<double>& steps) {
  const auto study = ssm::study_discretization(steps);  // validates the steps before anything is written
  prepare_dir(out_dir);
  std::string csv = "input,method,step,error,observed_order\n";
  eval::LinePlot plot{"Discretisation error vs step (damped oscillator, T = 8)", "step", "max state error", true, true, {}};
  for (const auto& c : study.curves) {
    for (size_t i = 0; i < study.steps.size(); ++i)
      csv += fmt::format("{},{},{:.6g},{:.6e},{}\n", c.input, c.method, study.steps[i], c.errors[i], order_text(c.order));
    // A ZOH error at rounding level is drawn at the rounding floor rather than dropped.
    std::vector<double> shown;
    for (double e : c.errors) shown.push_back(std::max(e, 1e-16));
    plot.series.push_back({fmt::format("{}, {} input (order {})", c.method, c.input, order_text(c.order)), study.steps, shown});
  }
  const std::string png = out_dir + "/discretization.png", table = out_dir + "/discretization.csv";
  eval::write_line_plot_png(png, plot);
  write_text_atomically(table, csv);
  for (const auto& c : study.curves) log::info("{} ({} input): observed order {}", c.method, c.input, order_text(c.order));
  return {png, table};
}

std::vector<std::string> analyze_hippo(const std::string& measure_name, int64_t n, const std::string& out_dir) {
  const auto measure = ssm::parse_measure(measure_name);
  check(n >= 1, "analyze hippo: --n must be at least 1, found {}", n);
  prepare_dir(out_dir);
  const auto r = ssm::reconstruct_online(measure, n);
  std::string csv = "s,signal,reconstruction\n";
  for (size_t i = 0, j = 0; i < r.s.size(); ++i) {
    const bool drawn = j < r.window_s.size() && r.window_s[j] == r.s[i];
    csv += drawn ? fmt::format("{:.6f},{:.9g},{:.9g}\n", r.s[i], r.signal[i], r.reconstruction[j++])
                 : fmt::format("{:.6f},{:.9g},\n", r.s[i], r.signal[i]);
  }
  const std::string title = fmt::format("HiPPO-{} online reconstruction, N = {} (relative RMS error {:.2e})",
                                        measure_name, n, r.rms_error);
  eval::LinePlot plot{title, "s", "f(s)", false, false, {{"signal", r.s, r.signal}, {"reconstruction from c(1)", r.window_s, r.reconstruction}}};
  const std::string stem = fmt::format("{}/hippo_{}_N{}", out_dir, measure_name, n);
  eval::write_line_plot_png(stem + ".png", plot);
  write_text_atomically(stem + ".csv", csv);
  log::info("HiPPO-{} N = {}: relative RMS reconstruction error {:.3e} over s in [{:.2f}, 1]", measure_name, n, r.rms_error,
            r.window_start);
  return {stem + ".png", stem + ".csv"};
}

namespace {

// One SSM layer of a model: its name and how to see its response (nn/ssm_probe.h).
struct SsmLayer {
  std::string name;
  nn::SsmProbe* probe = nullptr;
};

std::vector<SsmLayer> find_ssm_layers(torch::nn::Module& model) {
  std::vector<SsmLayer> layers;
  for (const auto& item : model.named_modules())
    if (auto* mixer = dynamic_cast<nn::TokenMixerImpl*>(item.value().get()))
      if (nn::SsmProbe* probe = mixer->ssm_probe()) layers.push_back({item.key(), probe});
  return layers;
}

// The distinct mixers of a model, for the error naming what a run has instead of SSM layers.
std::string mixer_descriptions(torch::nn::Module& model) {
  std::vector<std::string> seen;
  for (const auto& item : model.modules())
    if (auto* mixer = dynamic_cast<nn::TokenMixerImpl*>(item.get()))
      if (std::find(seen.begin(), seen.end(), mixer->describe()) == seen.end()) seen.push_back(mixer->describe());
  std::string s;
  for (const auto& d : seen) s += (s.empty() ? "" : "; ") + d;
  return s.empty() ? "none" : s;
}

}  // namespace

std::vector<std::string> analyze_ssm_run(const std::string& run_dir, const SsmAnalysisOptions& options) {
  check(options.samples >= 1, "analyze ssm: --samples must be at least 1, found {}", options.samples);
  SavedRun r = load_saved_run(run_dir, "", "", options.device);
  auto layers = find_ssm_layers(*r.model);
  if (layers.empty())
    throw Error(fmt::format("analyze ssm: the run '{}' has no SSM layers (its mixers: {}); expected a run whose mixer is "
                            "mamba, mamba4, s4 or s4d",
                            run_dir, mixer_descriptions(*r.model)));
  const std::string out_dir = prepare_dir(options.out_dir.empty() ? r.paths.analysis() : options.out_dir);
  const auto theta = ssm::response_angles(options.frequencies);
  for (auto& layer : layers) layer.probe->start_recording(theta);

  // Feed the first test samples; keep predictions and truth (last output channel) for the spectra.
  const data::TaskData& d = *r.data;
  r.model->eval();
  torch::NoGradGuard no_grad;
  const auto loader = d.test_loader(static_cast<size_t>(std::min<int64_t>(options.samples, r.run.train.eval_batch_size)));
  loader->start_epoch(0);
  std::vector<torch::Tensor> predicted, truth;
  int64_t seen = 0;
  while (seen < options.samples) {
    auto batch = loader->next();
    if (!batch) break;
    const auto pred = d.decode_output(eval::forward_batch(*r.model, d, batch->x, batch->pos).to(torch::kCPU, torch::kFloat32));
    predicted.push_back(pred.select(-1, pred.size(-1) - 1));
    truth.push_back(batch->y.select(-1, batch->y.size(-1) - 1).to(torch::kFloat32));
    seen += pred.size(0);
  }
  for (auto& layer : layers) layer.probe->stop_recording();
  check(seen > 0, "analyze ssm: the run '{}' has no test samples to feed its layers", run_dir);

  const auto grid = d.grid();
  const int64_t length = grid.height * grid.width;
  const auto angles = to_vector(theta);
  std::string csv = "layer,kind,direction,channel,theta,magnitude\n";
  eval::LinePlot plot{fmt::format("SSM layers' frequency response, {} test samples", seen), "theta (rad/sample)",
                      "|H| (mean over channels and directions)", false, true, {}};
  for (auto& layer : layers) {
    const torch::Tensor magnitude = layer.probe->response_magnitude(theta, length);
    const std::string kind = layer.probe->ssm_kind();
    const int64_t rows = magnitude.size(0), per_direction = rows / 2;
    const auto m = magnitude.accessor<double, 2>();
    for (int64_t row = 0; row < rows; ++row)
      for (int64_t f = 0; f < magnitude.size(1); ++f)
        csv += fmt::format("{},{},{},{},{:.6f},{:.6e}\n", layer.name, kind, row / per_direction, row % per_direction,
                           angles[f], m[row][f]);
    plot.series.push_back({fmt::format("{} ({})", layer.name, kind), angles, to_vector(magnitude.mean(0))});
  }
  const std::string response_png = out_dir + "/ssm_response.png", response_csv = out_dir + "/ssm_response.csv";
  eval::write_line_plot_png(response_png, plot);
  write_text_atomically(response_csv, csv);

  const auto pred_spectrum = eval::radial_energy_spectrum(torch::cat(predicted, 0));
  const auto true_spectrum = eval::radial_energy_spectrum(torch::cat(truth, 0));
  std::vector<double> k;
  std::string spectrum_csv = "k,predicted,truth\n";
  for (size_t i = 0; i < pred_spectrum.size(); ++i) {
    k.push_back(double(i));
    spectrum_csv += fmt::format("{},{:.6e},{:.6e}\n", i, pred_spectrum[i], true_spectrum[i]);
  }
  // k = 0 (the mean) cannot sit on a log axis: the plot starts at k = 1.
  const auto tail = [](const std::vector<double>& v) { return std::vector<double>(v.begin() + 1, v.end()); };
  eval::LinePlot spectra{"Energy spectrum of predictions vs truth", "k", "E(k)", true, true,
                         {{"predicted", tail(k), tail(pred_spectrum)}, {"truth", tail(k), tail(true_spectrum)}}};
  const std::string spectrum_png = out_dir + "/energy_spectrum.png", spectrum_table = out_dir + "/energy_spectrum.csv";
  if (k.size() > 1) eval::write_line_plot_png(spectrum_png, spectra);
  write_text_atomically(spectrum_table, spectrum_csv);
  log::info("analyze ssm: {} SSM layers of {} on {} test samples -> {}", layers.size(), run_dir, seen, out_dir);
  std::vector<std::string> written{response_png, response_csv, spectrum_table};
  if (k.size() > 1) written.push_back(spectrum_png);
  return written;
}

}  // namespace mno::workflows
