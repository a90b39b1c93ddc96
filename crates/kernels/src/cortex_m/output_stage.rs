//! The Cortex-M kernels' output stage: TFLM's per-channel requantisation
//! (`MultiplyByQuantizedMultiplier`, double rounding), offset and clamp.
//!
//! The bits are those of [`crate::activation::quantized_output_i8`]. The
//! common case (a right shift of 0 to 31 and a multiplier other than
//! `i32::MIN`, whose doubling high multiply would saturate) runs inline in
//! about twenty instructions on a Cortex-M; the rest calls that general
//! function out of line.

use crate::conv::ConvQuantParamsI8;
use crate::fixed_point::{rounded_high_multiply, shift_right, RightShiftScale};

/// The int8 output of accumulator `acc` in output channel `channel` of
/// `quant` (a zero scale if `quant` has no such channel, as the general
/// function's lookups give); out of line, for the less travelled paths.
#[inline(never)]
pub(super) fn requantize(quant: &ConvQuantParamsI8<'_>, channel: usize, acc: i32) -> i8 {
    let multiplier = quant.output_multipliers.get(channel).copied().unwrap_or(0);
    let shift = quant.output_shifts.get(channel).copied().unwrap_or(0);
    let [out] = requantize_lanes([acc], multiplier, shift, quant);
    out
}

/// The int8 outputs of `N` accumulators of one output channel (its
/// `multiplier` and `shift`; `quant`'s output offset and clamp bounds),
/// with the channel's rounding mask worked out once.
#[inline(always)]
pub(super) fn requantize_lanes<const N: usize>(
    acc: [i32; N],
    multiplier: i32,
    shift: i32,
    quant: &ConvQuantParamsI8<'_>,
) -> [i8; N] {
    let (offset, min, max) = (
        quant.output_offset,
        quant.activation_min,
        quant.activation_max,
    );
    let Some(scale) = RightShiftScale::new(multiplier, shift) else {
        return acc.map(|acc| general(acc, multiplier, shift, offset, min, max));
    };
    let mut out = [0i8; N];
    for (out, acc) in out.iter_mut().zip(acc) {
        *out = scale.apply(acc).wrapping_add(offset).max(min).min(max) as i8;
    }
    out
}

/// The output stage in a few instructions, for calls where it provably
/// gives the general stage's bits: every channel's shift lies in
/// `-31..=-1` (a right shift `e` of 1 to 31) and every accumulator `x`
/// lies in `(-2^30, 2^30)`.
///
/// Why the bits are the same: TFLM's saturating rounding doubling high
/// multiply is `h = floor((x * m + 2^30) / 2^31)` for both signs of the
/// product (its nudge `1 - 2^30` for negative products, with division
/// truncating towards zero, is the same floor) and never saturates unless
/// `x = m = i32::MIN`. `SMMULR(2x, m)` is `floor((2x * m + 2^31) / 2^32)`,
/// the same number, and `2x` does not overflow. TFLM's rounding divide by
/// `2^e` rounds halves away from zero: that is
/// `floor((q + 2^(e-1)) / 2^e)` with `q = h - [h < 0]`, which equals
/// `floor((floor(q / 2^(e-1)) + 1) / 2)`: two arithmetic shifts, the
/// second by one, fused with the output offset (`+ 2 * offset`) and, when
/// the clamp bounds are int8's own, with the clamp into one `SSAT`. No
/// step overflows for `|h| <= 2^30`.
#[derive(Debug, Clone, Copy)]
pub(super) struct ShortStage {
    /// `2 * offset + 1`: the rounding one and the doubled output offset.
    bias: i32,
    min: i32,
    max: i32,
}

impl ShortStage {
    /// Magnitude every accumulator must stay below.
    const LIMIT: u64 = 1 << 30;

    /// The short stage for `quant`, if it applies: each accumulator is a
    /// channel's `bias` plus `products` products of an int8 input plus
    /// the input offset (in `[-255, 255]`, the offset being minus an int8
    /// zero point) and an int8 weight, so its true value is at most
    /// `|bias| + products * 255 * 128` in magnitude, and the wrapped int32
    /// sum equals it when that is below 2^30.
    pub(super) fn new(
        quant: &ConvQuantParamsI8<'_>,
        bias: Option<&[i32]>,
        products: usize,
    ) -> Option<Self> {
        let shifts_fit = quant.output_shifts.iter().all(|s| (-31..=-1).contains(s));
        let bias_max = bias
            .unwrap_or(&[])
            .iter()
            .map(|b| u64::from(b.unsigned_abs()))
            .max()
            .unwrap_or(0);
        let products_max = u64::try_from(products).ok()?.checked_mul(255 * 128)?;
        let fits = bias_max.checked_add(products_max)? < Self::LIMIT;
        let offset_fits = (-256..=255).contains(&quant.output_offset);
        (shifts_fit
            && fits
            && offset_fits
            && crate::compact::supports_input_offset(quant.input_offset))
        .then_some(Self {
            bias: quant.output_offset.wrapping_mul(2).wrapping_add(1),
            min: quant.activation_min,
            max: quant.activation_max,
        })
    }

    /// `2 * output_offset + 1`, the constant [`Self::apply`] adds before
    /// its last halving (for assembly that runs the same stage).
    #[cfg(all(microlite_arm_dsp, not(microlite_arm_mve)))]
    pub(super) fn rounding(self) -> i32 {
        self.bias
    }

    /// Whether the clamp bounds are exactly int8's own, so that
    /// [`Self::apply`] may run with `FULL_RANGE` (wider bounds let values
    /// wrap in the final narrowing, as the reference's do).
    pub(super) fn full_range(self) -> bool {
        self.min == -128 && self.max == 127
    }

    /// The int8 output of accumulator `acc` in a channel with `multiplier`
    /// and `shift` (one the stage was made for); `FULL_RANGE` only when
    /// [`Self::full_range`].
    #[inline(always)]
    pub(super) fn apply<const FULL_RANGE: bool>(self, acc: i32, multiplier: i32, shift: i32) -> i8 {
        let high = rounded_high_multiply(acc.wrapping_add(acc), multiplier);
        // shift in -31..=-1, so !shift = e - 1 in 0..=30.
        let halved = shift_right(high.wrapping_add(high >> 31), !shift as u32);
        let doubled = halved.wrapping_add(self.bias);
        if FULL_RANGE {
            saturate_halved(doubled) as i8
        } else {
            (doubled >> 1).max(self.min).min(self.max) as i8
        }
    }
}

/// `x >> 1` clamped to int8: one `SSAT` on DSP cores.
#[cfg(microlite_arm_dsp)]
#[inline(always)]
fn saturate_halved(x: i32) -> i32 {
    crate::arch::arm_dsp::ssat8_asr1(x)
}

/// `x >> 1` clamped to int8: one `SSAT` on DSP cores.
#[cfg(not(microlite_arm_dsp))]
#[inline(always)]
fn saturate_halved(x: i32) -> i32 {
    (x >> 1).clamp(-128, 127)
}

/// [`requantize_lanes`] outside the common case, out of line.
#[cold]
#[inline(never)]
fn general(acc: i32, multiplier: i32, shift: i32, offset: i32, min: i32, max: i32) -> i8 {
    crate::activation::quantized_output_i8(acc, multiplier, shift, offset, min, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_stage_matches_the_general_one_where_it_applies() {
        let multipliers = [
            0,
            1,
            -1,
            1 << 30,
            0x5555_5555,
            i32::MAX,
            i32::MIN,
            -7,
            1_518_500_250,
        ];
        let limit = (1i32 << 30) - 1;
        let mut accs = std::vec![0, 1, -1, 2, -2, 3, -3, limit, -limit, limit - 1, -limit + 1];
        // Pseudo-random accumulators over the whole range, and near ties.
        let mut state = 0x2545_f491_u32;
        for _ in 0..4000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            accs.push((state as i32) >> (state % 24 + 2));
        }
        for &m in &multipliers {
            for shift in -31..=-1 {
                let (ms, ss) = ([m], [shift]);
                let quant = ConvQuantParamsI8 {
                    input_offset: 5,
                    output_offset: -3,
                    output_multipliers: &ms,
                    output_shifts: &ss,
                    activation_min: -128,
                    activation_max: 100,
                };
                let stage = ShortStage::new(&quant, None, 0).expect("applies");
                let full = ShortStage::new(
                    &ConvQuantParamsI8 {
                        activation_max: 127,
                        ..quant
                    },
                    None,
                    0,
                )
                .expect("applies");
                assert!(!stage.full_range() && full.full_range());
                for &acc in &accs {
                    assert_eq!(
                        stage.apply::<false>(acc, m, shift),
                        crate::activation::quantized_output_i8(acc, m, shift, -3, -128, 100),
                        "acc {acc} m {m} s {shift}"
                    );
                    assert_eq!(
                        full.apply::<true>(acc, m, shift),
                        crate::activation::quantized_output_i8(acc, m, shift, -3, -128, 127),
                        "acc {acc} m {m} s {shift}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_short_stage_refuses_what_it_cannot_prove() {
        let quant = |shifts: &'static [i32]| ConvQuantParamsI8 {
            input_offset: 0,
            output_offset: 0,
            output_multipliers: &[1 << 30, 1 << 30],
            output_shifts: shifts,
            activation_min: -128,
            activation_max: 127,
        };
        assert!(ShortStage::new(&quant(&[-1, -31]), None, 1000).is_some());
        assert!(ShortStage::new(&quant(&[-1, 0]), None, 1000).is_none());
        assert!(ShortStage::new(&quant(&[-32, -1]), None, 1000).is_none());
        assert!(ShortStage::new(&quant(&[-1, 1]), None, 1000).is_none());
        // 32_897 products of 255 * 128 reach 2^30.
        assert!(ShortStage::new(&quant(&[-1, -1]), None, 32_896).is_some());
        assert!(ShortStage::new(&quant(&[-1, -1]), None, 32_897).is_none());
        assert!(ShortStage::new(&quant(&[-1, -1]), Some(&[0, 1 << 29]), 16_000).is_some());
        assert!(ShortStage::new(&quant(&[-1, -1]), Some(&[0, -(1 << 29)]), 16_500).is_none());
        assert!(ShortStage::new(&quant(&[-1, -1]), Some(&[i32::MIN, 0]), 0).is_none());
    }

    #[test]
    fn matches_the_general_output_stage() {
        let multipliers = [
            0,
            1,
            1 << 30,
            0x5555_5555,
            i32::MAX,
            i32::MIN,
            -7,
            1_518_500_250,
        ];
        let shifts = [
            -40,
            -32,
            -31,
            -30,
            -17,
            -8,
            -1,
            0,
            1,
            5,
            30,
            31,
            33,
            i32::MIN,
            i32::MAX,
        ];
        let accs = [
            0,
            1,
            -1,
            2,
            -2,
            3,
            -3,
            255,
            -256,
            1 << 20,
            -(1 << 20),
            i32::MAX,
            i32::MIN,
            12_345_678,
            -98_765,
        ];
        for &m in &multipliers {
            for &s in &shifts {
                let (ms, ss) = ([m], [s]);
                let quant = ConvQuantParamsI8 {
                    input_offset: 0,
                    output_offset: -3,
                    output_multipliers: &ms,
                    output_shifts: &ss,
                    activation_min: -128,
                    activation_max: 100,
                };
                for &acc in &accs {
                    assert_eq!(
                        requantize_lanes([acc, acc.wrapping_add(1)], m, s, &quant),
                        [
                            crate::activation::quantized_output_i8(acc, m, s, -3, -128, 100),
                            crate::activation::quantized_output_i8(
                                acc.wrapping_add(1),
                                m,
                                s,
                                -3,
                                -128,
                                100
                            ),
                        ],
                        "acc {acc} m {m} s {s}"
                    );
                    assert_eq!(
                        requantize(&quant, 0, acc),
                        crate::activation::quantized_output_i8(acc, m, s, -3, -128, 100),
                        "acc {acc} m {m} s {s}"
                    );
                }
            }
        }
    }
}
