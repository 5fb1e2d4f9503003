#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree: the paper's comparison of docs/results.md.
#   1. builds the mno binary (tools/device/build.sh, no tests);
#   2. generates the three PDEBench datasets with mno's own solvers at 128 x 128 and PDEBench's sample
#      counts (Darcy beta = 1: 10,000; SW2D and DR2D: 1,000);
#   3. trains, per dataset, every host's MNO and its attention twin (GT: Galerkin, GNOT: linear,
#      OFormer: rotary Galerkin) and FNO, each for the same number of optimiser steps (train.iterations)
#      with the shipped config otherwise (the paper's settings, at 64 x 64 by stride 2), plus every
#      dataset's GT pair with a second seed;
#   4. `mno analyze compare` per dataset: table, error against time, heatmaps.
# Resumable: a run whose directory holds metrics.json is not trained again, so on a warm machine a second
# call picks up where the first stopped. Everything goes to $MNO_RESULTS_DIR (default /tmp/mno-results):
#   data/ (the generated files), runs/<dataset>/<run>/, compare/<dataset>/, progress.log, timing.csv.
# Usage: tools/device/results.sh DEBS_DIR [STEPS]   (STEPS: optimiser steps per model, default 1000)
#   normally through tools/device/results-poll.sh, which starts it detached and brings the results back
# Env: MNO_RESULTS_BUDGET (seconds from the start; no training starts later than MNO_RESULTS_RUN_GUESS,
#      default 75 s, before it, so the comparison still runs inside a device call's budget);
#      MNO_RESULTS_JOBS (default: the full list below, in this order: the pairs first, FNO, the second
#      seed last, so a budget that runs out leaves the least important cells empty);
#      MNO_RESULTS_GPUS (default: every visible GPU; each takes a queue of trainings).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=${1:-$SRC/.device-debs} ITERS=${2:-1000}   # not STEPS: build.sh, sourced, sets that
DIR=${MNO_RESULTS_DIR:-/tmp/mno-results}
mkdir -p "$DIR/data" "$DIR/runs" "$DIR/compare"
start=$(date +%s); since() { echo "+$(( $(date +%s) - start ))s"; }
say() { echo "$(date +%H:%M:%S) $* $(since)" | tee -a "$DIR/progress.log"; }

say "== build"
MNO_BUILD_TARGET=${MNO_BUILD_TARGET:-mno_cli} MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$DEBS" "$DIR" \
  > "$DIR/build-steps.log" 2>&1 || { tail -30 "$DIR/build-steps.log"; exit 1; }
MNO=$BUILD/mno
cd "$SRC"   # configs/ are found relative to here
{ echo "commit: $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; date -u; } > "$DIR/machine.txt" || true

declare -A FILE=([darcy]=$DIR/data/2D_DarcyFlow_beta1.0_Train.hdf5 [swe]=$DIR/data/2D_rdb_NA_NA.h5
                 [diffreact]=$DIR/data/2D_diff-react_NA_NA.h5)
declare -A SAMPLES=([darcy]=10000 [swe]=1000 [diffreact]=1000)
# dataset:config[:seed] (run_dir below names its directory).
DEFAULT_JOBS="darcy:gt_mamba darcy:gt_galerkin swe:gt_mamba swe:gt_galerkin diffreact:gt_mamba diffreact:gt_galerkin
  darcy:gnot_mamba darcy:gnot_linear swe:gnot_mamba swe:gnot_linear diffreact:gnot_mamba diffreact:gnot_linear
  darcy:oformer_mamba darcy:oformer_galerkin swe:oformer_mamba swe:oformer_galerkin diffreact:oformer_mamba
  diffreact:oformer_galerkin darcy:fno swe:fno diffreact:fno darcy:gt_mamba:43 darcy:gt_galerkin:43
  swe:gt_mamba:43 swe:gt_galerkin:43 diffreact:gt_mamba:43 diffreact:gt_galerkin:43"
read -r -a JOBS <<< "$(echo ${MNO_RESULTS_JOBS:-$DEFAULT_JOBS})"
BUDGET=${MNO_RESULTS_BUDGET:-0} GUESS=${MNO_RESULTS_RUN_GUESS:-75}

for d in darcy swe diffreact; do
  [[ " ${JOBS[*]} " == *" $d:"* ]] || continue   # only the datasets some job trains on
  if [[ ! -f ${FILE[$d]} ]]; then
    say "== generate $d: ${SAMPLES[$d]} samples at 128x128"
    "$MNO" generate "$d" --samples "${SAMPLES[$d]}" --resolution 128 --out "${FILE[$d]}" > "$DIR/generate-$d.log" 2>&1 \
      || { tail -5 "$DIR/generate-$d.log"; exit 1; }
    tail -1 "$DIR/generate-$d.log" | tee -a "$DIR/progress.log"
  fi
done

# A job's run directory, runs/<dataset>/<config>[_seed<seed>].
run_dir() { local d config seed; IFS=: read -r d config seed <<< "$1"; echo "$DIR/runs/$d/$config${seed:+_seed$seed}"; }
[[ -f $DIR/timing.csv ]] || echo "dataset,run,gpu,wall_seconds,status" > "$DIR/timing.csv"

train_one() {  # GPU JOB
  local g=$1 job=$2 d config seed
  IFS=: read -r d config seed <<< "$job"
  local dir; dir=$(run_dir "$job"); mkdir -p "$(dirname "$dir")"
  local run; run=$(basename "$dir")
  [[ -f $dir/metrics.json || -f $dir.failed ]] && return 0   # done, or failed once (its log says why)
  if (( BUDGET > 0 && $(date +%s) - start > BUDGET - GUESS )); then
    say "   $d/$run not started: the budget of $BUDGET s is spent"; echo "$d,$run,$g,0,budget" >> "$DIR/timing.csv"; return 0
  fi
  local t0; t0=$(date +%s)
  say "   train $d/$run on GPU $g"
  if CUDA_VISIBLE_DEVICES=$g MNO_PROGRESS=lines "$MNO" train -c "configs/$d/$config.yaml" "data.file=${FILE[$d]}" \
       "train.iterations=$ITERS" train.device=cuda ${seed:+train.seed=$seed} --out "$dir" --overwrite \
       > "$DIR/train-${d}_$run.log" 2>&1; then
    say "   $d/$run done in $(( $(date +%s) - t0 )) s"; echo "$d,$run,$g,$(( $(date +%s) - t0 )),ok" >> "$DIR/timing.csv"
  else
    say "   $d/$run FAILED: $(grep -m1 'error' "$DIR/train-${d}_$run.log" || tail -1 "$DIR/train-${d}_$run.log")"
    echo "$d,$run,$g,$(( $(date +%s) - t0 )),failed" >> "$DIR/timing.csv"; touch "$dir.failed"
  fi
}

gpus=${MNO_RESULTS_GPUS:-$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)}
say "== train ${#JOBS[@]} runs of $ITERS steps on $gpus GPU(s)"
pids=()
for ((g = 0; g < gpus; ++g)); do
  ( for ((i = g; i < ${#JOBS[@]}; i += gpus)); do train_one "$g" "${JOBS[$i]}"; done ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

for d in darcy swe diffreact; do
  runs=()
  for job in "${JOBS[@]}"; do
    [[ $job == "$d:"* && -d $(run_dir "$job") ]] && runs+=("$(run_dir "$job")")
  done
  [[ ${#runs[@]} -gt 0 ]] || continue
  # The heatmap row: the GT pair (the paper's headline host) when both ran, else the first two runs.
  heatmap=()
  for pair in gt_mamba,gt_galerkin gt_mamba_seed43,gt_galerkin_seed43; do
    if [[ -d $DIR/runs/$d/${pair%,*}/checkpoints && -d $DIR/runs/$d/${pair#*,}/checkpoints ]]; then
      heatmap=(--heatmap "$pair"); break
    fi
  done
  say "== compare $d (${#runs[@]} runs)"
  "$MNO" analyze compare "${runs[@]}" "${heatmap[@]}" --out "$DIR/compare/$d" \
    > "$DIR/compare-$d.log" 2>&1 || { say "   compare $d FAILED"; tail -5 "$DIR/compare-$d.log"; }
done
say "== done"
