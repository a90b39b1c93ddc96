//! AVX2 outer-product GEMM for short filter rows (`depth <= 48`): the first
//! convolutions of a network (im2col over few input channels), 1x1 convs
//! over few channels, and depthwise convs over a one-channel input.
//!
//! Output channels sit in the lanes: for each pair of row elements, the two
//! offset inputs `(x[2j], x[2j+1])` of a pixel are broadcast to every 32-bit
//! lane and `vpmaddwd` against the repacked weight pairs of eight channels
//! adds `x[2j] * w[c][2j] + x[2j+1] * w[c][2j+1]` to channel `c`'s lane:
//! exact products and wrapping sums, as in the reference. No horizontal sums;
//! the weights are repacked (`pack_weight_pairs`) into a stack buffer of at
//! most 4 KiB at each call (x86-64 hosts only, so no arena memory is used).

use core::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_madd_epi16, _mm256_set1_epi16,
    _mm256_set1_epi32, _mm256_setzero_si256, _mm_loadu_si128,
};

use super::operand_row::{widen_operand_row, ROW_SLACK};
use super::requantize::{
    channel_lanes, narrow, requantize, scale_lanes, LaneChannels, LaneScale, StageConstants,
};
use super::Avx2;
use crate::optimized::gemm::Gemm;
use crate::optimized::outer_layout::{
    outer_suits, pack_weight_pairs, packed_weights_len, MAX_OUTER_DEPTH, MAX_PACKED_WEIGHTS,
    OUTER_LANES,
};
use crate::KernelError;

/// Pixels per block (each weight vector load serves this many pixels).
const PIXELS: usize = 4;
/// Row buffer length: `MAX_OUTER_DEPTH` plus the slack of the row builder.
const ROW: usize = MAX_OUTER_DEPTH + ROW_SLACK;

const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "outer-product kernel operand",
};

/// Whether [`gemm_outer`] takes `gemm`.
pub(crate) fn outer_fits(gemm: &Gemm<'_>) -> bool {
    outer_suits(gemm.pixels, gemm.depth, gemm.channels)
        && i16::try_from(gemm.input_offset).is_ok()
        && gemm.stage.vectorizable()
}

/// Runs `gemm` (any filter layout) with the outer-product kernel. Requires
/// [`outer_fits`]; returns an error otherwise.
pub(crate) fn gemm_outer(
    _token: Avx2,
    gemm: &Gemm<'_>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    gemm.check_sizes(output.len())?;
    if !outer_fits(gemm) {
        return Err(INTERNAL);
    }
    let mut buffer = [0i8; MAX_PACKED_WEIGHTS];
    let packed = buffer
        .get_mut(..packed_weights_len(gemm.depth, gemm.channels))
        .ok_or(INTERNAL)?;
    pack_weight_pairs(gemm, packed)?;
    // SAFETY: the `Avx2` token proves the CPU supports AVX2.
    unsafe { outer_avx2(gemm, packed, output) }
}

#[target_feature(enable = "avx2")]
fn outer_avx2(g: &Gemm<'_>, packed: &[i8], output: &mut [i8]) -> Result<(), KernelError> {
    let channels = g.channels;
    let groups = channels.div_ceil(OUTER_LANES);
    let pairs = g.depth.div_ceil(2);
    let offset = _mm256_set1_epi16(i16::try_from(g.input_offset).map_err(|_| INTERNAL)?);
    let constants = StageConstants::new(&g.stage);
    if packed.len() != pairs * groups * 2 * OUTER_LANES || pairs > ROW / 2 {
        return Err(INTERNAL);
    }
    // Offset inputs, one row per pixel of a block (values past the depth
    // meet zero weights).
    let mut rows = [[0i16; ROW]; PIXELS];
    let mut origins = g.origins();
    let mut first = 0;
    while first < g.pixels {
        let count = PIXELS.min(g.pixels - first);
        for (i, row) in rows.iter_mut().enumerate().take(count) {
            let origin = origins.next().unwrap_or_default();
            widen_operand_row(g, first + i, origin, offset, row)?;
        }
        for group in 0..groups {
            let zero = _mm256_setzero_si256();
            let mut acc = [zero; PIXELS];
            for j in 0..pairs {
                let at = (j * groups + group) * 2 * OUTER_LANES;
                let Some(w) = packed.get(at..at + 16) else {
                    return Err(INTERNAL);
                };
                // SAFETY: `w` has 16 bytes; no alignment needed.
                let w = _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(w.as_ptr().cast()) });
                for (a, row) in acc.iter_mut().zip(&rows) {
                    // SAFETY: `2 * j + 2 <= 2 * pairs <= ROW == row.len()`
                    // (checked above); an unaligned 4-byte read.
                    let pair = unsafe { row.as_ptr().add(2 * j).cast::<i32>().read_unaligned() };
                    let x = _mm256_set1_epi32(pair);
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(x, w));
                }
            }
            let c = group * OUTER_LANES;
            let (bias, multiplier, shift) = stage_lanes(g, c);
            let scale = LaneScale::new(multiplier, shift);
            for (i, &a) in acc.iter().enumerate().take(count) {
                let v = requantize(_mm256_add_epi32(a, bias), &scale, &constants);
                let (low, high) = narrow(v);
                let start = (first + i) * channels + c;
                let n = OUTER_LANES.min(channels - c);
                let dst = output.get_mut(start..start + n).ok_or(INTERNAL)?;
                if let Ok(dst) = <&mut [i8; 8]>::try_from(&mut *dst) {
                    dst[..4].copy_from_slice(&low);
                    dst[4..].copy_from_slice(&high);
                } else {
                    for (d, &b) in dst.iter_mut().zip(low.iter().chain(&high)) {
                        *d = b;
                    }
                }
            }
        }
        first += count;
    }
    Ok(())
}

/// Bias, multiplier and shift lanes of channels `c..c + 8` (zeros past the
/// channel count).
#[inline]
#[target_feature(enable = "avx2")]
fn stage_lanes(g: &Gemm<'_>, c: usize) -> (__m256i, __m256i, __m256i) {
    if c + OUTER_LANES <= g.channels {
        let bias = channel_lanes(g.bias, 0, c, LaneChannels::Eight);
        let (multiplier, shift) = scale_lanes(&g.stage, c, LaneChannels::Eight);
        return (bias, multiplier, shift);
    }
    let mut bias = [0i32; 8];
    let mut multiplier = [0i32; 8];
    let mut shift = [0i32; 8];
    for lane in 0..(g.channels - c).min(OUTER_LANES) {
        let channel = c + lane;
        bias[lane] = g.bias.and_then(|b| b.get(channel)).copied().unwrap_or(0);
        (multiplier[lane], shift[lane]) = g.stage.scale(channel);
    }
    (
        bytemuck::cast(bias),
        bytemuck::cast(multiplier),
        bytemuck::cast(shift),
    )
}
