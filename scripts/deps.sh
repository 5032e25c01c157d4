#!/usr/bin/env bash
# Installs every Debian package neuroseed builds, tests or runs with, when any is missing.
# Idempotent: a machine that has them all does nothing (no apt-get, no network).
set -euo pipefail

NEUROSEED_DEBIAN_PACKAGES=(
    build-essential cmake ninja-build git pkg-config ca-certificates python3
    clang libclang-rt-14-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    libsqlite3-dev libicu-dev libstemmer-dev libutf8proc-dev libuchardet-dev
    libmd4c-dev libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev
    libcpp-httplib-dev libcli11-dev libspdlog-dev libfmt-dev libxxhash-dev
    libzstd-dev libarchive-dev libeigen3-dev libopenblas-dev libhnswlib-dev libigraph-dev
    # WordNet 3.0 (its C library and database): the kinds of thing a question asks for, and the bases of
    # irregular English forms that every lexicon (index, search, compile, validate) uses.
    wordnet-dev wordnet-base
    # Hunspell and its Russian dictionary: the dictionary form of a Russian word before Snowball stems it.
    libhunspell-dev hunspell-ru
    # igraph's CMake targets name these libraries; Debian's libigraph-dev does not pull them in.
    libarpack2-dev libglpk-dev libplfit-dev libgmp-dev libxml2-dev liblapack-dev libblas-dev
)

missing=()
# npm fetches the pinned llama.cpp source; a machine with its own Node.js keeps it.
command -v npm >/dev/null || NEUROSEED_DEBIAN_PACKAGES+=(nodejs npm)
for pkg in "${NEUROSEED_DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "neuroseed: installing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "neuroseed: need root or sudo to install packages" >&2; exit 2; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
