// The backward kernel (layout: config.cuh; same blocks and threads as the forward). Stages are
// walked in reverse. Per stage, thread (channel cl, state n) recomputes the forward from the
// state saved at the stage start — a_t and h_{t-1} of the S steps stay in registers, one exp per
// update — then runs the reverse recurrence
//   dh_t = C_t·g_t + a_{t+1}·dh_{t+1},   g = dL/dy before the gate,
// carrying a·dh into the previous stage. Per step it accumulates dA locally and leaves four
// terms in shared memory: dh·B and A·dh·a·h_{t-1} (summed over the states by the block: du and
// dΔ of the step), dh·Δ·u and g·h (summed over the tile's channels: dB and dC, then one
// vector atomic per four steps and state per block). Time-invariant dB/dC, dA, dD and
// d(delta_bias) are per-thread or per-block sums with one atomic each at the end.
#include "mno/ops/selective_scan/cuda/stage.cuh"

namespace mno::ops::scan_cuda::detail {
namespace {

template <typename T, bool VarB, bool VarC, int S>
__global__ void MNO_SCAN_BWD_BOUNDS
    scan_backward_kernel(Problem p, BackwardIO io, Tiling tiling, Walk walk, float* du_acc, bool aligned) {
  constexpr int kMat = int(VarB) + int(VarC), kPad = StageDims<S>::kPad;
  extern __shared__ float4 smem4[];
  float* sm = reinterpret_cast<float*>(smem4);
  const int N = static_cast<int>(p.N), L = static_cast<int>(p.L), cpb = tiling.cpb;
  const int rows = kMat * N + 5 * cpb;     // one stage: B, C rows; Δ, Δ·u, u, g, softplus' per channel
  float* bufs = sm;                        // [2][rows][kPad]
  float* terms = bufs + 2 * rows * kPad;   // [4][cpb·N][kPad]: dh·B, dΔ term, dB term, dC term
  const int tstride = cpb * N * kPad;
  float* chan = terms + 4 * tstride;       // [cpb] delta_bias, D, dD sum, d(delta_bias) sum

  int e0, count;
  tiling.locate(blockIdx.x, e0, count);
  const int k = blockIdx.y;
  const int64_t b = blockIdx.z, E = p.E, C = p.C;
  const int tid = threadIdx.x, nthreads = blockDim.x;
  const int cl = tid / N, n = tid % N;
  const bool active = cl < count;
  const int64_t c0 = k * E + e0, c = c0 + min(cl, count - 1);
  const int nstages = (L + S - 1) / S;

  for (int i = tid; i < cpb; i += nthreads) {
    const int64_t cc = c0 + min(i, count - 1);
    chan[i] = p.delta_bias ? p.delta_bias[cc] : 0.f;
    chan[cpb + i] = p.D ? p.D[cc] : 0.f;
    chan[2 * cpb + i] = chan[3 * cpb + i] = 0.f;
  }
  __syncthreads();

  Stager<T, 3, S> st{RowWalk(walk, k, aligned)};
  st.nmat = 0;
  const T* Bg = group_base<T>(p.B, p.groups_B, C, b, c0, N, L);
  const T* Cg = group_base<T>(p.Cm, p.groups_C, C, b, c0, N, L);
  if (VarB) st.mat[st.nmat++] = Bg;
  if (VarC) st.mat[st.nmat++] = Cg;
  st.ch[0] = static_cast<const T*>(p.delta) + (b * C + c0) * L;
  st.ch[1] = static_cast<const T*>(p.u) + (b * E + e0) * L;
  st.ch[2] = static_cast<const T*>(io.dout) + (b * E + e0) * L;
  st.ch_float_last = io.g ? io.g + (b * E + e0) * L : nullptr;  // the gate's g, in fp32
  st.N = N, st.count = count, st.tid = tid, st.nthreads = nthreads, st.L = L, st.cpb = cpb;
  st.prepare();
  const bool softplus_delta = p.delta_softplus;
  // Channel rows of a stage: Δ (0 past L), Δ·u, u, g (0 past L: loads give 0) and softplus'.
  auto commit_into = [&](float* buf) {
    return [=](int ccl, int v, int t0, const float4 (&x)[3]) {
      const float bias = chan[ccl];
      float dl[kVec], dx[kVec], uu[kVec], gg[kVec], sp[kVec];
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        const float raw = get(x[0], i) + bias;
        const bool in = t0 + kVec * v + i < L;
        dl[i] = in ? (softplus_delta ? softplus(raw) : raw) : 0.f;
        sp[i] = in ? (softplus_delta ? dsoftplus(raw) : 1.f) : 0.f;
        uu[i] = get(x[1], i);
        gg[i] = get(x[2], i);
        dx[i] = dl[i] * uu[i];
      }
      float* at = buf + (kMat * N + ccl) * kPad + kVec * v;
      sts4(at, dl);
      sts4(at + cpb * kPad, dx);
      sts4(at + 2 * cpb * kPad, uu);
      sts4(at + 3 * cpb * kPad, gg);
      sts4(at + 4 * cpb * kPad, sp);
    };
  };

  const float An = p.A[c * N + n], a2 = An * kLog2e;
  const float bconst = VarB ? 0.f : static_cast<const float*>(p.B)[c * N + n];
  const float cconst = VarC ? 0.f : static_cast<const float*>(p.Cm)[c * N + n];
  const float* saved = io.chunk_states + (b * C + c) * int64_t(nstages) * N + n;
  float dA = 0.f, dBsum = 0.f, dCsum = 0.f;
  constexpr int kOutSlots = 2;  // 4-step outputs per thread per stage summed in registers (S/4N: ≤ 2 for N ≥ 4)
  float dD_slot[kOutSlots] = {}, dbias_slot[kOutSlots] = {};
  float* dBg = VarB ? io.dB + (b * p.groups_B + c0 / (C / p.groups_B)) * int64_t(N) * L : nullptr;
  float* dCg = VarC ? io.dC + (b * p.groups_C + c0 / (C / p.groups_C)) * int64_t(N) * L : nullptr;
  float r = 0.f;  // a_{t+1}·dh_{t+1} carried from the stage after

  st.load(nstages - 1);
  st.commit(nstages - 1, bufs + ((nstages - 1) & 1) * rows * kPad, commit_into(bufs + ((nstages - 1) & 1) * rows * kPad));
  float hstart = saved[int64_t(nstages - 1) * N];
  __syncthreads();
  for (int j = nstages - 1; j >= 0; --j) {
    float* buf = bufs + (j & 1) * rows * kPad;
    float hnext = 0.f;
    if (j > 0) {
      st.load(j - 1);  // in flight while this stage computes
      hnext = saved[int64_t(j - 1) * N];
    }
    const float* Brow = buf + n * kPad;
    const float* Crow = buf + ((VarB ? N : 0) + n) * kPad;
    const float* dlrow = buf + (kMat * N + cl) * kPad;
    const float* dxrow = dlrow + cpb * kPad;
    const float* grow = dlrow + 3 * cpb * kPad;

    // The forward of the stage again: a_t and h_{t-1} of every step.
    float av[S], hb[S];
    float h = hstart;
#pragma unroll
    for (int s = 0; s < S; s += kVec) {
      const float4 d4 = lds4(dlrow + s), x4 = lds4(dxrow + s);
      const float4 b4 = VarB ? lds4(Brow + s) : splat4(bconst);
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        av[s + i] = fast_exp2(get(d4, i) * a2);
        hb[s + i] = h;
        h = fmaf(av[s + i], h, get(x4, i) * get(b4, i));
      }
    }

    // The reverse recurrence, four steps at a time into the term rows.
    float* trow = terms + tid * kPad;
#pragma unroll
    for (int s = S - kVec; s >= 0; s -= kVec) {
      const float4 d4 = lds4(dlrow + s), x4 = lds4(dxrow + s), g4 = lds4(grow + s);
      const float4 b4 = VarB ? lds4(Brow + s) : splat4(bconst);
      const float4 c4 = VarC ? lds4(Crow + s) : splat4(cconst);
      float t1[kVec], t2[kVec], tb[kVec], tc[kVec];
#pragma unroll
      for (int i = kVec - 1; i >= 0; --i) {
        const int t = s + i;
        const float hafter = t == S - 1 ? h : hb[t + 1];
        const float dh = fmaf(get(c4, i), get(g4, i), r);
        const float q = dh * av[t] * hb[t];  // dL/da_t · a_t
        dA = fmaf(q, get(d4, i), dA);
        t1[i] = dh * get(b4, i);
        t2[i] = An * q;  // dΔ's other part, u·Σ_n dh·B, is added after the sum over states
        tb[i] = dh * get(x4, i);
        tc[i] = get(g4, i) * hafter;
        if (!VarB) dBsum += tb[i];
        if (!VarC) dCsum += tc[i];
        r = av[t] * dh;
      }
      sts4(trow + s, t1);
      sts4(trow + tstride + s, t2);
      if (VarB) sts4(trow + 2 * tstride + s, tb);
      if (VarC) sts4(trow + 3 * tstride + s, tc);
    }
    __syncthreads();

    // du and dΔ of the stage: sums over the states per (channel, 4 steps), 16-byte shared loads,
    // vector stores or reductions where the walk allows. A thread's outputs keep their channel
    // from stage to stage, so it sums dD and d(delta_bias) in registers.
    //   du = Δ·Σ_n dh·B + D·g,   dΔ = softplus'·(u·Σ_n dh·B + Σ_n A·dh·a·h_{t-1})
    constexpr int kV = StageDims<S>::kVecsPerRow;
    const int t0 = j * S;
    const float* srows = buf + (kMat * N + 4 * cpb) * kPad;
    auto output = [&](int o, float& dD_sum, float& dbias_sum) {
      const int ocl = unsigned(o) / kV, s = kVec * (unsigned(o) % kV), t = t0 + s;  // (unsigned: shifts)
      if (t >= L) return;
      const float* col = terms + ocl * N * kPad + s;
      float4 a0 = splat4(0.f), a1 = splat4(0.f), q0 = splat4(0.f), q1 = splat4(0.f);
      int m = 0;
      for (; m + 2 <= N; m += 2) {
        add4(a0, lds4(col + m * kPad));
        add4(a1, lds4(col + (m + 1) * kPad));
        add4(q0, lds4(col + tstride + m * kPad));
        add4(q1, lds4(col + tstride + (m + 1) * kPad));
      }
      if (m < N) add4(a0, lds4(col + m * kPad)), add4(q0, lds4(col + tstride + m * kPad));
      add4(a0, a1);
      add4(q0, q1);
      const int off = (kMat * N + ocl) * kPad + s;
      // Past L: Δ, g and softplus' are 0 there, so both outputs and the sums get 0.
      const float4 dl = lds4(buf + off), uu = lds4(buf + off + 2 * cpb * kPad), gg = lds4(buf + off + 3 * cpb * kPad);
      const float4 sp = lds4(srows + ocl * kPad + s);
      const float Dc = chan[cpb + ocl];
      float dd[kVec], du[kVec];
#pragma unroll
      for (int i = 0; i < kVec; ++i) {
        dd[i] = fmaf(get(uu, i), get(a0, i), get(q0, i)) * get(sp, i);
        du[i] = fmaf(get(dl, i), get(a0, i), Dc * get(gg, i));
        dD_sum = fmaf(get(gg, i), get(uu, i), dD_sum);
        dbias_sum += dd[i];
      }
      const float4 dd4 = make_float4(dd[0], dd[1], dd[2], dd[3]), du4 = make_float4(du[0], du[1], du[2], du[3]);
      st.rw.store(static_cast<T*>(io.ddelta) + (b * C + c0 + ocl) * L, t, dd4);
      const int64_t erow = (b * E + e0 + ocl) * L;
      if (du_acc) st.rw.add(du_acc + erow, t, du4);
      else st.rw.store(static_cast<T*>(io.du) + erow, t, du4);
    };
#pragma unroll
    for (int m = 0; m < kOutSlots; ++m)
      if (tid + m * nthreads < count * kV) output(tid + m * nthreads, dD_slot[m], dbias_slot[m]);
    for (int o = tid + kOutSlots * nthreads; o < count * kV; o += nthreads) {
      float dd = 0.f, db = 0.f;
      output(o, dd, db);
      atomicAdd(chan + 2 * cpb + unsigned(o) / kV, dd);
      atomicAdd(chan + 3 * cpb + unsigned(o) / kV, db);
    }
    // Input-dependent dB, dC of the stage: sums over the tile's channels per (state, 4 steps).
    if (VarB || VarC) {
      constexpr int kV = StageDims<S>::kVecsPerRow;
      const int units = kMat * N * kV;
      for (int i = tid; i < units; i += nthreads) {
        const int row = unsigned(i) / kV, v = unsigned(i) % kV;
        const bool isB = VarB && row < N;
        const int nn = VarB && !isB ? row - N : row;
        const float* src = terms + (isB ? 2 : 3) * tstride + nn * kPad + kVec * v;
        float4 sum = lds4(src);
        for (int m = 1; m < count; ++m) {
          const float4 x = lds4(src + m * N * kPad);
          sum.x += x.x, sum.y += x.y, sum.z += x.z, sum.w += x.w;
        }
        st.rw.add((isB ? dBg : dCg) + int64_t(nn) * L, t0 + kVec * v, sum);
      }
    }
    if (j > 0) {
      float* next = bufs + ((j - 1) & 1) * rows * kPad;
      st.commit(j - 1, next, commit_into(next));
    }
    hstart = hnext;
    __syncthreads();
  }

  if (active) {
    atomicAdd(io.dA + c * N + n, dA);
    if (!VarB) atomicAdd(io.dB + c * N + n, dBsum);
    if (!VarC) atomicAdd(io.dC + c * N + n, dCsum);
  }
#pragma unroll
  for (int m = 0; m < kOutSlots; ++m) {
    const int o = tid + m * nthreads;
    if (o < count * StageDims<S>::kVecsPerRow) {
      atomicAdd(chan + 2 * cpb + unsigned(o) / StageDims<S>::kVecsPerRow, dD_slot[m]);
      atomicAdd(chan + 3 * cpb + unsigned(o) / StageDims<S>::kVecsPerRow, dbias_slot[m]);
    }
  }
  __syncthreads();
  for (int i = tid; i < count; i += nthreads) {
    if (io.dD) atomicAdd(io.dD + c0 + i, chan[2 * cpb + i]);
    if (io.ddelta_bias) atomicAdd(io.ddelta_bias + c0 + i, chan[3 * cpb + i]);
  }
}

// g = dout·SiLU(z) and dz = dout·y_pre·SiLU'(z): the gate's backward, before the scan's.
template <typename T>
__global__ void gate_backward_kernel(int64_t n, const T* dout, const T* z, const float* y_pre, float* g, T* dz) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float d = to_f(dout[i]), zv = to_f(z[i]);
    g[i] = d * silu(zv);
    dz[i] = from_f<T>(d * y_pre[i] * dsilu(zv));
  }
}

// du = du_acc in T: the end of a K > 1 backward whose du is not the accumulator itself.
template <typename T> __global__ void finish_backward_kernel(int64_t n, const float* acc, T* du) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    du[i] = from_f<T>(acc[i]);
}

template <typename T, bool VarB, bool VarC, int S>
void launch(const Problem& p, const BackwardIO& io, float* du_acc, bool aligned) {
  constexpr int kPad = StageDims<S>::kPad;
  const int cpb = channels_per_block(p, 1, kTargetThreadsBackward);
  const Tiling tiling = make_tiling(p, cpb);
  const Walk walk{static_cast<int>(p.K), static_cast<int>(p.L), static_cast<int>(p.height), static_cast<int>(p.width)};
  const int64_t rows = (int64_t(VarB) + int64_t(VarC)) * p.N + 5 * cpb;
  const size_t smem = sizeof(float) * (2 * rows * kPad + 4 * cpb * p.N * kPad + 4 * cpb);
  auto kernel = scan_backward_kernel<T, VarB, VarC, S>;
  check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
             "raising the backward kernel's shared-memory limit");
  kernel<<<scan_grid(p, tiling), static_cast<unsigned>(cpb * p.N), smem, static_cast<cudaStream_t>(p.stream)>>>(p, io, tiling, walk, du_acc,
                                                                                                 aligned);
  check_cuda(cudaGetLastError(), "launching the backward kernel");
}

template <typename T> void launch_backward(const Problem& p, const BackwardIO& io_in) {
  auto stream = static_cast<cudaStream_t>(p.stream);
  BackwardIO io = io_in;
  const int64_t n = p.batch * p.E * p.L;
  if (p.z) {
    gate_backward_kernel<T><<<elementwise_blocks(n), 256, 0, stream>>>(n, static_cast<const T*>(io.dout), static_cast<const T*>(p.z),
                                                               io.y_pre, io.g, static_cast<T*>(io.dz));
    check_cuda(cudaGetLastError(), "launching the gate backward");
  } else {
    io.g = nullptr;
  }
  // K > 1: directions add du into a zeroed float accumulator — du itself when it is fp32.
  float* du_acc = nullptr;
  if (p.K > 1) {
    du_acc = std::is_same<T, float>::value ? static_cast<float*>(io.du) : io.du_acc;
    check_cuda(cudaMemsetAsync(du_acc, 0, sizeof(float) * n, stream), "zeroing the du accumulator");
  }
  const bool aligned = vector_aligned<T>({p.u, p.delta, io.dout, p.groups_B > 0 ? p.B : nullptr,
                                          p.groups_C > 0 ? p.Cm : nullptr}) &&
                       vector_aligned<float>({io.g, p.groups_B > 0 ? io.dB : nullptr, p.groups_C > 0 ? io.dC : nullptr, du_acc}) &&
                       vector_aligned<T>({io.du, io.ddelta});
  with_variant(p, [&](auto vb, auto vc, auto s) {
    launch<T, decltype(vb)::value, decltype(vc)::value, decltype(s)::value>(p, io, du_acc, aligned);
  });
  if (du_acc && du_acc != io.du) {
    finish_backward_kernel<T><<<elementwise_blocks(n), 256, 0, stream>>>(n, du_acc, static_cast<T*>(io.du));
    check_cuda(cudaGetLastError(), "launching the backward's finishing kernel");
  }
}

}  // namespace
}  // namespace mno::ops::scan_cuda::detail

namespace mno::ops::scan_cuda {

void backward(const Problem& p, const BackwardIO& io) {
  if (p.N < 1 || p.N > detail::kMaxThreads) throw std::runtime_error("selective_scan (CUDA): state size N must be in 1..256");
  if (!io.chunk_states) throw std::runtime_error("selective_scan (CUDA): backward needs the forward's chunk_states");
  if (p.z && (!io.y_pre || !io.g || !io.dz)) throw std::runtime_error("selective_scan (CUDA): backward with z needs y_pre, g and dz");
  if (p.K > 1 && p.dtype != DType::f32 && !io.du_acc)
    throw std::runtime_error("selective_scan (CUDA): backward with K > 1 in fp16/bf16 needs du_acc");
  if (p.batch > 65535) throw std::runtime_error("selective_scan (CUDA): batch must be at most 65535");
  switch (p.dtype) {
    case DType::f32: return detail::launch_backward<float>(p, io);
    case DType::f16: return detail::launch_backward<__half>(p, io);
    case DType::bf16: return detail::launch_backward<__nv_bfloat16>(p, io);
  }
}

}  // namespace mno::ops::scan_cuda
