#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree. GT with Galerkin attention under the paper's
# OneCycle *schedule shape* (docs/training.md, "GT with Galerkin attention diverged"): the run
# that diverged squeezed the warm-up into ~505 steps; the authors' 100 epochs of 9,000 samples
# rise over ~10,100 steps to the peak at step ~10,125 of 33,749. Here the total step count is set
# by SAMPLES and EPOCHS (default 2,000 samples -> 1,800 train -> 225 steps/epoch x 75 epochs =
# 16,875 steps, peak at ~5,060) and training stops after STEPS (default 7,000: past the peak) or
# LIMIT_S seconds, whichever comes first (STOP_AFTER, not STEPS: build.sh, sourced, sets STEPS). Writes OUT/log.csv (per epoch: lr, train loss, test
# nRMSE), OUT/train.log and OUT/summary.txt.
# Usage: tools/device/gt-galerkin-schedule.sh [DEBS_DIR] [OUT_DIR] [SAMPLES] [EPOCHS] [STEPS] [LIMIT_S]
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=${1:-$SRC/.device-debs} OUT=${2:-${OUT:-/tmp/mno-out}} SAMPLES=${3:-2000} EPOCHS=${4:-75} STOP_AFTER=${5:-7000} LIMIT_S=${6:-300}
mkdir -p "$OUT"
MNO_BUILD_TARGET=${MNO_BUILD_TARGET:-mno_cli} MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$DEBS" "$OUT" \
  > "$OUT/build-steps.log" 2>&1 || { tail -30 "$OUT/build-steps.log"; exit 1; }
cd "$SRC"
MNO=/tmp/mno-build/mno DATA=/tmp/mno-data/darcy-128-$SAMPLES.h5 RUN=/tmp/mno-runs-sched/gt_galerkin
mkdir -p "$(dirname "$DATA")" "$(dirname "$RUN")"
start=$(date +%s)
[[ -f $DATA ]] || "$MNO" generate darcy --samples "$SAMPLES" --resolution 128 --out "$DATA" 2>&1 | tail -1
echo "generated in $(( $(date +%s) - start )) s"
set +e
MNO_PROGRESS=lines timeout --signal=INT "$LIMIT_S" "$MNO" train -c configs/darcy/gt_galerkin.yaml "data.file=$DATA" \
  "train.epochs=$EPOCHS" train.device=cuda --stop-after-steps "$STOP_AFTER" --out "$RUN" --overwrite > "$OUT/train.log" 2>&1
rc=$?
set -e
cp "$RUN/log.csv" "$OUT/log.csv" 2>/dev/null || true
{ echo "exit $rc after $(( $(date +%s) - start )) s; $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1), $(date -u +%F)"
  echo "mno train -c configs/darcy/gt_galerkin.yaml data.file=<$SAMPLES samples, 128² -> 64²> train.epochs=$EPOCHS --stop-after-steps $STOP_AFTER"
  cat "$OUT/log.csv" 2>/dev/null; } > "$OUT/summary.txt"
cat "$OUT/summary.txt"
grep -i "nan\|diverg\|non-finite\|error" "$OUT/train.log" | head -5 || true
