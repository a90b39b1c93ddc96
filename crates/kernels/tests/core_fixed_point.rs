//! Fixed-point primitives against independent i128 formulations of their
//! mathematical definitions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::fixed_point::{
    multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_greater_than_one,
    multiply_by_quantized_multiplier_i64, multiply_by_quantized_multiplier_smaller_than_one_exp,
    rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
};
use proptest::prelude::*;

/// floor(n / d) for d > 0.
fn floor_div(n: i128, d: i128) -> i128 {
    n.div_euclid(d)
}

/// Definition: floor(a*b / 2^31 + 1/2), saturated (only MIN*MIN overflows).
fn srdhm_def(a: i32, b: i32) -> i32 {
    let p = i128::from(a) * i128::from(b);
    let r = floor_div(2 * p + (1 << 31), 1 << 32);
    r.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32
}

/// Definition: x / 2^e rounded to nearest, ties away from zero.
fn rdbpot_def(x: i32, e: i32) -> i32 {
    if e == 0 {
        return x;
    }
    let x = i128::from(x);
    let d = 1i128 << e;
    let magnitude = floor_div(2 * x.abs() + d, 2 * d);
    (x.signum() * magnitude) as i32
}

/// Definition of TFLM's double rounding: x * 2^left (two's-complement wrap),
/// high-mul, then rounding right shift.
fn mbqm_def(x: i32, m: i32, shift: i32) -> i32 {
    let left = shift.max(0);
    let right = (-shift).max(0);
    let shifted = (i128::from(x) << left) as u32 as i32; // wrap to 32 bits
    rdbpot_def(srdhm_def(shifted, m), right)
}

const EDGES: [i32; 17] = [
    i32::MIN,
    i32::MIN + 1,
    -(1 << 30) - 1,
    -(1 << 30),
    -(1 << 30) + 1,
    -65536,
    -3,
    -2,
    -1,
    0,
    1,
    2,
    3,
    65536,
    (1 << 30) - 1,
    1 << 30,
    i32::MAX,
];

#[test]
fn srdhm_edges() {
    for &a in &EDGES {
        for &b in &EDGES {
            assert_eq!(
                saturating_rounding_doubling_high_mul(a, b),
                srdhm_def(a, b),
                "{a} {b}"
            );
        }
    }
    assert_eq!(
        saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
        i32::MAX
    );
    // Ties: 2^30 * 1 / 2^31 = 0.5 -> 1, -0.5 -> 0.
    assert_eq!(saturating_rounding_doubling_high_mul(1 << 30, 1), 1);
    assert_eq!(saturating_rounding_doubling_high_mul(-(1 << 30), 1), 0);
    assert_eq!(saturating_rounding_doubling_high_mul(3 << 29, -2), -1);
}

#[test]
fn rdbpot_edges_all_exponents() {
    for &x in &EDGES {
        for e in 0..=31 {
            assert_eq!(rounding_divide_by_pot(x, e), rdbpot_def(x, e), "{x} >> {e}");
        }
    }
    assert_eq!(rounding_divide_by_pot(-1, 1), -1);
    assert_eq!(rounding_divide_by_pot(1, 1), 1);
    assert_eq!(rounding_divide_by_pot(-3, 1), -2);
    assert_eq!(rounding_divide_by_pot(5, 2), 1);
    assert_eq!(rounding_divide_by_pot(6, 2), 2);
    // Out-of-contract exponents do not panic and keep the definition.
    assert_eq!(rounding_divide_by_pot(i32::MIN, 32), -1);
    assert_eq!(rounding_divide_by_pot(i32::MAX, 40), 0);
    assert_eq!(rounding_divide_by_pot(7, -3), 7);
    assert_eq!(rounding_divide_by_pot(7, i32::MAX), 0);
}

#[test]
fn mbqm_edges() {
    for &x in &EDGES {
        for &m in &EDGES {
            for shift in -40..=40 {
                let expected = if shift < -31 {
                    // Right shift past 31: the definition rounds to 0 or -1.
                    rdbpot_def_wide(srdhm_def(wrap_shift(x, 0), m), -shift)
                } else {
                    mbqm_def(x, m, shift.min(31))
                };
                if shift <= 31 {
                    assert_eq!(
                        multiply_by_quantized_multiplier(x, m, shift),
                        expected,
                        "x={x} m={m} shift={shift}"
                    );
                } else {
                    // Must merely not panic (C++ is undefined here).
                    let _ = multiply_by_quantized_multiplier(x, m, shift);
                }
            }
        }
    }
    let _ = multiply_by_quantized_multiplier(i32::MIN, i32::MIN, i32::MIN);
    let _ = multiply_by_quantized_multiplier(i32::MAX, i32::MAX, i32::MAX);
}

fn wrap_shift(x: i32, left: i32) -> i32 {
    (i128::from(x) << left) as u32 as i32
}

fn rdbpot_def_wide(x: i32, e: i32) -> i32 {
    let x = i128::from(x);
    let d = 1i128 << e;
    (x.signum() * floor_div(2 * x.abs() + d, 2 * d)) as i32
}

#[test]
fn mbqm_identity_and_simple_scales() {
    // multiplier 2^30 with shift 1 is exactly 1.0.
    // (The left shift wraps like TFLM's `x * (1 << 1)`, so only x that can be
    // doubled survive.)
    for &x in &EDGES {
        let got = multiply_by_quantized_multiplier(x, 1 << 30, 1);
        match x.checked_mul(2) {
            Some(_) => assert_eq!(got, x),
            None => assert_eq!(got, x.wrapping_mul(2) / 2),
        }
    }
    // 0.5: multiplier 2^30, shift 0; ties away from zero after the high mul.
    assert_eq!(multiply_by_quantized_multiplier(3, 1 << 30, 0), 2);
    assert_eq!(multiply_by_quantized_multiplier(-3, 1 << 30, 0), -1);
    // 0.25 = 2^30 * 2^-1: -3 * 0.25 = -0.75 -> srdhm(-3, 2^30) = floor(-1.5+0.5)= -1, then /2 -> -1
    assert_eq!(multiply_by_quantized_multiplier(-3, 1 << 30, -1), -1);
}

#[test]
fn i64_variant_matches_definition() {
    let xs = [
        -(1i64 << 47),
        -(1 << 40) - 7,
        -123_456_789,
        -1,
        0,
        1,
        99_999,
        (1 << 47) - 1,
    ];
    let ms = [
        0,
        1,
        1 << 15,
        (1 << 30) + 12345,
        0x7FFE_FFFF,
        0x7FFF_0000,
        i32::MAX,
    ];
    for &x in &xs {
        for &m in &ms {
            for shift in -31..8 {
                let reduced = if m < 0x7FFF_0000 {
                    (i128::from(m) + (1 << 15)) >> 16
                } else {
                    0x7FFF
                };
                let total = 15 - shift;
                let expected = floor_div(
                    i128::from(x) * reduced + (1i128 << (total - 1)),
                    1i128 << total,
                );
                let got = multiply_by_quantized_multiplier_i64(x, m, shift);
                assert_eq!(
                    i128::from(got),
                    (expected as i64 as i32).into(),
                    "x={x} m={m} s={shift}"
                );
            }
        }
    }
    // Out-of-contract input does not panic.
    let _ = multiply_by_quantized_multiplier_i64(i64::MIN, i32::MIN, i32::MIN);
    let _ = multiply_by_quantized_multiplier_i64(i64::MAX, i32::MAX, i32::MAX);
}

#[test]
fn smaller_and_greater_than_one_variants() {
    for &x in &EDGES {
        for &m in &EDGES {
            for s in 0..=31 {
                assert_eq!(
                    multiply_by_quantized_multiplier_smaller_than_one_exp(x, m, -s),
                    rdbpot_def(srdhm_def(x, m), s)
                );
                assert_eq!(
                    multiply_by_quantized_multiplier_greater_than_one(x, m, s),
                    srdhm_def(wrap_shift(x, s), m)
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 20_000 }))]

    #[test]
    fn srdhm_full_range(a in any::<i32>(), b in any::<i32>()) {
        prop_assert_eq!(saturating_rounding_doubling_high_mul(a, b), srdhm_def(a, b));
    }

    #[test]
    fn rdbpot_full_range(x in any::<i32>(), e in 0i32..=31) {
        prop_assert_eq!(rounding_divide_by_pot(x, e), rdbpot_def(x, e));
    }

    #[test]
    fn mbqm_full_range(x in any::<i32>(), m in any::<i32>(), shift in -31i32..=31) {
        prop_assert_eq!(multiply_by_quantized_multiplier(x, m, shift), mbqm_def(x, m, shift));
    }

    /// For the inputs TFLM produces (m in [2^30, 2^31), small accumulators) the
    /// result is within one unit of the exact real product.
    #[test]
    fn mbqm_close_to_real_product(
        x in -(1i32 << 24)..(1i32 << 24),
        m in (1i32 << 30)..=i32::MAX,
        shift in -31i32..=6,
    ) {
        let real = f64::from(x) * f64::from(m) * 2f64.powi(shift - 31);
        let got = multiply_by_quantized_multiplier(x, m, shift);
        if real.abs() < 2e9 {
            prop_assert!((f64::from(got) - real).abs() <= 1.0, "got {} real {}", got, real);
        }
    }

    #[test]
    fn i64_variant_close_to_real_product(
        x in -(1i64 << 40)..(1i64 << 40),
        m in (1i32 << 30)..=i32::MAX,
        shift in -31i32..=0,
    ) {
        let real = x as f64 * f64::from(m) * 2f64.powi(shift - 31);
        if real.abs() < 1e9 {
            let got = multiply_by_quantized_multiplier_i64(x, m, shift);
            // 16-bit multiplier: relative error up to 2^-15, plus rounding.
            prop_assert!((f64::from(got) - real).abs() <= 1.0 + real.abs() * 4e-5);
        }
    }
}
