//! Reference kernels against naive definitions; a disagreement is a crash.
//! The logic lives in `microlite-fuzz-harness` so `cargo test` can replay
//! findings (`crates/microlite/tests/fuzz_regressions.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use microlite_fuzz_harness::Target;

fuzz_target!(|data: &[u8]| {
    if let Err(mismatch) = Target::KernelDiff.run(data) {
        panic!("{mismatch}");
    }
});
