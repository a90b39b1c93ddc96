//! The gemmlowp fixed-point functions behind SOFTMAX, LOGISTIC, TANH and
//! HARD_SWISH (`gemmlowp_fixed`), and `quantize_multiplier`, against their
//! mathematical definitions over the full input ranges, edges included.
//!
//! Exact operations (power-of-two scaling, half sums, the 16-bit multiplies
//! and shifts) must equal the definition computed in `i128`. Approximations
//! (exp, 1/(1+x), tanh, logistic, the reciprocal) must stay within an error
//! bound derived from the approximation itself, checked against `f64`:
//!
//! - exp on [-1/4, 0) is `exp(-1/8)` times the 4th-order Taylor polynomial
//!   around -1/8, so its truncation error is at most
//!   `e^(-1/8) * (1/8)^5/5! * e^(1/8) = (1/8)^5 / 120`; the seven fixed-point
//!   multiplies add at most a few units in the last place (2^-31) on top.
//!   Every power-of-two factor `exp(-2^k)` of the barrel shifter is a Q0
//!   constant (error 2^-32) applied with a rounding multiply, so the bound
//!   grows only by a few more units.
//! - 1/(1+x) is three Newton-Raphson steps from the 48/17 - 32/17·d estimate
//!   (relative error 1/17 after the estimate, squared by each step), so what
//!   remains is the rounding of the steps: a few units.
//! - tanh = (1 - e)/(1 + e) and logistic = 1/(1 + e) with e = exp(-2|x|) or
//!   exp(-|x|): the derivatives in e are at most 2 and 1, so their bounds are
//!   2x and 1x the exp bound plus the bound of the reciprocal-like function.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::gemmlowp_fixed::{
    exp_on_interval_between_negative_one_quarter_and_0_excl, exp_on_negative_values, logistic,
    one_minus_x_over_one_plus_x_for_x_in_0_1, one_over_one_plus_x_for_x_in_0_1, reciprocal,
    rescale, rounding_divide_by_pot_i16, rounding_half_sum, saturating_doubling_high_mul_i16,
    saturating_left_shift_i16, saturating_rounding_doubling_high_mul_i16,
    saturating_rounding_multiply_by_pot, tanh, Q0_ONE,
};
use microlite_kernels::quantization::quantize_multiplier;
use proptest::prelude::*;

/// One unit in the last place of a Q0 value.
const ULP: f64 = 1.0 / 2_147_483_648.0;
/// Truncation error of the 4th-order Taylor expansion of exp on [-1/4, 0).
const TAYLOR_BOUND: f64 = 1.0 / (32768.0 * 120.0);
/// Error bound of `exp_on_negative_values` (Taylor + rounding of up to seven
/// barrel multiplies and of the polynomial).
const EXP_BOUND: f64 = TAYLOR_BOUND + 24.0 * ULP;
/// Error bound of `one_over_one_plus_x_for_x_in_0_1` (rounding of three
/// Newton-Raphson steps of four operations each).
const RECIPROCAL_BOUND: f64 = 16.0 * ULP;
/// `(1 - x)/(1 + x) = 2/(1 + x) - 1`: twice the reciprocal's error.
const ONE_MINUS_BOUND: f64 = 2.0 * RECIPROCAL_BOUND;

/// Cases per property: the functions are cheap, Miri is not.
const CASES: u32 = if cfg!(miri) { 8 } else { 10_000 };

/// Values every full-range check also visits.
const EDGES_I32: [i32; 13] = [
    i32::MIN,
    i32::MIN + 1,
    -(1 << 30),
    -65536,
    -2,
    -1,
    0,
    1,
    2,
    65536,
    (1 << 30) - 1,
    1 << 30,
    i32::MAX,
];

/// The real value of `raw` in format `Q(integer_bits)`.
fn real(raw: i32, integer_bits: i32) -> f64 {
    f64::from(raw) / 2f64.powi(31 - integer_bits)
}

fn saturate_i32(x: i128) -> i32 {
    x.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32
}

fn saturate_i16(x: i128) -> i16 {
    x.clamp(i128::from(i16::MIN), i128::from(i16::MAX)) as i16
}

/// `n / 2^e` rounded to nearest, ties away from zero (exact).
fn round_div_pot_away(n: i128, e: u32) -> i128 {
    let d = 1i128 << e;
    let magnitude = (n.abs() + d / 2) / d;
    if n < 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Definition of `saturating_rounding_multiply_by_pot` for `|e| <= 31`:
/// `x * 2^e` saturated for `e >= 0`, rounded half away from zero for `e < 0`.
fn multiply_by_pot_def(x: i32, e: i32) -> i32 {
    if e >= 0 {
        saturate_i32(i128::from(x) << e)
    } else {
        round_div_pot_away(i128::from(x), e.unsigned_abs()) as i32
    }
}

fn check_exp(a: i32, integer_bits: i32) -> Result<(), TestCaseError> {
    let got = real(exp_on_negative_values(a, integer_bits), 0);
    let want = real(a, integer_bits).exp();
    prop_assert!(
        (got - want).abs() <= EXP_BOUND,
        "exp({}) in Q{}: got {got:e}, want {want:e} (error {:.1} ulp)",
        real(a, integer_bits),
        integer_bits,
        (got - want).abs() / ULP
    );
    Ok(())
}

fn check_tanh(a: i32, integer_bits: i32) -> Result<(), TestCaseError> {
    let got = real(tanh(a, integer_bits), 0);
    let want = real(a, integer_bits).tanh();
    let bound = 2.0 * EXP_BOUND + ONE_MINUS_BOUND;
    prop_assert!(
        (got - want).abs() <= bound,
        "tanh({}) in Q{integer_bits}: got {got}, want {want}",
        real(a, integer_bits)
    );
    Ok(())
}

fn check_logistic(a: i32, integer_bits: i32) -> Result<(), TestCaseError> {
    let got = real(logistic(a, integer_bits), 0);
    let want = 1.0 / (1.0 + (-real(a, integer_bits)).exp());
    let bound = EXP_BOUND + RECIPROCAL_BOUND;
    prop_assert!(
        (got - want).abs() <= bound,
        "logistic({}) in Q{integer_bits}: got {got}, want {want}",
        real(a, integer_bits)
    );
    Ok(())
}

fn check_reciprocal(x: i32, integer_bits: i32) -> Result<(), TestCaseError> {
    let (scale, bits_over_unit) = reciprocal(x, integer_bits);
    // 1/x = scale * 2^-bits_over_unit, with scale = 1/(1 + f) in Q0 for the
    // fraction f in [0, 1) of x normalised to [1, 2).
    let got = real(scale, 0) * 2f64.powi(-bits_over_unit);
    let want = 1.0 / real(x, integer_bits);
    prop_assert!(
        real(scale, 0) >= 0.5 - RECIPROCAL_BOUND,
        "reciprocal({x}, Q{integer_bits}): scale {scale}"
    );
    // The reciprocal-like function's absolute error, relative to a value of
    // at least 1/2.
    prop_assert!(
        ((got - want) / want).abs() <= 2.0 * RECIPROCAL_BOUND,
        "reciprocal({x}, Q{integer_bits}): got {got:e}, want {want:e}"
    );
    Ok(())
}

#[test]
fn edges_of_every_function() {
    for &a in &EDGES_I32 {
        for e in -31..=31 {
            assert_eq!(
                saturating_rounding_multiply_by_pot(a, e),
                multiply_by_pot_def(a, e),
                "{a} * 2^{e}"
            );
        }
        for &b in &EDGES_I32 {
            let want = round_div_pot_away(i128::from(a) + i128::from(b), 1) as i32;
            assert_eq!(rounding_half_sum(a, b), want, "({a} + {b}) / 2");
        }
        let non_positive = a.min(0);
        for integer_bits in 0..=29 {
            check_exp(non_positive, integer_bits).unwrap();
            check_logistic(a, integer_bits).unwrap();
            if integer_bits <= 28 {
                check_tanh(a, integer_bits).unwrap();
            }
        }
        if a >= 0 {
            check_reciprocal_like(a).unwrap();
        }
        if a > 0 {
            for integer_bits in 0..=31 {
                check_reciprocal(a, integer_bits).unwrap();
            }
        }
    }
    // exp(0) is the saturated 1.0; exp of the most negative inputs is 0.
    for integer_bits in 0..=29 {
        assert_eq!(exp_on_negative_values(0, integer_bits), Q0_ONE);
    }
    assert_eq!(exp_on_negative_values(i32::MIN, 29), 0);
    assert_eq!(tanh(0, 4), 0);
    assert_eq!(logistic(0, 4), 1 << 30);
}

fn check_reciprocal_like(a: i32) -> Result<(), TestCaseError> {
    let x = real(a, 0);
    let got = real(one_over_one_plus_x_for_x_in_0_1(a), 0);
    prop_assert!(
        (got - 1.0 / (1.0 + x)).abs() <= RECIPROCAL_BOUND,
        "1/(1+{x}): {got}"
    );
    let got = real(one_minus_x_over_one_plus_x_for_x_in_0_1(a), 0);
    prop_assert!(
        (got - (1.0 - x) / (1.0 + x)).abs() <= ONE_MINUS_BOUND,
        "(1-{x})/(1+{x}): {got}"
    );
    Ok(())
}

/// Every int16 input and every in-contract exponent, exhaustively (a
/// quarter of the inputs under Miri).
#[test]
fn int16_shifts_exhaustive() {
    let step = if cfg!(miri) { 4099 } else { 1 };
    for x in (i16::MIN..=i16::MAX).step_by(step) {
        for e in 0..=15 {
            let want = round_div_pot_away(i128::from(x), e as u32) as i16;
            assert_eq!(rounding_divide_by_pot_i16(x, e), want, "{x} >> {e}");
            let want = saturate_i16(i128::from(x) << e);
            assert_eq!(saturating_left_shift_i16(x, e), want, "{x} << {e}");
        }
    }
}

/// Every pair of int16 values (2^32 pairs) is too many; all pairs of a
/// 1 in 64 sample including both extremes, plus random pairs below.
#[test]
fn int16_multiplies_on_a_grid() {
    let step = if cfg!(miri) { 8191 } else { 64 };
    let grid: Vec<i16> = (i16::MIN..=i16::MAX)
        .step_by(step)
        .chain([-1, 0, 1, i16::MAX])
        .collect();
    for &a in &grid {
        for &b in &grid {
            check_i16_multiplies(a, b).unwrap();
        }
    }
}

fn check_i16_multiplies(a: i16, b: i16) -> Result<(), TestCaseError> {
    let product = i128::from(a) * i128::from(b);
    // round(a*b / 2^15), ties toward +infinity (gemmlowp's nudge), saturated.
    let rounding = saturate_i16((product + (1 << 14)).div_euclid(1 << 15));
    prop_assert_eq!(saturating_rounding_doubling_high_mul_i16(a, b), rounding);
    // a*b / 2^15 truncated toward zero, saturated.
    let truncating = saturate_i16(product / (1 << 15));
    prop_assert_eq!(saturating_doubling_high_mul_i16(a, b), truncating);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn multiply_by_pot_full_range(x in any::<i32>(), e in -31i32..=31) {
        prop_assert_eq!(saturating_rounding_multiply_by_pot(x, e), multiply_by_pot_def(x, e));
    }

    #[test]
    fn multiply_by_pot_never_panics(x in any::<i32>(), e in any::<i32>()) {
        let _ = saturating_rounding_multiply_by_pot(x, e);
    }

    #[test]
    fn rescale_is_multiply_by_pot(x in any::<i32>(), src in 0i32..=31, dst in 0i32..=31) {
        prop_assert_eq!(rescale(x, src, dst), multiply_by_pot_def(x, src - dst));
    }

    #[test]
    fn half_sum_full_range(a in any::<i32>(), b in any::<i32>()) {
        let want = round_div_pot_away(i128::from(a) + i128::from(b), 1) as i32;
        prop_assert_eq!(rounding_half_sum(a, b), want);
    }

    #[test]
    fn interval_exp_within_taylor_bound(a in -(1i32 << 29)..0) {
        let got = real(exp_on_interval_between_negative_one_quarter_and_0_excl(a), 0);
        let want = real(a, 0).exp();
        prop_assert!((got - want).abs() <= TAYLOR_BOUND + 8.0 * ULP, "exp({}) = {got}", real(a, 0));
    }

    #[test]
    fn exp_full_range(a in i32::MIN..=0, integer_bits in 0i32..=29) {
        check_exp(a, integer_bits)?;
    }

    /// Small magnitudes, where the fractional part matters most.
    #[test]
    fn exp_near_zero(a in -(1i32 << 24)..=0, integer_bits in 0i32..=29) {
        check_exp(a, integer_bits)?;
    }

    #[test]
    fn exp_of_positive_input_never_panics(a in any::<i32>(), integer_bits in any::<i32>()) {
        let _ = exp_on_negative_values(a, integer_bits);
        let _ = tanh(a, integer_bits);
        let _ = logistic(a, integer_bits);
    }

    #[test]
    fn reciprocal_like_full_range(a in 0..=i32::MAX) {
        check_reciprocal_like(a)?;
    }

    #[test]
    fn reciprocal_full_range(x in 1..=i32::MAX, integer_bits in 0i32..=31) {
        check_reciprocal(x, integer_bits)?;
    }

    #[test]
    fn tanh_full_range(a in any::<i32>(), integer_bits in 0i32..=28) {
        check_tanh(a, integer_bits)?;
    }

    #[test]
    fn logistic_full_range(a in any::<i32>(), integer_bits in 0i32..=29) {
        check_logistic(a, integer_bits)?;
    }

    #[test]
    fn int16_multiplies_full_range(a in any::<i16>(), b in any::<i16>()) {
        check_i16_multiplies(a, b)?;
    }

    /// Any `f64` bit pattern: zero and non-finite values give (0, 0); others
    /// give `m * 2^(shift - 31)` within half a unit of the 31-bit mantissa,
    /// with the mantissa normalised and of the same sign, unless the value
    /// is below 2^-32 in magnitude, which flushes to (0, 0).
    #[test]
    fn quantize_multiplier_on_any_bits(bits in any::<u64>()) {
        let x = f64::from_bits(bits);
        let (m, shift) = quantize_multiplier(x);
        if x == 0.0 || !x.is_finite() {
            prop_assert_eq!((m, shift), (0, 0));
            return Ok(());
        }
        // |x| = f * 2^e with f in [0.5, 1); the shift is e (or e + 1 when f
        // rounds up to 1), so it is below -31 exactly when |x| < 2^-32 minus
        // the rounding margin.
        let magnitude = x.abs();
        let threshold = 2f64.powi(-32) * (1.0 - 2f64.powi(-32));
        if magnitude < threshold {
            prop_assert_eq!((m, shift), (0, 0), "{:e}", x);
            return Ok(());
        }
        prop_assert!(shift >= -31, "{:e}: shift {}", x, shift);
        prop_assert_eq!(m < 0, x < 0.0, "{:e}: sign of {}", x, m);
        // |m| in [2^30, 2^31] (2^31 only as i32::MIN, for negative x).
        prop_assert!(
            (1u32 << 30..=1u32 << 31).contains(&m.unsigned_abs()),
            "{:e}: m {}", x, m
        );
        // Compare in units of 2^(shift - 31), exactly representable for
        // the finite shifts quantize_multiplier returns.
        let scaled = x / 2f64.powi(shift - 31);
        prop_assert!((scaled - f64::from(m)).abs() <= 0.5, "{:e}: m {} shift {}", x, m, shift);
    }
}
