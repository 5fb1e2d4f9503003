#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree with the authors' code and mamba's source in the
# git-ignored .authors/ (filled HERE by tools/parity/fetch-authors.sh: MambaGNOT, MambaGalerkinTransformer,
# MambaOFormer from Math-ML-X/Mamba-Neural-Operator; .authors/mamba = mamba_ssm/ and
# csrc/selective_scan/ of state-spaces/mamba). Times the authors' code on the GPU, for the
# side-by-side with mno's own benches (docs/performance.md):
#   1. builds mamba_ssm's selective-scan extension (selective_scan_cuda) alone, for sm_90, with
#      torch.utils.cpp_extension and the nvcc flags of mamba's setup.py (tools/parity/authors_bench.py
#      build), in the background, timed;
#   2. with MNO_WITH_OURS=1, meanwhile builds mno's CLI (tools/device/build.sh with
#      MNO_BUILD_TARGET=mno_cli MNO_DEVICE_STEPS=none; DEBS_DIR holds its .deb files);
#   3. the authors' Darcy models, each host x {attention, softmax, mamba} at the paper's settings
#      (batch 8, 64 x 64, fp32): forward, forward+backward, AdamW step, peak memory (authors_bench.py models);
#   4. mamba_ssm's selective_scan_fn at the four shapes of mno bench scan (authors_bench.py scan);
#   5. with MNO_WITH_OURS=1: mno bench model --device cuda --repeats 10 --json and
#      mno bench scan --device cuda --json, then tools/parity/join_bench.py: one table of each, ours
#      against the authors'.
# Nothing of these runs at the same time on the GPU: only the two builds overlap (on the CPUs).
#
# Usage: tools/device/authors-bench.sh [DEBS_DIR] [OUT_DIR]
#   device call (the `run` tool): carry .authors (and .device-debs with MNO_WITH_OURS=1), command
#     MNO_WITH_OURS=1 tools/device/authors-bench.sh .device-debs $OUT
# OUT_DIR receives at most 8 files (the device tool brings back no more): summary.md (every table,
# the time of each piece), authors-build.json, authors-models.json, authors-scan.json, with
# MNO_WITH_OURS=1 bench-model-cuda.json and bench-scan-cuda.json, and logs.tar.gz (every log and
# markdown table). Work files live in AUTHORS_BENCH_WORK (default /tmp/authors-bench).
# Environment:
#   MNO_WITH_OURS=1            also build and run mno's benches and the join (default: the authors' only)
#   AUTHORS_BENCH_STEPS        default "models scan" (the extension is always built, unless kept)
#   AUTHORS_BENCH_REPEATS      timed runs per median (default 10); AUTHORS_BENCH_WARMUPS (default 3)
#   AUTHORS_BENCH_ONLY         e.g. "gt_mamba,gnot_mamba" (default: all nine Darcy configs)
#   MAMBA_BUILD_DIR            default /tmp/mamba-build; MAMBA_KEEP_BUILD=1 reuses a built .so there
#   MAMBA_ARCH                 compute capability without the dot (default 90)
#   MNO_BUILD_DIR              passed on to tools/device/build.sh (default /tmp/mno-build)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=${1:-$SRC/.device-debs}
OUT=${2:-${OUT:-/tmp/mno-out}}
WORK=${AUTHORS_BENCH_WORK:-/tmp/authors-bench}
STEPS=${AUTHORS_BENCH_STEPS:-models scan}
REPEATS=${AUTHORS_BENCH_REPEATS:-10}
WARMUPS=${AUTHORS_BENCH_WARMUPS:-3}
ONLY=${AUTHORS_BENCH_ONLY:-}
MAMBA_BUILD=${MAMBA_BUILD_DIR:-/tmp/mamba-build}
ARCH=${MAMBA_ARCH:-90}
WITH_OURS=${MNO_WITH_OURS:-0}
MNO=${MNO_BUILD_DIR:-/tmp/mno-build}/mno   # where tools/device/build.sh builds (it reads MNO_BUILD_DIR too)
export PYTHONUNBUFFERED=1
cd "$SRC"
step() { [[ " $STEPS " == *" $1 "* ]]; }
START=$(date +%s)
since() { echo "$(( $(date +%s) - START ))"; }

# -- checks first, with what to do about them
for d in MambaGNOT MambaGalerkinTransformer MambaOFormer mamba/csrc/selective_scan mamba/mamba_ssm; do
  [[ -d .authors/$d ]] || { echo "authors-bench: .authors/$d is missing. HERE: fetch github:Math-ML-X/Mamba-Neural-Operator" \
    "and github:state-spaces/mamba (git mirrors), run tools/parity/fetch-authors.sh, and carry .authors in the device call." >&2; exit 2; }
done
if [[ $WITH_OURS == 1 ]]; then
  compgen -G "$DEBS/*.deb" >/dev/null || { echo "authors-bench: MNO_WITH_OURS=1 needs the .deb files in $DEBS" \
    "(HERE: tools/device/fetch-debs.sh .device-debs; carry .device-debs)" >&2; exit 2; }
  DEBS=$(cd "$DEBS" && pwd)
fi
python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
  || { echo "authors-bench: python3's torch sees no CUDA device" >&2; exit 2; }
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
SUMMARY=$WORK/summary.md
echo "# authors-bench, $(date -u +%F\ %T) UTC, $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1), $(nproc) cores" > "$SUMMARY"
note() { echo "- $*" | tee -a "$SUMMARY"; }

# OUT gets the summary, the JSON files and one archive of the rest after every step (so a call
# stopped at its time limit still brings back what was done) and at the exit, whatever happens.
publish() {
  cp "$SUMMARY" "$OUT/summary.md" 2>/dev/null || true
  for f in authors-build.json authors-models.json authors-scan.json bench-model-cuda.json bench-scan-cuda.json; do
    if [[ -f $WORK/$f ]]; then cp "$WORK/$f" "$OUT/$f"; fi
  done
  if tar -czf "$OUT/logs.tar.gz.part" -C "$WORK" . 2>/dev/null; then mv "$OUT/logs.tar.gz.part" "$OUT/logs.tar.gz"; fi
}
finish() {
  local status=$?
  note "total $(since) s (exit status $status)"
  publish
}
trap finish EXIT

# -- 1 (background) the selective-scan extension
build_mamba() {
  local keep=--clean
  [[ ${MAMBA_KEEP_BUILD:-0} == 1 ]] && keep=
  python3 tools/parity/authors_bench.py build --mamba .authors/mamba --build-dir "$MAMBA_BUILD" --arch "$ARCH" \
    $keep --verbose --json "$WORK/authors-build.json" > "$WORK/authors-build.log" 2>&1
}
echo "== building selective_scan_cuda (sm_$ARCH) in the background $(since)s"
build_mamba &
MAMBA_PID=$!

# -- 2 mno's CLI, meanwhile (MNO_DEVICE_STEPS=none: build.sh runs no step; an empty value would run them all)
OURS_BUILT=0
if [[ $WITH_OURS == 1 ]]; then
  echo "== building mno (tools/device/build.sh, mno_cli) $(since)s"
  t=$(date +%s)
  if MNO_BUILD_TARGET=mno_cli MNO_DEVICE_STEPS=none bash tools/device/build.sh "$DEBS" "$WORK/mno" \
       > "$WORK/mno-build-steps.log" 2>&1; then
    OURS_BUILT=1
    note "mno build (mno_cli, beside the extension's build): $(( $(date +%s) - t )) s"
  else
    note "mno build FAILED after $(( $(date +%s) - t )) s (mno-build-steps.log, mno/build.log in logs.tar.gz)"
    tail -30 "$WORK/mno-build-steps.log"
  fi
fi

if wait "$MAMBA_PID"; then
  seconds=$(python3 -c "import json; print(json.load(open('$WORK/authors-build.json'))['seconds'])")
  note "selective_scan_cuda build: $seconds s ($(nproc) cores$([[ $WITH_OURS == 1 ]] && echo ', beside the mno build'))"
  MAMBA_OK=1
else
  note "selective_scan_cuda build FAILED (authors-build.log in logs.tar.gz); its end:"
  grep -iE "error|fatal" "$WORK/authors-build.log" | head -20 || true
  tail -20 "$WORK/authors-build.log"
  MAMBA_OK=0
fi
publish

# -- 3, 4 the authors' code on the GPU
if [[ $MAMBA_OK == 1 ]] && step models; then
  echo "== the authors' models $(since)s"
  t=$(date +%s)
  python3 tools/parity/authors_bench.py models --authors .authors --ext-dir "$MAMBA_BUILD" --repeats "$REPEATS" \
    --warmups "$WARMUPS" --only "$ONLY" --json "$WORK/authors-models.json" --markdown "$WORK/authors-models.md" \
    > "$WORK/authors-models.log" 2>&1 || note "authors' models: some config FAILED (authors-models.log)"
  grep -E "^(gnot|gt|oformer)_|WARNING|Error" "$WORK/authors-models.log" || true
  note "authors' models: $(( $(date +%s) - t )) s"
  publish
fi
if [[ $MAMBA_OK == 1 ]] && step scan; then
  echo "== mamba_ssm selective_scan_fn $(since)s"
  t=$(date +%s)
  python3 tools/parity/authors_bench.py scan --mamba .authors/mamba --ext-dir "$MAMBA_BUILD" --repeats "$REPEATS" \
    --warmups "$WARMUPS" --json "$WORK/authors-scan.json" --markdown "$WORK/authors-scan.md" \
    > "$WORK/authors-scan.log" 2>&1 || note "mamba_ssm scan FAILED (authors-scan.log)"
  grep -E "^check|^\(|import" "$WORK/authors-scan.log" || tail -20 "$WORK/authors-scan.log"
  note "mamba_ssm scan: $(( $(date +%s) - t )) s"
  publish
fi

# -- 5 ours, and the join
if [[ $OURS_BUILT == 1 ]]; then
  # build.sh's carried libraries (PLplot, shapelib, ...) are on its own library path only: mno
  # needs them here too (without this, mno failed at once: "libshp.so.2: cannot open").
  export LD_LIBRARY_PATH=/tmp/mno-deps/libs-missing${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  echo "== mno bench model $(since)s"
  t=$(date +%s)
  "$MNO" bench model --device cuda --repeats "$REPEATS" --json "$WORK/bench-model-cuda.json" \
    > "$WORK/bench-model-cuda.md" 2>&1 || note "mno bench model FAILED (bench-model-cuda.md)"
  note "mno bench model: $(( $(date +%s) - t )) s"
  publish
  echo "== mno bench scan $(since)s"
  t=$(date +%s)
  "$MNO" bench scan --device cuda --json "$WORK/bench-scan-cuda.json" \
    > "$WORK/bench-scan-cuda.md" 2>&1 || note "mno bench scan FAILED (bench-scan-cuda.md)"
  note "mno bench scan: $(( $(date +%s) - t )) s"
  join=()
  [[ -f $WORK/bench-model-cuda.json && -f $WORK/authors-models.json ]] \
    && join+=(--ours-model "$WORK/bench-model-cuda.json" --authors-model "$WORK/authors-models.json")
  [[ -f $WORK/bench-scan-cuda.json && -f $WORK/authors-scan.json ]] \
    && join+=(--ours-scan "$WORK/bench-scan-cuda.json" --authors-scan "$WORK/authors-scan.json")
  [[ -f $WORK/authors-build.json ]] && join+=(--authors-build "$WORK/authors-build.json")
  if (( ${#join[@]} > 2 )); then
    python3 tools/parity/join_bench.py "${join[@]}" --out "$WORK/joined.md" > /dev/null || note "join FAILED"
  fi
fi

{ echo
  for f in joined.md authors-models.md authors-scan.md; do
    if [[ -f $WORK/$f ]]; then echo "## $f"; echo; cat "$WORK/$f"; echo; fi
  done
  for f in bench-model-cuda.md bench-scan-cuda.md; do  # mno's output: its tables without the log lines
    if [[ -f $WORK/$f ]]; then echo "## $f"; echo; grep -E "^\||^\`|^Selective" "$WORK/$f" || true; echo; fi
  done; } >> "$SUMMARY"
cat "$SUMMARY"
