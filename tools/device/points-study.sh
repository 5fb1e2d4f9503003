#!/usr/bin/env bash
# The point-cloud study of docs/irregular.md: does a space-filling order let a selective scan run on
# scattered points? Runs THERE (the GPU machine; builds mno first with tools/device/build.sh) or
# here at CPU size (MNO_BIN=build/mno and the small settings below; tests/cli/test_cli_points.cpp
# runs it so). Every step is an `mno` command a user can run:
#   1. data: Darcy (beta 1) solved on the SOLVE² grid, read off at N scattered points, for every
#      layout:density set (shared mesh or per-sample points; uniform or clustered near the walls),
#      plus the same samples at N/2 and 2N points (the zero-shot files) and on the grid itself.
#      One --seed for all, so every file holds the same fields and the same test split;
#   2. train, per set: each host's MNO with every order, and its attention twin (GT: Galerkin,
#      GNOT: linear), every seed, the same number of optimiser steps; on the grid file (MNO_POINTS_GRID):
#      the same hosts' MNO in raster order, their twins and FNO;
#   3. per set, `mno analyze compare --group` (the seeds of one model as one row: mean ± half the range)
#      and `mno analyze resolution` over the N/2, N and 2N files (zero-shot across point counts);
#   4. `mno bench model` of the point configs at about N tokens (the cost per step, one model at a time).
# study.md gathers the tables, with the command and the machine; points.tgz holds the tables, CSVs,
# PNGs (not each run's own plots/) and every run's config.yaml / metrics.json / log.csv (no checkpoints, no data).
# Usage: tools/device/points-study.sh OUT [DEBS_DIR]
# Env (defaults: the study of docs/irregular.md):
#   MNO_BIN               an mno binary (default: build one from DEBS_DIR with tools/device/build.sh)
#   MNO_POINTS_DIR        working directory (default /tmp/mno-points): data/, runs/, compare/, zeroshot/
#   MNO_POINTS_SAMPLES    samples per file, 1100 (test split: the first 10 %)
#   MNO_POINTS_N          points per sample for training, 2048 (zero-shot: N/2 and 2N)
#   MNO_POINTS_SOLVE      the solver's grid side, 64
#   MNO_POINTS_SETS       "per-sample:clustered per-sample:uniform shared:clustered shared:uniform"
#   MNO_POINTS_HOSTS      "gt gnot"
#   MNO_POINTS_ORDERS     "index hilbert morton"
#   MNO_POINTS_SEEDS      "0 1"
#   MNO_POINTS_ITERS      optimiser steps per run, 1000
#   MNO_POINTS_GRID       1: also train on the grid file (raster MNO, twins, FNO); 0: not
#   MNO_POINTS_JOBS       trainings at once per GPU (default 4; on a CPU: 1)
#   MNO_POINTS_THREADS    --threads of each mno process (default 4)
#   MNO_POINTS_DEVICE     train.device, cuda (CPU size: cpu)
#   MNO_POINTS_OVERRIDES  extra key=value for every training (CPU size: model.width=16 model.layers=1 ...)
#   MNO_POINTS_BENCH      1: step 4; 0: not
#   MNO_POINTS_BUDGET     seconds from the start; no training starts later than 90 s before it (0: no limit)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:?usage: tools/device/points-study.sh OUT [DEBS_DIR]} DEBS=${2:-$SRC/.device-debs}
DIR=${MNO_POINTS_DIR:-/tmp/mno-points}
SAMPLES=${MNO_POINTS_SAMPLES:-1100} N=${MNO_POINTS_N:-2048} SOLVE=${MNO_POINTS_SOLVE:-64}
SETS=${MNO_POINTS_SETS:-per-sample:clustered per-sample:uniform shared:clustered shared:uniform}
HOSTS=${MNO_POINTS_HOSTS:-gt gnot} ORDERS=${MNO_POINTS_ORDERS:-index hilbert morton} SEEDS=${MNO_POINTS_SEEDS:-0 1}
ITERS=${MNO_POINTS_ITERS:-1000} GRID=${MNO_POINTS_GRID:-1} JOBS=${MNO_POINTS_JOBS:-4} THREADS=${MNO_POINTS_THREADS:-4}
DEVICE=${MNO_POINTS_DEVICE:-cuda} OVERRIDES=${MNO_POINTS_OVERRIDES:-} BENCH=${MNO_POINTS_BENCH:-1}
BUDGET=${MNO_POINTS_BUDGET:-0}
mkdir -p "$OUT" "$DIR"/{data,runs,compare,zeroshot,logs}
start=$(date +%s); since() { echo "+$(( $(date +%s) - start ))s"; }
say() { echo "$(date +%H:%M:%S) $* $(since)" | tee -a "$DIR/progress.log"; }

if [[ -n ${MNO_BIN:-} ]]; then
  MNO=$(cd "$(dirname "$MNO_BIN")" && pwd)/$(basename "$MNO_BIN")
else
  say "== build"
  MNO_BUILD_TARGET=${MNO_BUILD_TARGET:-mno_cli} MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$DEBS" "$DIR" \
    > "$DIR/build-steps.log" 2>&1 || { tail -30 "$DIR/build-steps.log"; exit 1; }
  MNO=$BUILD/mno
fi
cd "$SRC"   # configs/ are found relative to here
if command -v nvidia-smi > /dev/null && [[ $DEVICE == cuda ]]; then
  machine="$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l) × $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
  gpus=$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)
else
  machine="$(nproc) CPU cores"; gpus=1
fi

# 1. Data: one seed, so every file holds the same fields (and so the same test split).
set_file() { echo "$DIR/data/${1/:/-}-$2.h5"; }   # SET POINTS
generate() {  # OUT_FILE [--points N --layout L --density D]
  local out=$1; shift
  [[ -f $out ]] && return 0
  "$MNO" generate darcy --samples "$SAMPLES" --resolution "$SOLVE" --seed 1 "$@" --out "$out" \
    > "$DIR/logs/generate-$(basename "$out" .h5).log" 2>&1 || { tail -5 "$DIR/logs/generate-$(basename "$out" .h5).log"; exit 1; }
}
say "== generate: $SAMPLES samples solved at ${SOLVE}², read off at $((N / 2)), $N and $((2 * N)) points"
for set in $SETS; do
  for n in $((N / 2)) "$N" $((2 * N)); do
    generate "$(set_file "$set" "$n")" --points "$n" --layout "${set%%:*}" --density "${set##*:}"
  done
done
GRID_FILE=$DIR/data/grid-$SOLVE.h5
[[ $GRID == 1 ]] && generate "$GRID_FILE"

# 2. Jobs: "SET|LABEL|SEED|CONFIG|OVERRIDES" (overrides space-separated). The run's directory is
# runs/SET/LABEL_seedSEED. Seed-major, so a budget that runs out leaves whole second seeds undone.
twin() { case $1 in gt) echo gt_galerkin ;; gnot) echo gnot_linear ;; oformer) echo oformer_galerkin ;; esac; }
JOB_LIST=()
for seed in $SEEDS; do
  for set in $SETS; do
    for host in $HOSTS; do
      for order in $ORDERS; do
        JOB_LIST+=("$set|$host-mamba-$order|$seed|configs/darcy_points/${host}_mamba.yaml|model.mixer.order=$order")
      done
      JOB_LIST+=("$set|$host-$(twin "$host" | cut -d_ -f2)|$seed|configs/darcy_points/$(twin "$host").yaml|")
    done
  done
  if [[ $GRID == 1 ]]; then
    for host in $HOSTS; do
      JOB_LIST+=("grid|$host-mamba-raster|$seed|configs/darcy/${host}_mamba.yaml|")
      JOB_LIST+=("grid|$host-$(twin "$host" | cut -d_ -f2)|$seed|configs/darcy/$(twin "$host").yaml|")
    done
    JOB_LIST+=("grid|fno|$seed|configs/darcy/fno.yaml|")
  fi
done
run_dir() { IFS='|' read -r set label seed _ <<< "$1"; echo "$DIR/runs/${set/:/-}/${label}_seed$seed"; }
[[ -f $DIR/timing.csv ]] || echo "set,run,seed,wall_seconds,status" > "$DIR/timing.csv"

train_one() {  # GPU JOB
  local g=$1 set label seed config extra
  IFS='|' read -r set label seed config extra <<< "$2"
  local dir; dir=$(run_dir "$2")
  [[ -f $dir/metrics.json || -f $dir.failed ]] && return 0
  if (( BUDGET > 0 && $(date +%s) - start > BUDGET - 90 )); then
    say "   ${set}/$label seed $seed not started: the budget of $BUDGET s is spent"; return 0
  fi
  local file data_keys=()
  if [[ $set == grid ]]; then file=$GRID_FILE data_keys=(data.stride=1 "data.resolution=$SOLVE")
  else file=$(set_file "$set" "$N"); fi
  mkdir -p "$(dirname "$dir")"
  local t0; t0=$(date +%s) log="$DIR/logs/train-${set/:/-}-${label}_seed$seed.log"
  # shellcheck disable=SC2086 # extra and OVERRIDES are lists of key=value
  if CUDA_VISIBLE_DEVICES=$g MNO_PROGRESS=lines "$MNO" --threads "$THREADS" train -c "$config" "data.file=$file" \
       "${data_keys[@]}" "train.iterations=$ITERS" "train.device=$DEVICE" "train.seed=$seed" $extra $OVERRIDES \
       --out "$dir" --overwrite > "$log" 2>&1; then
    echo "$set,$label,$seed,$(( $(date +%s) - t0 )),ok" >> "$DIR/timing.csv"
    say "   $set/$label seed $seed: $(( $(date +%s) - t0 )) s"
  else
    echo "$set,$label,$seed,$(( $(date +%s) - t0 )),failed" >> "$DIR/timing.csv"; touch "$dir.failed"
    say "   $set/$label seed $seed FAILED: $(grep -m1 -i 'error' "$log" || tail -1 "$log")"
  fi
}
queues=$(( gpus * JOBS ))
say "== train ${#JOB_LIST[@]} runs of $ITERS steps, $queues at once on $machine"
pids=()
for ((q = 0; q < queues; ++q)); do
  ( for ((i = q; i < ${#JOB_LIST[@]}; i += queues)); do train_one $(( q % gpus )) "${JOB_LIST[$i]}"; done ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

# 3. Tables: per set, the models side by side (seeds grouped), and zero-shot across point counts.
say "== compare and zero-shot"
all_sets=$SETS; [[ $GRID == 1 ]] && all_sets="$all_sets grid"
analyse_set() {  # SET
  local set=$1 runs=() labels=() heat=()
  for job in "${JOB_LIST[@]}"; do
    [[ $job == "$set|"* ]] || continue
    local dir; dir=$(run_dir "$job")
    [[ -f $dir/metrics.json ]] || continue
    runs+=("$dir"); labels+=("$(basename "$dir" | sed 's/_seed[0-9]*$//')")
  done
  [[ ${#runs[@]} -gt 0 ]] || return 0
  local host; host=$(echo $HOSTS | cut -d' ' -f1)
  for l in "$host-mamba-hilbert" "$host-mamba-raster" "$host-$(twin "$host" | cut -d_ -f2)"; do
    [[ " ${labels[*]} " == *" $l "* ]] && heat+=("$l")
  done
  local name=${set/:/-}
  "$MNO" --threads "$THREADS" analyze compare "${runs[@]}" --labels "$(IFS=,; echo "${labels[*]}")" --group \
    ${heat[1]:+--heatmap "${heat[0]},${heat[1]}"} --out "$DIR/compare/$name" --overwrite > "$DIR/logs/compare-$name.log" 2>&1 \
    || { say "   compare $set FAILED"; tail -3 "$DIR/logs/compare-$name.log"; }
  [[ $set == grid ]] && return 0
  # From the set's runs/ folder, so that the table names each run by its directory alone.
  ( cd "$DIR/runs/$name" && "$MNO" --threads "$THREADS" analyze resolution "${runs[@]##*/}" \
      --data "$(set_file "$set" $((N / 2))),$(set_file "$set" "$N"),$(set_file "$set" $((2 * N)))" \
      --out "$DIR/zeroshot/$name" --overwrite > "$DIR/logs/zeroshot-$name.log" 2>&1 ) \
    || { say "   zero-shot $set FAILED"; tail -3 "$DIR/logs/zeroshot-$name.log"; }
}
pids=()
for set in $all_sets; do analyse_set "$set" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done

# 4. The cost per step, one model at a time, at about N tokens (the side whose square is nearest N).
if [[ $BENCH == 1 ]]; then
  say "== bench model"
  side=$(awk -v n="$N" 'BEGIN { printf "%d", sqrt(n) + 0.5 }')
  mkdir -p "$DIR/configs"
  bench_configs=()
  for host in $HOSTS; do
    for order in $ORDERS; do
      sed "s/order: hilbert/order: $order/" "configs/darcy_points/${host}_mamba.yaml" > "$DIR/configs/${host}_mamba_$order.yaml"
      bench_configs+=("$DIR/configs/${host}_mamba_$order.yaml")
    done
    bench_configs+=("configs/darcy_points/$(twin "$host").yaml")
  done
  "$MNO" --threads "$THREADS" bench model --device "$DEVICE" --side "$side" "${bench_configs[@]}" \
    > "$DIR/bench-model.md" 2> "$DIR/logs/bench-model.log" || say "   bench model FAILED"
fi

say "== study.md"
{
  echo "# The point-cloud study"
  echo
  echo "\`tools/device/points-study.sh\` on $machine, $(date -u +%F), commit $(git -C "$SRC" describe --always --dirty 2>/dev/null || echo unknown) (-dirty: with uncommitted changes)."
  echo "Darcy β = 1, $SAMPLES samples solved at ${SOLVE}² (\`mno generate darcy --seed 1\`), read off at $N points;"
  echo "every run $ITERS optimiser steps (\`train.iterations\`), seeds: $SEEDS; ${OVERRIDES:+overrides: $OVERRIDES; }$JOBS trainings at once per GPU."
  for set in $all_sets; do
    name=${set/:/-}
    echo; echo "## $set"; echo
    [[ -f $DIR/compare/$name/compare.md ]] && cat "$DIR/compare/$name/compare.md"
    if [[ -f $DIR/zeroshot/$name/resolution.md ]]; then echo; echo "Zero-shot across point counts:"; echo; cat "$DIR/zeroshot/$name/resolution.md"; fi
  done
  if [[ -f $DIR/bench-model.md ]]; then echo; echo "## Cost per step (\`mno bench model --side ${side:-} --device $DEVICE\`)"; echo; cat "$DIR/bench-model.md"; fi
  echo; echo "## Timing"; echo; echo '```'; cat "$DIR/timing.csv"; echo '```'
} > "$DIR/study.md"
[[ $DIR/study.md -ef $OUT/study.md ]] || cp "$DIR/study.md" "$OUT/study.md"
( cd "$DIR" && find . \( -path ./data -o -name checkpoints -o -name plots \) -prune -o -type f \
    \( -name '*.md' -o -name '*.csv' -o -name '*.json' -o -name '*.yaml' -o -name '*.png' -o -name '*.failed' \
       -o -name '*.log' \) -print | tar czf "$OUT/points.tgz" -T - )
say "== done"
