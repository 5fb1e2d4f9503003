#include "bench/data_bench.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>

#include <fmt/format.h>

#include "mno/core/error.h"
#include "mno/core/progress.h"
#include "mno/core/remove_tree.h"
#include "mno/data/gen/generate.h"
#include "mno/data/pdebench_reader.h"

namespace mno::bench {
namespace {

namespace fs = std::filesystem;

double seconds_of(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Reads the file in batches of `batch` samples at stride 2; returns the megabytes delivered.
double read_strided(const std::string& path, size_t samples, size_t batch, size_t resolution) {
  const data::PdebenchReader reader(path);
  const bool darcy = !data::pde_spec(reader.info().pde).time_dependent();
  const size_t stride = resolution % 2 == 0 ? 2 : 1;
  double bytes = 0;
  for (size_t first = 0; first < samples; first += batch) {
    data::Selection s;
    s.first_sample = first;
    s.samples = std::min(batch, samples - first);
    s.stride = stride;
    if (darcy) {
      const auto d = reader.read_darcy(s);
      bytes += 4.0 * (d.coefficient.size() + d.solution.size());
    } else {
      bytes += 4.0 * reader.read_frames(s).size();
    }
  }
  return bytes / 1e6;
}

}  // namespace

std::vector<DataBenchRow> run_data_bench(const DataBenchOptions& o) {
  DataBenchOptions opts = o;
  if (opts.quick) {
    opts.samples = 2;
    opts.resolution = 32;
    opts.read_passes = 1;
  }
  check(opts.samples >= 1 && opts.resolution >= 4 && opts.batch >= 1 && opts.read_passes >= 1,
        "bench data: expected samples >= 1, resolution >= 4, batch >= 1; found {}, {}, {}", opts.samples,
        opts.resolution, opts.batch);
  const fs::path dir = fs::path(opts.directory.empty() ? fs::temp_directory_path().string() : opts.directory) /
                       fmt::format("mno-bench-data-{}", static_cast<long>(::getpid()));
  fs::create_directories(dir);

  data::gen::GenerateOptions gen;
  gen.samples = opts.samples;
  gen.progress = false;
  struct Pde {
    std::string name;
    std::function<void(const data::gen::GenerateOptions&)> generate;
  };
  const std::vector<Pde> pdes = {
      {"darcy", [&](const data::gen::GenerateOptions& g) {
         data::gen::DarcyParams p;
         p.resolution = opts.resolution;
         data::gen::generate_darcy(g, p);
       }},
      {"swe", [&](const data::gen::GenerateOptions& g) {
         data::gen::DamBreakParams p;
         p.resolution = opts.resolution;
         data::gen::generate_shallow_water(g, p);
       }},
      {"diffreact", [&](const data::gen::GenerateOptions& g) {
         data::gen::DiffusionReactionParams p;
         p.resolution = opts.resolution;
         data::gen::generate_diffusion_reaction(g, p);
       }}};

  std::vector<DataBenchRow> rows;
  Progress progress("bench data", static_cast<int64_t>(pdes.size()));
  try {
    for (const auto& pde : pdes) {
      DataBenchRow row;
      row.pde = pde.name;
      row.samples = opts.samples;
      row.resolution = opts.resolution;
      gen.out = (dir / (pde.name + ".h5")).string();
      row.generate_seconds = seconds_of([&] { pde.generate(gen); });
      row.file_megabytes = static_cast<double>(fs::file_size(gen.out)) / 1e6;
      row.read_seconds = seconds_of([&] {
        for (int pass = 0; pass < opts.read_passes; ++pass)
          row.read_megabytes += read_strided(gen.out, opts.samples, opts.batch, opts.resolution);
      });
      rows.push_back(row);
      progress.advance(1, pde.name);
    }
  } catch (...) {
    remove_tree_noexcept(dir.string());
    throw;
  }
  progress.finish();
  remove_tree(dir.string());
  return rows;
}

std::string data_bench_markdown(const std::vector<DataBenchRow>& rows, const MachineInfo& m, const std::string& command) {
  std::string out = fmt::format(
      "PDE data: generation with mno's solvers and strided reads (stride 2) of the file just written.\n"
      "`{}` — {}, {} threads, {}.\n\n"
      "| PDE | samples × resolution | generate s | samples/s | file MB | read MB/s (stride 2) |\n"
      "|---|---|---:|---:|---:|---:|\n",
      command, m.cpu, m.threads, m.date);
  for (const auto& r : rows)
    out += fmt::format("| {} | {} × {}² | {:.2f} | {:.2f} | {:.1f} | {:.0f} |\n", r.pde, r.samples, r.resolution,
                       r.generate_seconds, r.samples / r.generate_seconds, r.file_megabytes,
                       r.read_megabytes / r.read_seconds);
  return out;
}

}  // namespace mno::bench
