// A quick loop for kernel work on the GPU machine: the raw launchers (launch.h) against a plain
// double-precision loop on the host for small shapes, then CUDA-event timings of forward and
// backward at the issue's shapes. It builds in under a minute with nvcc alone (no LibTorch),
// where the full build takes minutes; the real tests (tests/ops/test_scan_cuda*.cpp) and
// `mno bench scan --device cuda` remain the judges.
//   nvcc -std=c++17 -O3 -arch=sm_90 --expt-relaxed-constexpr -Isrc tools/device/scan-lab.cu \
//        src/mno/ops/selective_scan/cuda/*.cu -o /tmp/scan-lab && /tmp/scan-lab
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "mno/ops/selective_scan/cuda/launch.h"

using namespace mno::ops::scan_cuda;

namespace {

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { printf("CUDA %s at %d\n", cudaGetErrorString(e_), __LINE__); exit(1); } } while (0)

struct Shape {
  const char* name;
  int batch, E, K, L, N, G;
  bool z;
};

struct Host {
  std::vector<float> u, delta, A, B, C, D, bias, z, dout;
};

float* dev(const std::vector<float>& v) {
  float* p = nullptr;
  CK(cudaMalloc(&p, std::max<size_t>(1, v.size()) * 4));
  if (!v.empty()) CK(cudaMemcpy(p, v.data(), v.size() * 4, cudaMemcpyHostToDevice));
  return p;
}
float* zeros(size_t n) {
  float* p = nullptr;
  CK(cudaMalloc(&p, std::max<size_t>(1, n) * 4));
  CK(cudaMemset(p, 0, std::max<size_t>(1, n) * 4));
  return p;
}
std::vector<float> back(const float* p, size_t n) {
  std::vector<float> v(n);
  CK(cudaMemcpy(v.data(), p, n * 4, cudaMemcpyDeviceToHost));
  return v;
}

Host make(const Shape& s, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::uniform_real_distribution<float> ud(0.f, 1.f);
  const int C = s.K * s.E;
  Host h;
  auto fill = [&](std::vector<float>& v, size_t n, float scale, float shift = 0.f) {
    v.resize(n);
    for (auto& x : v) x = shift + scale * nd(rng);
  };
  fill(h.u, size_t(s.batch) * s.E * s.L, 1.f);
  fill(h.delta, size_t(s.batch) * C * s.L, 0.5f, -1.f);
  h.A.resize(size_t(C) * s.N);
  for (int c = 0; c < C; ++c)
    for (int n = 0; n < s.N; ++n) h.A[c * s.N + n] = -(n + 1.f) * (0.5f + ud(rng));
  fill(h.B, size_t(s.batch) * s.G * s.N * s.L, 1.f);
  fill(h.C, size_t(s.batch) * s.G * s.N * s.L, 1.f);
  fill(h.D, C, 1.f);
  fill(h.bias, C, 0.3f);
  if (s.z) fill(h.z, size_t(s.batch) * s.E * s.L, 1.f);
  fill(h.dout, size_t(s.batch) * s.E * s.L, 1.f);
  return h;
}

double softplus(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }
double silu(double x) { return x / (1 + std::exp(-x)); }

struct Ref {
  std::vector<double> y, du, ddelta, dA, dB, dC, dD, dbias;
};

// The plain loops: forward, then the backward by the chain rule, per (batch, channel).
Ref reference(const Shape& s, const Host& h) {
  const int C = s.K * s.E, L = s.L, N = s.N;
  Ref r;
  r.y.assign(size_t(s.batch) * s.E * L, 0);
  r.du.assign(r.y.size(), 0);
  r.ddelta.assign(size_t(s.batch) * C * L, 0);
  r.dA.assign(size_t(C) * N, 0);
  r.dB.assign(h.B.size(), 0);
  r.dC.assign(h.C.size(), 0);
  r.dD.assign(C, 0);
  r.dbias.assign(C, 0);
  std::vector<double> ypre(r.y.size(), 0), g(r.y.size());
  std::vector<double> H(size_t(L + 1) * N);
  for (int pass = 0; pass < 2; ++pass) {
    for (int b = 0; b < s.batch; ++b)
      for (int c = 0; c < C; ++c) {
        const int k = c / s.E, e = c % s.E, grp = c / (C / s.G);
        auto pos = [&](int t) { return k == 0 ? t : L - 1 - t; };
        const size_t urow = (size_t(b) * s.E + e) * L, drow = (size_t(b) * C + c) * L;
        const size_t brow = (size_t(b) * s.G + grp) * N * L;
        std::fill(H.begin(), H.begin() + N, 0.0);
        for (int t = 0; t < L; ++t) {
          const int p = pos(t);
          const double dl = softplus(h.delta[drow + p] + h.bias[c]), x = h.u[urow + p];
          double y = h.D[c] * x;
          for (int n = 0; n < N; ++n) {
            const double a = std::exp(dl * h.A[c * N + n]);
            H[(t + 1) * N + n] = a * H[t * N + n] + dl * x * h.B[brow + n * L + p];
            y += h.C[brow + n * L + p] * H[(t + 1) * N + n];
          }
          if (pass == 0) ypre[urow + p] += y;
        }
        if (pass == 0) continue;
        std::vector<double> dh(N, 0);
        for (int t = L - 1; t >= 0; --t) {
          const int p = pos(t);
          const double raw = h.delta[drow + p] + h.bias[c], dl = softplus(raw), x = h.u[urow + p], gg = g[urow + p];
          double sdu = 0, sdd = 0;
          for (int n = 0; n < N; ++n) {
            const double a = std::exp(dl * h.A[c * N + n]), Bv = h.B[brow + n * L + p], Cv = h.C[brow + n * L + p];
            const double d = dh[n] + Cv * gg;
            r.dC[brow + n * L + p] += gg * H[(t + 1) * N + n];
            r.dB[brow + n * L + p] += d * dl * x;
            sdu += d * dl * Bv;
            sdd += d * (x * Bv + h.A[c * N + n] * a * H[t * N + n]);
            r.dA[c * N + n] += d * dl * a * H[t * N + n];
            dh[n] = a * d;
          }
          r.du[urow + p] += sdu + h.D[c] * gg;
          const double dd = sdd * (raw > 20 ? 1 : 1 / (1 + std::exp(-raw)));
          r.ddelta[drow + p] = dd;
          r.dbias[c] += dd;
          r.dD[c] += gg * x;
        }
      }
    if (pass == 0)
      for (size_t i = 0; i < ypre.size(); ++i) {
        r.y[i] = s.z ? ypre[i] * silu(h.z[i]) : ypre[i];
        const double zz = s.z ? h.z[i] : 0, sg = 1 / (1 + std::exp(-zz));
        g[i] = s.z ? h.dout[i] * silu(zz) : h.dout[i];
        (void)sg;
      }
  }
  return r;
}

double rel(const std::vector<float>& got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) num += (got[i] - want[i]) * (got[i] - want[i]), den += want[i] * want[i];
  return std::sqrt(num / std::max(den, 1e-300));
}

struct Run {
  Problem p;
  ForwardOut fo;
  BackwardIO bi;
  float *u, *delta, *A, *B, *C, *D, *bias, *z, *y, *yacc, *states, *dout, *g, *du, *duacc, *ddelta, *dz, *dA, *dB, *dC, *dD, *dbias;
  size_t nB;
  Run(const Shape& s, const Host& h) {
    const int C_ = s.K * s.E;
    const size_t nu = size_t(s.batch) * s.E * s.L;
    nB = h.B.size();
    u = dev(h.u), delta = dev(h.delta), A = dev(h.A), B = dev(h.B), C = dev(h.C), D = dev(h.D), bias = dev(h.bias);
    z = s.z ? dev(h.z) : nullptr;
    dout = dev(h.dout);
    y = zeros(nu), yacc = zeros(nu), g = zeros(nu), du = zeros(nu), duacc = zeros(nu), dz = zeros(nu);
    states = zeros(size_t(s.batch) * C_ * saved_chunks(s.L, s.N) * s.N);
    ddelta = zeros(size_t(s.batch) * C_ * s.L);
    dA = zeros(size_t(C_) * s.N), dB = zeros(nB), dC = zeros(nB), dD = zeros(C_), dbias = zeros(C_);
    p.dtype = DType::f32;
    p.batch = s.batch, p.E = s.E, p.C = C_, p.L = s.L, p.N = s.N, p.K = s.K, p.groups_B = s.G, p.groups_C = s.G;
    p.u = u, p.delta = delta, p.A = A, p.B = B, p.Cm = C, p.D = D, p.delta_bias = bias, p.z = z, p.delta_softplus = true;
    fo = ForwardOut{y, yacc, states, nullptr};
    bi.dout = dout, bi.y_pre = yacc, bi.chunk_states = states, bi.g = g, bi.du = du, bi.du_acc = duacc, bi.ddelta = ddelta;
    bi.dz = s.z ? dz : nullptr;
    bi.dA = dA, bi.dB = dB, bi.dC = dC, bi.dD = dD, bi.ddelta_bias = dbias;
  }
  void zero_grads(const Shape& s) {
    const int C_ = s.K * s.E;
    CK(cudaMemset(dA, 0, size_t(C_) * s.N * 4));
    CK(cudaMemset(dB, 0, nB * 4));
    CK(cudaMemset(dC, 0, nB * 4));
    CK(cudaMemset(dD, 0, C_ * 4));
    CK(cudaMemset(dbias, 0, C_ * 4));
  }
};

bool check(const Shape& s) {
  const Host h = make(s, 7);
  const Ref r = reference(s, h);
  Run run(s, h);
  forward(run.p, run.fo);
  backward(run.p, run.bi);
  CK(cudaDeviceSynchronize());
  const int C_ = s.K * s.E;
  const size_t nu = size_t(s.batch) * s.E * s.L;
  struct Item { const char* name; double err; };
  const Item items[] = {
      {"y", rel(back(run.y, nu), r.y)},
      {"du", rel(back(run.du, nu), r.du)},
      {"ddelta", rel(back(run.ddelta, size_t(s.batch) * C_ * s.L), r.ddelta)},
      {"dA", rel(back(run.dA, size_t(C_) * s.N), r.dA)},
      {"dB", rel(back(run.dB, run.nB), r.dB)},
      {"dC", rel(back(run.dC, run.nB), r.dC)},
      {"dD", rel(back(run.dD, C_), r.dD)},
      {"dbias", rel(back(run.dbias, C_), r.dbias)},
  };
  bool ok = true;
  printf("check %-28s", s.name);
  for (const auto& it : items) {
    printf(" %s %.1e", it.name, it.err);
    ok = ok && it.err < 1e-5;
  }
  printf("  %s\n", ok ? "ok" : "FAIL");
  return ok;
}

float median(std::vector<float> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void time_shape(const Shape& s) {
  const Host h = make(s, 11);
  Run run(s, h);
  cudaEvent_t a, b;
  CK(cudaEventCreate(&a));
  CK(cudaEventCreate(&b));
  std::vector<float> tf, tb;
  for (int i = 0; i < 23; ++i) {
    CK(cudaEventRecord(a));
    forward(run.p, run.fo);
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    float ms;
    CK(cudaEventElapsedTime(&ms, a, b));
    if (i >= 3) tf.push_back(ms);
    run.zero_grads(s);
    CK(cudaEventRecord(a));
    backward(run.p, run.bi);
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    CK(cudaEventElapsedTime(&ms, a, b));
    if (i >= 3) tb.push_back(ms);
  }
  const float f = median(tf), bw = median(tb);
  printf("time  %-28s fwd %.3f ms  bwd %.3f ms  fwd+bwd %.3f ms\n", s.name, f, bw, f + bw);
}

}  // namespace

int main(int argc, char** argv) {
  // "time": timings only; "check": checks only; "profile": one forward and one backward at
  // shape (a), K 2, for ncu.
  const std::string mode = argc > 1 ? argv[1] : "";
  const bool only_time = mode == "time" || mode == "profile";
  // SCAN_LAB_SHAPES (e.g. "a2,c2") times only the named shapes: letter, then K.
  const Shape times[] = {
      {"(a) 8x384 G2 K2", 8, 192, 2, 4096, 16, 2, false}, {"(a) 8x384 G2 K1", 8, 384, 1, 4096, 16, 2, false},
      {"(b) 8x1024 G2 K2", 8, 512, 2, 4096, 16, 2, false}, {"(c) 4x384 L16384 K2", 4, 192, 2, 16384, 16, 2, false},
      {"(d) 8x1536 G1 K1", 8, 1536, 1, 4096, 16, 1, false},
  };
  const char* only = getenv("SCAN_LAB_SHAPES");
  auto wanted = [&](const Shape& s) {
    if (!only) return true;
    const std::string key = std::string(1, s.name[1]) + std::to_string(s.K);
    return (std::string(",") + only + ",").find("," + key + ",") != std::string::npos;
  };
  if (only && std::none_of(std::begin(times), std::end(times), wanted)) {
    printf("SCAN_LAB_SHAPES=%s names no shape (expected keys like a2,a1,b2,c2,d1: letter, then K)\n", only);
    return 2;
  }
  bool ok = true;
  if (!only_time) {
    const Shape checks[] = {
        {"K2 L100 (scalar path)", 2, 5, 2, 100, 16, 2, false},
        {"K1 L256 z", 2, 8, 1, 256, 16, 1, true},
        {"K2 L1000 z", 1, 6, 2, 1000, 16, 2, true},
        {"K2 L4096 E8", 1, 8, 2, 4096, 16, 2, false},
        {"K1 L64 N64", 1, 3, 1, 64, 64, 1, false},
        {"K2 L72 N80 (short stage)", 1, 2, 2, 72, 80, 2, false},
        {"K2 L70 N5 (odd N)", 2, 3, 2, 70, 5, 2, true},
        {"K2 L150 N65 (odd, short)", 1, 3, 2, 150, 65, 2, false},
        {"K1 L1 N4", 2, 3, 1, 1, 4, 1, false},
    };
    for (const auto& s : checks) ok = check(s) && ok;
  }
  if (mode == "profile") {
    const Host h = make(times[0], 11);
    Run run(times[0], h);
    forward(run.p, run.fo);
    backward(run.p, run.bi);
    CK(cudaDeviceSynchronize());
    return 0;
  }
  if (mode != "check")
    for (const auto& s : times)
      if (wanted(s)) time_shape(s);
  printf(ok ? "ALL CHECKS OK\n" : "CHECKS FAILED\n");
  return ok ? 0 : 1;
}
