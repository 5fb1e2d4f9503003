#!/usr/bin/env bash
# Run HERE (the Debian dev machine): downloads the Debian packages the GPU machine lacks for
# building and running mno (it has nvcc, CMake, ninja and PyTorch's LibTorch, but no apt and no
# network) into an ignored folder that a device run carries. build.sh unpacks them into a prefix
# and puts on the library path only the shared libraries that machine does not already have.
# Usage: tools/device/fetch-debs.sh [DEST]
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST=${1:-.device-debs}
# Headers, .so links, pkg-config and CMake files of what CMakeLists.txt finds besides Torch.
DEV=(libyaml-cpp-dev libcli11-dev libfmt-dev libgtest-dev libhdf5-dev libeigen3-dev nlohmann-json3-dev
     libplplot-dev liblzf-dev libbackward-cpp-dev pkgconf pkgconf-bin libpkgconf3)
# Run-time libraries with everything they depend on (PLplot's cairo driver pulls in cairo, pango,
# glib, fontconfig, X11 client libraries; HDF5 pulls in libsz/libaec and libcurl). backward-cpp is
# header-only in the mode mno uses: nothing to carry at run time.
RUNTIME=(libyaml-cpp0.7 libfmt9 libhdf5-103-1 liblzf1 libplplot17 libplplotcxx15 plplot-driver-cairo libplplot-data
         fonts-dejavu-core fontconfig-config)
# Base system, package tools, and fonts/utilities that the closure names but nothing here loads.
SKIP='^(libc6|libgcc-s1|libstdc\+\+6|gcc-[0-9]+-base|dpkg|debconf|cdebconf|install-info|tar|lsb-base|sysvinit-utils|readline-common|libreadline8|libtinfo6|libnewt0.52|libslang2|libtextwrap1|libdebian-installer4|x11-common|xfonts-.*|ttf-.*|fonts-(croscore|freefont-.*|liberation.*|texgyre|urw-base35)|fontconfig)$'
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
            --no-enhances "${RUNTIME[@]}" 2>/dev/null | grep -v '^ ' | grep -v '^<' | sort -u | grep -Ev "$SKIP")
mkdir -p "$DEST"
rm -f "$DEST"/*.deb
# shellcheck disable=SC2086
(cd "$DEST" && apt-get download "${DEV[@]}" $closure)
ls "$DEST" | wc -l
du -sh "$DEST"
