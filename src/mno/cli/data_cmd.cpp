// mno data info FILE [--samples K]  |  mno data plot FILE --sample I [--frame T] [--out PNG [--overwrite]]
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "mno/cli/commands.h"
#include "mno/core/log.h"
#include "mno/core/output_policy.h"
#include "mno/data/pdebench_summary.h"
#include "mno/eval/data_plot.h"

namespace mno::cli {

void add_data_command(CLI::App& app, Action& action) {
  auto* data = app.add_subcommand("data", "Inspect PDEBench-layout HDF5 files");
  data->require_subcommand(1);

  auto* info = data->add_subcommand("info", "PDE, layout, sizes and value ranges of a file");
  auto info_file = std::make_shared<std::string>();
  auto info_samples = std::make_shared<size_t>(0);
  info->add_option("file", *info_file, "HDF5 file")->required();
  info->add_option("--samples", *info_samples, "scan only the first K samples for value ranges (0 = all)")
      ->check(CLI::NonNegativeNumber);
  info->callback([&action, info_file, info_samples] {
    action = [info_file, info_samples] {
      fmt::print("{}", data::format_summary(data::summarise_pdebench(*info_file, *info_samples)));
      return 0;
    };
  });

  auto* plot = data->add_subcommand("plot", "PNG heatmaps of one sample");
  auto file = std::make_shared<std::string>();
  auto sample = std::make_shared<size_t>(0);
  auto frame = std::make_shared<long>(-1);
  auto out = std::make_shared<std::string>();
  auto overwrite = std::make_shared<bool>(false);
  plot->add_option("file", *file, "HDF5 file")->required();
  plot->add_option("--sample", *sample, "sample index")->required()->check(CLI::NonNegativeNumber);
  plot->add_option("--frame", *frame, "frame index (time-dependent data; default: the last)")->check(CLI::NonNegativeNumber);
  plot->add_option("--out", *out, "PNG file (default: FILE stem + _sample<I>[_frame<T>].png)");
  plot->add_flag("--overwrite", *overwrite, "replace an existing PNG");
  plot->callback([&action, file, sample, frame, out, overwrite] {
    action = [file, sample, frame, out, overwrite] {
      std::string png = *out;
      if (png.empty()) {
        const std::filesystem::path p(*file);
        png = (p.parent_path() / fmt::format("{}_sample{}{}.png", p.stem().string(), *sample,
                                             *frame >= 0 ? fmt::format("_frame{}", *frame) : "")).string();
      }
      check_output({png, OutputKind::file, out->empty() ? "the PNG" : "--out", *overwrite, {{"the input", *file}}});
      log::info("wrote {}", eval::plot_pdebench_sample(*file, *sample, *frame, png));
      return 0;
    };
  });
}

}  // namespace mno::cli
