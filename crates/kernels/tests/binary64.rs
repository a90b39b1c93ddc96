//! `binary64::F64` against the host's IEEE `f64`: every operation gives the
//! same bits, and the quantization helpers built on it give the same
//! `(multiplier, shift)` pairs as the `f64` formulas TFLM writes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::binary64::F64;
use microlite_kernels::quantization::{
    conv_effective_scale, per_channel_multiplier, quantize_multiplier,
    quantized_convolution_multiplier,
};
use proptest::prelude::*;

/// Finite f64 values whose magnitude stays in [2^-400, 2^400] (the range
/// the prepare-time formulas live in), with every mantissa pattern.
fn moderate_f64() -> impl Strategy<Value = f64> {
    (any::<bool>(), -400i32..400, any::<u64>()).prop_map(|(negative, exponent, bits)| {
        let biased = (exponent + 1023) as u64;
        f64::from_bits((u64::from(negative) << 63) | (biased << 52) | (bits >> 12))
    })
}

/// Every finite f32 bit pattern, subnormals included.
fn finite_f32() -> impl Strategy<Value = f32> {
    any::<u32>()
        .prop_map(f32::from_bits)
        .prop_filter("finite", |x| x.is_finite())
}

/// Positive, normal f32 scales over the whole exponent range.
fn scale() -> impl Strategy<Value = f32> {
    (1u32..=254, any::<u32>()).prop_map(|(e, m)| f32::from_bits((e << 23) | (m & 0x7f_ffff)))
}

/// The `f64` reference of TFLM's `QuantizeMultiplier`: frexp, scale by
/// 2^31, round half away from zero.
fn reference_quantize_multiplier(real: f64) -> (i32, i32) {
    if real == 0.0 || !real.is_finite() {
        return (0, 0);
    }
    let bits = real.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i32;
    let mut fraction = real;
    if exponent == 0 {
        fraction *= 2f64.powi(54);
        exponent = ((fraction.to_bits() >> 52) & 0x7ff) as i32 - 54;
    }
    let shift_base = exponent - 1022;
    let fraction = f64::from_bits((fraction.to_bits() & !(0x7ffu64 << 52)) | (1022u64 << 52));
    let mut q = (fraction * 2_147_483_648.0).round() as i64;
    let mut shift = shift_base;
    if q == 1 << 31 {
        q /= 2;
        shift += 1;
    }
    if shift < -31 {
        return (0, 0);
    }
    (q as i32, shift)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn arithmetic_matches_ieee(a in moderate_f64(), b in moderate_f64()) {
        let (x, y) = (F64::from_f64(a), F64::from_f64(b));
        prop_assert_eq!(x.to_f64().to_bits(), a.to_bits());
        prop_assert_eq!((x * y).to_f64().to_bits(), (a * b).to_bits());
        prop_assert_eq!((x / y).to_f64().to_bits(), (a / b).to_bits());
        let sum = a + b;
        // Exact cancellation gives +0.0 in IEEE, and F64 has one zero.
        prop_assert_eq!((x + y).to_f64(), sum);
        prop_assert_eq!((x + y).to_f64().to_bits(), sum.to_bits() & if sum == 0.0 { 0 } else { u64::MAX });
        prop_assert_eq!((x - y).to_f64(), a - b);
        prop_assert_eq!(x.cmp(&y), a.partial_cmp(&b).unwrap());
    }

    #[test]
    fn close_values_add_and_subtract_exactly(a in moderate_f64(), ulps in -3i64..3, shift in 0u32..60) {
        // Operands a few ulps apart or far apart: cancellation and sticky bits.
        let b = f64::from_bits((a.to_bits() as i64 + ulps) as u64) / 2f64.powi(shift as i32);
        let (x, y) = (F64::from_f64(a), F64::from_f64(b));
        prop_assert_eq!((x - y).to_f64(), a - b);
        prop_assert_eq!((x + y).to_f64(), a + b);
    }

    #[test]
    fn f32_conversions_are_exact(x in finite_f32()) {
        prop_assert_eq!(F64::from_f32(x).to_f64(), f64::from(x));
    }

    #[test]
    fn rounding_to_integers_matches_std(a in moderate_f64()) {
        let x = F64::from_f64(a);
        let round = a.round();
        let floor = a.floor();
        if round.abs() < 9.0e18 {
            prop_assert_eq!(x.round_half_away(), Some(round as i64));
        }
        if floor.abs() < 9.0e18 {
            prop_assert_eq!(x.floor(), Some(floor as i64));
        }
    }

    #[test]
    fn quantize_multiplier_matches_the_f64_reference(a in moderate_f64()) {
        prop_assert_eq!(quantize_multiplier(a), reference_quantize_multiplier(a));
    }

    #[test]
    fn subnormal_multipliers_match_too(bits in 1u64..(1 << 52)) {
        let a = f64::from_bits(bits);
        prop_assert_eq!(quantize_multiplier(a), reference_quantize_multiplier(a));
    }

    #[test]
    fn effective_scales_match_the_double_formula(i in scale(), f in scale(), o in scale()) {
        let want = f64::from(i) * f64::from(f) / f64::from(o);
        prop_assert_eq!(conv_effective_scale(i, f, o).to_bits(), want.to_bits());
        prop_assert_eq!(per_channel_multiplier(i, f, o), reference_quantize_multiplier(want));
    }

    #[test]
    fn bias_check_decides_like_the_double_formula(
        i in scale(), f in scale(), o in scale(), skew in -0.05f64..0.05
    ) {
        // Bias scales near input * filter, around the 2%-of-output limit.
        let product = f64::from(i) * f64::from(f);
        let bias = (product + skew * f64::from(o)) as f32;
        let accepted = ((product - f64::from(bias)).abs() / f64::from(o)) <= 0.02;
        let got = quantized_convolution_multiplier(i, f, Some(bias), o);
        prop_assert_eq!(got.is_ok(), accepted, "bias {} product {} output {}", bias, product, o);
        if let Ok(real) = got {
            prop_assert_eq!(real.to_bits(), (product / f64::from(o)).to_bits());
        }
    }
}

#[test]
fn edge_values() {
    for a in [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        2f64.powi(-31),
        2f64.powi(-32),
        0.999_999_999_999_999_9,
    ] {
        assert_eq!(
            quantize_multiplier(a),
            reference_quantize_multiplier(a),
            "{a}"
        );
    }
    assert_eq!(quantize_multiplier(f64::NAN), (0, 0));
    assert_eq!(quantize_multiplier(f64::INFINITY), (0, 0));
    // The round-up case: a fraction just below 1 rounds to 2^31.
    let near_one = f64::from_bits(0x3FEF_FFFF_FFFF_FFFF);
    assert_eq!(quantize_multiplier(near_one), (1 << 30, 1));
}
