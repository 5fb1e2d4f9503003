#!/usr/bin/env bash
# Run THERE (the GPU machine), from the repository root: compare kernel variants side by side in
# one call. Each argument is NAME=ROOT:FLAGS — the kernels under ROOT/src (a checkout or a
# `git archive` of another commit) built with extra nvcc FLAGS (e.g. -DMNO_SCAN_STAGE=16).
# All variants build in parallel (tools/device/scan-lab.sh each), then each runs its correctness
# checks and its timings in turn on the one GPU (SCAN_LAB_MODE=time|check: only those).
# SCAN_LAB_SHAPES limits the timed shapes. Exits non-zero if any variant fails to build or check.
#   bash tools/device/scan-lab-sweep.sh base=.lab-base: s16=.:-DMNO_SCAN_STAGE=16
set -uo pipefail
here=$(pwd)
lab="$here/tools/device/scan-lab.sh"
declare -a names=()
for spec in "$@"; do
  name=${spec%%=*} rest=${spec#*=}
  root=${rest%%:*} flags=${rest#*:}
  names+=("$name")
  rm -f "/tmp/scan-lab-$name/scan-lab"  # a failed build must not leave an older binary to run
  (cd "$root" && SCAN_LAB_DIR="/tmp/scan-lab-$name" NVCC_FLAGS="$flags" SCAN_LAB_BUILD_ONLY=1 bash "$lab" \
     >"/tmp/scan-lab-$name.build" 2>&1; echo "build $name: exit $?") &
done
wait
rc=0
for name in "${names[@]}"; do
  grep -i "spill\|error" "/tmp/scan-lab-$name.build" | sort | uniq -c | head -5
  echo "== $name"
  "/tmp/scan-lab-$name/scan-lab" ${SCAN_LAB_MODE:-} || rc=1
done
exit $rc
