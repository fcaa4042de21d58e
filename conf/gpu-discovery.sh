#!/usr/bin/env bash
# Spark GPU discovery script (spark.{worker,executor}.resource.gpu.discoveryScript).
# Prints {"name":"gpu","addresses":["0","1",...]}: the GPUs as nvidia-smi numbers them in PCI bus
# order, which is what CUDA uses when the executors run with CUDA_DEVICE_ORDER=PCI_BUS_ID.
# EMBER_FAKE_GPUS=N reports N fake GPUs, so CPU-only machines can test resource scheduling.
# No nvidia-smi (or a failing one) means an empty list: Spark then refuses a GPU request clearly
# instead of the script erroring out.
set -uo pipefail
export CUDA_DEVICE_ORDER=PCI_BUS_ID

if [[ -n "${EMBER_FAKE_GPUS:-}" ]]; then
  [[ $EMBER_FAKE_GPUS =~ ^[0-9]+$ ]] || { echo "EMBER_FAKE_GPUS must be a count, got '$EMBER_FAKE_GPUS'" >&2; exit 1; }
  ids=$(seq 0 $((EMBER_FAKE_GPUS - 1)))
elif command -v nvidia-smi >/dev/null 2>&1; then
  ids=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ') || ids=""
else
  ids=""
fi

addresses=""
for id in $ids; do
  addresses+="${addresses:+,}\"$id\""
done
echo "{\"name\":\"gpu\",\"addresses\":[$addresses]}"
