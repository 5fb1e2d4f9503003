#!/usr/bin/env bash
# The fault-injection suite at length (docs/reliability.md): every host trained through the CLI,
# interrupted ROUNDS times (SIGINT and SIGKILL at random points, every third one while a
# checkpoint is being written), resumed to the end and compared bit for bit with an
# uninterrupted run; then the disk-full and bad-input tests. CI runs the same tests with 3 rounds.
#
#   tools/fault-injection.sh [BUILD_DIR] [ROUNDS] [SEED]      (defaults: build 12 $RANDOM)
set -euo pipefail
build=${1:-build}
rounds=${2:-12}
seed=${3:-$RANDOM}
tests="$build/mno_tests"
[ -x "$tests" ] || { echo "error: $tests not found; build first (make build)" >&2; exit 2; }
echo "fault injection: $rounds interruptions per host, seed $seed"
start=$(date +%s)
MNO_FAULT_ROUNDS=$rounds MNO_FAULT_SEED=$seed "$tests" \
  --gtest_filter='Hosts/FaultInjection.*:CliDiskFull.*:CliOverwrite.*:CliRunErrors.*:CliDataErrors.*:CliUsageErrors.*:CliConfigErrors.*'
echo "fault injection: passed in $(( $(date +%s) - start )) s (seed $seed)"
