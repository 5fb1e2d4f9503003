#include "bench/machine.h"

#include <ctime>
#include <fstream>

#include <ATen/Parallel.h>

#include "mno/core/torch_compat.h"
#include "mno/ops/selective_scan/cpu_isa.h"

namespace mno::bench {

MachineInfo machine_info() {
  MachineInfo m;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      m.cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  if (m.cpu.empty()) m.cpu = "unknown CPU";
  m.threads = at::get_num_threads();
  m.scan_isa = ops::scan_cpu_isa();
  m.torch_version = compat::torch_version();
  const std::time_t now = std::time(nullptr);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", std::gmtime(&now));
  m.date = buf;
  return m;
}

}  // namespace mno::bench
