#!/usr/bin/env bash
# Run THERE: drives tools/device/results.sh across device calls of at most 10 minutes. The first call
# starts it detached (setsid, so it outlives the call while the machine stays warm); every call then
# waits up to WAIT seconds for it to finish, prints its progress and packs what is there so far into
# OUT/results.tgz (no data, no checkpoints), so a lost machine loses nothing already brought back.
# Usage: tools/device/results-poll.sh WAIT OUT [DEBS_DIR] [STEPS]
#   e.g. one call after another, each within 30 s of the last (the machine stays warm that long):
#        tools/device/results-poll.sh 560 $OUT .device-debs 1000
# MNO_RESULTS_RESTART=1 starts results.sh again on a warm machine where it has finished (with another
# MNO_RESULTS_JOBS, say: finished runs are kept, built and generated files reused).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WAIT=$1 OUT=$2 DEBS=${3:-$SRC/.device-debs} STEPS=${4:-1000}
DIR=${MNO_RESULTS_DIR:-/tmp/mno-results}
mkdir -p "$DIR" "$OUT"
if ! pgrep -f tools/device/results.sh > /dev/null && [[ ! -f $DIR/started || ${MNO_RESULTS_RESTART:-0} == 1 ]]; then
  date -u > "$DIR/started"
  MNO_RESULTS_DIR=$DIR setsid "$SRC/tools/device/results.sh" "$DEBS" "$STEPS" >> "$DIR/results.log" 2>&1 < /dev/null &
  echo "started tools/device/results.sh $DEBS $STEPS"; sleep 2
fi
end=$(( $(date +%s) + WAIT ))
while (( $(date +%s) < end )) && pgrep -f tools/device/results.sh > /dev/null; do sleep 5; done
if ! pgrep -f tools/device/results.sh > /dev/null; then echo "results.sh has finished; its output ends:"; tail -3 "$DIR/results.log"; fi
cat "$DIR/progress.log" 2>/dev/null
( cd "$DIR" && find . \( -path ./data -o -name checkpoints \) -prune -o -type f \
    \( -name '*.md' -o -name '*.csv' -o -name '*.json' -o -name '*.yaml' -o -name '*.txt' -o -name '*.failed' \
       -o -path './compare/*/*.png' -o -name 'train-*.log' -o -name 'generate-*.log' -o -name 'compare-*.log' \
       -o -name results.log -o -name progress.log \) -print \
  | tar czf "$OUT/results.tgz" -T - ) && ls -l "$OUT/results.tgz"
