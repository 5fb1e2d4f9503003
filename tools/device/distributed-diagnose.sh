#!/usr/bin/env bash
# Run THERE after tools/device/distributed-run.sh's build (or with it: it builds if needed): where
# does a 2-GPU step lose time? (docs/distributed.md). Runs, each MNO-GT on SW2D 128x128, batch 4
# per GPU, STEPS steps:
#   A  two independent single-GPU jobs at once (GPU 0 and GPU 1, no communication): host contention
#   B  the 2-rank job with NCCL_DEBUG=INFO: which transport NCCL chose
#   C  the 2-rank job with 4 LibTorch threads per rank instead of cores/2
# Usage: tools/device/distributed-diagnose.sh DEBS_DIR OUT_DIR [STEPS]
set -euo pipefail
DEBS=$1 OUT=$2 TRAIN_STEPS=${3:-112}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
mkdir -p "$OUT"
MNO_DEVICE_STEPS=none source "$SRC/tools/device/build.sh" "$DEBS" "$OUT" > "$OUT/build-steps.log" 2>&1 \
  || { tail -30 "$OUT/build-steps.log"; exit 1; }
MNO=/tmp/mno-build/mno
DATA=/tmp/mno-data/swe128_256.h5; RUNS=/tmp/mno-runs
mkdir -p /tmp/mno-data "$RUNS"
[[ -f $DATA ]] || "$MNO" generate swe --samples 256 --resolution 128 --out "$DATA" 2>&1 | tail -1
ARGS=(train -c configs/swe/gt_mamba.yaml "data.file=$DATA" data.stride=1 data.resolution=128
      "train.iterations=$TRAIN_STEPS" train.eval_every=0 train.device=cuda --no-eval --overwrite)
rate() { python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1])))[1:]; print('%.2f samples/s' % (sum(float(x['samples_per_s']) for x in r)/len(r)))" "$1/log.csv"; }
echo "== A: two independent 1-GPU jobs at batch 4, at once"
CUDA_VISIBLE_DEVICES=0 "$MNO" --threads 16 "${ARGS[@]}" train.batch_size=4 --out "$RUNS/a0" > "$OUT/a0.log" 2>&1 &
CUDA_VISIBLE_DEVICES=1 "$MNO" --threads 16 "${ARGS[@]}" train.batch_size=4 --out "$RUNS/a1" > "$OUT/a1.log" 2>&1
wait
echo "A gpu0: $(rate $RUNS/a0)  gpu1: $(rate $RUNS/a1)"
echo "== B: 2 ranks, NCCL_DEBUG=INFO"
NCCL_DEBUG=INFO "$MNO" launch --nproc 2 -- "${ARGS[@]}" train.batch_size=8 --out "$RUNS/b" > "$OUT/b.log" 2>&1
echo "B: $(rate $RUNS/b)"; grep -E "via |Channel 00|NCCL version|P2P|SHM|NET/" "$OUT/b.log" | sort -u | head -12
echo "== C: 2 ranks, 4 threads per rank"
"$MNO" launch --nproc 2 --threads-per-rank 4 -- "${ARGS[@]}" train.batch_size=8 --out "$RUNS/c" > "$OUT/c.log" 2>&1
echo "C: $(rate $RUNS/c)"
