//! AVX2 depthwise conv (depth multiplier 1) for output pixels whose window
//! lies entirely inside the input, the bulk of every layer.
//!
//! All such windows share one tap list, so the interleaved weight pairs of
//! every channel chunk are built once per call, and the input offset is
//! folded into the bias: `sum_t (x_t + offset) * w_t = sum_t x_t * w_t +
//! offset * sum_t w_t` exactly in wrapping `i32`. The per-pixel work is then
//! one widening load per tap and one `vpmaddwd` per pair of taps.

use core::arch::x86_64::{
    __m128i, __m256i, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_madd_epi16,
    _mm256_permute2x128_si256, _mm256_set_m128i, _mm256_setzero_si256, _mm256_unpackhi_epi16,
    _mm256_unpacklo_epi16, _mm_add_epi32, _mm_cvtepi8_epi16, _mm_loadl_epi64, _mm_loadu_si128,
    _mm_madd_epi16, _mm_setzero_si128, _mm_unpackhi_epi16, _mm_unpacklo_epi16,
};

use super::requantize::{narrow, requantize, LaneScale, StageConstants};
use crate::optimized::depthwise::{Depthwise, MAX_TAPS};

/// Most weight vectors kept (8 KiB): 16-channel chunks x tap pairs x 2.
const MAX_WEIGHT_VECTORS: usize = 256;
/// Most tap pairs.
const MAX_PAIRS: usize = MAX_TAPS.div_ceil(2);
/// Most groups of eight channels (the folded biases).
pub(super) const MAX_GROUPS: usize = 32;

/// The shared weights and folded biases of the interior pixels of one call.
pub(super) struct Interior {
    /// Relative input offset of each tap, in filter order.
    x: [usize; MAX_TAPS],
    /// Number of taps.
    taps: usize,
    pairs: usize,
    /// Largest relative input offset of the taps.
    max_x: usize,
    /// Full 16-channel chunks.
    chunks: usize,
    /// Whether an 8-channel chunk follows them.
    half: bool,
    /// `[chunk][pair][low, high]`: the two taps' weights interleaved.
    weights: [__m256i; MAX_WEIGHT_VECTORS],
    /// `[pair][low, high]` of the 8-channel chunk.
    weights8: [__m128i; 2 * MAX_PAIRS],
    /// `bias + offset * sum of the weights`, per group of eight channels.
    bias: [__m256i; MAX_GROUPS],
}

/// Loads 16 int8 at `p`, widened to `i16`.
///
/// # Safety
///
/// `p..p + 16` must be readable.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen16(p: *const i8) -> __m256i {
    // SAFETY: the caller guarantees 16 readable bytes; no alignment needed.
    _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(p.cast()) })
}

/// Loads 8 int8 at `p`, widened to `i16`.
///
/// # Safety
///
/// `p..p + 8` must be readable.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen8(p: *const i8) -> __m128i {
    // SAFETY: the caller guarantees 8 readable bytes; `_mm_loadl_epi64`
    // reads exactly 8, unaligned.
    _mm_cvtepi8_epi16(unsafe { _mm_loadl_epi64(p.cast()) })
}

impl Interior {
    /// The tables for `dw` (depth multiplier 1) and its interior `taps`
    /// (`(relative input offset, filter offset)` in filter order, every
    /// filter offset with `offset + channels <= filter.len()`), or `None`
    /// when they do not fit.
    #[target_feature(enable = "avx2")]
    pub(super) fn new(dw: &Depthwise<'_>, taps: &[(usize, usize)]) -> Option<Self> {
        let channels = dw.channels();
        let pairs = taps.len().div_ceil(2);
        let chunks = channels / 16;
        let half = channels % 16 >= 8;
        let fits = dw.depth_multiplier == 1
            && taps.len() <= MAX_TAPS
            && channels / 8 <= MAX_GROUPS
            && pairs <= MAX_PAIRS
            && chunks * pairs * 2 <= MAX_WEIGHT_VECTORS
            && taps.iter().all(|&(_, w)| {
                w.checked_add(channels)
                    .is_some_and(|e| e <= dw.filter.len())
            });
        if !fits {
            return None;
        }
        let zero = _mm256_setzero_si256();
        let mut x = [0usize; MAX_TAPS];
        for (slot, &(offset, _)) in x.iter_mut().zip(taps) {
            *slot = offset;
        }
        let mut table = Self {
            x,
            taps: taps.len(),
            pairs,
            max_x: taps.iter().map(|&(x, _)| x).max().unwrap_or(0),
            chunks,
            half,
            weights: [zero; MAX_WEIGHT_VECTORS],
            weights8: [_mm_setzero_si128(); 2 * MAX_PAIRS],
            bias: [zero; MAX_GROUPS],
        };
        let filter = dw.filter.as_ptr();
        for chunk in 0..chunks {
            let c = chunk * 16;
            for (p, pair) in taps.chunks(2).enumerate() {
                // SAFETY: `w + channels <= filter.len()` (checked above) and
                // `c + 16 <= channels`.
                let (w0, w1) = unsafe {
                    let w0 = widen16(filter.add(pair[0].1 + c));
                    let w1 = match pair.get(1) {
                        Some(&(_, w)) => widen16(filter.add(w + c)),
                        None => zero,
                    };
                    (w0, w1)
                };
                let at = (chunk * pairs + p) * 2;
                if let Some(slot) = table.weights.get_mut(at..at + 2) {
                    slot[0] = _mm256_unpacklo_epi16(w0, w1);
                    slot[1] = _mm256_unpackhi_epi16(w0, w1);
                }
            }
        }
        if half {
            let c = chunks * 16;
            for (p, pair) in taps.chunks(2).enumerate() {
                // SAFETY: `w + channels <= filter.len()` and `c + 8 <= channels`.
                let (w0, w1) = unsafe {
                    let w0 = widen8(filter.add(pair[0].1 + c));
                    let w1 = match pair.get(1) {
                        Some(&(_, w)) => widen8(filter.add(w + c)),
                        None => _mm_setzero_si128(),
                    };
                    (w0, w1)
                };
                if let Some(slot) = table.weights8.get_mut(2 * p..2 * p + 2) {
                    slot[0] = _mm_unpacklo_epi16(w0, w1);
                    slot[1] = _mm_unpackhi_epi16(w0, w1);
                }
            }
        }
        for (group, bias) in table.bias.iter_mut().enumerate().take(channels / 8) {
            let mut lanes = [0i32; 8];
            for (lane, value) in lanes.iter_mut().enumerate() {
                let ch = group * 8 + lane;
                let weight_sum = taps.iter().fold(0i32, |s, &(_, w)| {
                    s.wrapping_add(i32::from(dw.filter.get(w + ch).copied().unwrap_or(0)))
                });
                let b = dw.bias.and_then(|b| b.get(ch)).copied().unwrap_or(0);
                *value = b.wrapping_add(dw.input_offset.wrapping_mul(weight_sum));
            }
            *bias = bytemuck::cast(lanes);
        }
        Some(table)
    }

    /// Computes the channels `0..(channels / 8) * 8` of one interior pixel
    /// into `out_row` (`channels` elements), and returns how many it wrote
    /// (0 if `input`, which starts at the window's tap `(0, 0)`, is too
    /// short). `scales` are the per-group scales.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn pixel(
        &self,
        input: &[i8],
        scales: &[LaneScale; MAX_GROUPS],
        constants: &StageConstants,
        out_row: &mut [i8],
    ) -> usize {
        let channels = out_row.len();
        // `max_x` bounds every relative offset in `x`.
        let in_range = self
            .max_x
            .checked_add(channels)
            .is_some_and(|e| e <= input.len());
        let Some(taps) = self.x.get(..self.taps) else {
            return 0;
        };
        if !in_range {
            return 0;
        }
        let base = input.as_ptr();
        let zero = _mm256_setzero_si256();
        for chunk in 0..self.chunks {
            let c = chunk * 16;
            let (mut low, mut high) = (zero, zero);
            for (p, pair) in taps.chunks(2).enumerate() {
                // SAFETY: `x <= max_x`, `max_x + channels <= input.len()`
                // (checked above) and `c + 16 <= channels`.
                let (x0, x1) = unsafe {
                    let x0 = widen16(base.add(pair[0] + c));
                    let x1 = match pair.get(1) {
                        Some(&x) => widen16(base.add(x + c)),
                        None => zero,
                    };
                    (x0, x1)
                };
                let at = (chunk * self.pairs + p) * 2;
                let (Some(&w_low), Some(&w_high)) =
                    (self.weights.get(at), self.weights.get(at + 1))
                else {
                    return 0;
                };
                low =
                    _mm256_add_epi32(low, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), w_low));
                high = _mm256_add_epi32(
                    high,
                    _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), w_high),
                );
            }
            // The unpacks work per 128-bit half: low = [c0..4 | c8..12],
            // high = [c4..8 | c12..16].
            let first = _mm256_permute2x128_si256::<0x20>(low, high);
            let second = _mm256_permute2x128_si256::<0x31>(low, high);
            self.finish(first, c, scales, constants, out_row);
            self.finish(second, c + 8, scales, constants, out_row);
        }
        let mut done = self.chunks * 16;
        if self.half {
            let c = done;
            let zero8 = _mm_setzero_si128();
            let (mut low, mut high) = (zero8, zero8);
            for (p, pair) in taps.chunks(2).enumerate() {
                // SAFETY: as above, with `c + 8 <= channels`.
                let (x0, x1) = unsafe {
                    let x0 = widen8(base.add(pair[0] + c));
                    let x1 = match pair.get(1) {
                        Some(&x) => widen8(base.add(x + c)),
                        None => zero8,
                    };
                    (x0, x1)
                };
                let (Some(&w_low), Some(&w_high)) =
                    (self.weights8.get(2 * p), self.weights8.get(2 * p + 1))
                else {
                    return 0;
                };
                low = _mm_add_epi32(low, _mm_madd_epi16(_mm_unpacklo_epi16(x0, x1), w_low));
                high = _mm_add_epi32(high, _mm_madd_epi16(_mm_unpackhi_epi16(x0, x1), w_high));
            }
            self.finish(_mm256_set_m128i(high, low), c, scales, constants, out_row);
            done += 8;
        }
        done
    }

    /// Adds the folded bias of channels `c..c + 8`, requantizes and stores.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn finish(
        &self,
        acc: __m256i,
        c: usize,
        scales: &[LaneScale; MAX_GROUPS],
        constants: &StageConstants,
        out_row: &mut [i8],
    ) {
        let (Some(bias), Some(scale)) = (self.bias.get(c / 8), scales.get(c / 8)) else {
            return;
        };
        let (a, b) = narrow(requantize(_mm256_add_epi32(acc, *bias), scale, constants));
        if let Some(dst) = out_row.get_mut(c..c + 8) {
            let (lo, hi) = dst.split_at_mut(4);
            lo.copy_from_slice(&a);
            hi.copy_from_slice(&b);
        }
    }
}
