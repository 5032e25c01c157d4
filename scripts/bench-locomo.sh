#!/usr/bin/env bash
# LoCoMo evidence-recall benchmark: every conversation goes into its own fresh store (each turn one message:
# dia_id as external id, speaker as author, session date as timestamp, image caption appended), every
# question is answered with `neuroseed search` (K hits, 100 by default), and the ranked dia_ids are written for
# score.py, at least 50 per question (see locomo.py collect).
#   scripts/bench-locomo.sh DATA.json OUT.jsonl [K] [HOPS]
# With RERANK_MODEL=FILE.gguf (or RERANK_ENDPOINT=URL) the search's rerank step uses that cross-encoder.
# With KEEP=DIR the work folder (each conversation's archive, queries and scored search results) is kept in DIR, as
# bench/locomo_pretrained.sh reads it.
# then: python3 ../shared/bench/locomo/score.py score DATA.json OUT.jsonl
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: scripts/bench-locomo.sh DATA.json OUT.jsonl [K] [HOPS]" >&2; exit 2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$(realpath "$1")"
out="$(realpath -m "$2")"
k="${3:-100}"
hops="${4:-1}"
rerank=()
[ -n "${RERANK_MODEL:-}" ] && rerank=(--rerank-model "$(realpath "$RERANK_MODEL")")
[ -n "${RERANK_ENDPOINT:-}" ] && rerank=(--rerank-endpoint "$RERANK_ENDPOINT")
bash "$root/scripts/build.sh" neuroseed >/dev/null
ns="$root/build/bin/neuroseed"
if [ -n "${KEEP:-}" ]; then
    work="$(realpath -m "$KEEP")"
    # Only a folder this script made (it leaves a marker) is emptied: KEEP=~ must not wipe a home.
    if [ -n "$(ls -A "$work" 2>/dev/null)" ] && [ ! -e "$work/.bench-locomo" ]; then
        echo "bench-locomo: KEEP=$work is not empty and was not made by this script" >&2
        exit 2
    fi
    rm -rf "$work" && mkdir -p "$work" && touch "$work/.bench-locomo"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi
python3 "$root/scripts/locomo.py" prepare "$data" "$work"
for dir in "$work"/*/; do
    store="$dir/store"
    "$ns" --store "$store" import "$dir/sessions.jsonl" --format jsonl >/dev/null
    "$ns" --store "$store" index >/dev/null
    "$ns" --store "$store" search --batch "$dir/queries.jsonl" -k "$k" --hops "$hops" "${rerank[@]}" > "$dir/results.jsonl"
    echo "neuroseed: $(basename "$dir") done" >&2
done
python3 "$root/scripts/locomo.py" collect "$data" "$work" "$out"
echo "wrote $out" >&2
