#!/usr/bin/env bash
# Fetches the pinned llama.cpp source (shipped inside the npm package node-llama-cpp as a git bundle),
# builds it once and installs it under build/llama/install, self-contained: the install runs wherever it is copied,
# with the build tree gone. Never rebuilds when the install of this recipe is present.
#   scripts/llama.sh [BUILD_DIR]
set -euo pipefail

NODE_LLAMA_CPP_VERSION="3.22.1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${1:-$root/build}"
llama_dir="$build_dir/llama"
# The stamp names the recipe's revision too, so that a cache built by an older recipe is built again.
stamp="$llama_dir/install/.neuroseed-$NODE_LLAMA_CPP_VERSION-r2"
jobs="$(nproc)"

if [ -f "$stamp" ]; then
    exit 0
fi
mkdir -p "$llama_dir"
cd "$llama_dir"

if [ ! -d src/.git ]; then
    echo "neuroseed: fetching llama.cpp from node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >&2
    rm -rf pack src
    mkdir pack
    (cd pack && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null && tar xzf ./*.tgz)
    git clone -q pack/package/llama/gitRelease.bundle src
    rm -rf pack
fi

echo "neuroseed: building llama.cpp (once; cached in $llama_dir)" >&2
cmake -S src -B cmake-build -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_TOOLS_INSTALL=OFF -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_INSTALL_PREFIX="$llama_dir/install" -DCMAKE_INSTALL_RPATH='$ORIGIN;$ORIGIN/../lib' \
    -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON >/dev/null
cmake --build cmake-build -j "$jobs" --target llama llama-server llama-tokenize
cmake --install cmake-build >/dev/null
mkdir -p "$llama_dir/install/bin"
# The tools install rules are off (they would ask for every tool); the two we use are copied by hand, with the
# shared libraries of theirs that no install rule copies (libllama-server-impl.so). Built with the install RPATH,
# they look in ../lib.
cp cmake-build/bin/llama-server cmake-build/bin/llama-tokenize "$llama_dir/install/bin/"
cp -a cmake-build/bin/lib*.so* "$llama_dir/install/lib/"
for tool in llama-server llama-tokenize; do
    # Without LD_LIBRARY_PATH, so that only the tool's own RUNPATH can find its libraries.
    libraries="$(env -u LD_LIBRARY_PATH ldd "$llama_dir/install/bin/$tool")"
    if [[ "$libraries" == *"not found"* ]]; then
        echo "$libraries" >&2
        echo "neuroseed: $llama_dir/install/bin/$tool misses a shared library" >&2
        exit 1
    fi
done
cp src/models/ggml-vocab-qwen2.gguf "$llama_dir/install/"
touch "$stamp"
