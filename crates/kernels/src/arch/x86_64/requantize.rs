//! AVX2 output stage: eight int32 accumulators to eight int8 outputs, bit for
//! bit as `activation::quantized_output_i8` (TFLM's double-rounding
//! `MultiplyByQuantizedMultiplier`, output offset, clamp).

use core::arch::x86_64::{
    __m128i, __m256i, _mm256_abs_epi32, _mm256_add_epi32, _mm256_add_epi64, _mm256_blend_epi32,
    _mm256_broadcastsi128_si256, _mm256_castsi256_si128, _mm256_cmpeq_epi32,
    _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_max_epi32, _mm256_min_epi32,
    _mm256_mul_epi32, _mm256_packs_epi16, _mm256_packs_epi32, _mm256_permute4x64_epi64,
    _mm256_set1_epi32, _mm256_set1_epi64x, _mm256_setzero_si256, _mm256_sign_epi32,
    _mm256_slli_epi64, _mm256_sllv_epi32, _mm256_srli_epi32, _mm256_srli_epi64, _mm256_srlv_epi32,
    _mm256_sub_epi32, _mm256_testz_si256, _mm_cvtsi128_si32, _mm_loadu_si128, _mm_packs_epi16,
};

use crate::optimized::output_stage::{OutputStage, Scales};

/// The channel-independent constants of an output stage, in lanes.
#[derive(Clone, Copy)]
pub(super) struct StageConstants {
    offset: __m256i,
    min: __m256i,
    max: __m256i,
}

impl StageConstants {
    /// Broadcasts the output offset and clamp bounds of `stage`.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn new(stage: &OutputStage<'_>) -> Self {
        Self {
            offset: _mm256_set1_epi32(stage.output_offset),
            min: _mm256_set1_epi32(stage.activation_min),
            max: _mm256_set1_epi32(stage.activation_max),
        }
    }

    /// Broadcasts an output offset and clamp bounds.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn from_parts(offset: i32, min: i32, max: i32) -> Self {
        Self {
            offset: _mm256_set1_epi32(offset),
            min: _mm256_set1_epi32(min),
            max: _mm256_set1_epi32(max),
        }
    }
}

/// How eight lanes map to output channels.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum LaneChannels {
    /// Lanes are channels `c..c + 8`.
    Eight,
    /// Lanes are channels `c..c + 4`, twice (two pixels).
    FourTwice,
}

/// Per-channel values for eight lanes: `values[c..]` laid out as `layout`,
/// or `same` in every lane when `values` is `None`. Returns zeros if the
/// table is too short (callers check table lengths beforehand).
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn channel_lanes(
    values: Option<&[i32]>,
    same: i32,
    c: usize,
    layout: LaneChannels,
) -> __m256i {
    let Some(values) = values else {
        return _mm256_set1_epi32(same);
    };
    match layout {
        LaneChannels::Eight => match values.get(c..c + 8) {
            // SAFETY: the slice has 8 i32 = 32 readable bytes; loadu has no
            // alignment requirement.
            Some(v) => unsafe { _mm256_loadu_si256(v.as_ptr().cast()) },
            None => _mm256_setzero_si256(),
        },
        LaneChannels::FourTwice => match values.get(c..c + 4) {
            // SAFETY: the slice has 4 i32 = 16 readable bytes; loadu has no
            // alignment requirement.
            Some(v) => _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(v.as_ptr().cast()) }),
            None => _mm256_setzero_si256(),
        },
    }
}

/// The multiplier and shift lanes of channels starting at `c`.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn scale_lanes(
    stage: &OutputStage<'_>,
    c: usize,
    layout: LaneChannels,
) -> (__m256i, __m256i) {
    match stage.scales {
        Scales::PerTensor { multiplier, shift } => {
            (_mm256_set1_epi32(multiplier), _mm256_set1_epi32(shift))
        }
        Scales::PerChannel {
            multipliers,
            shifts,
        } => (
            channel_lanes(Some(multipliers), 0, c, layout),
            channel_lanes(Some(shifts), 0, c, layout),
        ),
    }
}

/// The per-lane scale constants of [`requantize`], derived once from the
/// multipliers and shifts of eight lanes and reusable across pixels.
#[derive(Clone, Copy)]
pub(super) struct LaneScale {
    multiplier: __m256i,
    /// The multipliers of the odd lanes, in the low halves of 64-bit lanes.
    multiplier_odd: __m256i,
    left: __m256i,
    right: __m256i,
    /// `2^right / 2` (0 when `right` is 0): the rounding addend.
    round: __m256i,
    /// Whether any lane shifts left (else the left shift is skipped).
    shifts_left: bool,
    /// Whether any multiplier is `i32::MIN`, the only one whose doubling
    /// high multiply can overflow (else the saturation fix is skipped).
    may_saturate: bool,
}

impl LaneScale {
    /// Constants for these multipliers and shifts (shifts in `-31..=31`).
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn new(multiplier: __m256i, shift: __m256i) -> Self {
        let zero = _mm256_setzero_si256();
        let right = _mm256_max_epi32(_mm256_sub_epi32(zero, shift), zero);
        Self::with_shifts(multiplier, _mm256_max_epi32(shift, zero), right)
    }

    /// Constants for independent left and right shifts (both in `0..=31`):
    /// `x << left`, then the doubling high multiply, then a rounding divide
    /// by `2^right`, as in TFLM's ADD/SUB input rescaling.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn with_shifts(multiplier: __m256i, left: __m256i, right: __m256i) -> Self {
        let one = _mm256_set1_epi32(1);
        let min = _mm256_cmpeq_epi32(multiplier, _mm256_set1_epi32(i32::MIN));
        Self {
            multiplier,
            multiplier_odd: _mm256_srli_epi64::<32>(multiplier),
            left,
            right,
            round: _mm256_srli_epi32::<1>(_mm256_sllv_epi32(one, right)),
            shifts_left: _mm256_testz_si256(left, left) == 0,
            may_saturate: _mm256_testz_si256(min, min) == 0,
        }
    }
}

/// `quantized_output_i8` on eight lanes, for shifts in `-31..=31` and clamp
/// bounds inside `[-128, 127]` (`OutputStage::vectorizable`).
///
/// * left shift: `x << max(shift, 0)`, wrapping like `x * (1 << shift)`;
/// * saturating rounding doubling high multiply: `(a * m + 2^30) >> 31` on
///   the exact 64-bit product (the gemmlowp nudge with truncating division is
///   this floor), with the only overflow, `MIN * MIN`, saturated to `MAX`;
/// * rounding divide by `2^max(-shift, 0)`, ties away from zero, as
///   `sign(x) * ((|x| + 2^right / 2) >> right)` with `|x|` unsigned (so
///   `|MIN| = 2^31` and the sum stays below `2^32`);
/// * `+ offset`, then `min(max(x, lo), hi)`.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn requantize(acc: __m256i, scale: &LaneScale, constants: &StageConstants) -> __m256i {
    let out = _mm256_add_epi32(rescale(acc, scale), constants.offset);
    _mm256_min_epi32(_mm256_max_epi32(out, constants.min), constants.max)
}

/// The scaling part of [`requantize`] (no offset, no clamp): left shift,
/// saturating rounding doubling high multiply, rounding divide by a power of
/// two, for shifts in `0..=31`.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn rescale(acc: __m256i, scale: &LaneScale) -> __m256i {
    let a = if scale.shifts_left {
        _mm256_sllv_epi32(acc, scale.left)
    } else {
        acc
    };
    let nudge = _mm256_set1_epi64x(1 << 30);
    // Even lanes: the 64-bit products of lanes 0, 2, 4, 6; the quotient ends
    // up in the low half of each 64-bit lane.
    let even = _mm256_srli_epi64::<31>(_mm256_add_epi64(
        _mm256_mul_epi32(a, scale.multiplier),
        nudge,
    ));
    // Odd lanes: products of lanes 1, 3, 5, 7; the quotient (bits 31..62)
    // moved to the high half by a left shift of 1.
    let odd_product = _mm256_mul_epi32(_mm256_srli_epi64::<32>(a), scale.multiplier_odd);
    let odd = _mm256_slli_epi64::<1>(_mm256_add_epi64(odd_product, nudge));
    let high = _mm256_blend_epi32::<0b1010_1010>(even, odd);
    // Only MIN * MIN gives 2^31, which wraps to MIN: turn it into MAX.
    let high = if scale.may_saturate {
        _mm256_add_epi32(high, _mm256_cmpeq_epi32(high, _mm256_set1_epi32(i32::MIN)))
    } else {
        high
    };

    // Round half away from zero on the magnitude; `vpsignd` restores the
    // sign (and maps 0 to 0, whose quotient is 0 anyway).
    let magnitude = _mm256_add_epi32(_mm256_abs_epi32(high), scale.round);
    _mm256_sign_epi32(_mm256_srlv_epi32(magnitude, scale.right), high)
}

/// Narrows eight lanes already inside `[-128, 127]` to bytes: lanes 0..4 in
/// the first array, lanes 4..8 in the second.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn narrow(v: __m256i) -> ([i8; 4], [i8; 4]) {
    let words = _mm256_packs_epi32(v, v);
    let bytes = _mm256_packs_epi16(words, words);
    let low = _mm_cvtsi128_si32(_mm256_castsi256_si128(bytes));
    let high = _mm_cvtsi128_si32(_mm256_extracti128_si256::<1>(bytes));
    (
        bytemuck::cast(low.to_le_bytes()),
        bytemuck::cast(high.to_le_bytes()),
    )
}

/// Packs two vectors of eight int32 lanes already inside int8 to 16 bytes,
/// `a`'s first (saturating packs; the 32->16 pack interleaves 128-bit
/// halves and the permute restores the order).
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn pack16(a: __m256i, b: __m256i) -> __m128i {
    let words = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(a, b));
    _mm_packs_epi16(
        _mm256_castsi256_si128(words),
        _mm256_extracti128_si256::<1>(words),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::quantized_output_i8;

    /// Edge and pseudo-random accumulators, multipliers and every vector
    /// shift through [`requantize`], against the scalar reference.
    #[test]
    fn requantize_matches_scalar_reference() {
        let Some(_token) = super::super::Avx2::detect() else {
            return;
        };
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 32) as u32 as i32
        };
        let edges = [
            i32::MIN,
            i32::MIN + 1,
            -(1 << 30),
            -2,
            -1,
            0,
            1,
            2,
            1 << 30,
            i32::MAX,
        ];
        let cases = if cfg!(miri) { 2 } else { 200 };
        for round in 0..cases {
            let accs: [i32; 8] = core::array::from_fn(|i| {
                if round % 2 == 0 {
                    edges[(i + round) % edges.len()]
                } else {
                    next() >> (round % 24)
                }
            });
            let multipliers: [i32; 8] = core::array::from_fn(|i| match (round + i) % 5 {
                0 => edges[(i * 3 + round) % edges.len()],
                1 => (1 << 30) | (next() & 0x3fff_ffff),
                _ => next(),
            });
            let shifts: [i32; 8] = core::array::from_fn(|i| ((round * 8 + i) % 63) as i32 - 31);
            let offset = next() % 200;
            let (lo, hi) = (-128 + (round as i32 % 7), 127 - (round as i32 % 5));
            // SAFETY: AVX2 was detected above.
            let got: [i32; 8] = unsafe { lanes(accs, multipliers, shifts, offset, lo, hi) };
            for lane in 0..8 {
                let want = quantized_output_i8(
                    accs[lane],
                    multipliers[lane],
                    shifts[lane],
                    offset,
                    lo,
                    hi,
                );
                assert_eq!(
                    got[lane],
                    i32::from(want),
                    "acc {} multiplier {} shift {}",
                    accs[lane],
                    multipliers[lane],
                    shifts[lane]
                );
            }
        }
    }

    #[target_feature(enable = "avx2")]
    fn lanes(
        accs: [i32; 8],
        multipliers: [i32; 8],
        shifts: [i32; 8],
        offset: i32,
        lo: i32,
        hi: i32,
    ) -> [i32; 8] {
        let scale = LaneScale::new(bytemuck::cast(multipliers), bytemuck::cast(shifts));
        let constants = StageConstants::from_parts(offset, lo, hi);
        bytemuck::cast(requantize(bytemuck::cast(accs), &scale, &constants))
    }
}
