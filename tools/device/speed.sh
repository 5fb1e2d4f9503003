#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree: the speed issue's measurements in one call.
#   1. builds mno (tools/device/build.sh; MNO_DEVICE_STEPS picks its test steps, default gpu-tests)
#   2. mno bench model --device cuda --repeats 10 --json, with a Kineto trace of 3 AdamW steps per
#      config (--trace: Chrome traces + top kernels and GPU-idle share under the table)
#   3. mno bench scan --device cuda --json
#   4. the authors' side (tools/device/authors-bench.sh) when .authors/ holds their code and
#      mamba's source, and the joined table (tools/parity/join_bench.py)
#   5. a real epoch: GT-Mamba on 4,500 generated Darcy samples at 64 x 64 (stride 2 from 128),
#      one epoch with the training split resident on the GPU and one read from the file
# SPEED_STEPS picks among "bench scan authors epoch" (default: all four).
# Usage: tools/device/speed.sh [DEBS_DIR] [OUT_DIR]    e.g. from the device tool:
#   MNO_BUILD_DIR=build-device tools/device/speed.sh .device-debs $OUT
# (a build directory inside the tree is kept between calls while the machine stays warm)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=${1:-$SRC/.device-debs}
OUT=${2:-${OUT:-/tmp/mno-out}}
mkdir -p "$OUT"
SPEED_STEPS=${SPEED_STEPS:-bench scan authors epoch}
want() { [[ " $SPEED_STEPS " == *" $1 "* ]]; }
export MNO_BUILD_DIR=${MNO_BUILD_DIR:-/tmp/mno-build}
[[ $MNO_BUILD_DIR == /* ]] || MNO_BUILD_DIR=$SRC/$MNO_BUILD_DIR
MNO_DEVICE_STEPS=${MNO_DEVICE_STEPS:-gpu-tests} bash "$SRC/tools/device/build.sh" "$DEBS" "$OUT"
MNO=$MNO_BUILD_DIR/mno
# build.sh's environment (carried libraries, PLplot) is needed by mno here too.
export LD_LIBRARY_PATH=/tmp/mno-deps/libs-missing${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PLPLOT_DRV_DIR=$(echo /tmp/mno-deps/usr/lib/x86_64-linux-gnu/plplot*/drivers)
export PLPLOT_LIB=$(echo /tmp/mno-deps/usr/share/plplot*)
cd "$SRC"

if want bench; then
echo "== mno bench model (with traces) $(date -u +%H:%M:%S)"
mkdir -p "$OUT/traces"
"$MNO" bench model --device cuda --repeats 10 --json "$OUT/bench-model.json" --trace "$OUT/traces/step.json" \
  > "$OUT/bench-model.md" 2> "$OUT/bench-model.err" || { tail -20 "$OUT/bench-model.err"; exit 1; }
sed -n "/^| config/,/^$/p" "$OUT/bench-model.md"
grep -E "^### |idle" "$OUT/bench-model.md" || true
grep -i "kernel for" "$OUT/bench-model.err" || true
(cd "$OUT" && tar czf traces.tgz traces && rm -rf traces)
fi

if want scan; then
echo "== mno bench scan $(date -u +%H:%M:%S)"
"$MNO" bench scan --device cuda --json "$OUT/bench-scan.json" > "$OUT/bench-scan.md" 2>&1 || tail -20 "$OUT/bench-scan.md"
grep -m14 "^|" "$OUT/bench-scan.md" || true
fi

if want authors && [[ -d $SRC/.authors ]]; then
  echo "== the authors' code $(date -u +%H:%M:%S)"
  bash "$SRC/tools/device/authors-bench.sh" "$DEBS" "$OUT/authors" || echo "AUTHORS BENCH FAILED"
  join=()
  [[ -f $OUT/bench-model.json && -f $OUT/authors/authors-models.json ]] && \
    join+=(--ours-model "$OUT/bench-model.json" --authors-model "$OUT/authors/authors-models.json")
  [[ -f $OUT/bench-scan.json && -f $OUT/authors/authors-scan.json ]] && \
    join+=(--ours-scan "$OUT/bench-scan.json" --authors-scan "$OUT/authors/authors-scan.json")
  if [[ ${#join[@]} -gt 0 ]]; then
    python3 "$SRC/tools/parity/join_bench.py" "${join[@]}" --out "$OUT/joined.md" && cat "$OUT/joined.md"
  fi
fi

if want epoch; then
  echo "== a real epoch: GT-Mamba, 4,500 Darcy samples at 64 x 64 $(date -u +%H:%M:%S)"
  DATA=/tmp/mno-data; mkdir -p "$DATA"
  FILE=$DATA/darcy_5000.h5
  [[ -f $FILE ]] || "$MNO" generate darcy --samples 5000 --resolution 128 --out "$FILE" 2>&1 | tail -1
  for resident in true false; do
    "$MNO" train -c configs/darcy/gt_mamba.yaml "data.file=$FILE" train.epochs=1 train.device=cuda \
      "data.resident=$resident" --out "/tmp/mno-runs/epoch_resident_$resident" --overwrite --no-eval \
      > "$OUT/epoch-resident-$resident.log" 2>&1 || { tail -20 "$OUT/epoch-resident-$resident.log"; exit 1; }
    grep -E "^train |resident|^epoch 1/1" "$OUT/epoch-resident-$resident.log"
  done
  "$MNO" bench model configs/darcy/gt_mamba.yaml --device cuda --repeats 20 > "$OUT/epoch-step.md" 2>&1
  grep "^| \./\|^| configs" "$OUT/epoch-step.md" || grep "^|" "$OUT/epoch-step.md" | tail -1
fi
echo "== done $(date -u +%H:%M:%S)"
