//! AVX2 kernels for x86-64.
//!
//! Every entry point takes an [`Avx2`] token, a zero-sized proof that the
//! running CPU supports AVX2; it is the safety argument of every `unsafe`
//! call into a `#[target_feature(enable = "avx2")]` function here.

mod depthwise;
mod depthwise_interior;
mod gemm;
mod operand_row;
mod outer;
mod requantize;
mod token;

pub(crate) use depthwise::depthwise_conv;
pub(crate) use gemm::{dot_fits, gemm};
pub(crate) use outer::{gemm_outer, outer_fits};
pub use token::Avx2;
