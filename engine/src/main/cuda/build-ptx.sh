#!/usr/bin/env bash
# Compiles every kernel source in this folder (*.cu) to PTX with nvcc.
#
#   build-ptx.sh [OUT_DIR]     default OUT_DIR: ../resources/dev/ember/engine/backend/cuda
#
# Architecture: compute_75 (Turing; the oldest nvcc 13 targets), so one PTX JIT-compiles on every
# GPU from sm_75 up. A source that needs more names it in a line "// ember-arch: compute_NN"
# (sgemm_tf32.cu: compute_80 for tensor-core TF32). Each PTX starts with two comment lines: the
# flags used and "ember-source-sha256", a hash of the .cu followed by every .cuh here (sorted by
# name), which lets CudaPtxSyncTest prove the shipped PTX matches its sources even without nvcc.
# After editing a .cu or .cuh, run this script and commit the regenerated .ptx files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../resources/dev/ember/engine/backend/cuda}"
NVCC="${NVCC:-nvcc}"
command -v "$NVCC" >/dev/null || { echo "build-ptx.sh: nvcc not found (set NVCC or PATH)" >&2; exit 2; }
mkdir -p "$out"
cd "$here"
headers=$(LC_ALL=C ls -1 *.cuh 2>/dev/null || true)
for src in $(LC_ALL=C ls -1 *.cu); do
  name="${src%.cu}"
  arch=$(sed -n 's|^// ember-arch: *\(compute_[0-9a-z]*\).*|\1|p' "$src" | head -n1)
  arch="${arch:-compute_75}"
  flags="-ptx -arch=$arch -std=c++17"
  # shellcheck disable=SC2086
  hash=$(cat "$src" $headers | sha256sum | cut -d' ' -f1)
  tmp="$out/.$name.ptx.tmp"
  # shellcheck disable=SC2086
  "$NVCC" $flags "$src" -o "$tmp"
  { echo "// ember-nvcc-flags: $flags"
    echo "// ember-source-sha256: $hash"
    cat "$tmp"; } > "$out/$name.ptx"
  rm -f "$tmp"
  echo "$src -> $out/$name.ptx ($arch)"
done
