#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree: unpacks the carried .deb files into a prefix
# (never into /), configures against PyTorch's LibTorch + CUDA for sm_90, builds, runs the GPU
# tests, the CUDA scan benchmark, then the whole test suite.
# Usage: tools/device/build.sh [DEBS_DIR] [OUT_DIR]    (see docs/gpu.md)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=$(cd "${1:-$SRC/.device-debs}" && pwd)
OUT=${2:-${OUT:-/tmp/mno-out}}
PREFIX=/tmp/mno-deps
BUILD=/tmp/mno-build
mkdir -p "$PREFIX" "$OUT"

for deb in "$DEBS"/*.deb; do
  if command -v dpkg >/dev/null; then dpkg -x "$deb" "$PREFIX"
  else (cd "$PREFIX" && ar p "$deb" "$(ar t "$deb" | grep '^data.tar')" | tar -x --zstd -f - 2>/dev/null \
        || ar p "$deb" "$(ar t "$deb" | grep '^data.tar')" | tar -xJ -f -); fi
done
export LD_LIBRARY_PATH=$PREFIX/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}   # LibTorch ignores CMAKE_CUDA_ARCHITECTURES
export CUDACXX=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv || true

echo "== configure"
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$PREFIX/usr" -DMNO_WITH_CUDA=ON -DMNO_CUDA_ARCHS=90 2>&1 | grep -v "^-- Found\|kineto" | tail -20
echo "== build"
time cmake --build "$BUILD" -j"$(nproc)"

echo "== GPU tests"
"$BUILD/mno_tests" --gtest_filter='*Cuda*' --gtest_brief=1 2>&1 | tee "$OUT/gpu-tests.log" | tail -40

echo "== bench"
"$BUILD/mno" bench scan --device cuda --json "$OUT/bench-scan-cuda.json" 2>&1 | tee "$OUT/bench-scan-cuda.md"

echo "== the rest of the test suite (GPU tests ran above, alone: their CPU double reference is slow under -j)"
(cd "$BUILD" && ctest -j4 --timeout 900 -E CudaScan --output-on-failure 2>&1 | tee "$OUT/ctest.log" | tail -25)
