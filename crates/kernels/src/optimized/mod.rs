//! Fast int8 FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D kernels that
//! produce exactly the bits of the reference kernels.
//!
//! The entry points ([`fully_connected`], [`conv`], [`depthwise_conv`]) take
//! the reference kernels' arguments plus a [`Backend`]: the reference kernels
//! themselves, portable safe Rust, or AVX2 (`crate::arch`). Cases the fast
//! kernels do not cover (grouped conv, depthwise filters of more than 25
//! taps, a non-zero filter zero point, an input zero point whose offset
//! inputs do not fit `i16`, inconsistent shapes) run the reference kernel, so
//! every call gives the reference result or the reference error. The AVX2
//! kernels hand shifts beyond ±31 or clamp bounds outside int8 to the
//! portable ones.
//!
//! Exactness: the reference sums wrapping int32 products; integer addition is
//! associative, so any summation order gives the same bits, and the SIMD
//! kernels form each product exactly (`x + input_offset` and the weight as
//! `i16`, `vpmaddwd`). The output stage reproduces TFLM's double rounding bit
//! for bit (see `arch::x86_64::requantize`).
//!
//! Nothing is precomputed: weights are read in the model's layout and the
//! input zero point is applied to the 16-bit widened inputs, so the fast paths
//! need no persistent memory. Only convolutions with several taps whose
//! input depth is not a multiple of 16 need scratch, for one im2col patch
//! (see [`conv::conv_scratch_len`]). The x86-64 kernels keep their working
//! rows and repacked weights on the stack (at most about 20 KiB).

mod backend;
pub mod conv;
pub(crate) mod depthwise;
pub mod depthwise_conv;
pub mod fully_connected;
pub(crate) mod gemm;
pub(crate) mod outer_layout;
pub(crate) mod output_stage;
mod portable_depthwise;
mod portable_gemm;
pub(crate) mod window;

pub use backend::{active_backend, set_active_backend, Backend};

#[cfg(target_arch = "x86_64")]
pub use crate::arch::x86_64::Avx2;

use crate::KernelError;
use depthwise::Depthwise;
use gemm::Gemm;

/// Runs `gemm` on a fast backend (`Reference` is never passed here; it maps
/// to the portable kernel). AVX2 takes short rows with the outer-product
/// kernel and the rest with the dot-product one.
fn run_gemm(
    backend: Backend,
    gemm: &Gemm<'_>,
    scratch: &mut [i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2(token) if crate::arch::x86_64::outer_fits(gemm) => {
            crate::arch::x86_64::gemm_outer(token, gemm, output)
        }
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2(token) if crate::arch::x86_64::dot_fits(gemm) => {
            crate::arch::x86_64::gemm(token, gemm, output)
        }
        _ => portable_gemm::gemm(gemm, scratch, output),
    }
}

/// Runs `dw` on a fast backend (see [`run_gemm`]). On AVX2, a depthwise conv
/// over a one-channel input with a depth multiplier runs as the conv with
/// `C_in = 1` it is, on the outer-product kernel.
fn run_depthwise(
    backend: Backend,
    dw: &Depthwise<'_>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2(token) if dw.depth_multiplier == 1 && dw.stage.vectorizable() => {
            crate::arch::x86_64::depthwise_conv(token, dw, output)
        }
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2(token) => match dw.as_single_channel_gemm() {
            Some(g) if crate::arch::x86_64::outer_fits(&g) => {
                crate::arch::x86_64::gemm_outer(token, &g, output)
            }
            _ => portable_depthwise::depthwise_conv(dw, output),
        },
        _ => portable_depthwise::depthwise_conv(dw, output),
    }
}
