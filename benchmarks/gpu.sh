#!/usr/bin/env bash
# GPU throughput check, under 5 minutes: random flan-t5-large weights through our backend on CUDA (bf16),
# 512 input / 128 output tokens, eager at batch 1, 64, 256, 512 and static cache + torch.compile at 64, 512.
#
# Run it through the device tool from the repository root:
#   1. here (once per session): bash benchmarks/gpu_wheels.sh     # pydantic wheels for the GPU image
#   2. device run: command "bash benchmarks/gpu.sh", carry [".whl"], timeout_s 330
# It prints one line per configuration ("eager batch=64: 15.20 docs/s, ...") and the best as the last
# line; the log is also written to $OUT/gpu.log when $OUT is set.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
if ! python3 -c "import pydantic" 2>/dev/null; then
  if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 3
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
  else
    echo "pydantic is missing on this machine: run benchmarks/gpu_wheels.sh first and carry .whl" >&2
    exit 2
  fi
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
export NEWSFACTS_CACHE=${NEWSFACTS_CACHE:-/tmp/newsfacts-cache}
log=${OUT:-/tmp}/gpu.log
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
  python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"
  # 270 s of measuring at most (configurations past it are skipped), killed at 285 s whatever happens.
  timeout 285 python3 benchmarks/gpu_bench.py --arch flan-t5-large --batch-sizes 1,64,256,512 \
      --static-batch-sizes 64,512 --budget-s 240
  echo "gpu.sh wall time: $(( $(date +%s) - start )) s"
} 2>&1 | grep -v -E "Token indices sequence length|Warning" | tee "$log"
