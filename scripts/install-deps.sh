#!/usr/bin/env bash
# Installs the Debian packages mno needs to build, test and run (docs/architecture.md).
# A fast no-op when everything is present: apt-get runs only for missing packages.
set -euo pipefail

PACKAGES=(
  build-essential cmake ccache pkg-config
  libtorch-dev            # LibTorch 1.13 (CPU)
  libgloo-dev             # Gloo headers for c10d's CPU process group (distributed training, train/)
  libopenblas0-pthread    # fast BLAS under Debian's LibTorch (20x faster matmuls)
  libyaml-cpp-dev libcli11-dev libfmt-dev
  libgtest-dev
  libhdf5-dev             # PDEBench HDF5 files (data/)
  liblzf-dev              # h5py's LZF filter in PDEBench's diffusion-reaction file (data/)
  libbackward-cpp-dev     # call stacks in crash reports (core/)
  nlohmann-json3-dev      # metrics.json and run files (train/, eval/)
  libeigen3-dev           # sparse direct solves in the Darcy generator (data/gen/)
  libplplot-dev plplot-driver-cairo  # PNG heatmaps (mno data plot)
  python3-torch           # the Python module mno (python/) and the tests: the same LibTorch 1.13
  python3-numpy python3-dev pybind11-dev  # the Python module mno (python/, docs/python.md)
  python3-pytest          # its tests (tests/python/)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
