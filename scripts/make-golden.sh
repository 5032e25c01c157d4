#!/usr/bin/env bash
# Regenerates tests/data/tokenize/golden.tsv with llama.cpp's own llama-tokenize, built from the same pinned
# source as the library (scripts/llama.sh). Each line: file, token count, token ids (comma-separated).
# The tokenizer test compares neuroseed's counts and ids with these, file by file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/llama.sh"
bin="$root/build/llama/install/bin/llama-tokenize"
vocab="$root/build/llama/install/ggml-vocab-qwen2.gguf"
dir="$root/tests/data/tokenize"
out="$dir/golden.tsv"
tmp="$(mktemp)"
for f in $(cd "$dir" && ls | grep -v '^golden.tsv$' | sort); do
    ids="$("$bin" -m "$vocab" -f "$dir/$f" --ids --no-bos --no-parse-special --log-disable 2>/dev/null | tail -n 1)"
    ids="${ids#[}"; ids="${ids%]}"; ids="${ids// /}"
    count=$(awk -F, '{print NF}' <<<"$ids")
    [ -z "$ids" ] && count=0
    printf '%s\t%s\t%s\n' "$f" "$count" "$ids" >> "$tmp"
done
mv "$tmp" "$out"
echo "wrote $out ($(wc -l < "$out") files)"
