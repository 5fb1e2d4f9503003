#!/usr/bin/env bash
# Run THERE (a GPU machine with 2+ GPUs, e.g. nvidia-h200-x2), from a source tree: builds mno
# (tools/device/build.sh, no tests), runs the distributed tests (the NCCL equivalence test among
# them), then trains MNO-GT on generated SW2D at 128 x 128 (stride 1: L = 16,384) for a fixed
# number of steps on 1 and on NPROC GPUs with the same global batch, and writes the table of
# samples/s, scaling efficiency and the loss curves of both to OUT (docs/distributed.md).
# Usage: tools/device/distributed-run.sh DEBS_DIR OUT_DIR [NPROC [STEPS [SAMPLES]]]
set -euo pipefail
DEBS=$1 OUT=$2 NPROC=${3:-2} STEPS=${4:-84} SAMPLES=${5:-64}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# NVLink multicast stays off (the device docs: it can take a shared host's GPUs out of service).
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
mkdir -p "$OUT"
MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$DEBS" "$OUT" > "$OUT/build-steps.log" 2>&1 \
  || { tail -30 "$OUT/build-steps.log"; exit 1; }
MNO=/tmp/mno-build/mno
nvidia-smi --query-gpu=index,name --format=csv,noheader
echo "== distributed tests"
/tmp/mno-build/mno_tests --gtest_filter='*Distributed*' --gtest_brief=1 2>&1 | tee "$OUT/distributed-tests.log" | tail -15 \
  || echo "DISTRIBUTED TESTS FAILED"

DATA=/tmp/mno-data/swe128_${SAMPLES}.h5; RUNS=/tmp/mno-runs
mkdir -p /tmp/mno-data "$RUNS"
if [[ ! -f $DATA ]]; then
  echo "== generate swe: $SAMPLES samples at 128x128"
  /usr/bin/time -f "generated in %e s" "$MNO" generate swe --samples "$SAMPLES" --resolution 128 --out "$DATA" 2>&1 | tail -1
fi
# Same global batch (8) on every count; evaluation only at the end and skipped (--no-eval), so
# the epoch times are training alone.
ARGS=(train -c configs/swe/gt_mamba.yaml "data.file=$DATA" data.stride=1 data.resolution=128 train.batch_size=8
      "train.iterations=$STEPS" train.eval_every=0 train.device=cuda --no-eval)
for n in 1 "$NPROC"; do
  run=$RUNS/gpus$n
  echo "== MNO-GT, SW2D 128x128, $STEPS steps, global batch 8, $n GPU(s)"
  if [[ $n == 1 ]]; then cmd=("$MNO" "${ARGS[@]}" --out "$run" --overwrite)
  else cmd=("$MNO" launch --nproc "$n" -- "${ARGS[@]}" --out "$run" --overwrite); fi
  echo "${cmd[*]}" | sed "s|$MNO|mno|" | tee "$OUT/gpus$n.command"
  /usr/bin/time -f "wall %e s" "${cmd[@]}" 2>&1 | tee "$OUT/gpus$n.log" | grep -E "^epoch|wall|error|data parallel" | tail -4
  cp "$run/log.csv" "$OUT/gpus$n.log.csv"
done
python3 - "$OUT" "$NPROC" <<'PY' | tee "$OUT/distributed-table.md"
import csv, sys
out, n = sys.argv[1], sys.argv[2]
def read(k):
    return list(csv.DictReader(open(f"{out}/gpus{k}.log.csv")))
one, many = read(1), read(n)
# The first epoch holds the warm-up (cuDNN/cuBLAS plans, NCCL set-up): left out of the rates.
rate = lambda rows: sum(float(r["samples_per_s"]) for r in rows[1:]) / max(1, len(rows) - 1)
r1, rn = rate(one), rate(many)
print(f"| GPUs | samples/s (epochs 2+) | speed-up | scaling efficiency |")
print(f"|---|---|---|---|")
print(f"| 1 | {r1:.2f} | 1.00x | 100 % |")
print(f"| {n} | {rn:.2f} | {rn / r1:.2f}x | {100 * rn / r1 / int(n):.1f} % |")
print()
print("| epoch | train loss, 1 GPU | train loss, %s GPUs | relative difference |" % n)
print("|---|---|---|---|")
for a, b in zip(one, many):
    x, y = float(a["train_loss"]), float(b["train_loss"])
    print(f"| {a['epoch']} | {x:.6e} | {y:.6e} | {abs(x - y) / abs(x):.1e} |")
PY
