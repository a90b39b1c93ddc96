//! AVX2 kernels for x86-64.
//!
//! Every entry point takes an [`Avx2`] token, a zero-sized proof that the
//! running CPU supports AVX2; it is the safety argument of every `unsafe`
//! call into a `#[target_feature(enable = "avx2")]` function here.

mod depthwise;
mod dot_16x8;
mod elementwise;
mod gemm;
mod mac_16x8;
mod operand_row;
mod operand_rows;
mod panel;
mod panel_windows;
mod requantize;
mod token;

pub(crate) use depthwise::{depthwise_conv, depthwise_fits};
pub(crate) use dot_16x8::dot_16x8;
pub(crate) use elementwise::add_sub_int8;
pub(crate) use gemm::{dot_fits, gemm};
pub(crate) use mac_16x8::mac_16x8;
pub(crate) use panel::{gemm_panel, panel_fits};
pub use token::Avx2;
