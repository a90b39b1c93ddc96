//! Arbitrary bytes → model → interpreter (64 KiB arena, every op) → invoke on zeroed inputs.
//! The logic lives in `microlite-fuzz-harness` so `cargo test` can replay
//! findings (`crates/microlite/tests/fuzz_regressions.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use microlite_fuzz_harness::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(mismatch) = Target::LoadAllocateInvoke.run(data) {
        panic!("{mismatch}");
    }
});
