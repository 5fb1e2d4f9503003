#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree: builds mno (tools/device/build.sh, no tests),
# generates PDEBench-layout data with mno's own solvers at PDEBench's 128 x 128 resolution, and
# trains the MNO and the attention twin of one host at the paper's 64 x 64 (stride 2), then
# evaluates both. Copies each run's report, metrics, log and plots (not checkpoints) to OUT.
# Usage: tools/device/train-runs.sh DEBS_DIR OUT_DIR DATASET SAMPLES EPOCHS [HOST [MIXERS...]]
#   e.g. tools/device/train-runs.sh .device-debs $OUT darcy 5000 3 gt mamba galerkin
set -euo pipefail
DEBS=$1 OUT=$2 DATASET=$3 SAMPLES=$4 EPOCHS=$5 HOST=${6:-gt}
shift 5; shift || true
MIXERS=("$@"); [[ ${#MIXERS[@]} -eq 0 ]] && MIXERS=(mamba galerkin)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$DEBS" "$OUT" > "$OUT/build-steps.log" 2>&1 \
  || { tail -30 "$OUT/build-steps.log"; exit 1; }
MNO=/tmp/mno-build/mno
DATA=/tmp/mno-data; RUNS=/tmp/mno-runs
mkdir -p "$DATA" "$RUNS"
case $DATASET in
  darcy) FILE=$DATA/2D_DarcyFlow_beta1.0_Train.hdf5 ;;
  swe) FILE=$DATA/2D_rdb_NA_NA.h5 ;;
  diffreact) FILE=$DATA/2D_diff-react_NA_NA.h5 ;;
esac
if [[ ! -f $FILE ]]; then
  echo "== generate $DATASET: $SAMPLES samples at 128x128"
  /usr/bin/time -f "generated in %e s" "$MNO" generate "$DATASET" --samples "$SAMPLES" --resolution 128 --out "$FILE" 2>&1 | tail -2
fi
for mixer in "${MIXERS[@]}"; do
  name=${DATASET}_${HOST}_${mixer}
  echo "== train $name ($EPOCHS epochs)"
  cmd=(train -c "configs/$DATASET/${HOST}_${mixer}.yaml" "data.file=$FILE" "train.epochs=$EPOCHS" "train.device=cuda" --out "$RUNS/$name")
  echo "mno ${cmd[*]}" | tee "$OUT/$name.command"
  MNO_PROGRESS=lines "$MNO" "${cmd[@]}" 2>&1 | grep -v "^epoch [0-9]*/[0-9]*: [0-9]*/" | tee "$OUT/$name.log" | tail -8
  mkdir -p "$OUT/$name"
  cp -r "$RUNS/$name"/{config.yaml,log.csv,metrics.json,along_time.csv,report.md,plots} "$OUT/$name/" 2>/dev/null || true
done
if [[ ${BF16_SMOKE:-0} == 1 ]]; then   # bf16 autocast: one short run of the first mixer
  echo "== bf16 smoke: ${HOST}_${MIXERS[0]}, 1 epoch on 160 samples"
  "$MNO" train -c "configs/$DATASET/${HOST}_${MIXERS[0]}.yaml" "data.file=$FILE" data.train_samples=160 \
    data.test_samples=16 train.epochs=1 train.device=cuda train.bf16=true --out "$RUNS/bf16_$DATASET" 2>&1 \
    | grep -E "^epoch|^\||error" | tee "$OUT/bf16_$DATASET.log"
fi
nvidia-smi --query-gpu=name --format=csv,noheader || true
