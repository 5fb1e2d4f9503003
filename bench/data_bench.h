#pragma once
// `mno bench data`: how fast mno makes and reads PDEBench data on this machine — generation
// throughput (samples/s) of each PDE's solver, and read throughput (MB/s) of strided batches
// (stride 2, as the paper sub-samples 128 → 64) from the file just written.
#include <cstddef>
#include <string>
#include <vector>

#include "bench/machine.h"

namespace mno::bench {

struct DataBenchOptions {
  size_t samples = 8;        // per PDE
  size_t resolution = 128;
  size_t batch = 4;          // samples per read
  int read_passes = 3;       // reads of the whole file, timed together
  std::string directory;     // where the temporary files go (default: the system temp directory)
  bool quick = false;        // 2 samples at 32×32: a smoke run
};

struct DataBenchRow {
  std::string pde;
  size_t samples = 0, resolution = 0;
  double generate_seconds = 0;
  double file_megabytes = 0;
  double read_megabytes = 0;  // values delivered (after striding), all passes
  double read_seconds = 0;
};

std::vector<DataBenchRow> run_data_bench(const DataBenchOptions& options);
std::string data_bench_markdown(const std::vector<DataBenchRow>& rows, const MachineInfo& machine,
                                const std::string& command);

}  // namespace mno::bench
