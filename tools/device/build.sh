#!/usr/bin/env bash
# Run THERE (the GPU machine), from a source tree: unpacks the carried .deb files into a prefix
# (never into /), configures against PyTorch's LibTorch + CUDA for sm_90, builds, then runs the
# steps named in MNO_DEVICE_STEPS (default: all of them, in this order):
#   gpu-tests  the CUDA tests alone (*Cuda*: their CPU double reference is slow under -j), and the
#              tests of what only LibTorch 2.x has (fused attention, fused Adam) on its CPU too
#   bench      mno bench scan --device cuda, mno bench layer --device cuda
#   models     mno bench model --device cuda (the Darcy configs, batch 8, 64×64)
#   ctest      the rest of the suite (MNO_CTEST_ARGS narrows it, e.g. "-R cli")
#   profile    Nsight Compute on one forward and one backward launch at shape (b)
#   model-ncu  Nsight Compute over a stretch of training-step kernels of MNO_NCU_CONFIGS (default the
#              Darcy gt_mamba and gt_softmax), summed per kernel name: the top kernels' duration,
#              SM and memory throughput, occupancy, registers (ncu-model-<config>.txt)
#   bf16-repro 3 training steps under bf16 autocast (MNO_BF16_CONFIGS; default GNOT-linear and GT-softmax) on generated Darcy data, with
#              LibTorch's C++ stack on failure (MNO_BACKTRACE=1): the op that fails, if one does
# MNO_CMAKE_ARGS adds configure flags. (A CPU-only build there, -DMNO_WITH_CUDA=OFF against the CUDA PyTorch,
# fails in train/c10d_backends.cpp: c10d::Work is not declared; seen 2026-12-03, not yet looked into.)
# MNO_BUILD_TARGET=mno_cli builds the CLI alone (about half the time; no test steps then).
# Usage: tools/device/build.sh [DEBS_DIR] [OUT_DIR]    (see docs/gpu.md)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=$(cd "${1:-$SRC/.device-debs}" && pwd)
OUT=${2:-${OUT:-/tmp/mno-out}}
STEPS=${MNO_DEVICE_STEPS:-gpu-tests bench models ctest}
PREFIX=/tmp/mno-deps
BUILD=${MNO_BUILD_DIR:-/tmp/mno-build}   # inside the tree (e.g. build-device) to keep it between warm calls
mkdir -p "$PREFIX" "$OUT"
step() { [[ " $STEPS " == *" $1 "* ]]; }
START=$(date +%s)
since() { echo "($(( $(date +%s) - START ))s since the start)"; }

for deb in "$DEBS"/*.deb; do
  if command -v dpkg >/dev/null; then dpkg -x "$deb" "$PREFIX"
  else (cd "$PREFIX" && ar p "$deb" "$(ar t "$deb" | grep '^data.tar')" | tar -x --zstd -f - 2>/dev/null \
        || ar p "$deb" "$(ar t "$deb" | grep '^data.tar')" | tar -xJ -f -); fi
done

# Only the shared libraries this machine lacks go on the library path: a carried copy of one it
# has (libz, libssl, glib...) must not shadow the system's, which its other programs need.
LIBS=$PREFIX/libs-missing
mkdir -p "$LIBS"
have=$(ldconfig -p | awk '{print $1}' | sort -u)
missing=()
for f in "$PREFIX"/usr/lib/x86_64-linux-gnu/*.so.* "$PREFIX"/lib/x86_64-linux-gnu/*.so.*; do
  [[ -e $f ]] || continue
  name=$(basename "$f")
  if ! grep -qxF "$name" <<<"$have"; then ln -sf "$f" "$LIBS/$name"; missing+=("$name"); fi
done
echo "== carried libraries used (missing here): ${#missing[@]}"
printf '%s\n' "${missing[@]}" | grep -E '\.so\.[0-9]+$' | tr '\n' ' '; echo
export LD_LIBRARY_PATH=$LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

# pkg-config: the prefix's .pc files, their absolute paths re-rooted into the prefix. Debian's
# hdf5.pc is an alternatives link that dpkg -x does not create.
ln -sf hdf5-serial.pc "$PREFIX/usr/lib/x86_64-linux-gnu/pkgconfig/hdf5.pc"
export PKG_CONFIG_PATH=$PREFIX/usr/lib/x86_64-linux-gnu/pkgconfig:$PREFIX/usr/share/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$PREFIX
export PKG_CONFIG_LIBDIR=$PKG_CONFIG_PATH
PKG_CONFIG=$(command -v pkg-config || echo "$PREFIX/usr/bin/pkgconf")
echo "== pkg-config: $PKG_CONFIG; hdf5 $("$PKG_CONFIG" --modversion hdf5), plplot $("$PKG_CONFIG" --modversion plplot)"

# PLplot finds its drivers and data through these (compiled-in paths point into /usr); fontconfig
# gets a configuration that knows the carried fonts.
export PLPLOT_DRV_DIR=$(echo "$PREFIX"/usr/lib/x86_64-linux-gnu/plplot*/drivers)
export PLPLOT_LIB=$(echo "$PREFIX"/usr/share/plplot*)
mkdir -p /tmp/mno-fc-cache
cat >"$PREFIX/fonts.conf" <<EOF
<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>$PREFIX/usr/share/fonts</dir><dir>/usr/share/fonts</dir><cachedir>/tmp/mno-fc-cache</cachedir></fontconfig>
EOF
export FONTCONFIG_FILE=$PREFIX/fonts.conf

TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}   # LibTorch ignores CMAKE_CUDA_ARCHITECTURES
export CUDACXX=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
# What running the built programs needs, for scripts that call this one (tools/device/python-gpu.sh).
{ echo "export LD_LIBRARY_PATH='$LD_LIBRARY_PATH'"; echo "export PLPLOT_DRV_DIR='$PLPLOT_DRV_DIR'"
  echo "export PLPLOT_LIB='$PLPLOT_LIB'"; echo "export FONTCONFIG_FILE='$FONTCONFIG_FILE'"; } >"$PREFIX/env.sh"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv || true

echo "== configure"
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPKG_CONFIG_EXECUTABLE="$PKG_CONFIG" \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$PREFIX/usr" -DMNO_WITH_CUDA=ON -DMNO_CUDA_ARCHS=90 ${MNO_CMAKE_ARGS:-} >"$OUT/configure.log" 2>&1 \
  || { tail -40 "$OUT/configure.log"; exit 1; }
grep "^-- mno" "$OUT/configure.log" || true
echo "== build"
cmake --build "$BUILD" ${MNO_BUILD_TARGET:+--target $MNO_BUILD_TARGET} -j"$(nproc)" >"$OUT/build.log" 2>&1 || { grep -B2 -A12 "error" "$OUT/build.log" | head -80; exit 1; }
grep -i "spill\|stack frame" "$OUT/build.log" | sort -u | head -20 || true
echo "built $(since)"
cd "$SRC"   # bench model finds configs/ relative to here

if step gpu-tests; then
  echo "== GPU tests $(since)"
  "$BUILD/mno_tests" --gtest_filter="${MNO_GTEST_FILTER:-*Cuda*:AttentionFused*:FusedAdam*}" --gtest_brief=1 2>&1 | tee "$OUT/gpu-tests.log" | tail -30 \
    || echo "GPU TESTS FAILED"
fi
if step bench; then
  echo "== bench scan $(since)"
  "$BUILD/mno" bench scan --device cuda --json "$OUT/bench-scan-cuda.json" 2>&1 | tee "$OUT/bench-scan-cuda.md" | grep "^|\|^\`"
  echo "== bench layer"
  "$BUILD/mno" bench layer --device cuda 2>&1 | tee "$OUT/bench-layer-cuda.md" | grep "^|\|^\`" || true
fi
if step models; then
  echo "== bench model $(since)"
  "$BUILD/mno" bench model --device cuda --repeats 10 2>&1 | tee "$OUT/bench-model-cuda.md" | grep "^|\|^\`" || true
fi
if step ctest; then
  echo "== the rest of the test suite $(since)"
  # One process per core, two LibTorch threads each (as in CI): all cores in each of 8 processes
  # made the model tests 10x slower than alone.
  (cd "$BUILD" && MNO_TEST_THREADS=2 ctest -j"$(( $(nproc) / 2 ))" --timeout 900 -E Cuda ${MNO_CTEST_ARGS:-} \
     --output-on-failure 2>&1 | tee "$OUT/ctest.log" | tail -25)
  echo "ctest done $(since)"
fi
if step model-ncu && command -v ncu >/dev/null; then
  # bench model runs warm-ups, then forward, forward+backward and AdamW steps: skipping the first
  # MNO_NCU_SKIP launches lands in the timed steps; MNO_NCU_COUNT launches are about one step.
  for cfg in ${MNO_NCU_CONFIGS:-configs/darcy/gt_mamba.yaml configs/darcy/gt_softmax.yaml}; do
    name=$(basename "$cfg" .yaml)
    echo "== ncu over the step kernels of $name $(since)"
    ncu --launch-skip "${MNO_NCU_SKIP:-2000}" --launch-count "${MNO_NCU_COUNT:-700}" --section SpeedOfLight \
        --section Occupancy --section LaunchStats --print-summary per-kernel \
        "$BUILD/mno" bench model --device cuda --repeats 3 "$cfg" >"$OUT/ncu-model-$name.txt" 2>&1 || true
    tools/device/ncu-summary.py "$OUT/ncu-model-$name.txt" | tee "$OUT/ncu-model-$name.md" | head -24 || true
  done
fi
if step bf16-repro; then
  echo "== bf16 autocast: 3 training steps of each config $(since)"
  R=/tmp/mno-bf16-repro && rm -rf "$R" && mkdir -p "$R"
  # 128 x 128 read with the Darcy configs' own stride 2: the 64 x 64 grid they are configured for.
  "$BUILD/mno" generate darcy --samples 24 --resolution 128 --out "$R/darcy.h5" >/dev/null 2>&1
  for cfg in ${MNO_BF16_CONFIGS:-configs/darcy/gnot_linear.yaml configs/darcy/gt_softmax.yaml}; do
    log="$OUT/bf16-$(basename "$cfg" .yaml).log"
    # --stop-after-steps exits as Ctrl-C does (130), so success is the stop line in the log.
    MNO_BACKTRACE=1 TORCH_SHOW_CPP_STACKTRACES=1 "$BUILD/mno" train -c "$cfg" --out "$R/run-$(basename "$cfg" .yaml)" \
      --no-eval --stop-after-steps 3 train.bf16=true train.device=cuda data.file="$R/darcy.h5" \
      train.batch_size=4 >"$log" 2>&1 || true
    if grep -q "^stopped at step 3" "$log"; then echo "$cfg: 3 bf16 steps ran"
    else echo "$cfg: FAILED under bf16"; grep -m1 "^error" "$log"; grep -E "frame #" "$log" | head -25; fi
  done
fi
if step profile && command -v ncu >/dev/null; then
  echo "== ncu (shape (b), fp32, directions 2: one forward and one backward launch)"
  for kernel in scan_forward_kernel scan_backward_kernel; do
    ncu --kernel-name "regex:$kernel" --launch-skip 3 --launch-count 1 --section SpeedOfLight --section Occupancy \
        --section LaunchStats --section WarpStateStats --section ComputeWorkloadAnalysis --section MemoryWorkloadAnalysis \
        "$BUILD/mno" bench scan --device cuda --only "(b)" --dtype fp32 >"$OUT/ncu-$kernel.txt" 2>&1 || true
    grep -E "Duration|Throughput|Achieved Occupancy|Registers Per|Stall|Issue Slots|Executed Ipc|Pipe|Warp Cycles|Bank" \
      "$OUT/ncu-$kernel.txt" | head -40
  done
fi
