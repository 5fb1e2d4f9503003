// The forward kernel (layout: config.cuh). Thread (channel cl, states n, n + ⌈N/2⌉) walks L in
// stages of S steps: per step one exp2 per state, h = a·h + (Δ·u)·B, and C·h into shared memory;
// after a barrier the block sums C·h over the states, adds D·u and writes y for the stage. The state
// at every stage start is saved for the backward (chunk_states, S steps apart).
// Directions are separate blocks: with K = 1 each block writes y (and the pre-gate sum, gated
// by SiLU(z)) directly; with K > 1 they add into one float accumulator, which is y itself for
// fp32 without a gate — y is written once either way, never per direction.
#include "mno/ops/selective_scan/cuda/stage.cuh"

namespace mno::ops::scan_cuda::detail {
namespace {

template <typename T, bool VarB, bool VarC, int S>
__global__ void __launch_bounds__(kMaxThreads) scan_forward_kernel(Problem p, ForwardOut out, Tiling tiling, Walk walk,
                                                                    float* acc, bool aligned) {
  constexpr int kMat = int(VarB) + int(VarC), kPad = StageDims<S>::kPad;
  extern __shared__ float4 smem4[];
  float* sm = reinterpret_cast<float*>(smem4);
  const int N = static_cast<int>(p.N), L = static_cast<int>(p.L), cpb = tiling.cpb;
  const int H = pair_rows(N);               // thread (cl, q) carries states q and q + H
  const int rows = kMat * N + 3 * cpb + 1;  // one stage: B, C rows; Δ, Δ·u, u rows per channel; a zero row
  float* bufs = sm;                         // [2][rows][kPad]
  float* ys = bufs + 2 * rows * kPad;       // [cpb·H][kPad]: C·h of the thread's two states per step
  float* chan = ys + cpb * H * kPad;        // [cpb] delta_bias, [cpb] D

  int e0, count;
  tiling.locate(blockIdx.x, e0, count);
  const int k = blockIdx.y;
  const int64_t b = blockIdx.z, E = p.E, C = p.C;
  const int tid = threadIdx.x, nthreads = blockDim.x;
  const int cl = tid / H, n = tid % H, n2 = n + H;
  const bool active = cl < count, second = n2 < N;  // N odd: the last thread has one state
  const int64_t c0 = k * E + e0, c = c0 + min(cl, count - 1);
  const int nstages = (L + S - 1) / S;

  for (int i = tid; i < cpb; i += nthreads) {
    const int64_t cc = c0 + min(i, count - 1);
    chan[i] = p.delta_bias ? p.delta_bias[cc] : 0.f;
    chan[cpb + i] = p.D ? p.D[cc] : 0.f;
  }
  // The zero row: B of a missing second state, so that it stays 0 and adds nothing.
  for (int i = tid; i < kPad; i += nthreads) bufs[(rows - 1) * kPad + i] = bufs[(2 * rows - 1) * kPad + i] = 0.f;
  __syncthreads();

  Stager<T, 2, S> st{RowWalk(walk, k, aligned)};
  st.nmat = 0;
  if (VarB) st.mat[st.nmat++] = group_base<T>(p.B, p.groups_B, C, b, c0, N, L);
  if (VarC) st.mat[st.nmat++] = group_base<T>(p.Cm, p.groups_C, C, b, c0, N, L);
  st.ch[0] = static_cast<const T*>(p.delta) + (b * C + c0) * L;
  st.ch[1] = static_cast<const T*>(p.u) + (b * E + e0) * L;
  st.ch_float_last = nullptr;
  st.N = N, st.count = count, st.tid = tid, st.nthreads = nthreads, st.L = L, st.cpb = cpb;
  st.prepare();
  const bool softplus_delta = p.delta_softplus;
  // Channel rows of a stage: Δ = softplus(delta + bias) (0 past L: the state passes unchanged),
  // Δ·u and u, each computed once for all the channel's states.
  auto commit_into = [&](float* buf) {
    return [=](int ccl, int v, int t0, const float4 (&x)[2]) {
      const float bias = chan[ccl];
      float dl[kVec], dx[kVec], uu[kVec];
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        const float raw = get(x[0], i) + bias;
        dl[i] = t0 + kVec * v + i < L ? (softplus_delta ? softplus(raw) : raw) : 0.f;
        uu[i] = get(x[1], i);
        dx[i] = dl[i] * uu[i];
      }
      float* at = buf + (kMat * N + ccl) * kPad + kVec * v;
      sts4(at, dl);
      sts4(at + cpb * kPad, dx);
      sts4(at + 2 * cpb * kPad, uu);
    };
  };

  const int m2 = second ? n2 : n;  // a valid index for the missing second state's loads
  const float a2 = p.A[c * N + n] * kLog2e, a2b = p.A[c * N + m2] * kLog2e;
  const float bconst = VarB ? 0.f : static_cast<const float*>(p.B)[c * N + n];
  const float bconst2 = VarB || !second ? 0.f : static_cast<const float*>(p.B)[c * N + n2];
  const float cconst = VarC ? 0.f : static_cast<const float*>(p.Cm)[c * N + n];
  const float cconst2 = VarC ? 0.f : static_cast<const float*>(p.Cm)[c * N + m2];
  float* saved = out.chunk_states && active ? out.chunk_states + (b * C + c) * int64_t(nstages) * N + n : nullptr;
  T* y = static_cast<T*>(out.y);
  const T* z = static_cast<const T*>(p.z);
  float h = 0.f, h2 = 0.f;

  st.load(0);
  st.commit(0, bufs, commit_into(bufs));
  __syncthreads();
  for (int j = 0; j < nstages; ++j) {
    float* buf = bufs + (j & 1) * rows * kPad;
    if (j + 1 < nstages) st.load(j + 1);  // in flight while this stage computes
    if (saved) {
      saved[int64_t(j) * N] = h;
      if (second) saved[int64_t(j) * N + H] = h2;
    }

    const float* Brow = buf + n * kPad;
    const float* Brow2 = second ? buf + n2 * kPad : buf + (rows - 1) * kPad;
    const float* Crow = buf + ((VarB ? N : 0) + n) * kPad;
    const float* Crow2 = buf + ((VarB ? N : 0) + m2) * kPad;
    const float* dlrow = buf + (kMat * N + cl) * kPad;
    const float* dxrow = dlrow + cpb * kPad;
    float* yrow = ys + tid * kPad;
#pragma unroll
    for (int s = 0; s < S; s += kVec) {
      const float4 d4 = lds4(dlrow + s), x4 = lds4(dxrow + s);
      const float4 b4 = VarB ? lds4(Brow + s) : splat4(bconst);
      const float4 c4 = VarC ? lds4(Crow + s) : splat4(cconst);
      const float4 b4b = VarB ? lds4(Brow2 + s) : splat4(bconst2);
      const float4 c4b = VarC ? lds4(Crow2 + s) : splat4(cconst2);
      float yv[kVec];
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        const float a = fast_exp2(get(d4, i) * a2), ab = fast_exp2(get(d4, i) * a2b);
        h = fmaf(a, h, get(x4, i) * get(b4, i));
        h2 = fmaf(ab, h2, get(x4, i) * get(b4b, i));
        yv[i] = fmaf(get(c4b, i), h2, get(c4, i) * h);
      }
      sts4(yrow + s, yv);
    }
    __syncthreads();

    // y of the stage: Σ_n C·h + D·u per (channel, 4 steps). A thread sums one 4-step vector of
    // a channel over the states with 16-byte shared loads and leaves it with one vector store
    // or reduction where the walk allows (element by element was a third of all instructions).
    constexpr int kV = StageDims<S>::kVecsPerRow;
    const int t0 = j * S;
    const float* urows = buf + (kMat * N + 2 * cpb) * kPad;
    for (int o = tid; o < count * kV; o += nthreads) {
      const int ocl = unsigned(o) / kV, s = kVec * (unsigned(o) % kV), t = t0 + s;  // (unsigned: shifts)
      if (t >= L) continue;
      const float* col = ys + ocl * H * kPad + s;
      const float Dc = chan[cpb + ocl];
      const float4 u4 = lds4(urows + ocl * kPad + s);
      float4 s0 = make_float4(Dc * u4.x, Dc * u4.y, Dc * u4.z, Dc * u4.w), s1 = splat4(0.f);
      int m = 0;
      for (; m + 2 <= H; m += 2) {
        add4(s0, lds4(col + m * kPad));
        add4(s1, lds4(col + (m + 1) * kPad));
      }
      if (m < H) add4(s0, lds4(col + m * kPad));
      add4(s0, s1);
      const int64_t row = (b * E + e0 + ocl) * L;
      if (acc) {
        st.rw.add(acc + row, t, s0);
      } else if (z) {
#pragma unroll
        for (int i = 0; i < kVec; ++i) {
          if (t + i >= L) break;
          const int64_t idx = row + st.rw.pos(t + i);
          out.y_acc[idx] = get(s0, i);
          y[idx] = from_f<T>(get(s0, i) * silu(to_f(z[idx])));
        }
      } else {
        st.rw.store(y + row, t, s0);
      }
    }
    if (j + 1 < nstages) {
      float* next = bufs + ((j + 1) & 1) * rows * kPad;
      st.commit(j + 1, next, commit_into(next));
    }
    __syncthreads();
  }
  if (out.last_state && active) {
    out.last_state[(b * C + c) * N + n] = h;
    if (second) out.last_state[(b * C + c) * N + n2] = h2;
  }
}

// y = acc (· SiLU(z)) in T: the end of a K > 1 forward whose y is not the accumulator itself.
template <typename T> __global__ void finish_forward_kernel(int64_t count, const float* acc, const T* z, T* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = from_f<T>(z ? acc[i] * silu(to_f(z[i])) : acc[i]);
}

template <typename T, bool VarB, bool VarC, int S> void launch(const Problem& p, const ForwardOut& out, float* acc, bool aligned) {
  constexpr int kPad = StageDims<S>::kPad;
  const int cpb = channels_per_block(p, 2, kTargetThreads);
  const Tiling tiling = make_tiling(p, cpb);
  const Walk walk{static_cast<int>(p.K), static_cast<int>(p.L), static_cast<int>(p.height), static_cast<int>(p.width)};
  const int64_t rows = (int64_t(VarB) + int64_t(VarC)) * p.N + 3 * cpb + 1, H = pair_rows(p.N);
  const size_t smem = sizeof(float) * (2 * rows * kPad + cpb * H * kPad + 2 * cpb);
  auto kernel = scan_forward_kernel<T, VarB, VarC, S>;
  check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
             "raising the forward kernel's shared-memory limit");
  kernel<<<scan_grid(p, tiling), static_cast<unsigned>(cpb * H), smem, static_cast<cudaStream_t>(p.stream)>>>(p, out, tiling, walk, acc,
                                                                                                 aligned);
  check_cuda(cudaGetLastError(), "launching the forward kernel");
}

template <typename T> void launch_forward(const Problem& p, const ForwardOut& out) {
  auto stream = static_cast<cudaStream_t>(p.stream);
  const int64_t count = p.batch * p.E * p.L;
  // K > 1: directions add into a zeroed float accumulator — y itself when it is fp32 and ungated.
  float* acc = nullptr;
  bool finish = false;
  if (p.K > 1) {
    acc = std::is_same<T, float>::value && !p.z ? static_cast<float*>(out.y) : out.y_acc;
    finish = acc == out.y_acc;
    check_cuda(cudaMemsetAsync(acc, 0, sizeof(float) * count, stream), "zeroing the forward accumulator");
  }
  const bool aligned = vector_aligned<T>({p.u, p.delta, p.groups_B > 0 ? p.B : nullptr, p.groups_C > 0 ? p.Cm : nullptr, out.y}) &&
                       vector_aligned<float>({acc});
  with_variant(p, [&](auto vb, auto vc, auto s) { launch<T, decltype(vb)::value, decltype(vc)::value, decltype(s)::value>(p, out, acc, aligned); });
  if (finish) {
    finish_forward_kernel<T><<<elementwise_blocks(count), 256, 0, stream>>>(count, acc, static_cast<const T*>(p.z), static_cast<T*>(out.y));
    check_cuda(cudaGetLastError(), "launching the forward's finishing kernel");
  }
}

}  // namespace
}  // namespace mno::ops::scan_cuda::detail

namespace mno::ops::scan_cuda {

void forward(const Problem& p, const ForwardOut& out) {
  if (p.N < 1 || p.N > detail::kMaxThreads) throw std::runtime_error("selective_scan (CUDA): state size N must be in 1..256");
  if ((p.z || (p.K > 1 && p.dtype != DType::f32)) && !out.y_acc)
    throw std::runtime_error("selective_scan (CUDA): y_acc is required with z, or with K > 1 in fp16/bf16");
  if (p.batch > 65535) throw std::runtime_error("selective_scan (CUDA): batch must be at most 65535");
  switch (p.dtype) {
    case DType::f32: return detail::launch_forward<float>(p, out);
    case DType::f16: return detail::launch_forward<__half>(p, out);
    case DType::bf16: return detail::launch_forward<__nv_bfloat16>(p, out);
  }
}

}  // namespace mno::ops::scan_cuda
