//! The kernel backend through the facade crate: `microlite::kernels` picks
//! AVX2 on a CPU that has it (with the `std` feature, which the workspace
//! build turns on) and lets the caller pin another backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite::kernels::{active_backend, set_active_backend, Backend};

#[test]
fn detection_and_override() {
    let detected = Backend::detect();
    #[cfg(target_arch = "x86_64")]
    {
        let has_avx2 = std::is_x86_feature_detected!("avx2");
        if cfg!(feature = "std") || cfg!(target_feature = "avx2") {
            assert_eq!(matches!(detected, Backend::Avx2(_)), has_avx2);
        } else {
            println!("std feature off: detection skipped (got {detected:?})");
        }
        if has_avx2 {
            // A no_std host proves AVX2 itself and hands over the token.
            // SAFETY: AVX2 was just detected on this CPU.
            let token = unsafe { microlite::kernels::Avx2::new_unchecked() };
            set_active_backend(Backend::Avx2(token));
            assert_eq!(active_backend(), Backend::Avx2(token));
        }
    }
    set_active_backend(Backend::Reference);
    assert_eq!(active_backend(), Backend::Reference);
    set_active_backend(detected);
    assert_eq!(active_backend(), detected);
}
