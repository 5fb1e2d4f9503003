// The backward kernel (layout: config.cuh; same blocks as the forward). Chunks are walked in
// reverse. Per chunk and state n, the forward states are recomputed from the state the forward
// saved at the chunk start (fold, warp scan, pass), then the reverse recurrence
//   dh_t = g_t·C_t + a_{t+1}·dh_{t+1},   g = dL/dy before the gate,
// runs the same way backwards (fold, reverse warp scan, pass), with a_{t+1}·dh_{t+1} of the
// chunk's first step carried into the previous chunk. One exp per (position, state).
// Gradients: du and dΔ per position (summed over n in registers; du summed over directions
// like y in the forward), dA and time-invariant dB/dC per channel (warp sums, one atomic per
// block), input-dependent dB/dC summed over the block's channels in shared memory, then one
// atomic per (state, position) per block.
#include "mno/ops/selective_scan/cuda/common.cuh"

namespace mno::ops::scan_cuda::detail {
namespace {

template <typename T>
__global__ void __launch_bounds__(kMaxWarps * 32, 2) scan_backward_kernel(Problem p, BackwardIO io, Tiling tiling, Walk walk,
                                                                       int nsaved, bool stage_bc) {
  extern __shared__ float4 smem4[];
  float* smem = reinterpret_cast<float*>(smem4);
  const int W = blockDim.x / 32, N = static_cast<int>(p.N), L = static_cast<int>(p.L);
  const bool var_B = p.groups_B > 0, var_C = p.groups_C > 0;
  const bool stB = stage_bc && var_B, stC = stage_bc && var_C;
  float* Bs = smem;                          // [N][kChunk] when staged
  float* Cs = Bs + (stB ? N * kChunk : 0);
  float* ds = Cs + (stC ? N * kChunk : 0);   // [W][kRowStride]: delta (before bias and softplus), then dΔ
  float* us = ds + W * kRowStride;           //                  u, then du of this direction
  float* gs = us + W * kRowStride;           //                  g (0 past L)
  float* slots = gs + W * kRowStride;        // [2 parities][2: dB, dC][W][kChunk]: per-channel terms of one state
  float* carry = slots + 4 * W * kChunk;     // [W][N]: a·dh of the first step of the chunk after
  float* a2s = carry + W * N;                //         A·log2(e)
  float* as = a2s + W * N;                   //         A
  float* dAs = as + W * N;                   //         dA sums
  float* bis = dAs + W * N;                  //         time-invariant B, C and their gradient sums
  float* cis = bis + W * N;
  float* dbis = cis + W * N;
  float* dcis = dbis + W * N;
  float* h0s = dcis + W * N;                 //         the forward's state at the chunk start

  int e0, count;
  tiling.locate(blockIdx.x, e0, count);
  const int64_t b = blockIdx.y, E = p.E, C = p.C;
  const int w = threadIdx.x / 32, lane = threadIdx.x % 32;
  const bool active = w < count;
  const int64_t e = e0 + (active ? w : 0);
  const T* u = static_cast<const T*>(p.u);
  const T* delta = static_cast<const T*>(p.delta);
  const T* dout = static_cast<const T*>(io.dout);
  const int nchunks = (L + kChunk - 1) / kChunk;

  for (int k = 0; k < p.K; ++k) {
    const int64_t c0 = k * E + e0, c = k * E + e;
    const T* Bg = group_base<T>(p.B, p.groups_B, C, b, c0, N, L);
    const T* Cg = group_base<T>(p.Cm, p.groups_C, C, b, c0, N, L);
    float* dBg = var_B ? io.dB + (b * p.groups_B + c0 / (C / p.groups_B)) * int64_t(N) * L : nullptr;
    float* dCg = var_C ? io.dC + (b * p.groups_C + c0 / (C / p.groups_C)) * int64_t(N) * L : nullptr;
    const MatrixSource<T> Bsrc{stB ? Bs : nullptr, Bg}, Csrc{stC ? Cs : nullptr, Cg};
    __syncthreads();
    for (int i = threadIdx.x; i < W * N; i += blockDim.x) {
      const int64_t cc = c0 + min(i / N, count - 1), n = i % N;
      carry[i] = dAs[i] = dbis[i] = dcis[i] = 0.f;
      as[i] = p.A[cc * N + n];
      a2s[i] = as[i] * kLog2e;
      if (!var_B) bis[i] = static_cast<const float*>(p.B)[cc * N + n];
      if (!var_C) cis[i] = static_cast<const float*>(p.Cm)[cc * N + n];
    }
    const float Dc = p.D ? p.D[c] : 0.f, bias = p.delta_bias ? p.delta_bias[c] : 0.f;
    float dD = 0.f, dbias = 0.f;

    for (int j = nchunks - 1; j >= 0; --j) {
      const int t0 = j * kChunk, steps = min(kChunk, L - t0);
      __syncthreads();
      if (stB) stage_matrix(Bs, Bg, N, L, k, t0, steps, walk);
      if (stC) stage_matrix(Cs, Cg, N, L, k, t0, steps, walk);
      stage_rows(ds, delta + (b * C + c0) * L, W, count, L, k, t0, steps, walk);
      stage_rows(us, u + (b * E + e0) * L, W, count, L, k, t0, steps, walk);
      if (io.g) stage_rows(gs, io.g + (b * E + e0) * L, W, count, L, k, t0, steps, walk);
      else stage_rows(gs, dout + (b * E + e0) * L, W, count, L, k, t0, steps, walk);
      // The forward's states at this chunk's start, for the tile's channels.
      for (int i = threadIdx.x; i < W * N; i += blockDim.x)
        h0s[i] = io.chunk_states[((b * C + c0 + min(i / N, count - 1)) * nsaved + j) * N + i % N];
      __syncthreads();

      float raw[kItems], dl[kItems], x[kItems], g[kItems], sB[kItems], dd[kItems];
      load_items<kItems + 4>(ds + w * kRowStride, lane, raw);
      load_items<kItems + 4>(us + w * kRowStride, lane, x);
      load_items<kItems + 4>(gs + w * kRowStride, lane, g);
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        const int s = lane * kItems + i;
        // Past L: Δ = 0 (the state passes unchanged) and g = 0.
        raw[i] += bias;
        dl[i] = s < steps ? (p.delta_softplus ? softplus(raw[i]) : raw[i]) : 0.f;
        sB[i] = dd[i] = 0.f;
        dD = fmaf(g[i], x[i], dD);
      }
      for (int n = 0; n < N; ++n) {
        const float a2 = a2s[w * N + n], An = as[w * N + n];
        float bv[kItems], a[kItems], h[kItems], ah[kItems];
        Bsrc.load(n, lane, L, k, t0, steps, walk, var_B ? 0.f : bis[w * N + n], bv);
        // Forward states of the chunk from the saved state at its start.
        float P = 1.f, H = 0.f;
#pragma unroll
        for (int i = 0; i < kItems; ++i) {
          a[i] = fast_exp2(dl[i] * a2);
          H = fmaf(a[i], H, dl[i] * x[i] * bv[i]);
          P *= a[i];
        }
        warp_scan_up(P, H, lane);
        const float h0 = h0s[w * N + n];
        const float hend = fmaf(P, h0, H);
        float hp = __shfl_up_sync(0xffffffffu, hend, 1);
        if (lane == 0) hp = h0;
#pragma unroll
        for (int i = 0; i < kItems; ++i) {
          ah[i] = a[i] * hp;  // a_t·h_{t-1}
          h[i] = fmaf(dl[i] * x[i], bv[i], ah[i]);
          hp = h[i];
        }
        // Reverse recurrence: this lane's map of the incoming a·dh, then the warp's.
        float cv[kItems];
        Csrc.load(n, lane, L, k, t0, steps, walk, var_C ? 0.f : cis[w * N + n], cv);
        float Pr = 1.f, Hr = 0.f;
#pragma unroll
        for (int i = kItems - 1; i >= 0; --i) {
          Hr = a[i] * fmaf(g[i], cv[i], Hr);
          Pr *= a[i];
        }
        warp_scan_down(Pr, Hr, lane);
        const float cin = carry[w * N + n];
        const float out = fmaf(Pr, cin, Hr);  // a·dh at this lane's first step
        float r = __shfl_down_sync(0xffffffffu, out, 1);
        if (lane == 31) r = cin;
        if (lane == 0) carry[w * N + n] = out;
        float dBv[kItems], dCv[kItems], dA = 0.f;
#pragma unroll
        for (int i = kItems - 1; i >= 0; --i) {
          const float dh = fmaf(g[i], cv[i], r);
          r = a[i] * dh;
          dCv[i] = g[i] * h[i];
          dBv[i] = dh * dl[i] * x[i];
          sB[i] = fmaf(dh, bv[i], sB[i]);
          const float q = dh * ah[i];  // dL/da_t · a_t
          dd[i] = fmaf(An, q, dd[i]);
          dA = fmaf(q, dl[i], dA);
        }
        dA = warp_sum(dA);
        if (lane == 0) dAs[w * N + n] += dA;
        if (!var_B || !var_C) {
          float sb = 0.f, sc = 0.f;
#pragma unroll
          for (int i = 0; i < kItems; ++i) sb += dBv[i], sc += dCv[i];
          if (!var_B) sb = warp_sum(sb);
          if (!var_C) sc = warp_sum(sc);
          if (lane == 0 && !var_B) dbis[w * N + n] += sb;
          if (lane == 0 && !var_C) dcis[w * N + n] += sc;
        }
        if (var_B || var_C) {
          // Sum the block's channels for this state: each warp writes its row of the parity's slots,
          // then every thread adds the columns it owns. Two parities: one barrier per state.
          float* slot = slots + (n & 1) * 2 * W * kChunk;
          if (var_B) store_items<kItems>(slot + w * kChunk, lane, dBv);
          if (var_C) store_items<kItems>(slot + (W + w) * kChunk, lane, dCv);
          __syncthreads();
          for (int s = threadIdx.x; s < steps; s += blockDim.x) {
            const int64_t off = int64_t(n) * L + walk(k, t0 + s);
            float sb = 0.f, sc = 0.f;
            for (int v = 0; v < count; ++v) {
              sb += slot[v * kChunk + s];
              sc += slot[(W + v) * kChunk + s];
            }
            if (var_B) atomicAdd(dBg + off, sb);
            if (var_C) atomicAdd(dCg + off, sc);
          }
        }
      }

      // du (this direction) and dΔ through the warp's own rows, then coalesced stores.
      float du[kItems], ddl[kItems];
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        du[i] = fmaf(dl[i], sB[i], Dc * g[i]);
        ddl[i] = fmaf(x[i], sB[i], dd[i]) * (p.delta_softplus ? dsoftplus(raw[i]) : 1.f);
        if (lane * kItems + i < steps) dbias += ddl[i];
      }
      __syncwarp();
      store_items<kItems + 4>(us + w * kRowStride, lane, du);
      store_items<kItems + 4>(ds + w * kRowStride, lane, ddl);
      __syncwarp();
      if (active) {
        const bool first = k == 0, last = k == p.K - 1;
        float v[kItems];
        int64_t pos[kItems];
#pragma unroll
        for (int m = 0; m < kItems; ++m) {  // loads first, then the stores
          const int s = lane + 32 * m;
          pos[m] = s < steps ? walk(k, t0 + s) : 0;
          v[m] = us[w * kRowStride + row_index(s)];
          if (!first && s < steps) v[m] += io.du_acc[(b * E + e) * L + pos[m]];
        }
#pragma unroll
        for (int m = 0; m < kItems; ++m) {
          const int s = lane + 32 * m;
          if (s >= steps) break;
          static_cast<T*>(io.ddelta)[(b * C + c) * L + pos[m]] = from_f<T>(ds[w * kRowStride + row_index(s)]);
          const int64_t idx = (b * E + e) * L + pos[m];
          if (last) static_cast<T*>(io.du)[idx] = from_f<T>(v[m]);
          else io.du_acc[idx] = v[m];
        }
      }
    }
    // Per-channel gradients of this direction: one atomic each per block (other batch rows add).
    __syncthreads();
    dD = warp_sum(dD);
    dbias = warp_sum(dbias);
    if (active) {
      for (int n = lane; n < N; n += 32) {
        atomicAdd(io.dA + c * N + n, dAs[w * N + n]);
        if (!var_B) atomicAdd(io.dB + c * N + n, dbis[w * N + n]);
        if (!var_C) atomicAdd(io.dC + c * N + n, dcis[w * N + n]);
      }
      if (lane == 0 && io.dD) atomicAdd(io.dD + c, dD);
      if (lane == 0 && io.ddelta_bias) atomicAdd(io.ddelta_bias + c, dbias);
    }
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

template <typename T> void launch_backward(const Problem& p, const BackwardIO& io_in) {
  auto stream = static_cast<cudaStream_t>(p.stream);
  BackwardIO io = io_in;
  const int64_t n = p.batch * p.E * p.L;
  if (p.z) {
    const int blocks = static_cast<int>(std::min<int64_t>((n + 255) / 256, 65536));
    gate_backward_kernel<T><<<blocks, 256, 0, stream>>>(n, static_cast<const T*>(io.dout), static_cast<const T*>(p.z),
                                                          io.y_pre, io.g, static_cast<T*>(io.dz));
    check_cuda(cudaGetLastError(), "launching the gate backward");
  } else {
    io.g = nullptr;
  }
  const int warps = warps_per_block(p);
  const Tiling tiling = make_tiling(p, warps);
  const Walk walk{static_cast<int>(p.K), static_cast<int>(p.L), static_cast<int>(p.height), static_cast<int>(p.width)};
  const bool stage_bc = p.N <= kStageMaxN;
  const int stB = stage_bc && p.groups_B > 0, stC = stage_bc && p.groups_C > 0;
  const size_t smem = sizeof(float) * ((stB + stC) * p.N * kChunk + 3 * warps * kRowStride + 4 * warps * kChunk +
                                       9 * warps * p.N);
  auto kernel = scan_backward_kernel<T>;
  check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
             "raising the backward kernel's shared-memory limit");
  const dim3 grid(static_cast<unsigned>(tiling.blocks()), static_cast<unsigned>(p.batch));
  kernel<<<grid, warps * 32, smem, stream>>>(p, io, tiling, walk, static_cast<int>(saved_chunks(p.L, p.N)), stage_bc);
  check_cuda(cudaGetLastError(), "launching the backward kernel");
}

}  // namespace
}  // namespace mno::ops::scan_cuda::detail

namespace mno::ops::scan_cuda {

void backward(const Problem& p, const BackwardIO& io) {
  if (p.N < 1 || p.N > 256) throw std::runtime_error("selective_scan (CUDA): state size N must be in 1..256");
  if (!io.chunk_states) throw std::runtime_error("selective_scan (CUDA): backward needs the forward's chunk_states");
  if (p.z && (!io.y_pre || !io.g || !io.dz)) throw std::runtime_error("selective_scan (CUDA): backward with z needs y_pre, g and dz");
  if (p.K > 1 && !io.du_acc) throw std::runtime_error("selective_scan (CUDA): backward with K > 1 needs du_acc");
  if (p.batch > 65535) throw std::runtime_error("selective_scan (CUDA): batch must be at most 65535");
  switch (p.dtype) {
    case DType::f32: return detail::launch_backward<float>(p, io);
    case DType::f16: return detail::launch_backward<__half>(p, io);
    case DType::bf16: return detail::launch_backward<__nv_bfloat16>(p, io);
  }
}

}  // namespace mno::ops::scan_cuda
