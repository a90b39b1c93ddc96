#!/usr/bin/env bash
# Runs every fuzz target briefly (default 60 s each), one at a time.
# Usage: fuzz/ci.sh [SECONDS_PER_TARGET]
# Skips (exit 0, with the reason) when the nightly toolchain is missing;
# installs cargo-fuzz when absent. Exits non-zero on the first crash; the
# reproducer is left in fuzz/artifacts/<target>/.
set -euo pipefail
seconds="${1:-60}"
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzz: skipped: no nightly toolchain (rustup toolchain install nightly)"
    exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi
./seed_corpus.sh
if ! cargo +nightly fuzz build; then
    echo "fuzz: FAILED: the fuzz targets do not build"
    exit 1
fi
for target in load load_allocate_invoke mutate_model kernel_diff; do
    extra=()
    # mutate_model inputs are decision streams: a handful of patches fits
    # in 256 bytes, and longer inputs only slow the search.
    [ "$target" = mutate_model ] && extra=(-max_len=256)
    echo "fuzz: $target for ${seconds}s"
    log="$(mktemp)"
    status=0
    cargo +nightly fuzz run "$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 ${extra[@]+"${extra[@]}"} \
        >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+ +(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec)' "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log"
        echo "fuzz: $target FAILED (exit $status); reproducer in fuzz/artifacts/$target/"
        exit 1
    fi
    rm -f "$log"
done
