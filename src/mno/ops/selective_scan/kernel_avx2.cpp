// The CPU scan kernel compiled with -mavx2 -mfma (8 floats per vector, fused multiply-add).
#define MNO_KERNEL_NS avx2
#include "mno/ops/selective_scan/kernel.inc"
