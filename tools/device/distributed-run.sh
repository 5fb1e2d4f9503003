#!/usr/bin/env bash
# Run THERE (a GPU machine with 2+ GPUs, e.g. nvidia-h200-x2), from a source tree: builds mno
# (tools/device/build.sh, no tests), runs the distributed tests (the NCCL equivalence test among
# them), then trains MNO-GT on generated SW2D at 128 x 128 (stride 1: L = 16,384) for a fixed
# number of steps on 1 and on NPROC GPUs with the same global batch, and writes the table of
# samples/s, scaling efficiency and the loss curves of both to OUT (docs/distributed.md).
# Usage: tools/device/distributed-run.sh DEBS_DIR OUT_DIR [NPROC [STEPS [SAMPLES]]]
set -euo pipefail
DEBS=$1 OUT=$2 NPROC=${3:-2} TRAIN_STEPS=${4:-112} SAMPLES=${5:-256}
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
ARGS=(train -c configs/swe/gt_mamba.yaml "data.file=$DATA" data.stride=1 data.resolution=128
      "train.iterations=$TRAIN_STEPS" train.eval_every=0 train.device=cuda --no-eval)
run_one() {  # name, global batch, ranks
  local name=$1 batch=$2 n=$3 run=$RUNS/$1
  echo "== MNO-GT, SW2D 128x128, $TRAIN_STEPS steps, global batch $batch, $n GPU(s)"
  local args=("${ARGS[@]}" "train.batch_size=$batch" --out "$run" --overwrite)
  if [[ $n == 1 ]]; then cmd=("$MNO" "${args[@]}"); else cmd=("$MNO" launch --nproc "$n" -- "${args[@]}"); fi
  [[ ${args[0]} == --threads && $n != 1 ]] && cmd=("$MNO" launch --nproc "$n" -- "${args[@]:2}")
  echo "${cmd[*]}" | sed "s|$MNO|mno|" | tee "$OUT/$name.command"
  /usr/bin/time -f "wall %e s" "${cmd[@]}" 2>&1 | tee "$OUT/$name.log" | grep -E "^epoch|wall|error|data parallel" | tail -3
  cp "$run/log.csv" "$OUT/$name.csv"
}
run_one gpus1_all_threads 8 1
ARGS=(--threads 4 "${ARGS[@]}")   # as each rank gets from mno launch on a GPU machine
run_one gpus1_4_threads 8 1
# The faster of the two is the 1-GPU baseline.
best=$(python3 -c "import csv,sys; r=lambda f: sum(float(x['samples_per_s']) for x in list(csv.DictReader(open(f)))[1:]); a,b=sys.argv[1:]; print(a if r(a)>=r(b) else b)" "$OUT/gpus1_all_threads.csv" "$OUT/gpus1_4_threads.csv")
cp "$best" "$OUT/gpus1.csv"; echo "1-GPU baseline: $(basename "$best" .csv)" | tee "$OUT/baseline.txt"
run_one gpus$NPROC 8 "$NPROC"
# One GPU on the per-GPU batch (8 / NPROC): the step the ranks each take, without communication.
run_one gpus1_batch$((8 / NPROC)) $((8 / NPROC)) 1
python3 - "$OUT" "$NPROC" <<'PY' | tee "$OUT/distributed-table.md"
import csv, sys
out, n = sys.argv[1], sys.argv[2]
def read(name):
    return list(csv.DictReader(open(f"{out}/{name}.csv")))
one, many, part = read("gpus1"), read(f"gpus{n}"), read(f"gpus1_batch{8 // int(n)}")
# The first epoch holds the warm-up (cuDNN/cuBLAS plans, NCCL set-up): left out of the rates.
rate = lambda rows: sum(float(r["samples_per_s"]) for r in rows[1:]) / max(1, len(rows) - 1)
r1, rn = rate(one), rate(many)
print(f"| GPUs | samples/s (epochs 2+) | speed-up | scaling efficiency |")
print(f"|---|---|---|---|")
print(f"| 1 | {r1:.2f} | 1.00x | 100 % |")
print(f"| {n} | {rn:.2f} | {rn / r1:.2f}x | {100 * rn / r1 / int(n):.1f} % |")
rp = rate(part)
print()
print(f"One GPU on the per-GPU batch ({8 // int(n)}): {rp:.2f} samples/s, so {n} GPUs without any "
      f"communication cost could reach {int(n) * rp:.2f}; the {n}-GPU job reaches {100 * rn / (int(n) * rp):.1f} % of that.")
print()
print("| epoch | train loss, 1 GPU | train loss, %s GPUs | relative difference |" % n)
print("|---|---|---|---|")
for a, b in zip(one, many):
    x, y = float(a["train_loss"]), float(b["train_loss"])
    print(f"| {a['epoch']} | {x:.6e} | {y:.6e} | {abs(x - y) / abs(x):.1e} |")
PY
