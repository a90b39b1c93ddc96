//! Fixed-point primitives with gemmlowp / TFLM semantics.
//!
//! These are the building blocks of every quantized kernel: a saturating
//! rounding "doubling high multiply", a rounding division by a power of two
//! (round half away from zero) and TFLM's default (double-rounding)
//! `MultiplyByQuantizedMultiplier`.
//!
//! Every function is total: it returns a value for every input and never
//! panics. Where the C++ original has undefined behaviour (signed overflow,
//! over-long shifts) the behaviour chosen here is documented on the function;
//! for all inputs TFLM itself produces, the results are identical.

/// Returns `(a * b) / 2^31` rounded to nearest, saturated to `i32`.
///
/// gemmlowp's `SaturatingRoundingDoublingHighMul`: the high 32 bits of `2 * a * b`
/// with rounding. Because gemmlowp nudges negative products by `1 - 2^30` and then
/// truncates, ties round toward positive infinity (`floor(a * b / 2^31 + 1/2)`),
/// e.g. `-0.5` becomes `0`. The only overflowing case, `i32::MIN * i32::MIN`,
/// saturates to `i32::MAX`.
#[inline]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = i64::from(a) * i64::from(b);
    // gemmlowp computes `(ab + nudge) / 2^31` truncating toward zero, with
    // nudge 2^30 for ab >= 0 and 1 - 2^30 for ab < 0. For ab < 0 the sum is
    // negative, and truncating it equals flooring `sum + 2^31 - 1`, that is
    // `ab + 2^30`: both signs come to `floor((ab + 2^30) / 2^31)`, an
    // arithmetic shift (a handful of instructions on 32-bit cores). The
    // result fits an i32 because |ab| <= 2^62 once MIN*MIN is excluded.
    ((ab + (1 << 30)) >> 31) as i32
}

/// Returns `x / 2^exponent` rounded to nearest, ties away from zero.
///
/// gemmlowp's `RoundingDivideByPOT`. gemmlowp requires `0 <= exponent <= 31`;
/// here negative exponents are treated as 0 (identity) and exponents above 63
/// as 63, and exponents in `32..=63` keep the mathematical definition (the
/// result is then 0 or, for `i32::MIN` with exponent 32, -1).
#[inline]
pub fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    if let Ok(exponent @ 0..=31) = u32::try_from(exponent) {
        // gemmlowp's own range, in 32-bit arithmetic (a few instructions on
        // 32-bit cores): the mask 2^e - 1 fits an i32 for e <= 31.
        let mask = 1u32.wrapping_shl(exponent).wrapping_sub(1) as i32;
        let remainder = x & mask;
        let threshold = (mask >> 1) + i32::from(x < 0);
        return (x >> exponent) + i32::from(remainder > threshold);
    }
    let exponent = exponent.clamp(0, 63);
    let x = i64::from(x);
    let mask: i64 = (1i64 << exponent).wrapping_sub(1);
    let remainder = x & mask;
    let threshold = (mask >> 1) + i64::from(x < 0);
    let result = (x >> exponent) + i64::from(remainder > threshold);
    // |result| <= |x|, so it always fits.
    i32::try_from(result).unwrap_or(0)
}

/// Returns `x * 2^shift`, wrapping like TFLM's `x * (1 << shift)` does on
/// two's-complement targets.
///
/// In C++ both the signed overflow of the product and shift amounts of 32 or
/// more are undefined behaviour. Here the product wraps and the shift amount is
/// taken modulo 32 (what the ARM and x86 shift instructions TFLM compiles to
/// do for a 32-bit `1 << n`). Negative `shift` is treated as 0.
#[inline]
pub fn wrapping_left_shift_mul(x: i32, shift: i32) -> i32 {
    let shift = u32::try_from(shift).unwrap_or(0);
    x.wrapping_mul(1i32.wrapping_shl(shift))
}

/// Multiplies `x` by the real number `quantized_multiplier * 2^(shift - 31)`.
///
/// TFLM's default (double-rounding, i.e. without `TFLITE_SINGLE_ROUNDING`)
/// `MultiplyByQuantizedMultiplier(int32_t, int32_t, int)`:
/// `RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * (1 << left_shift),
/// quantized_multiplier), right_shift)` with `left_shift = max(shift, 0)` and
/// `right_shift = max(-shift, 0)`.
///
/// The left shift wraps on overflow exactly as the C++ code does in practice
/// (see [`wrapping_left_shift_mul`]).
#[inline]
pub fn multiply_by_quantized_multiplier(x: i32, quantized_multiplier: i32, shift: i32) -> i32 {
    let left_shift = shift.max(0);
    let right_shift = shift.checked_neg().unwrap_or(i32::MAX).max(0);
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(
            wrapping_left_shift_mul(x, left_shift),
            quantized_multiplier,
        ),
        right_shift,
    )
}

/// Multiplies a 64-bit accumulator by `quantized_multiplier * 2^(shift - 31)`.
///
/// TFLM's default `MultiplyByQuantizedMultiplier(int64_t, int32_t, int)` (used by
/// the int16 paths): the multiplier is first reduced to 16 bits
/// (`(m + 2^15) >> 16`, or `0x7FFF` when `m >= 0x7FFF0000`), then
/// `(x * reduced + 2^(total_shift - 1)) >> total_shift` with
/// `total_shift = 15 - shift`, and the result is truncated to `i32`.
///
/// TFLM's contract is `m >= 0`, `-31 <= shift < 8`, `|x| < 2^47`. Outside it the
/// C++ code is undefined; here the product wraps, `shift` is clamped to
/// `[-48, 14]` (keeping the shift amount in `1..=63`) and the final
/// conversion to `i32` wraps, as the C++ `int32_t result = x >> total_shift`
/// does.
#[inline]
pub fn multiply_by_quantized_multiplier_i64(x: i64, quantized_multiplier: i32, shift: i32) -> i32 {
    let reduced_multiplier: i32 = if quantized_multiplier < 0x7FFF_0000 {
        quantized_multiplier.wrapping_add(1 << 15) >> 16
    } else {
        0x7FFF
    };
    let total_shift = 15 - shift.clamp(-48, 14);
    let round = 1i64 << (total_shift - 1);
    let acc = x
        .wrapping_mul(i64::from(reduced_multiplier))
        .wrapping_add(round);
    // Truncating conversion, as in the C++ source.
    (acc >> total_shift) as i32
}

/// Multiplies `x` by `quantized_multiplier * 2^(left_shift - 31)` for a
/// multiplier smaller than one (`left_shift <= 0`).
///
/// TFLM's `MultiplyByQuantizedMultiplierSmallerThanOneExp`:
/// `RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, m), -left_shift)`.
#[inline]
pub fn multiply_by_quantized_multiplier_smaller_than_one_exp(
    x: i32,
    quantized_multiplier: i32,
    left_shift: i32,
) -> i32 {
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x, quantized_multiplier),
        left_shift.checked_neg().unwrap_or(i32::MAX),
    )
}

/// A multiplier and a right shift of 0 to 31 with the shift's rounding
/// mask worked out once, for loops that apply one scale to many values:
/// [`RightShiftScale::apply`] gives the bits of both
/// [`multiply_by_quantized_multiplier`] (shift `<= 0`) and
/// [`multiply_by_quantized_multiplier_smaller_than_one_exp`], which agree
/// there. Other scales (a multiplier of `i32::MIN`, whose doubling high
/// multiply saturates, or a right shift above 31) are left to those
/// functions: [`RightShiftScale::new`] returns `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RightShiftScale {
    multiplier: i32,
    right: u32,
    mask: i32,
    half: i32,
}

impl RightShiftScale {
    /// The scale `multiplier * 2^(shift - 31)`, if `-31 <= shift <= 0` and
    /// the multiplier is not `i32::MIN`.
    #[inline(always)]
    pub(crate) fn new(multiplier: i32, shift: i32) -> Option<Self> {
        if !(-31..=0).contains(&shift) || multiplier == i32::MIN {
            return None;
        }
        let right = shift.unsigned_abs();
        let mask = 1u32.wrapping_shl(right).wrapping_sub(1) as i32;
        Some(Self {
            multiplier,
            right,
            mask,
            half: mask >> 1,
        })
    }

    /// `x` times the scale: saturating rounding doubling high multiply (no
    /// saturation case with this multiplier), then rounding divide by
    /// `2^right`, ties away from zero.
    #[inline(always)]
    pub(crate) fn apply(self, x: i32) -> i32 {
        let high = ((i64::from(x) * i64::from(self.multiplier) + (1 << 30)) >> 31) as i32;
        let threshold = self.half + i32::from(high < 0);
        (high >> self.right) + i32::from((high & self.mask) > threshold)
    }
}

/// [`RightShiftScale`] in fewer instructions, for values provably below
/// 2^30 in magnitude: [`SmallInputScale::apply_doubled`] takes `2x` and
/// gives [`RightShiftScale::apply`]`(x)`.
///
/// The saturating rounding doubling high multiply of TFLM is
/// `h = floor((x * m + 2^30) / 2^31)` for either sign of the product (the
/// negative nudge `1 - 2^30` with division truncating towards zero is the
/// same floor); with `|x| < 2^30` that is the rounded high word
/// `floor((2x * m + 2^31) / 2^32)`: one `SMMULR` on DSP cores. The
/// rounding divide by `2^e` (halves away from zero) is
/// `(h + 2^(e-1) - [h < 0]) >> e` for `e >= 1` and `h` for `e = 0`: the
/// half and the sign mask are worked out once. `|h| < 2^30`, so nothing
/// overflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SmallInputScale {
    multiplier: i32,
    right: u32,
    half: i32,
    sign_mask: i32,
}

impl SmallInputScale {
    /// The scale `multiplier * 2^(shift - 31)`, if `-31 <= shift <= 0`.
    #[inline(always)]
    pub(crate) fn new(multiplier: i32, shift: i32) -> Option<Self> {
        if !(-31..=0).contains(&shift) {
            return None;
        }
        let right = shift.unsigned_abs();
        Some(Self {
            multiplier,
            right,
            half: if right == 0 { 0 } else { 1 << (right - 1) },
            sign_mask: if right == 0 { 0 } else { -1 },
        })
    }

    /// `x` times the scale, from `doubled = 2x` with `|x| < 2^30` (the
    /// caller's proof): the bits of [`RightShiftScale::apply`]`(x)`.
    #[inline(always)]
    pub(crate) fn apply_doubled(self, doubled: i32) -> i32 {
        let high = rounded_high_multiply(doubled, self.multiplier);
        shift_right(
            high.wrapping_add(self.half)
                .wrapping_add((high >> 31) & self.sign_mask),
            self.right,
        )
    }
}

/// `(a * b + 2^31) >> 32` over 64 bits: `SMMULR` on DSP cores.
#[cfg(microlite_arm_dsp)]
#[inline(always)]
pub(crate) fn rounded_high_multiply(a: i32, b: i32) -> i32 {
    crate::arch::arm_dsp::smmulr(a, b)
}

/// `(a * b + 2^31) >> 32` over 64 bits: `SMMULR` on DSP cores.
#[cfg(not(microlite_arm_dsp))]
#[inline(always)]
pub(crate) fn rounded_high_multiply(a: i32, b: i32) -> i32 {
    ((i64::from(a) * i64::from(b) + (1 << 31)) >> 32) as i32
}

/// `x >> n` for `n < 32`: one `ASR` on DSP cores (no count masking).
#[cfg(microlite_arm_dsp)]
#[inline(always)]
pub(crate) fn shift_right(x: i32, n: u32) -> i32 {
    crate::arch::arm_dsp::asr(x, n)
}

/// `x >> n` for `n < 32`: one `ASR` on DSP cores (no count masking).
#[cfg(not(microlite_arm_dsp))]
#[inline(always)]
pub(crate) fn shift_right(x: i32, n: u32) -> i32 {
    x >> n.min(31)
}

/// Multiplies `x` by `quantized_multiplier * 2^(left_shift - 31)` for a
/// multiplier greater than one (`left_shift >= 0`).
///
/// TFLM's `MultiplyByQuantizedMultiplierGreaterThanOne`:
/// `SaturatingRoundingDoublingHighMul(x * (1 << left_shift), m)`, with the
/// left shift wrapping as in [`wrapping_left_shift_mul`].
#[inline]
pub fn multiply_by_quantized_multiplier_greater_than_one(
    x: i32,
    quantized_multiplier: i32,
    left_shift: i32,
) -> i32 {
    saturating_rounding_doubling_high_mul(
        wrapping_left_shift_mul(x, left_shift),
        quantized_multiplier,
    )
}

#[cfg(test)]
mod small_input_scale_tests {
    use super::*;

    #[test]
    fn small_input_scale_matches_the_general_multiply_below_2_pow_30() {
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
        let mut xs = std::vec![0, 1, -1, 2, -2, 3, -3, limit, -limit, 1 << 20, -(1 << 20)];
        let mut state = 0x9e37_79b9_u32;
        for _ in 0..3000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            xs.push((state as i32) >> (state % 24 + 2));
        }
        for &m in &multipliers {
            for shift in -31..=0 {
                let scale = SmallInputScale::new(m, shift).expect("in range");
                for &x in &xs {
                    assert_eq!(
                        scale.apply_doubled(2 * x),
                        multiply_by_quantized_multiplier_smaller_than_one_exp(x, m, shift),
                        "x {x} m {m} shift {shift}"
                    );
                }
            }
        }
        assert!(SmallInputScale::new(1 << 30, 1).is_none());
        assert!(SmallInputScale::new(1 << 30, -32).is_none());
    }
}
