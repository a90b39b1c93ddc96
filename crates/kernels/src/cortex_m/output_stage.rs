//! The Cortex-M kernels' output stage: TFLM's per-channel requantisation
//! (`MultiplyByQuantizedMultiplier`, double rounding), offset and clamp.
//!
//! The bits are those of [`crate::activation::quantized_output_i8`]. The
//! common case (a right shift of 0 to 31 and a multiplier other than
//! `i32::MIN`, whose doubling high multiply would saturate) runs inline in
//! about twenty instructions on a Cortex-M; the rest calls that general
//! function out of line.

use crate::conv::ConvQuantParamsI8;
use crate::fixed_point::RightShiftScale;

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
