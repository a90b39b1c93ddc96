//! Fast int8 FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D and same-shape
//! ADD / SUB kernels that produce exactly the bits of the reference kernels.
//!
//! The entry points ([`fully_connected`], [`conv`], [`depthwise_conv`],
//! [`elementwise`]) take
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
//! Nothing persists between calls, so the fast paths need no arena memory:
//! the portable kernels read the weights in the model's layout; the x86-64
//! kernels prepare what they need at each call on the stack (repacked
//! weights, folded biases, widened input rows: at most about 56 KiB), cheap
//! enough that callers may run one output row per call. Only convolutions
//! with several taps whose input depth is not a multiple of 16 need scratch,
//! for the portable kernel's im2col patch (see [`conv::conv_scratch_len`]).
//!
//! On x86-64 with AVX2, GEMMs (conv, fully connected) with at least
//! [`MIN_PANEL_PIXELS`] output pixels run the panel kernel (output channels
//! in the lanes, weights repacked per call; conv windows read from a widened
//! buffer of the output row's input rows), others the dot-product kernel
//! (weights read in place, horizontal sums); depthwise convs with depth
//! multiplier 1 run a kernel over a padded buffer of the output row's input
//! rows with the input offset folded into the bias, and one-channel
//! depthwise inputs with a depth multiplier run as the conv they are.
//!
//! The 16x8 CONV_2D ([`conv_16x8`]) and the int8 and 16x8 TRANSPOSE_CONV
//! ([`transpose_conv`]) reduce with one exact int16 x int8 dot product
//! (AVX2, or portable `i32` blocks).
//! The 16x8 DEPTHWISE_CONV_2D ([`depthwise_16x8`]) adds each tap's products
//! into per-channel `i32` sums (AVX2, or a vectorizable loop) widened to
//! `i64` before they could wrap.

mod backend;
pub mod conv;
pub mod conv_16x8;
pub(crate) mod depthwise;
pub mod depthwise_16x8;
pub mod depthwise_conv;
pub mod elementwise;
pub mod float_conv;
pub mod fully_connected;
pub(crate) mod gemm;
pub(crate) mod output_stage;
mod portable_depthwise;
mod portable_gemm;
pub mod transpose_conv;
pub(crate) mod window;

pub use backend::Backend;

#[cfg(target_arch = "x86_64")]
pub use crate::arch::x86_64::Avx2;

use crate::KernelError;
use depthwise::Depthwise;
use gemm::Gemm;

/// Runs `gemm` on a fast backend (`Reference` is never passed here; it maps
/// to the portable kernel). AVX2 takes problems with enough pixels with the
/// panel kernel and the rest with the dot-product one.
fn run_gemm(
    backend: Backend,
    gemm: &Gemm<'_>,
    scratch: &mut [i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2(token) if panel_suits(gemm) => {
            crate::arch::x86_64::gemm_panel(token, gemm, output)
        }
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2(token) if crate::arch::x86_64::dot_fits(gemm) => {
            crate::arch::x86_64::gemm(token, gemm, output)
        }
        _ => portable_gemm::gemm(gemm, scratch, output),
    }
}

/// Fewest output pixels for which the AVX2 panel kernel's repacking of the
/// weights pays off (fewer run the dot-product kernel).
pub const MIN_PANEL_PIXELS: usize = 16;

/// Whether the AVX2 panel kernel (output channels in the lanes, weights
/// repacked per call) should run `gemm` rather than the dot-product kernel.
#[cfg(target_arch = "x86_64")]
fn panel_suits(gemm: &Gemm<'_>) -> bool {
    gemm.pixels >= MIN_PANEL_PIXELS && crate::arch::x86_64::panel_fits(gemm)
}

/// The portable depthwise kernels: the tap-list loop, or the one-channel
/// loop for windows beyond its tap limit.
fn portable(dw: &Depthwise<'_>, output: &mut [i8]) -> Result<(), KernelError> {
    if dw.windows.taps() > depthwise::MAX_TAPS {
        portable_depthwise::one_channel(dw, output)
    } else {
        portable_depthwise::depthwise_conv(dw, output)
    }
}

/// Whether [`run_depthwise`] has a kernel for `dw`: the
/// tap-list kernels take up to [`depthwise::MAX_TAPS`] taps; a one-channel
/// input with a depth multiplier (micro_speech's 10x8 filter) runs whatever
/// its window size, as a GEMM on AVX2 and with the portable one-channel
/// loop elsewhere.
fn depthwise_covered(dw: &Depthwise<'_>) -> bool {
    dw.windows.taps() <= depthwise::MAX_TAPS || dw.windows.input.depth == 1
}

/// Runs `dw` on a fast backend (see [`run_gemm`]). On AVX2, a depthwise conv
/// over a one-channel input with a depth multiplier runs as the conv with
/// `C_in = 1` it is, on the panel kernel.
fn run_depthwise(
    backend: Backend,
    dw: &Depthwise<'_>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2(token) if crate::arch::x86_64::depthwise_fits(dw) => {
            crate::arch::x86_64::depthwise_conv(token, dw, output)
        }
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2(token) => match dw.as_single_channel_gemm() {
            Some(g) if crate::arch::x86_64::panel_fits(&g) => {
                crate::arch::x86_64::gemm_panel(token, &g, output)
            }
            _ => portable(dw, output),
        },
        _ => portable(dw, output),
    }
}
