//! A seed model with fields patched as the input decides → interpreter → invoke.
//! The logic lives in `microlite-fuzz-harness` so `cargo test` can replay
//! findings (`crates/microlite/tests/fuzz_regressions.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use microlite_fuzz_harness::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(mismatch) = Target::MutateModel.run(data) {
        panic!("{mismatch}");
    }
});
