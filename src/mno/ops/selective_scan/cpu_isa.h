#pragma once
// Which compiled variant of the CPU scan kernel runs. kernel.inc is compiled once per instruction
// set (kernel_generic.cpp, kernel_avx2.cpp) and the fastest one this processor can run is picked
// at first use — so on an AVX2 machine the generic variant would never run at all. The
// environment variable MNO_SCAN_ISA=generic|avx2, or force_scan_cpu_isa, picks one instead: the
// tests run every variant this way (docs/scan.md).
#include <string>

namespace mno::ops {

// The variant in use: "avx2+fma" or "generic" (printed beside the benchmark tables).
std::string scan_cpu_isa();

// Runs the named variant, "generic" or "avx2", from now on in this process. Throws mno::Error for
// any other name, and for "avx2" where this build or processor has no AVX2+FMA kernel.
void force_scan_cpu_isa(const std::string& name);

}  // namespace mno::ops
