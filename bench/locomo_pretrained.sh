#!/usr/bin/env bash
# What the pretrained models the registries hold add to search on LoCoMo (see bench/locomo_pretrained.py).
#   bench/locomo_pretrained.sh DATA.json [OUTDIR]
# Runs scripts/bench-locomo.sh once (keeping its work folder), then adds each model's cosine at weights 0 (search
# alone), .2, .3 and .4, and prints score.py's table for each. The models are fetched once into build/pretrained.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/locomo_pretrained.sh DATA.json [OUTDIR]" >&2; exit 2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$(realpath "$1")"
out="$(realpath -m "${2:-$root/build/locomo-pretrained}")"
score="${SCORE_PY:-$root/../shared/bench/locomo/score.py}"
if ! /usr/bin/python3 -c "import numpy" 2>/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >/dev/null
fi
cache="$(bash "$root/bench/pretrained/fetch.sh" "$root/build/pretrained")"
mkdir -p "$out"
KEEP="$out/work" bash "$root/scripts/bench-locomo.sh" "$data" "$out/search.jsonl"
weights="0,0.2,0.3,0.4"
for model in glove use; do
    /usr/bin/python3 "$root/bench/locomo_pretrained.py" "$data" "$out/work" "$out" \
        --model "$model" --cache "$cache" --weights "$weights"
    for weight in ${weights//,/ }; do
        echo "== $model, weight $weight"
        /usr/bin/python3 "$score" score "$data" "$out/$model-$weight.jsonl"
    done
done
