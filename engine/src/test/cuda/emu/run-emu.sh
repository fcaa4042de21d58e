#!/usr/bin/env bash
# Builds kernels_emu_test.cpp (Ember's CUDA kernels on the CPU emulator in cuda_emu.h) with g++
# and runs it. Needs only g++ 11+ (C++20 <barrier>); no GPU, no CUDA toolkit.
#   run-emu.sh [BUILD_DIR]      default BUILD_DIR: a fresh temporary folder
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
g++ -std=c++20 -O0 -U_FORTIFY_SOURCE -pthread -I "$here" -Wall -Wno-unknown-pragmas -Wno-unused-variable -x c++ \
    "$here/kernels_emu_test.cpp" -o "$out/kernels_emu_test"
"$out/kernels_emu_test"
