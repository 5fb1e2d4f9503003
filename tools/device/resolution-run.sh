#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree; builds /tmp/mno-build first (tools/device/build.sh,
# no tests; incremental on a warm machine). The resolution study of docs/scaling.md, in two steps chosen
# by MNO_RES_STEPS (default: both):
#   scaling  mno bench scaling --device cuda (MNO_SCALING_ARGS, default --repeats 2 --max-step-seconds 5; GT and GNOT with mamba / galerkin|linear / softmax,
#            FNO; 32² .. 256², batch 8)                         -> OUT/scaling-cuda/{scaling.md,csv,png}
#   study    one Darcy file generated at 256², each model trained at 64² (stride 4) and at 128²
#            (stride 2) with the same budget, then every run evaluated zero-shot at 32², 64², 128²
#            and 256² by `mno analyze resolution`                 -> OUT/resolution/{resolution.md,csv,png}
# Every visible GPU takes a queue of trainings (CUDA_VISIBLE_DEVICES), so two GPUs halve the time.
# Usage: tools/device/resolution-run.sh [DEBS_DIR] [OUT_DIR] [SAMPLES] [EPOCHS]
#   e.g. tools/device/resolution-run.sh .device-debs $OUT 1000 10
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=${1:-$SRC/.device-debs} OUT=${2:-${OUT:-/tmp/mno-out}} SAMPLES=${3:-1000} EPOCHS=${4:-10}
RES_STEPS=${MNO_RES_STEPS:-scaling study}
MODELS=${MNO_RES_MODELS:-gt_mamba gt_galerkin gnot_mamba gnot_linear fno}
mkdir -p "$OUT"
BUILD=/tmp/mno-build MNO=/tmp/mno-build/mno
# Always through build.sh: it sets the library paths the binary needs, and on a warm machine its
# build is incremental (seconds).
MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$DEBS" "$OUT" > "$OUT/build-steps.log" 2>&1 \
  || { tail -30 "$OUT/build-steps.log"; exit 1; }
cd "$SRC"   # configs/ are found relative to here
start=$(date +%s); since() { echo "+$(( $(date +%s) - start ))s"; }
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
gpus=$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)

if [[ " $RES_STEPS " == *" scaling "* ]]; then
  echo "== bench scaling (cuda) $(since)"
  "$MNO" bench scaling --device cuda ${MNO_SCALING_ARGS:---repeats 2 --max-step-seconds 5} --out "$OUT/scaling-cuda" 2>&1 \
    | tee "$OUT/scaling-cuda.md" | grep "^|\|^\`\|skipped\|out of memory" || echo "BENCH SCALING FAILED"
fi

if [[ " $RES_STEPS " == *" study "* ]]; then
  DATA=/tmp/mno-data/darcy-256.h5 RUNS=/tmp/mno-runs-res
  mkdir -p "$(dirname "$DATA")" "$RUNS"
  if [[ ! -f $DATA ]]; then
    echo "== generate darcy: $SAMPLES samples at 256x256 $(since)"
    "$MNO" generate darcy --samples "$SAMPLES" --resolution 256 --out "$DATA" 2>&1 | tail -1
  fi
  # One queue per GPU, the jobs dealt round-robin; each job: train, then its log's last lines.
  jobs=()
  for side in 64 128; do for m in $MODELS; do jobs+=("$m:$side"); done; done
  queue() {
    local g=$1; shift
    for job in "$@"; do
      local m=${job%%:*} side=${job##*:} stride=$(( 256 / ${job##*:} ))
      local t0; t0=$(date +%s)
      CUDA_VISIBLE_DEVICES=$g MNO_PROGRESS=lines "$MNO" train -c "configs/darcy/$m.yaml" "data.file=$DATA" \
        "data.stride=$stride" "data.resolution=$side" "train.epochs=$EPOCHS" train.device=cuda \
        --out "$RUNS/${m}_$side" --overwrite > "$OUT/train-${m}_$side.log" 2>&1 \
        && echo "   ${m}_$side trained in $(( $(date +%s) - t0 )) s on GPU $g" \
        || { echo "   ${m}_$side FAILED on GPU $g"; tail -5 "$OUT/train-${m}_$side.log"; }
    done
  }
  echo "== train ${#jobs[@]} runs on $gpus GPU(s), $EPOCHS epochs each $(since)"
  pids=()
  for ((g = 0; g < gpus; ++g)); do
    mine=()
    for ((i = g; i < ${#jobs[@]}; i += gpus)); do mine+=("${jobs[i]}"); done
    queue "$g" "${mine[@]}" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  echo "== analyze resolution $(since)"
  runs=()
  for side in 64 128; do for m in $MODELS; do [[ -f $RUNS/${m}_$side/metrics.json ]] && runs+=("$RUNS/${m}_$side"); done; done
  "$MNO" analyze resolution "${runs[@]}" --data "$DATA" --strides 8,4,2,1 --out "$OUT/resolution" 2>&1 \
    | grep -v "^analyze resolution: [0-9]*/" | tee "$OUT/resolution-table.md" || echo "ANALYZE RESOLUTION FAILED"
  for r in "${runs[@]}"; do
    mkdir -p "$OUT/runs/$(basename "$r")"
    cp "$r"/{config.yaml,log.csv,metrics.json} "$OUT/runs/$(basename "$r")/" 2>/dev/null || true
  done
  { echo "\`tools/device/resolution-run.sh DEBS OUT $SAMPLES $EPOCHS\` — $gpus × $gpu, $(date -u +%F)."
    echo "Darcy β = 1 from \`mno generate darcy --samples $SAMPLES --resolution 256\`; $EPOCHS epochs each, configs as shipped otherwise."
  } > "$OUT/resolution/command.txt"
fi
echo "done $(since)"
