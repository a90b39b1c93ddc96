//! Pure-math kernels bit-exact with TensorFlow Lite Micro's reference kernels.
//!
//! Kernels take plain slices plus a parameter struct prepared once by the ops
//! crate; they know nothing about models or arenas. Every kernel validates the
//! slice lengths against the shapes it is given and returns a [`KernelError`]
//! instead of panicking.
//!
//! [`optimized`] holds fast int8 conv / depthwise conv / fully connected
//! kernels that produce the same bits: portable safe Rust, and AVX2 on
//! x86-64 (the private `arch` module, the only one allowed `unsafe` code).
//!
//! Cargo features: `std` (run-time AVX2 detection with
//! `std::is_x86_feature_detected!`; without it, a `no_std` host declares AVX2
//! with the unsafe `optimized::Avx2::new_unchecked`), `reference-only` (the
//! optimized entry points always run the reference kernels).
#![no_std]
#![deny(unsafe_code)]

#[cfg(any(test, feature = "std"))]
extern crate std;

use core::fmt;

#[allow(unsafe_code)]
mod arch;
pub mod cortex_m;
pub mod optimized;
// Every other `src/*.rs` file: one module per kernel family (build.rs).
include!(concat!(env!("OUT_DIR"), "/kernel_modules.rs"));

/// Error returned by a kernel whose inputs are inconsistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KernelError {
    /// A buffer's length does not match the shape it should hold.
    LengthMismatch {
        /// Which buffer (e.g. `"input"`, `"bias"`).
        buffer: &'static str,
        /// Number of elements the shape requires.
        expected: usize,
        /// Number of elements supplied.
        actual: usize,
    },
    /// Two dimensions that must agree do not.
    DimensionMismatch {
        /// Which relation failed (e.g. `"output depth == filter output channels"`).
        what: &'static str,
        /// The value required.
        expected: usize,
        /// The value supplied.
        actual: usize,
    },
    /// A parameter is out of its valid range (e.g. a zero stride).
    InvalidParameter {
        /// Which parameter.
        what: &'static str,
        /// Its value.
        value: usize,
    },
    /// A size or coordinate computation overflows `usize`.
    SizeOverflow {
        /// Which quantity overflowed.
        what: &'static str,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::LengthMismatch {
                buffer,
                expected,
                actual,
            } => write!(
                f,
                "{buffer} buffer holds {actual} elements but its shape needs {expected}"
            ),
            Self::DimensionMismatch {
                what,
                expected,
                actual,
            } => {
                write!(
                    f,
                    "dimension mismatch: {what}: expected {expected}, got {actual}"
                )
            }
            Self::InvalidParameter { what, value } => {
                write!(f, "invalid parameter {what} = {value}")
            }
            Self::SizeOverflow { what } => write!(f, "{what} overflows usize"),
        }
    }
}

/// Checks that `buffer` has exactly `expected` elements.
pub(crate) fn check_len(
    buffer: &'static str,
    expected: usize,
    actual: usize,
) -> Result<(), KernelError> {
    if expected == actual {
        Ok(())
    } else {
        Err(KernelError::LengthMismatch {
            buffer,
            expected,
            actual,
        })
    }
}

/// Multiplies dimensions, reporting overflow as [`KernelError::SizeOverflow`].
pub(crate) fn checked_product(what: &'static str, dims: &[usize]) -> Result<usize, KernelError> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or(KernelError::SizeOverflow { what })
}
