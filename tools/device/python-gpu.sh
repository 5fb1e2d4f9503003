#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree with .device-debs and .authors carried (docs/python.md):
#   1. builds the mno CLI and the Python module against the machine's PyTorch 2.x with CUDA
#      (tools/device/build.sh), while mamba_ssm's selective_scan_cuda extension builds beside it;
#   2. the pytest suite (tests/python/: the CUDA cases and torch.compile run here);
#   3. tools/python/scan_overhead.py on the GPU (the Python op against the C++ call);
#   4. tools/python/authors_step.py: the authors' GT-Mamba training on mno's compat module against the
#      same steps on mamba_ssm's compiled kernel, full size;
#   5. tools/parity/export_side_by_side.py --device cuda with mamba_ssm's kernel for the Mamba configs.
# MNO_PYTEST_FILES narrows step 2 to some test files. MNO_PY_STEPS picks steps 2–5 (default "pytest overhead authors side-by-side"; "diagnose" runs a model's CPU
# forward in Python under several thread settings, one process each). Everything lands in $OUT (logs, JSON).
# Device call: carry .device-debs and .authors, command
# `tools/device/python-gpu.sh $OUT`.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-${OUT:-/tmp/mno-out}}
MAMBA_BUILD=${MAMBA_BUILD_DIR:-/tmp/mamba-build}
BUILD=${MNO_BUILD_DIR:-/tmp/mno-build}
mkdir -p "$OUT"
cd "$SRC"
START=$(date +%s)
since() { echo "($(( $(date +%s) - START ))s)"; }
export PYTHONUNBUFFERED=1
python3 -c 'import sys, sysconfig, torch; print("python", sys.executable, sys.version.split()[0], "torch", torch.__version__, "headers", sysconfig.get_paths()["include"])'
ls "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" || echo "NO Python.h: the module cannot build here"

STEPS=${MNO_PY_STEPS:-pytest overhead authors side-by-side}   # also: diagnose
step() { [[ " $STEPS " == *" $1 "* ]]; }
if [[ ! -f $MAMBA_BUILD/selective_scan_cuda.so ]] && { step authors || step side-by-side; }; then
  (python3 tools/parity/authors_bench.py build --mamba .authors/mamba --build-dir "$MAMBA_BUILD" --arch 90 \
     >"$OUT/mamba-build.log" 2>&1; echo "mamba_ssm extension: exit $?" >>"$OUT/mamba-build.log") &
  MAMBA_PID=$!
fi
MNO_DEVICE_STEPS=none MNO_BUILD_TARGET="mno_cli mno_python" MNO_BUILD_DIR=$BUILD tools/device/build.sh .device-debs "$OUT" \
  || { echo "BUILD FAILED $(since)"; exit 1; }
echo "== mno built $(since)"
source /tmp/mno-deps/env.sh   # the carried libraries the mno binary needs (build.sh wrote it)
export PYTHONPATH=$BUILD/python:$SRC/.authors/pylib
if step diagnose; then
  echo "== diagnose: mno's Python calls one process each, with the native call stack on a crash $(since)"
  for call in "print(mno.read_pdebench.__doc__ is not None)" \
              "mno.generate('darcy', samples=1, resolution=32)" \
              "from mno import _C; print(_C.Model)" \
              "m = mno.Model.from_config('configs/darcy/gnot_linear.yaml'); print('built')" \
              "m = mno.Model.from_config('configs/darcy/gt_mamba.yaml'); print(m(torch.rand(1, 4096, 1), torch.rand(1, 4096, 2), (64, 64)).shape)"; do
    MNO_CRASH_REPORT=1 timeout 120 python3 -c "import torch, mno; $call" >"$OUT/diag.log" 2>&1
    echo "-- $call: exit $?"; grep -v "^  File" "$OUT/diag.log" | head -40
  done
fi
if step pytest; then
echo "== pytest $(since)"
for file in ${MNO_PYTEST_FILES:-tests/python/test_*.py}; do
MNO_BINARY=$BUILD/mno MNO_SOURCE_DIR=$SRC python3 -m pytest -q -p no:cacheprovider -rs "$file" 2>&1 \
  | tee -a "$OUT/pytest.log" | grep -v "^  File" | tail -8
done
fi
if step overhead; then
echo "== scan overhead on the GPU $(since)"
python3 tools/python/scan_overhead.py --device cuda --repeats 20 --warmups 5 --reference-repeats 1 \
  --json "$OUT/scan-overhead-cuda.json" 2>&1 | tee "$OUT/scan-overhead-cuda.md"
fi
if [[ -n ${MAMBA_PID:-} ]]; then wait "$MAMBA_PID"; fi
tail -2 "$OUT/mamba-build.log"
if step authors; then
echo "== the authors' GT-Mamba: mno's compat module against mamba_ssm's kernel $(since)"
python3 tools/python/authors_step.py --device cuda --scan-extension "$MAMBA_BUILD" --side 64 --batch 8 --steps 5 \
  --json "$OUT/authors-step-cuda.json" 2>&1 | tail -40
fi
if step side-by-side; then
echo "== export side by side on the GPU with mamba_ssm's kernel $(since)"
python3 tools/parity/export_side_by_side.py --mno "$BUILD/mno" --work /tmp/sbs --configs gt_mamba,gnot_mamba,oformer_mamba \
  --threads 8 --device cuda --scan-extension "$MAMBA_BUILD" 2>&1 | tee "$OUT/side-by-side-cuda.md" | grep "^|"
fi
echo "== done $(since)"
