//! Prepare-time quantization arithmetic against straightforward definitions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::activation::FusedActivation;
use microlite_kernels::quantization::{
    activation_range_f32, activation_range_i16, activation_range_i8, conv_effective_scale,
    exact_pow2, frexp, per_channel_effective_scale, quantize_multiplier,
    quantize_multiplier_greater_than_one, quantize_multiplier_smaller_than_one_exp,
    quantized_convolution_multiplier, round_half_away_from_zero_f32, round_half_away_from_zero_f64,
};
use microlite_kernels::KernelError;
use proptest::prelude::*;

/// Independent frexp: scale by exact powers of two until the magnitude is in
/// [0.5, 1). Every step is exact for finite non-zero doubles.
fn frexp_def(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let mut f = x;
    let mut e = 0;
    while f.abs() >= 1.0 {
        f /= 2.0;
        e += 1;
    }
    while f.abs() < 0.5 {
        f *= 2.0;
        e -= 1;
    }
    (f, e)
}

/// `f * 2^e` by repeated exact doubling/halving.
fn ldexp_def(mut f: f64, e: i32) -> f64 {
    if e >= 0 {
        for _ in 0..e {
            f *= 2.0;
        }
    } else {
        for _ in 0..-e {
            f /= 2.0;
        }
    }
    f
}

/// Every normal power of two, built by exact doubling and halving from 1.
#[test]
fn exact_pow2_is_exact() {
    let mut up = 1.0f64;
    let mut down = 1.0f64;
    for e in 0..=1022 {
        assert_eq!(exact_pow2(e), up, "2^{e}");
        assert_eq!(exact_pow2(-e), down, "2^-{e}");
        up *= 2.0;
        down /= 2.0;
    }
    assert_eq!(exact_pow2(1023), up);
    // Out of range: clamped to the extreme normal powers.
    assert_eq!(exact_pow2(5000), exact_pow2(1023));
    assert_eq!(exact_pow2(i32::MIN), exact_pow2(-1022));
}

#[test]
fn frexp_edge_cases() {
    assert_eq!(frexp(1.0), (0.5, 1));
    assert_eq!(frexp(0.5), (0.5, 0));
    assert_eq!(frexp(-3.0), (-0.75, 2));
    assert_eq!(frexp(f64::MAX), (1.0 - 2f64.powi(-53), 1024));
    assert_eq!(frexp(f64::MIN_POSITIVE), (0.5, -1021));
    assert_eq!(frexp(f64::from_bits(1)), (0.5, -1073)); // smallest subnormal
    assert_eq!(frexp(0.0), (0.0, 0));
    assert!(frexp(-0.0).0.is_sign_negative());
    assert!(frexp(f64::NAN).0.is_nan());
    assert_eq!(frexp(f64::INFINITY), (f64::INFINITY, 0));
}

#[test]
fn round_half_away_matches_std() {
    let cases = [
        0.5,
        1.5,
        2.5,
        -0.5,
        -1.5,
        -2.5,
        0.49999999999999994,
        -0.49999999999999994,
        4503599627370495.5,
        -0.0,
        0.0,
        1e300,
        -1e-300,
    ];
    for &x in &cases {
        assert_eq!(
            round_half_away_from_zero_f64(x).to_bits(),
            x.round().to_bits(),
            "{x}"
        );
        let xf = x as f32;
        assert_eq!(
            round_half_away_from_zero_f32(xf).to_bits(),
            xf.round().to_bits(),
            "{xf}"
        );
    }
    assert_eq!(round_half_away_from_zero_f32(0.49999997), 0.0);
    assert_eq!(round_half_away_from_zero_f32(8388607.5), 8388608.0);
}

#[test]
fn quantize_multiplier_edge_cases() {
    assert_eq!(quantize_multiplier(0.0), (0, 0));
    assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
    assert_eq!(quantize_multiplier(0.5), (1 << 30, 0));
    assert_eq!(quantize_multiplier(0.75), (3 << 29, 0));
    // Mantissa rounds up to exactly 2^31: halved, shift incremented.
    let just_below_one = 1.0 - 2f64.powi(-40);
    assert_eq!(quantize_multiplier(just_below_one), (1 << 30, 1));
    // Shift below -31 flushes to zero; -31 itself is kept.
    assert_eq!(quantize_multiplier(2f64.powi(-33)), (0, 0));
    assert_eq!(quantize_multiplier(2f64.powi(-32)), (1 << 30, -31));
    // Negative multipliers keep a negative mantissa (TFLM behaviour).
    assert_eq!(quantize_multiplier(-0.75), (-(3 << 29), 0));
    assert_eq!(quantize_multiplier(-1.0), (-(1 << 30), 1));
    assert_eq!(quantize_multiplier(-(1.0 - 2f64.powi(-40))), (i32::MIN, 0));
    // Non-finite inputs are total (TFLM aborts).
    assert_eq!(quantize_multiplier(f64::NAN), (0, 0));
    assert_eq!(quantize_multiplier(f64::INFINITY), (0, 0));
}

#[test]
fn smaller_and_greater_than_one() {
    assert_eq!(
        quantize_multiplier_smaller_than_one_exp(0.25),
        Some((1 << 30, -1))
    );
    assert_eq!(quantize_multiplier_smaller_than_one_exp(1.0), None);
    assert_eq!(quantize_multiplier_smaller_than_one_exp(0.0), None);
    assert_eq!(quantize_multiplier_smaller_than_one_exp(f64::NAN), None);
    assert_eq!(
        quantize_multiplier_greater_than_one(3.0),
        Some((3 << 29, 2))
    );
    assert_eq!(quantize_multiplier_greater_than_one(1.0), None);
    assert_eq!(quantize_multiplier_greater_than_one(f64::NAN), None);
}

#[test]
fn effective_scales_follow_tflm_precision() {
    let (i, f, o) = (0.023_529_412_f32, 0.003_921_569_f32, 0.047_058_824_f32);
    let float_product = f64::from(i * f) / f64::from(o);
    let double_product = f64::from(i) * f64::from(f) / f64::from(o);
    // TFLM widens both scales before multiplying, per tensor and per channel;
    // the f32 product broke bit-exactness on ad01 (one output at a tie).
    assert_eq!(
        conv_effective_scale(i, f, o).to_bits(),
        double_product.to_bits()
    );
    assert_eq!(
        per_channel_effective_scale(i, f, o).to_bits(),
        double_product.to_bits()
    );
    // The two recipes really differ for these scales, so the test can tell them apart.
    assert_ne!(float_product.to_bits(), double_product.to_bits());
}

#[test]
fn quantized_convolution_multiplier_checks() {
    let ok = quantized_convolution_multiplier(0.5, 0.25, Some(0.125), 2.0).unwrap();
    assert_eq!(ok, 0.0625);
    assert_eq!(
        quantized_convolution_multiplier(0.5, 0.25, None, 2.0).unwrap(),
        0.0625
    );
    // 0.125 vs 0.1: diff 0.025 / 1.0 > 0.02.
    assert!(matches!(
        quantized_convolution_multiplier(0.5, 0.25, Some(0.1), 1.0),
        Err(KernelError::BiasScaleMismatch { .. })
    ));
    assert!(matches!(
        quantized_convolution_multiplier(-0.5, 0.25, None, 1.0),
        Err(KernelError::NegativeProductScale { .. })
    ));
    assert!(quantized_convolution_multiplier(f32::NAN, 0.25, Some(0.1), 1.0).is_err());
}

/// Definition of TFLM's activation bound: zp + round_half_away(value / scale)
/// with the division in f32 (rounded with std).
fn bound_def(value: f32, scale: f32, zp: i32) -> i32 {
    zp + (value / scale).round() as i32
}

#[test]
fn activation_ranges() {
    let (scale, zp) = (0.023_529_412_f32, -128);
    assert_eq!(
        activation_range_i8(FusedActivation::None, scale, zp).unwrap(),
        (-128, 127)
    );
    assert_eq!(
        activation_range_i8(FusedActivation::Tanh, scale, zp).unwrap(),
        (-128, 127)
    );
    assert_eq!(
        activation_range_i8(FusedActivation::Relu, scale, zp).unwrap(),
        (-128, 127)
    );
    assert_eq!(
        activation_range_i8(FusedActivation::Relu6, scale, zp).unwrap(),
        (-128, bound_def(6.0, scale, zp).min(127))
    );
    let (scale, zp) = (0.05_f32, 3);
    assert_eq!(
        activation_range_i8(FusedActivation::ReluN1To1, scale, zp).unwrap(),
        (bound_def(-1.0, scale, zp), bound_def(1.0, scale, zp))
    );
    assert_eq!(
        activation_range_i16(FusedActivation::Relu6, 0.001, 0).unwrap(),
        (0, bound_def(6.0, 0.001, 0))
    );
    assert_eq!(
        activation_range_i8(FusedActivation::Relu, 0.1, -200).unwrap(),
        (-128, 127)
    );
    // Overflowing bounds are errors, not panics.
    assert!(activation_range_i8(FusedActivation::Relu6, 1e-30, 0).is_err());
    assert!(activation_range_i8(FusedActivation::Relu6, 0.0, 0).is_err());
    assert!(activation_range_i8(FusedActivation::Relu6, f32::NAN, 0).is_err());
    assert!(activation_range_i8(FusedActivation::Relu6, 1.0, i32::MAX).is_err());
    assert!(activation_range_i8(FusedActivation::None, f32::NAN, 0).is_ok());
}

#[test]
fn float_activation_ranges() {
    assert_eq!(
        activation_range_f32(FusedActivation::None),
        (f32::MIN, f32::MAX)
    );
    assert_eq!(activation_range_f32(FusedActivation::Relu), (0.0, f32::MAX));
    assert_eq!(activation_range_f32(FusedActivation::Relu6), (0.0, 6.0));
    assert_eq!(
        activation_range_f32(FusedActivation::ReluN1To1),
        (-1.0, 1.0)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 20_000 }))]

    #[test]
    fn frexp_random_bit_patterns(bits in any::<u64>()) {
        let x = f64::from_bits(bits);
        let (f, e) = frexp(x);
        let (fd, ed) = frexp_def(x);
        if x.is_nan() {
            prop_assert!(f.is_nan());
        } else {
            prop_assert_eq!((f.to_bits(), e), (fd.to_bits(), ed));
            if x.is_finite() && x != 0.0 {
                prop_assert!((0.5..1.0).contains(&f.abs()));
                prop_assert_eq!(ldexp_def(f, e).to_bits(), x.to_bits());
            }
        }
    }

    #[test]
    fn frexp_subnormals(mantissa in 1u64..(1u64 << 52), negative in any::<bool>()) {
        let x = f64::from_bits(mantissa | (u64::from(negative) << 63));
        prop_assert!(x.is_subnormal());
        let (f, e) = frexp(x);
        prop_assert_eq!((f.to_bits(), e), {
            let (fd, ed) = frexp_def(x);
            (fd.to_bits(), ed)
        });
        prop_assert_eq!(ldexp_def(f, e).to_bits(), x.to_bits());
    }

    #[test]
    fn round_matches_std_f64(bits in any::<u64>()) {
        let x = f64::from_bits(bits);
        let r = round_half_away_from_zero_f64(x);
        prop_assert!(r.to_bits() == x.round().to_bits() || (x.is_nan() && r.is_nan()));
    }

    #[test]
    fn round_matches_std_f32(bits in any::<u32>()) {
        let x = f32::from_bits(bits);
        let r = round_half_away_from_zero_f32(x);
        prop_assert!(r.to_bits() == x.round().to_bits() || (x.is_nan() && r.is_nan()));
    }

    #[test]
    fn round_matches_std_near_halves(i in -100_000_000i64..100_000_000, delta in -2i64..=2) {
        let x = f64::from_bits(((i as f64) + 0.5).to_bits().wrapping_add(delta as u64));
        prop_assert_eq!(round_half_away_from_zero_f64(x).to_bits(), x.round().to_bits());
        let y = f32::from_bits(((i as f32) + 0.5).to_bits().wrapping_add(delta as u32));
        prop_assert_eq!(round_half_away_from_zero_f32(y).to_bits(), y.round().to_bits());
    }

    /// multiplier * 2^(shift - 31) reproduces the real value to within half a
    /// unit of the 31-bit mantissa, and the mantissa is normalised.
    #[test]
    fn quantize_multiplier_reconstructs(exponent in -31i32..40, mantissa in 0.5f64..1.0, negative in any::<bool>()) {
        let real = if negative { -mantissa } else { mantissa } * 2f64.powi(exponent);
        let (m, shift) = quantize_multiplier(real);
        prop_assert!(m.unsigned_abs() >= 1 << 30, "m={}", m);
        let reconstructed = f64::from(m) * 2f64.powi(shift - 31);
        let half_unit = 2f64.powi(shift - 32);
        prop_assert!((reconstructed - real).abs() <= half_unit, "{} vs {}", reconstructed, real);
        // Exact definition: m = round_half_away(frac * 2^31) with frac from the
        // independent frexp, normalised when it reaches 2^31.
        let (f, e) = frexp_def(real);
        let q = (f * 2f64.powi(31)).round() as i64;
        let (q, e) = if q == 1i64 << 31 { (q / 2, e + 1) } else { (q, e) };
        prop_assert_eq!((i64::from(m), shift), (q, e));
    }

    #[test]
    fn quantize_multiplier_tiny_flushes(exponent in -1074i32..-32) {
        let real = 2f64.powi(exponent) * 0.75;
        prop_assert_eq!(quantize_multiplier(real), (0, 0));
    }
}
