// The forward kernel (layout: config.cuh). Per block: one batch row, a tile of u-channels (one
// per warp), every direction in turn; per chunk of kChunk steps: stage B/C and the Δ/u rows,
// then for each state n a fold over the lane's steps, a warp scan of the lanes' affine maps
// with the chunk's incoming state, and a pass that produces the states and adds C·h into y.
// y is summed over directions on the way: direction 0 writes the fp32 sum buffer, later ones add
// to it, the last one writes y (gated by SiLU(z) if given) — one write of y, none per direction.
#include "mno/ops/selective_scan/cuda/common.cuh"

namespace mno::ops::scan_cuda::detail {
namespace {

template <typename T>
__global__ void __launch_bounds__(kMaxWarps * 32) scan_forward_kernel(Problem p, ForwardOut out, Tiling tiling, Walk walk,
                                                                      int nsaved, bool stage_bc) {
  extern __shared__ float4 smem4[];
  float* smem = reinterpret_cast<float*>(smem4);
  const int W = blockDim.x / 32, N = static_cast<int>(p.N), L = static_cast<int>(p.L);
  const bool var_B = p.groups_B > 0, var_C = p.groups_C > 0;
  const bool stB = stage_bc && var_B, stC = stage_bc && var_C;
  float* Bs = smem;                          // [N][kChunk] when staged
  float* Cs = Bs + (stB ? N * kChunk : 0);
  float* ds = Cs + (stC ? N * kChunk : 0);   // [W][kRowStride]: delta (0 past L)
  float* us = ds + W * kRowStride;           //                  u, then this chunk's y
  float* hc = us + W * kRowStride;           // [W][N]: the state carried into the next chunk
  float* a2s = hc + W * N;                   //         A·log2(e)
  float* bis = a2s + W * N;                  //         time-invariant B
  float* cis = bis + W * N;                  //         time-invariant C

  int e0, count;
  tiling.locate(blockIdx.x, e0, count);
  const int64_t b = blockIdx.y, E = p.E, C = p.C;
  const int w = threadIdx.x / 32, lane = threadIdx.x % 32;
  const bool active = w < count;
  const int64_t e = e0 + (active ? w : 0);
  const T* u = static_cast<const T*>(p.u);
  const T* delta = static_cast<const T*>(p.delta);
  const T* z = static_cast<const T*>(p.z);
  T* y = static_cast<T*>(out.y);
  float* acc = out.y_acc;
  const int nchunks = (L + kChunk - 1) / kChunk;

  for (int k = 0; k < p.K; ++k) {
    const int64_t c0 = k * E + e0, c = k * E + e;
    const T* Bg = group_base<T>(p.B, p.groups_B, C, b, c0, N, L);
    const T* Cg = group_base<T>(p.Cm, p.groups_C, C, b, c0, N, L);
    const MatrixSource<T> Bsrc{stB ? Bs : nullptr, Bg}, Csrc{stC ? Cs : nullptr, Cg};
    __syncthreads();  // the previous direction is done with shared memory and its y sums are visible
    for (int i = threadIdx.x; i < W * N; i += blockDim.x) {
      const int64_t cc = c0 + min(i / N, count - 1), n = i % N;
      hc[i] = 0.f;
      a2s[i] = p.A[cc * N + n] * kLog2e;
      if (!var_B) bis[i] = static_cast<const float*>(p.B)[cc * N + n];
      if (!var_C) cis[i] = static_cast<const float*>(p.Cm)[cc * N + n];
    }
    const float Dc = p.D ? p.D[c] : 0.f, bias = p.delta_bias ? p.delta_bias[c] : 0.f;

    for (int j = 0; j < nchunks; ++j) {
      const int t0 = j * kChunk, steps = min(kChunk, L - t0);
      __syncthreads();
      if (stB) stage_matrix(Bs, Bg, N, L, k, t0, steps, walk);
      if (stC) stage_matrix(Cs, Cg, N, L, k, t0, steps, walk);
      stage_rows(ds, delta + (b * C + c0) * L, W, count, L, k, t0, steps, walk);
      stage_rows(us, u + (b * E + e0) * L, W, count, L, k, t0, steps, walk);
      __syncthreads();

      float dl[kItems], x[kItems], yv[kItems];
      load_items<kItems + 4>(ds + w * kRowStride, lane, dl);
      load_items<kItems + 4>(us + w * kRowStride, lane, x);
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        // Δ = softplus(delta + bias); Δ = 0 past L keeps the state unchanged (mamba_ssm #368).
        const float v = dl[i] + bias;
        dl[i] = lane * kItems + i < steps ? (p.delta_softplus ? softplus(v) : v) : 0.f;
        yv[i] = Dc * x[i];
      }
      const bool saves = out.chunk_states && active && lane == 0;
      for (int n = 0; n < N; ++n) {
        const float a2 = a2s[w * N + n];
        float bv[kItems], a[kItems], bb[kItems];
        Bsrc.load(n, lane, L, k, t0, steps, walk, var_B ? 0.f : bis[w * N + n], bv);
        float P = 1.f, H = 0.f;
#pragma unroll
        for (int i = 0; i < kItems; ++i) {
          a[i] = fast_exp2(dl[i] * a2);
          bb[i] = dl[i] * x[i] * bv[i];
          H = fmaf(a[i], H, bb[i]);
          P *= a[i];
        }
        warp_scan_up(P, H, lane);
        const float carry = hc[w * N + n];
        const float hend = fmaf(P, carry, H);
        float h = __shfl_up_sync(0xffffffffu, hend, 1);
        if (lane == 0) h = carry;
        if (saves) out.chunk_states[((b * C + c) * nsaved + j) * N + n] = carry;
        float cv[kItems];
        Csrc.load(n, lane, L, k, t0, steps, walk, var_C ? 0.f : cis[w * N + n], cv);
#pragma unroll
        for (int i = 0; i < kItems; ++i) {
          h = fmaf(a[i], h, bb[i]);
          yv[i] = fmaf(cv[i], h, yv[i]);
        }
        if (lane == 31) hc[w * N + n] = h;  // past L, Δ = 0 leaves it unchanged
      }

      // This chunk's y through the warp's own row, then coalesced stores in walk order.
      __syncwarp();
      store_items<kItems + 4>(us + w * kRowStride, lane, yv);
      __syncwarp();
      if (active) {
        // Loads first (the running sums of earlier directions, the gate), then the stores.
        const bool first = k == 0, last = k == p.K - 1;
        float v[kItems], zv[kItems];
        int64_t idx[kItems];
#pragma unroll
        for (int m = 0; m < kItems; ++m) {
          const int s = lane + 32 * m;
          const bool on = s < steps;
          idx[m] = (b * E + e) * L + (on ? walk(k, t0 + s) : 0);
          v[m] = us[w * kRowStride + row_index(s)];
          if (!first && on) v[m] += acc[idx[m]];
          zv[m] = z && last && on ? to_f(z[idx[m]]) : 0.f;
        }
#pragma unroll
        for (int m = 0; m < kItems; ++m) {
          if (lane + 32 * m >= steps) break;
          if (!last || z) acc[idx[m]] = v[m];  // the running sum; at the end, the pre-gate y kept for backward
          if (last) y[idx[m]] = from_f<T>(z ? v[m] * silu(zv[m]) : v[m]);
        }
      }
    }
    __syncwarp();
    if (out.last_state && active)
      for (int n = lane; n < N; n += 32) out.last_state[(b * C + c) * N + n] = hc[w * N + n];
  }
}

template <typename T> void launch_forward(const Problem& p, const ForwardOut& out) {
  auto stream = static_cast<cudaStream_t>(p.stream);
  const int warps = warps_per_block(p);
  const Tiling tiling = make_tiling(p, warps);
  const Walk walk{static_cast<int>(p.K), static_cast<int>(p.L), static_cast<int>(p.height), static_cast<int>(p.width)};
  const bool stage_bc = p.N <= kStageMaxN;
  const int stB = stage_bc && p.groups_B > 0, stC = stage_bc && p.groups_C > 0;
  const size_t smem = sizeof(float) * ((stB + stC) * p.N * kChunk + 2 * warps * kRowStride + 4 * warps * p.N);
  auto kernel = scan_forward_kernel<T>;
  check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
             "raising the forward kernel's shared-memory limit");
  const dim3 grid(static_cast<unsigned>(tiling.blocks()), static_cast<unsigned>(p.batch));
  kernel<<<grid, warps * 32, smem, stream>>>(p, out, tiling, walk, static_cast<int>(saved_chunks(p.L, p.N)), stage_bc);
  check_cuda(cudaGetLastError(), "launching the forward kernel");
}

}  // namespace
}  // namespace mno::ops::scan_cuda::detail

namespace mno::ops::scan_cuda {

void forward(const Problem& p, const ForwardOut& out) {
  if (p.N < 1 || p.N > 256) throw std::runtime_error("selective_scan (CUDA): state size N must be in 1..256");
  if ((p.K > 1 || p.z) && !out.y_acc) throw std::runtime_error("selective_scan (CUDA): y_acc is required when K > 1 or z is given");
  if (p.batch > 65535) throw std::runtime_error("selective_scan (CUDA): batch must be at most 65535");
  switch (p.dtype) {
    case DType::f32: return detail::launch_forward<float>(p, out);
    case DType::f16: return detail::launch_forward<__half>(p, out);
    case DType::bf16: return detail::launch_forward<__nv_bfloat16>(p, out);
  }
}

}  // namespace mno::ops::scan_cuda
