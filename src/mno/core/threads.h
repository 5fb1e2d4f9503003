#pragma once
// LibTorch's intra-op thread count. Debian's LibTorch starts with one thread on these machines,
// so every entry point sets it explicitly (docs/architecture.md).
namespace mno {

// Sets the intra-op thread count; n <= 0 means "all cores". Returns the count in effect.
int set_threads(int n);

// Subnormal floats read and computed as zero on the CPU (LibTorch's set_flush_denormal: the FTZ
// and DAZ bits), for this thread and every thread it starts afterwards — call it first thing.
// Adam's second moments of parameters whose gradients are ~1e-20 (S6's A_log, Δ bias) fall below
// 1.2e-38, and x86 handles each subnormal operand in microcode, 10–100x slower: in the demo-size
// GT-Mamba step, Adam's sqrt alone took 21 ms of 620 (docs/performance.md). Flushing them changes
// values below 1.2e-38 only. Returns whether the CPU supports it.
bool flush_denormals_to_zero();

// OpenBLAS's own thread pool (LibTorch's CPU matmuls go to libblas.so.3, OpenBLAS's pthread
// build here): n >= 1 threads, or n <= 0 for the default — 1 when LibTorch runs at most 2
// intra-op threads, else as many as LibTorch. Why: OpenBLAS's threads and LibTorch's OpenMP
// threads both spin while waiting for work, and on 2 cores the two pools took turns stealing
// the cores: GT's demo-size Galerkin step ran 291 ms with 2 OpenBLAS threads and 120 ms with 1
// (docs/performance.md). Measured on 2 cores only, so larger machines keep parallel BLAS unless
// asked (--blas-threads). Call after set_threads. Returns the count in effect, or -1 where the BLAS
// is not OpenBLAS (nothing changed then).
int set_blas_threads(int n);

// The number of hardware threads (at least 1).
int hardware_threads();

}  // namespace mno
