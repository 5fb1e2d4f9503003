// The CPU scan kernel for any target (baseline instruction set).
#define MNO_KERNEL_NS generic
#include "mno/ops/selective_scan/kernel.inc"
