#!/usr/bin/env bash
# Run THERE (the GPU machine), from the repository root: builds tools/device/scan-lab.cu with the
# CUDA kernels (nvcc only, the .cu files in parallel) and runs it; `scan-lab.sh time` skips the
# correctness checks, `check` the timings. Extra nvcc flags through NVCC_FLAGS (e.g. -lineinfo for a profiler run).
set -euo pipefail
NVCC=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
OBJ=${SCAN_LAB_DIR:-/tmp/scan-lab}
mkdir -p "$OBJ"
flags=(-std=c++17 -O3 -arch=sm_90 --expt-relaxed-constexpr -Isrc -Xptxas=-warn-spills ${NVCC_FLAGS:-})
SECONDS=0
for f in src/mno/ops/selective_scan/cuda/*.cu tools/device/scan-lab.cu; do
  "$NVCC" "${flags[@]}" -c "$f" -o "$OBJ/$(basename "$f").o" &
done
wait
"$NVCC" -arch=sm_90 "$OBJ"/*.o -o "$OBJ/scan-lab"
echo "built in ${SECONDS}s"
[[ ${SCAN_LAB_BUILD_ONLY:-} ]] && exit 0
# With SCAN_LAB_NCU the lab itself runs only if a mode is given (e.g. `time`), before the profiles.
[[ ${SCAN_LAB_NCU:-} && $# -eq 0 ]] || "$OBJ/scan-lab" "$@"
if [[ ${SCAN_LAB_NCU:-} ]] && command -v ncu >/dev/null; then
  # Per-SASS-instruction execution counts and stall samples (the source page), one launch each.
  for kernel in ${SCAN_LAB_NCU_KERNELS:-scan_forward_kernel scan_backward_kernel}; do
    ncu --kernel-name "regex:$kernel" --launch-count 1 --import-source yes --set full -f -o "$OBJ/$kernel" \
        "$OBJ/scan-lab" profile >/dev/null 2>&1 || true
    ncu -i "$OBJ/$kernel.ncu-rep" --page source --csv --print-source sass >"${OUT:-/tmp}/ncu-$kernel-sass.csv" 2>&1 || true
    ncu -i "$OBJ/$kernel.ncu-rep" >"${OUT:-/tmp}/ncu-$kernel.txt" 2>&1 || true
  done
fi
