#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree with .authors/ filled HERE by
# tools/parity/fetch-authors.sh (and .authors/pylib holding einops, as make_fixtures.py's header says).
# Makes the fp32 parity fixtures of the Mamba rows with mamba_ssm's own CUDA kernel in the loop
# (tests/fixtures/parity_kernel/, checked by tests/models/test_parity.cpp's ParityKernel suite):
#   1. builds mamba_ssm's selective_scan_cuda extension for sm_90 (tools/parity/authors_bench.py build);
#   2. runs tools/parity/make_fixtures.py --scan-extension on the GPU in fp32, Mamba fixtures only;
#   3. leaves $OUT/parity_kernel.tar.gz (unpack HERE into tests/fixtures/) and $OUT/log.txt.
# Device call (the `run` tool): carry .authors, command `tools/device/parity-kernel-fixtures.sh $OUT`.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-${OUT:-/tmp/mno-out}}
BUILD=${MAMBA_BUILD_DIR:-/tmp/mamba-build}
cd "$SRC"
status=0
mkdir -p "$OUT"
LOG=$OUT/log.txt
[[ -d .authors/mamba/csrc/selective_scan && -d .authors/MambaGalerkinTransformer ]] \
  || { echo "parity-kernel-fixtures: .authors/ is missing or incomplete: HERE run tools/parity/fetch-authors.sh and carry .authors" >&2; exit 2; }
{ echo "# parity-kernel-fixtures, $(date -u +%F\ %T) UTC, $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
  echo "sources: $(tr '\n' ' ' < .authors/SOURCES)"; } > "$LOG"
t=$(date +%s)
python3 tools/parity/authors_bench.py build --mamba .authors/mamba --build-dir "$BUILD" --arch 90 \
  --json "$OUT/authors-build.json" >> "$LOG" 2>&1 || { tail -40 "$LOG"; exit 1; }
echo "extension built in $(( $(date +%s) - t )) s" | tee -a "$LOG"
rm -rf /tmp/parity_kernel
PYTHONPATH=$SRC/.authors/pylib${PYTHONPATH:+:$PYTHONPATH} python3 tools/parity/make_fixtures.py --authors .authors \
  --scan-extension "$BUILD" --dtype float32 --mamba-only --out /tmp/parity_kernel 2>&1 | tee -a "$LOG" || status=1
mkdir -p /tmp/parity_kernel
tar -czf "$OUT/parity_kernel.tar.gz" -C /tmp parity_kernel
echo "fixtures: $(ls /tmp/parity_kernel | wc -l), $(du -sh /tmp/parity_kernel | cut -f1)" | tee -a "$LOG"
exit $status
