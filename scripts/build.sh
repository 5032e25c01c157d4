#!/usr/bin/env bash
# Installs what is missing (Debian packages, the pinned llama.cpp) and builds neuroseed (Release) in build/,
# with the CLI at build/bin/neuroseed. Idempotent: a second run only rebuilds what changed.
#   scripts/build.sh [TARGET...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/deps.sh
bash scripts/llama.sh "$root/build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
if [ $# -gt 0 ]; then
    cmake --build build -j "$(nproc)" --target "$@"
else
    cmake --build build -j "$(nproc)"
fi
