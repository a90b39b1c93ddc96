//! Architecture-specific kernels: the only place in this crate with `unsafe`
//! code (SIMD intrinsics behind run-time feature checks, and single Arm DSP
//! instructions where the build script found the extension).
//!
//! Everything here computes exactly what the portable kernels in
//! [`crate::optimized`] and [`crate::compact`] compute; it is only faster.

#[cfg(target_arch = "x86_64")]
pub mod x86_64;

#[cfg(microlite_arm_dsp)]
pub mod arm_dsp;

#[cfg(microlite_arm_mve)]
pub mod arm_mve;
