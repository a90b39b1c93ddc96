#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ (git-ignored) for every fuzz target.
#
#   load, load_allocate_invoke: every reference-models/**/model.tflite and,
#       when present, ../shared/models/*.tflite (next to the repository).
#   mutate_model: one input per built-in seed model (the first byte picks the
#       seed; the rest are patch decisions), with a few decision patterns.
#   kernel_diff: two inputs per kernel selector (harness/src/kernel_diff/mod.rs).
#
# Files are named by content hash, as libFuzzer names them, so re-running
# the script adds nothing twice.
set -euo pipefail
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$fuzz_dir")"
corpus="$fuzz_dir/corpus"

add() { # add TARGET FILE
    local dir="$corpus/$1" hash
    mkdir -p "$dir"
    hash="$(sha1sum "$2" | cut -d' ' -f1)"
    cp "$2" "$dir/$hash"
}

models=()
while IFS= read -r -d '' f; do models+=("$f"); done \
    < <(find "$repo_dir/reference-models" -name model.tflite -print0 | sort -z)
shared="$repo_dir/../shared/models"
if [ -d "$shared" ]; then
    while IFS= read -r -d '' f; do models+=("$f"); done \
        < <(find "$shared" -maxdepth 1 -name '*.tflite' -print0 | sort -z)
else
    echo "note: $shared not found; seeding from reference-models only"
fi
for target in load load_allocate_invoke; do
    for model in "${models[@]}"; do add "$target" "$model"; done
done

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
# Keep in sync with the length of SEEDS in harness/src/seeds.rs.
seed_count="$(grep -c '^    "' "$fuzz_dir/harness/src/seeds.rs")"
for ((i = 0; i < seed_count; i++)); do
    for pattern in '\x00' '\x03\x01\x02\x03\x04\x05\x06\x07\x08' '\x07\xff\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0'; do
        printf "\\x$(printf %02x "$i")$pattern" > "$tmp"
        add mutate_model "$tmp"
    done
done
# Two inputs per kernel selector: as many as KERNELS has entries in
# harness/src/kernel_diff/mod.rs (the first byte picks the kernel).
kernel_count="$(grep -oE 'pub const KERNELS: \[\(&str, Case\); [0-9]+\]' \
    "$fuzz_dir/harness/src/kernel_diff/mod.rs" | grep -oE '[0-9]+\]$' | tr -d ']')"
if [ -z "$kernel_count" ]; then
    echo "seed_corpus.sh: cannot read the kernel count from harness/src/kernel_diff/mod.rs" >&2
    exit 1
fi
for ((selector = 0; selector < kernel_count; selector++)); do
    for pattern in '\x02\x10\x05\x01\x80\x7f\x00\x40\x33\x21\x10' \
        '\x07\x03\x03\x02\x01\x00\x05\x11\x42\x90\xfe\x7f\x80\x01\x33\x5a\xc3\x0f'; do
        printf "\\x$(printf %02x "$selector")$pattern" > "$tmp"
        add kernel_diff "$tmp"
    done
done

for target in load load_allocate_invoke mutate_model kernel_diff; do
    echo "$target: $(find "$corpus/$target" -type f | wc -l) inputs"
done
