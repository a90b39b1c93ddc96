//! gemmlowp-style fixed-point arithmetic on raw integers.
//!
//! A value in format `Qm` (m "integer bits") is stored in an `i32` whose real
//! value is `raw / 2^(31 - m)`. These functions reproduce, bit for bit, the
//! fixed-point math (exp, logistic, tanh, reciprocal) that TFLM's reference
//! kernels use for SOFTMAX, LOGISTIC and TANH, and the 16-bit helpers used by
//! HARD_SWISH. Additions inside these formulas wrap, as they do in gemmlowp.

use crate::fixed_point::{rounding_divide_by_pot, saturating_rounding_doubling_high_mul};

/// Raw value of 1.0 in Q0 (saturated: 1.0 itself is not representable).
pub const Q0_ONE: i32 = i32::MAX;

/// Raw value of 1.0 in Q2.
const Q2_ONE: i32 = 1 << 29;

/// Multiplies `x` by `2^exponent`: saturating left shift for positive
/// exponents, rounding right shift for negative ones.
pub fn saturating_rounding_multiply_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent > 0 {
        let exponent = exponent.min(31);
        let threshold = (1i32 << (31 - exponent)).wrapping_sub(1);
        if x > threshold {
            i32::MAX
        } else if x < -threshold {
            i32::MIN
        } else {
            x.wrapping_shl(exponent as u32)
        }
    } else if exponent < 0 {
        rounding_divide_by_pot(x, (-exponent).min(31))
    } else {
        x
    }
}

/// Changes the format of `x` from `Q(src_integer_bits)` to `Q(dst_integer_bits)`.
pub fn rescale(x: i32, src_integer_bits: i32, dst_integer_bits: i32) -> i32 {
    saturating_rounding_multiply_by_pot(x, src_integer_bits - dst_integer_bits)
}

/// `(a + b) / 2`, rounded to nearest with ties away from zero.
pub fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = i64::from(a) + i64::from(b);
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// `exp(a)` for `a` in Q0 within `[-1/4, 0)`; result in Q0.
pub fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    // exp(-1/8) and 1/3 in Q0.
    const CONSTANT_TERM: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    let mul = saturating_rounding_doubling_high_mul;
    // Taylor expansion around -1/8: x = a + 1/8.
    let x = a.wrapping_add(1 << 28);
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = rounding_divide_by_pot(x4, 2);
    let poly = rounding_divide_by_pot(
        mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        1,
    );
    CONSTANT_TERM.wrapping_add(mul(CONSTANT_TERM, x.wrapping_add(poly)))
}

/// `exp(a)` for `a <= 0` in `Q(integer_bits)` (`integer_bits` in `0..=30`);
/// result in Q0.
pub fn exp_on_negative_values(a: i32, integer_bits: i32) -> i32 {
    // exp(-2^k) in Q0 for k = -2..=4.
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    let integer_bits = integer_bits.clamp(0, 29);
    let fractional_bits = 31 - integer_bits;
    let one_quarter = 1i32 << (fractional_bits - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(rescale(
        a_mod_quarter_minus_one_quarter,
        integer_bits,
        0,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    for (exponent, multiplier) in BARREL {
        if integer_bits > exponent {
            let shift = fractional_bits + exponent;
            if remainder & (1i32.wrapping_shl(shift as u32)) != 0 {
                result = saturating_rounding_doubling_high_mul(result, multiplier);
            }
        }
    }
    if integer_bits > 5 {
        let clamp = -(1i32 << (36 - integer_bits));
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 {
        result = Q0_ONE;
    }
    result
}

/// Newton-Raphson estimate (in Q2) of `1 / (1 + a)` for `a` in Q0 within `[0, 1)`,
/// shared by the two reciprocal-like functions below.
fn newton_raphson_reciprocal_q2(a: i32) -> i32 {
    // 48/17 and -32/17 in Q2.
    const C48_OVER_17: i32 = 1_515_870_810;
    const NEG_C32_OVER_17: i32 = -1_010_580_540;
    let mul = saturating_rounding_doubling_high_mul;
    let half_denominator = rounding_half_sum(a, Q0_ONE);
    let mut x = C48_OVER_17.wrapping_add(mul(half_denominator, NEG_C32_OVER_17));
    for _ in 0..3 {
        let half_denominator_times_x = mul(half_denominator, x);
        let one_minus = Q2_ONE.wrapping_sub(half_denominator_times_x);
        x = x.wrapping_add(rescale(mul(x, one_minus), 4, 2));
    }
    x
}

/// `1 / (1 + a)` for `a` in Q0 within `[0, 1)`; result in Q0.
pub fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    // x is in Q2; halving it exactly makes it Q1, then rescale to Q0.
    rescale(newton_raphson_reciprocal_q2(a), 1, 0)
}

/// `(1 - a) / (1 + a)` for `a` in Q0 within `[0, 1)`; result in Q0.
pub fn one_minus_x_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    rescale(newton_raphson_reciprocal_q2(a).wrapping_sub(Q2_ONE), 2, 0)
}

/// `tanh(a)` for `a` in `Q(integer_bits)`; result in Q0.
pub fn tanh(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 0;
    }
    let negative_magnitude = if a < 0 { a } else { a.wrapping_neg() };
    // -tanh(n) = (1 - exp(2n)) / (1 + exp(2n)); doubling is exact by
    // reinterpreting the raw value with one more integer bit.
    let t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(
        negative_magnitude,
        integer_bits + 1,
    ));
    if a < 0 {
        t.wrapping_neg()
    } else {
        t
    }
}

/// `1 / (1 + exp(-a))` for `a` in `Q(integer_bits)`; result in Q0.
pub fn logistic(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 1 << 30;
    }
    let abs_input = if a > 0 { a } else { a.wrapping_neg() };
    let result_if_positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(
        abs_input.wrapping_neg(),
        integer_bits,
    ));
    if a > 0 {
        result_if_positive
    } else {
        Q0_ONE.wrapping_sub(result_if_positive)
    }
}

/// Reciprocal of `x` (in `Q(x_integer_digits)`, `x > 0`) as TFLM's
/// `GetReciprocal`: returns `(scale, num_bits_over_unit)` where `scale` in Q0
/// is `2^num_bits_over_unit / x`.
pub fn reciprocal(x: i32, x_integer_digits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros();
    let num_bits_over_unit = x_integer_digits - headroom_plus_one as i32;
    let shifted = (x as u32).checked_shl(headroom_plus_one).unwrap_or(0);
    let shifted_sum_minus_one = shifted.wrapping_sub(1u32 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one),
        num_bits_over_unit,
    )
}

/// 16-bit `SaturatingRoundingDoublingHighMul` (ARM `VQRDMULH.S16`).
pub fn saturating_rounding_doubling_high_mul_i16(a: i16, b: i16) -> i16 {
    if a == b && a == i16::MIN {
        return i16::MAX;
    }
    let ab = i32::from(a) * i32::from(b);
    let nudge: i32 = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// 16-bit doubling high multiply rounding toward zero (ARM `SQDMULH.S16`).
pub fn saturating_doubling_high_mul_i16(a: i16, b: i16) -> i16 {
    if a == b && a == i16::MIN {
        return i16::MAX;
    }
    ((i32::from(a) * i32::from(b)) / (1 << 15)) as i16
}

/// 16-bit rounding arithmetic right shift, as gemmlowp's `RoundingDivideByPOT`
/// on `int16_t` (the arithmetic runs in `int` and is truncated to 16 bits).
pub fn rounding_divide_by_pot_i16(x: i16, exponent: i32) -> i16 {
    let exponent = exponent.clamp(0, 31);
    let x = i32::from(x);
    let mask = i32::from(((1i64 << exponent) - 1) as i16);
    let remainder = i32::from((x & mask) as i16);
    let threshold = i32::from(((mask >> 1) + i32::from(x < 0)) as i16);
    ((x >> exponent) + i32::from(remainder > threshold)) as i16
}

/// `value * 2^amount`, saturated to the `i16` range.
pub fn saturating_left_shift_i16(value: i16, amount: i32) -> i16 {
    let amount = amount.clamp(0, 31);
    let result = i64::from(value) * (1i64 << amount);
    result.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_f64(raw: i32, integer_bits: i32) -> f64 {
        f64::from(raw) / 2f64.powi(31 - integer_bits)
    }

    fn q(value: f64, integer_bits: i32) -> i32 {
        (value * 2f64.powi(31 - integer_bits)).round() as i32
    }

    #[test]
    fn exp_matches_libm_within_fixed_point_error() {
        for integer_bits in [0, 1, 4, 5, 12] {
            for k in 0..2000 {
                let x = -(k as f64) * 0.013;
                let limit = -((1i64 << integer_bits) as f64);
                if x <= limit {
                    continue;
                }
                let raw = q(x, integer_bits);
                let got = to_f64(exp_on_negative_values(raw, integer_bits), 0);
                assert!(
                    (got - x.exp()).abs() < 2e-6,
                    "bits {integer_bits} x {x} got {got}"
                );
            }
        }
    }

    #[test]
    fn reciprocal_functions_match_division() {
        for k in 0..1000 {
            let a = k as f64 / 1000.0;
            let raw = q(a, 0);
            let r = to_f64(one_over_one_plus_x_for_x_in_0_1(raw), 0);
            assert!((r - 1.0 / (1.0 + a)).abs() < 1e-8, "a {a}");
            let s = to_f64(one_minus_x_over_one_plus_x_for_x_in_0_1(raw), 0);
            assert!((s - (1.0 - a) / (1.0 + a)).abs() < 1e-8, "a {a}");
        }
    }

    #[test]
    fn tanh_and_logistic_match_libm() {
        for k in -1500..1500 {
            let x = k as f64 * 0.01;
            let raw = q(x, 4);
            let t = to_f64(tanh(raw, 4), 0);
            assert!((t - x.tanh()).abs() < 1e-6, "tanh {x}: {t}");
            let l = to_f64(logistic(raw, 4), 0);
            assert!(
                (l - 1.0 / (1.0 + (-x).exp())).abs() < 1e-6,
                "logistic {x}: {l}"
            );
        }
    }

    #[test]
    fn reciprocal_of_sum() {
        for sum in [1.0f64, 1.5, 2.0, 3.75, 100.0, 1000.3] {
            let raw = q(sum, 12);
            let (scale, bits) = reciprocal(raw, 12);
            let got = to_f64(scale, 0) / f64::from(1u32 << bits as u32);
            assert!(
                (got - 1.0 / sum).abs() / (1.0 / sum) < 1e-6,
                "sum {sum}: {got}"
            );
        }
    }

    #[test]
    fn rounding_shift_matches_definition() {
        for x in -40i32..40 {
            for e in 0..5 {
                let exact = f64::from(x) / f64::from(1 << e);
                let expected = if exact >= 0.0 {
                    (exact + 0.5).floor()
                } else {
                    -((-exact + 0.5).floor())
                };
                assert_eq!(
                    f64::from(rounding_divide_by_pot_i16(x as i16, e)),
                    expected,
                    "{x} {e}"
                );
            }
        }
    }

    #[test]
    fn saturating_pot() {
        assert_eq!(saturating_rounding_multiply_by_pot(1 << 29, 2), i32::MAX);
        assert_eq!(saturating_rounding_multiply_by_pot(-(1 << 29), 2), i32::MIN);
        assert_eq!(saturating_rounding_multiply_by_pot(3, 2), 12);
        assert_eq!(saturating_rounding_multiply_by_pot(6, -2), 2);
        assert_eq!(saturating_left_shift_i16(20000, 1), i16::MAX);
        assert_eq!(saturating_left_shift_i16(-20000, 1), i16::MIN);
    }
}
