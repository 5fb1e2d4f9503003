#pragma once
// What a benchmark ran on, printed beside every table (docs/architecture.md: figures name the device).
#include <string>

namespace mno::bench {

struct MachineInfo {
  std::string cpu;           // model name from /proc/cpuinfo
  int threads = 0;           // LibTorch intra-op threads in effect
  std::string scan_isa;      // instruction set of the CPU scan kernel
  std::string torch_version;
  std::string date;          // UTC, YYYY-MM-DD
};

MachineInfo machine_info();

}  // namespace mno::bench
