#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine and runs the whole test suite:
#   1. the Release build and every GoogleTest under ctest;
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer (NEUROSEED_SANITIZE).
# Set NEUROSEED_SKIP_SANITIZE=1 to run only the first pass.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600

if [ "${NEUROSEED_SKIP_SANITIZE:-0}" != "1" ]; then
    echo "== tests again under ASan + UBSan =="
    cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNEUROSEED_BUILD_BENCH=OFF \
        "-DNEUROSEED_SANITIZE=address;undefined" -DNEUROSEED_LLAMA_PREFIX="$root/build/llama/install" >/dev/null
    cmake --build build/asan -j "$(nproc)"
    # llama.cpp's own allocations are not instrumented; leaks are checked on our code in the first pass's tests.
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --test-dir build/asan --output-on-failure -j "$(nproc)" --timeout 900
fi
