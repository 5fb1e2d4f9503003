#!/usr/bin/env bash
# Run HERE (the Debian dev machine): downloads the Debian packages the GPU machine lacks for
# building mno (it has nvcc, CMake, ninja and PyTorch's LibTorch, but no apt and no network) into
# an ignored folder that a device run carries. Usage: tools/device/fetch-debs.sh [DEST]
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST=${1:-.device-debs}
# What CMakeLists.txt finds besides Torch: yaml-cpp, CLI11, fmt, GTest (+ their runtime libraries).
PACKAGES=(libyaml-cpp-dev libyaml-cpp0.7 libcli11-dev libfmt-dev libfmt9 libgtest-dev)
mkdir -p "$DEST"
(cd "$DEST" && apt-get download "${PACKAGES[@]}")
ls -la "$DEST"
