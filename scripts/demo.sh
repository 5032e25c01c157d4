#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and runs neuroseed on the bundled sample vault (two design
# notes that arrive double-encoded, UTF-8 read as Mac Roman): import with repair, list, weigh, index, search,
# zones, an answer with its trace (ask), and a seed pack compiled, weighed and validated.
# Embedded default: no server, no model download. The demo store is build/demo-store (made fresh each run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build.sh neuroseed
ns() { "$root/build/bin/neuroseed" --store "$root/build/demo-store" "$@"; }
rm -rf "$root/build/demo-store"

echo "== neuroseed import samples/vault"
ns import samples/vault
echo
echo "== neuroseed notes"
ns notes
echo
echo "== neuroseed weigh --by note"
ns weigh --by note
echo
echo "== neuroseed weigh --by role"
ns weigh --by role
echo
echo "== neuroseed cat 000_8429abf1bad64ad2.md (first lines)"
note="$(ns cat 000_8429abf1bad64ad2.md)"   # captured, not piped: head would cut the pipe under pipefail
sed -n '1,12p' <<<"$note"
echo
echo "== neuroseed index"
ns index
echo
echo "== neuroseed search \"в каких форматах переносить память в Qwen\" -k 3 --explain"
ns search "в каких форматах переносить память в Qwen" -k 3 --explain
echo "== neuroseed zones --quotes 1"
ns zones --quotes 1
echo
echo "== neuroseed ask \"В каких форматах переносить память в Qwen?\"  (extractive backend: no model)"
ns ask "В каких форматах переносить память в Qwen?" --trace "$root/build/demo-trace.json"
echo "(whole trace: build/demo-trace.json)"
echo
echo "== neuroseed compile --out build/demo-pack  (the seed pack: system prompt, core tree, RAG chunks, LoRA data)"
ns compile --out "$root/build/demo-pack"
echo
echo "== neuroseed weigh --pack build/demo-pack  (three answers to 'how many tokens does my memory weigh')"
ns weigh --pack "$root/build/demo-pack"
echo
echo "== neuroseed validate build/demo-pack"
ns validate "$root/build/demo-pack"
