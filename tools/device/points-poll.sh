#!/usr/bin/env bash
# Run THERE: drives tools/device/points-study.sh across device calls of at most 10 minutes, as
# results-poll.sh drives results.sh. The first call starts it detached (setsid: it outlives the call
# while the machine stays warm); every call waits up to WAIT seconds for it, prints its progress and
# packs what is there so far into OUT/points.tgz (tables, CSVs, PNGs, configs, logs; no data, no
# checkpoints, no per-run plots/), so a lost machine loses nothing already brought back.
# Usage: tools/device/points-poll.sh WAIT OUT [DEBS_DIR]   (env: as points-study.sh)
#   e.g. MNO_POINTS_BUDGET=960 tools/device/points-poll.sh 560 $OUT .device-debs, then again within 30 s
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WAIT=$1 OUT=$2 DEBS=${3:-$SRC/.device-debs}
DIR=${MNO_POINTS_DIR:-/tmp/mno-points}
mkdir -p "$DIR" "$OUT"
if ! pgrep -f tools/device/points-study.sh > /dev/null && [[ ! -f $DIR/started ]]; then
  date -u > "$DIR/started"
  MNO_POINTS_DIR=$DIR setsid "$SRC/tools/device/points-study.sh" "$DIR/out" "$DEBS" >> "$DIR/study.log" 2>&1 < /dev/null &
  echo "started tools/device/points-study.sh"; sleep 2
fi
end=$(( $(date +%s) + WAIT ))
while (( $(date +%s) < end )) && pgrep -f tools/device/points-study.sh > /dev/null; do sleep 5; done
if ! pgrep -f tools/device/points-study.sh > /dev/null; then echo "points-study.sh has finished; its output ends:"; tail -5 "$DIR/study.log"; fi
tail -40 "$DIR/progress.log" 2>/dev/null
[[ -f $DIR/out/study.md ]] && cp "$DIR/out/study.md" "$OUT/"
( cd "$DIR" && find . \( -path ./data -o -path ./out -o -name checkpoints -o -name plots \) -prune -o -type f \
    \( -name '*.md' -o -name '*.csv' -o -name '*.json' -o -name '*.yaml' -o -name '*.png' -o -name '*.failed' \
       -o -name '*.log' \) -print | tar czf "$OUT/points.tgz" -T - ) && ls -l "$OUT"
