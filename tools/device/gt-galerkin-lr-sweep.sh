#!/usr/bin/env bash
# Run THERE (the GPU machine), after or instead of gt-galerkin-side-by-side.sh: mno's GT-Galerkin
# from the authors' initial weights at lower OneCycle peaks (the rest of the paper's settings
# kept), on the same generated Darcy data, to choose the shipped configs' max_lr (docs/training.md).
# Writes OUT/lr_<max_lr>.csv (log.csv of each run) and OUT/sweep.txt.
# Usage: tools/device/gt-galerkin-lr-sweep.sh [OUT] [SAMPLES] [EPOCHS] [LIMIT_S] [MAX_LRS...]
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-${OUT:-/tmp/mno-out}} SAMPLES=${2:-1200} EPOCHS=${3:-12} LIMIT_S=${4:-200}
shift $(( $# < 4 ? $# : 4 ))
LRS=("$@"); [[ ${#LRS[@]} -gt 0 ]] || LRS=(1.0e-4 2.5e-4 5.0e-4)
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
MNO_BUILD_TARGET=mno_cli MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$SRC/.device-debs" "$OUT" \
  > "$OUT/build-steps.log" 2>&1 || { tail -30 "$OUT/build-steps.log"; exit 1; }
cd "$SRC"
MNO=/tmp/mno-build/mno DATA=/tmp/mno-data/darcy-128-$SAMPLES.h5
mkdir -p /tmp/mno-data /tmp/mno-runs
[[ -f $DATA ]] || "$MNO" generate darcy --samples "$SAMPLES" --resolution 128 --out "$DATA" 2>&1 | tail -1
[[ -f $OUT/init.pt ]] || python3 tools/parity/train_authors_gt.py --authors .authors --write-init "$OUT/init.pt"
GPUS=$(nvidia-smi -L | wc -l)
i=0
set +e
for lr in "${LRS[@]}"; do
  run=/tmp/mno-runs/gt_galerkin_lr_$lr
  CUDA_VISIBLE_DEVICES=$(( i % GPUS )) "$MNO" import -c configs/darcy/gt_galerkin.yaml --checkpoint "$OUT/init.pt" \
    --out "$run" --overwrite "data.file=$DATA" "train.epochs=$EPOCHS" train.device=cuda "train.schedule.max_lr=$lr" \
    > "$OUT/import_$lr.log" 2>&1 &&
  (CUDA_VISIBLE_DEVICES=$(( i % GPUS )) MNO_PROGRESS=lines timeout --signal=INT "$LIMIT_S" "$MNO" train --resume "$run" \
    --no-eval > "$OUT/train_$lr.log" 2>&1; cp "$run/log.csv" "$OUT/lr_$lr.csv") &
  i=$(( i + 1 ))
done
wait
set -e
for lr in "${LRS[@]}"; do echo "== max_lr $lr"; cat "$OUT/lr_$lr.csv" 2>/dev/null || tail -3 "$OUT/import_$lr.log"; done \
  | tee "$OUT/sweep.txt"
