//! Architecture-specific kernels: the only place in this crate with `unsafe`
//! code (SIMD intrinsics behind run-time feature checks).
//!
//! Everything here computes exactly what the portable kernels in
//! [`crate::optimized`] compute; it is only faster.

#[cfg(target_arch = "x86_64")]
pub mod x86_64;
