#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree, after tools/device/build.sh has built
# /tmp/mno-build (or let this script build it: MNO_DEVICE_STEPS=none, no tests). Structured SSMs
# on CUDA (docs/ssm.md):
#   1. mno bench ssm --device cuda                       -> OUT/bench-ssm-cuda.md
#   2. the ssm tests and the s4/s4d mixer and analyze tests -> OUT/ssm-tests.log
#   3. gt_s4d next to gt_mamba on a small generated Darcy set, same budget (epochs, samples,
#      batch) -> OUT/ssm-compare.md, each run's report/metrics/log, and `mno analyze ssm` of both
# Usage: tools/device/ssm-run.sh [DEBS_DIR] [OUT_DIR] [SAMPLES] [EPOCHS]   (MNO_SSM_BENCH_ARGS=--quick: the short bench)
#   e.g. tools/device/ssm-run.sh .device-debs $OUT 1000 5
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=${1:-$SRC/.device-debs} OUT=${2:-${OUT:-/tmp/mno-out}} SAMPLES=${3:-1000} EPOCHS=${4:-5}
mkdir -p "$OUT"
BUILD=/tmp/mno-build MNO=/tmp/mno-build/mno
if [[ ! -x $MNO || ! -x $BUILD/mno_tests ]]; then
  MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$DEBS" "$OUT" > "$OUT/build-steps.log" 2>&1 \
    || { tail -30 "$OUT/build-steps.log"; exit 1; }
fi
cd "$SRC"   # configs/ are found relative to here
start=$(date +%s); since() { echo "+$(( $(date +%s) - start ))s"; }

echo "== bench ssm (cuda) $(since)"
"$MNO" bench ssm --device cuda ${MNO_SSM_BENCH_ARGS:-} 2>&1 | tee "$OUT/bench-ssm-cuda.md" | grep "^|\|^\`" || echo "BENCH SSM FAILED"

echo "== ssm tests $(since)"
"$BUILD/mno_tests" --gtest_filter='Hippo*:Discretization*:S4*:SsmModes*:StructuredSsmMixer*:CliAnalyze*:CliBenchSsm*' \
  --gtest_brief=1 2>&1 | tee "$OUT/ssm-tests.log" | tail -15 || echo "SSM TESTS FAILED"

DATA=/tmp/mno-data/ssm-darcy.h5 RUNS=/tmp/mno-runs-ssm
mkdir -p "$(dirname "$DATA")" "$RUNS"
if [[ ! -f $DATA ]]; then
  echo "== generate darcy: $SAMPLES samples at 128x128 $(since)"
  "$MNO" generate darcy --samples "$SAMPLES" --resolution 128 --out "$DATA" 2>&1 | tail -2
fi
{
  echo "\`tools/device/ssm-run.sh $DEBS OUT $SAMPLES $EPOCHS\` — $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1), $(date -u +%F)."
  echo "Darcy (mno generate darcy, $SAMPLES samples, 128² → 64² by stride 2), $EPOCHS epochs each, configs as shipped otherwise."
  echo
  echo "| config | mixer | parameters | train s | test nRMSE | test rel. L2 |"
  echo "|---|---|---:|---:|---:|---:|"
} > "$OUT/ssm-compare.md"
for name in gt_s4d gt_mamba; do
  echo "== train $name ($EPOCHS epochs) $(since)"
  t0=$(date +%s)
  MNO_PROGRESS=lines "$MNO" train -c "configs/darcy/$name.yaml" "data.file=$DATA" "train.epochs=$EPOCHS" train.device=cuda \
    --out "$RUNS/$name" --overwrite 2>&1 | grep -v "^epoch [0-9]*/[0-9]*: [0-9]*/" | tee "$OUT/$name.log" | tail -4
  secs=$(( $(date +%s) - t0 ))
  "$MNO" analyze ssm "$RUNS/$name" --out "$OUT/$name/analysis" 2>&1 | tail -2 || true
  mkdir -p "$OUT/$name"
  cp -r "$RUNS/$name"/{config.yaml,log.csv,metrics.json,report.md} "$OUT/$name/" 2>/dev/null || true
  params=$("$MNO" info model "configs/darcy/$name.yaml" 2>/dev/null | grep -o "trainable parameters: [0-9]*" | grep -o "[0-9]*$" || echo "?")
  python3 - "$RUNS/$name/metrics.json" "$name" "$params" "$secs" >> "$OUT/ssm-compare.md" <<'PY' || echo "| $name | ? | ? | ? | ? | ? |" >> "$OUT/ssm-compare.md"
import json, sys
m = json.load(open(sys.argv[1]))
s = m.get("standard", {})
mixer = "s4d" if "s4d" in sys.argv[2] else "mamba (S6)"
print(f"| {sys.argv[2]} | {mixer} | {sys.argv[3]} | {sys.argv[4]} | {s.get('nrmse', float('nan')):.4g} | {s.get('rl2', float('nan')):.4g} |")
PY
done
cat "$OUT/ssm-compare.md"
echo "done $(since)"
