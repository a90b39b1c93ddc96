//! Layout of the weights of the outer-product GEMM kernels (x86-64 AVX2):
//! the filter repacked so that one 16-byte load holds, for eight output
//! channels, the weights of two consecutive row elements. The kernels repack
//! into a stack buffer at each call; only short filter rows qualify.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use super::gemm::{FilterLayout, Gemm, INTERNAL};
use crate::KernelError;

/// Largest filter row the outer-product kernels take (their weights are
/// repacked on the stack at every call, so only small rows qualify).
pub(crate) const MAX_OUTER_DEPTH: usize = 48;

/// Output channels per repacked weight vector of the outer-product kernels.
pub(crate) const OUTER_LANES: usize = 8;

/// Largest repacked weight buffer of the outer-product kernels (a stack
/// array of the x86-64 kernels, not arena memory).
pub(crate) const MAX_PACKED_WEIGHTS: usize = 4096;

/// Fewest output pixels for which repacking the weights pays off.
pub(crate) const MIN_OUTER_PIXELS: usize = 8;

/// Whether the outer-product kernels take a GEMM of this many pixels, depth
/// and channel count: short rows whose repacked weights fit
/// [`MAX_PACKED_WEIGHTS`], and enough pixels to amortize the repacking.
pub(crate) fn outer_suits(pixels: usize, depth: usize, channels: usize) -> bool {
    pixels >= MIN_OUTER_PIXELS
        && depth > 0
        && depth <= MAX_OUTER_DEPTH
        && packed_weights_len(depth, channels) <= MAX_PACKED_WEIGHTS
}

/// Bytes of the outer-product kernels' repacked weights for a GEMM of this
/// depth and channel count (see [`pack_weight_pairs`]).
pub(crate) fn packed_weights_len(depth: usize, channels: usize) -> usize {
    depth
        .div_ceil(2)
        .saturating_mul(channels.div_ceil(OUTER_LANES))
        .saturating_mul(2 * OUTER_LANES)
}

/// Repacks the weights for the outer-product kernels: for each pair `j` of
/// filter-row elements and each group `v` of [`OUTER_LANES`] channels, 16
/// bytes `w[c][2j], w[c][2j + 1]` for `c = v * 8 .. v * 8 + 8`, with zeros
/// past the depth or the channel count. `packed` must hold
/// [`packed_weights_len`] bytes.
pub(crate) fn pack_weight_pairs(gemm: &Gemm<'_>, packed: &mut [i8]) -> Result<(), KernelError> {
    let (depth, channels) = (gemm.depth, gemm.channels);
    let groups = channels.div_ceil(OUTER_LANES);
    if packed.len() != packed_weights_len(depth, channels) {
        return Err(INTERNAL);
    }
    // Where weight (c, k) goes: pair k / 2 of lane c % 8 of group c / 8.
    let slot = |c: usize, k: usize| {
        ((k / 2 * groups + c / OUTER_LANES) * OUTER_LANES + c % OUTER_LANES) * 2 + k % 2
    };
    packed.fill(0);
    match gemm.filter_layout {
        FilterLayout::RowMajor => {
            for (c, row) in gemm
                .filter
                .chunks_exact(depth.max(1))
                .take(channels)
                .enumerate()
            {
                for (k, &w) in row.iter().enumerate() {
                    *packed.get_mut(slot(c, k)).ok_or(INTERNAL)? = w;
                }
            }
        }
        FilterLayout::ColumnMajor => {
            for (k, row) in gemm
                .filter
                .chunks_exact(channels.max(1))
                .take(depth)
                .enumerate()
            {
                for (c, &w) in row.iter().enumerate() {
                    *packed.get_mut(slot(c, k)).ok_or(INTERNAL)? = w;
                }
            }
        }
    }
    Ok(())
}
