#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build/fuzz and runs each for SECONDS on a scratch copy
# of its seed corpus, then prints one line per target: name, executions, seconds, clean or the crash file.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 60 chatgpt jsonl
# Targets: obsidian text chatgpt claude jsonl encoding markdown_links (default: all). Exits 1 when any target
# crashed (its input is saved under build/fuzz/artifacts/<target>/), 2 on bad usage.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
all_targets=(obsidian text chatgpt claude jsonl encoding markdown_links)

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (SECONDS must be a positive integer)" >&2
    exit 2
fi
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    if [[ " ${all_targets[*]} " != *" $t "* ]]; then
        echo "neuroseed: unknown fuzz target '$t'; expected one of: ${all_targets[*]}" >&2
        exit 2
    fi
done

# The dictionary that speaks each target's input format.
dict_for() {
    case "$1" in
        chatgpt | claude | jsonl) echo "$root/fuzz/dict/json.dict" ;;
        encoding) echo "$root/fuzz/dict/encoding.dict" ;;
        *) echo "$root/fuzz/dict/markdown.dict" ;;
    esac
}

bash "$root/scripts/deps.sh"
bash "$root/scripts/llama.sh"

build="$root/build/fuzz"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNEUROSEED_FUZZ=ON -DNEUROSEED_BUILD_TESTS=OFF -DNEUROSEED_BUILD_BENCH=OFF \
    -DNEUROSEED_LLAMA_PREFIX="$root/build/llama/install" >/dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}"

# UBSan reports are fatal, like ASan's, so that libFuzzer saves the input that caused them.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

summary=()
failed=0
for t in "${targets[@]}"; do
    # A scratch copy: what libFuzzer adds to the corpus stays out of the repository.
    corpus="$build/corpus-$t"
    artifacts="$build/artifacts/$t/"
    log="$build/fuzz-$t.log"
    mkdir -p "$corpus" "$artifacts"
    cp -n "$root/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null || true
    rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/slow-unit-*

    echo "neuroseed: fuzzing $t for ${seconds}s (log: $log)" >&2
    start=$(date +%s)
    status=0
    # -timeout: a single input that takes 10 s (under ASan) is a hang worth reporting, not a slow parse.
    "$build/bin/fuzz_$t" -max_total_time="$seconds" -dict="$(dict_for "$t")" -max_len=65536 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" >"$log" 2>&1 || status=$?
    elapsed=$(($(date +%s) - start))

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ -z "$execs" ]; then
        # A crash skips the final stats; the last status line ("#12345 ...") still counts the runs.
        execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    fi
    result="clean"
    if [ "$status" -ne 0 ]; then
        failed=1
        crash=$(find "$artifacts" -maxdepth 1 -type f | head -n 1)
        result="crash ${crash:-(no artifact; exit $status, see $log)}"
    fi
    summary+=("$(printf '%-20s %12s execs %5ss  %s' "fuzz_$t" "${execs:-?}" "$elapsed" "$result")")
done

printf '%s\n' "${summary[@]}"
exit "$failed"
