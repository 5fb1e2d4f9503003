#!/usr/bin/env bash
# Run THERE (the GPU machine, 2 GPUs preferred), from a source tree with the authors' code in
# .authors/ (git-ignored; fetched from Math-ML-X/Mamba-Neural-Operator) and the .deb files in
# .device-debs/. GT with Galerkin attention, ours and the authors', side by side from the SAME
# initial weights on the SAME generated Darcy data (docs/training.md):
#   1. the authors' paper-size model, seed 42 -> init.pt (torch.save(state_dict));
#   2. mno import of init.pt into a run of configs/darcy/gt_galerkin.yaml; mno train --resume;
#   3. the authors' training (tools/parity/train_authors_gt.py) with their always-on attention
#      dropout (quirk on) and without it (quirk off, as mno's default), on the second GPU.
# Writes OUT/{ours_log.csv, authors_quirk_on.csv, authors_quirk_off.csv, summary.txt, *.log}.
# Usage: tools/device/gt-galerkin-side-by-side.sh [OUT] [SAMPLES] [EPOCHS] [LIMIT_S]
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-${OUT:-/tmp/mno-out}} SAMPLES=${2:-2000} EPOCHS=${3:-12} LIMIT_S=${4:-330}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
MNO_BUILD_TARGET=mno_cli MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$SRC/.device-debs" "$OUT" \
  > "$OUT/build-steps.log" 2>&1 || { tail -30 "$OUT/build-steps.log"; exit 1; }
cd "$SRC"
MNO=/tmp/mno-build/mno DATA=/tmp/mno-data/darcy-128-$SAMPLES.h5 RUN=/tmp/mno-runs/gt_galerkin_ours
mkdir -p /tmp/mno-data /tmp/mno-runs
start=$(date +%s)
[[ -f $DATA ]] || "$MNO" generate darcy --samples "$SAMPLES" --resolution 128 --out "$DATA" 2>&1 | tail -1
echo "generated in $(( $(date +%s) - start )) s"
python3 tools/parity/train_authors_gt.py --authors .authors --write-init "$OUT/init.pt"
"$MNO" import -c configs/darcy/gt_galerkin.yaml --checkpoint "$OUT/init.pt" --out "$RUN" --overwrite \
  "data.file=$DATA" "train.epochs=$EPOCHS" train.device=cuda 2>&1 | tail -2
GPU2=$(( $(nvidia-smi -L | wc -l) > 1 ? 1 : 0 ))
set +e
MNO_PROGRESS=lines timeout --signal=INT "$LIMIT_S" "$MNO" train --resume "$RUN" --no-eval > "$OUT/ours.log" 2>&1 &
for q in on off; do
  timeout "$LIMIT_S" python3 tools/parity/train_authors_gt.py --authors .authors --init "$OUT/init.pt" --data "$DATA" \
    --epochs "$EPOCHS" --quirk $q --device cuda:$GPU2 --log "$OUT/authors_quirk_$q.csv" > "$OUT/authors_quirk_$q.log" 2>&1 &
done
wait
set -e
cp "$RUN/log.csv" "$OUT/ours_log.csv" 2>/dev/null || true
{ echo "$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1) x $(nvidia-smi -L | wc -l), $(date -u +%F);" \
       "$SAMPLES samples (128² -> 64²), $EPOCHS epochs, same init.pt"
  echo "== ours (mno train --resume after mno import)"; cat "$OUT/ours_log.csv" 2>/dev/null; grep -i "error\|non-finite" "$OUT/ours.log" | head -3
  for q in on off; do echo "== authors, quirk $q"; cat "$OUT/authors_quirk_$q.log"; done; } > "$OUT/summary.txt"
cat "$OUT/summary.txt"
