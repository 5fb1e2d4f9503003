#pragma once
// Which instruction set a CPU kernel compiled once per ISA runs with. An op's kernel source is
// compiled for each ISA (generic, avx2 with fma) and the fastest one this processor runs is
// picked at first use, unless an environment variable names one (so tests can run every
// variant; the scan's is MNO_SCAN_ISA, docs/scan.md).
#include <string>

namespace mno::ops {

enum class CpuIsa { generic, avx2 };

// Whether this build has AVX2+FMA kernels and this processor runs them.
bool avx2_runs_here();

// "generic" or "avx2" -> the ISA; anything else, or "avx2" where avx2_runs_here() is false, is an
// mno::Error starting with `where` (who asked: the variable or the function).
CpuIsa parse_cpu_isa(const std::string& name, const std::string& where);

// The ISA the environment variable `variable` names, when set and not empty; else the fastest
// one this processor runs.
CpuIsa cpu_isa_at_start(const char* variable);

// "avx2+fma" or "generic".
std::string cpu_isa_name(CpuIsa isa);

}  // namespace mno::ops
