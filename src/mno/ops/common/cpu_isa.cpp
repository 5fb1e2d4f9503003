#include "mno/ops/common/cpu_isa.h"

#include <cstdlib>

#include "mno/core/error.h"

namespace mno::ops {

bool avx2_runs_here() {
#ifdef MNO_HAVE_AVX2_KERNEL
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

CpuIsa parse_cpu_isa(const std::string& name, const std::string& where) {
  if (name == "generic") return CpuIsa::generic;
  if (name == "avx2") {
    check(avx2_runs_here(), "{}: 'avx2' asked for, but this build or processor has no AVX2+FMA kernel", where);
    return CpuIsa::avx2;
  }
  throw mismatch_error(where, "generic or avx2", "'" + name + "'");
}

CpuIsa cpu_isa_at_start(const char* variable) {
  if (const char* env = std::getenv(variable); env && *env) return parse_cpu_isa(env, variable);
  return avx2_runs_here() ? CpuIsa::avx2 : CpuIsa::generic;
}

std::string cpu_isa_name(CpuIsa isa) { return isa == CpuIsa::avx2 ? "avx2+fma" : "generic"; }

}  // namespace mno::ops
