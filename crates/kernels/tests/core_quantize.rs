//! QUANTIZE / DEQUANTIZE kernels against real-domain definitions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::dequantize::{dequantize, dequantize_value, DequantizeParams};
use microlite_kernels::quantize::{
    affine_quantize, affine_quantize_value, requantize, requantize_value, AffineQuantizeParams,
    RequantizeParams,
};
use microlite_kernels::KernelError;
use proptest::prelude::*;

/// Definition: round half away from zero of the f32 quotient, plus zero point,
/// clamped to [lo, hi].
fn quantize_def(x: f32, scale: f32, zp: i32, lo: i32, hi: i32) -> i32 {
    let q = (x / scale).round() as i64 + i64::from(zp);
    q.clamp(i64::from(lo), i64::from(hi)) as i32
}

#[test]
fn quantize_ties_and_specials() {
    let p = AffineQuantizeParams {
        scale: 0.5,
        zero_point: 0,
    };
    // 0.25 / 0.5 = 0.5 -> 1 ; -0.25 -> -1 (half away from zero, not to even).
    assert_eq!(affine_quantize_value::<i8>(&p, 0.25), 1);
    assert_eq!(affine_quantize_value::<i8>(&p, -0.25), -1);
    assert_eq!(affine_quantize_value::<i8>(&p, 0.75), 2);
    assert_eq!(affine_quantize_value::<i8>(&p, 1e30), 127);
    assert_eq!(affine_quantize_value::<i8>(&p, f32::INFINITY), 127);
    assert_eq!(affine_quantize_value::<i8>(&p, f32::NEG_INFINITY), -128);
    assert_eq!(affine_quantize_value::<i8>(&p, f32::NAN), 0);
    assert_eq!(affine_quantize_value::<i16>(&p, 1000.0), 2000);
    let shifted = AffineQuantizeParams {
        scale: 1.0,
        zero_point: i32::MAX,
    };
    assert_eq!(affine_quantize_value::<i8>(&shifted, 1e30), 127);
}

#[test]
fn requantize_identity_and_uint8_shift() {
    let same = RequantizeParams::new(0.02, -5, 0.02, -5);
    assert_eq!((same.multiplier, same.shift), (1 << 30, 1));
    for x in i8::MIN..=i8::MAX {
        assert_eq!(requantize_value::<i8, i8>(&same, x), x);
    }
    // int8 -> uint8 with equal scales and zero points 128 apart is TFLM's XOR
    // fast path.
    let to_u8 = RequantizeParams::new(0.1, 3, 0.1, 131);
    for x in i8::MIN..=i8::MAX {
        assert_eq!(requantize_value::<i8, u8>(&to_u8, x), (x as u8) ^ 0x80);
    }
    let to_i8 = RequantizeParams::new(0.1, 131, 0.1, 3);
    for x in u8::MIN..=u8::MAX {
        assert_eq!(requantize_value::<u8, i8>(&to_i8, x), (x ^ 0x80) as i8);
    }
}

#[test]
fn length_mismatch_is_an_error() {
    let p = AffineQuantizeParams {
        scale: 1.0,
        zero_point: 0,
    };
    let err = affine_quantize::<i8>(&p, &[1.0, 2.0], &mut [0]).unwrap_err();
    assert_eq!(
        err,
        KernelError::LengthMismatch {
            buffer: "output",
            expected: 2,
            actual: 1
        }
    );
    let d = DequantizeParams {
        scale: 1.0,
        zero_point: 0,
    };
    assert!(dequantize::<i8>(&d, &[1], &mut []).is_err());
    let r = RequantizeParams::new(1.0, 0, 1.0, 0);
    assert!(requantize::<i8, i8>(&r, &[1], &mut [0, 0]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 5000 }))]

    #[test]
    fn quantize_f32_to_i8(xs in prop::collection::vec(-300f32..300.0, 1..50),
                          scale in 1e-3f32..4.0, zp in -128i32..=127) {
        let p = AffineQuantizeParams { scale, zero_point: zp };
        let mut out = vec![0i8; xs.len()];
        affine_quantize(&p, &xs, &mut out).unwrap();
        for (&x, &q) in xs.iter().zip(&out) {
            prop_assert_eq!(i32::from(q), quantize_def(x, scale, zp, -128, 127));
            // Real-domain error at most half a step when not saturated.
            if q > i8::MIN && q < i8::MAX {
                let back = f64::from(scale) * f64::from(i32::from(q) - zp);
                // (Plus the f32 division's own rounding, relative to x.)
                let tolerance = f64::from(scale) * 0.5 + f64::from(x.abs()) * 1e-7;
                prop_assert!((back - f64::from(x)).abs() <= tolerance);
            }
        }
    }

    #[test]
    fn quantize_f32_to_i16(x in -1e6f32..1e6, scale in 1e-3f32..4.0, zp in -100i32..=100) {
        let p = AffineQuantizeParams { scale, zero_point: zp };
        prop_assert_eq!(i32::from(affine_quantize_value::<i16>(&p, x)),
                        quantize_def(x, scale, zp, -32768, 32767));
    }

    #[test]
    fn quantize_total_on_any_bits(bits in any::<u32>(), scale_bits in any::<u32>(), zp in any::<i32>()) {
        let p = AffineQuantizeParams { scale: f32::from_bits(scale_bits), zero_point: zp };
        let _ = affine_quantize_value::<i8>(&p, f32::from_bits(bits));
        let _ = affine_quantize_value::<i32>(&p, f32::from_bits(bits));
    }

    #[test]
    fn requantize_i8_to_i8(x in any::<i8>(), in_scale in 1e-3f32..1.0, ratio in 0.01f32..50.0,
                           zi in -128i32..=127, zo in -128i32..=127) {
        let out_scale = in_scale * ratio;
        let p = RequantizeParams::new(in_scale, zi, out_scale, zo);
        let got = i32::from(requantize_value::<i8, i8>(&p, x));
        let real = f64::from(i32::from(x) - zi) * f64::from(in_scale);
        let ideal = ((real / f64::from(out_scale)).round() as i64 + i64::from(zo)).clamp(-128, 127) as i32;
        prop_assert!((got - ideal).abs() <= 1, "got {} ideal {}", got, ideal);
    }

    #[test]
    fn requantize_wider_types(x in any::<i16>(), y in -100_000i32..100_000, in_scale in 1e-4f32..1.0,
                              ratio in 0.01f32..50.0, zo in -128i32..=127) {
        let out_scale = in_scale * ratio;
        let p = RequantizeParams::new(in_scale, 0, out_scale, zo);
        let ideal = |v: i64, lo: i64, hi: i64| {
            ((v as f64 * f64::from(in_scale) / f64::from(out_scale)).round() as i64 + i64::from(zo))
                .clamp(lo, hi)
        };
        let got8 = i64::from(requantize_value::<i16, i8>(&p, x));
        prop_assert!((got8 - ideal(i64::from(x), -128, 127)).abs() <= 1);
        let got16 = i64::from(requantize_value::<i32, i16>(&p, y));
        prop_assert!((got16 - ideal(i64::from(y), -32768, 32767)).abs() <= 1);
        let got32 = i64::from(requantize_value::<i16, i32>(&p, x));
        prop_assert!((got32 - ideal(i64::from(x), i64::from(i32::MIN), i64::from(i32::MAX))).abs() <= 1);
    }

    #[test]
    fn dequantize_i8(xs in prop::collection::vec(any::<i8>(), 1..50), scale in 1e-6f32..10.0,
                     zp in -128i32..=127) {
        let p = DequantizeParams { scale, zero_point: zp };
        let mut out = vec![0f32; xs.len()];
        dequantize(&p, &xs, &mut out).unwrap();
        for (&x, &y) in xs.iter().zip(&out) {
            // The exact product of two small values rounded once to f32.
            let exact = f64::from(scale) * f64::from(i32::from(x) - zp);
            prop_assert_eq!(y.to_bits(), (exact as f32).to_bits());
            // Agrees with a single f32 multiplication (also one rounding here).
            prop_assert_eq!(y, scale * (i32::from(x) - zp) as f32);
        }
    }

    #[test]
    fn dequantize_i16(x in any::<i16>(), scale in 1e-6f32..10.0, zp in -100i32..=100) {
        let p = DequantizeParams { scale, zero_point: zp };
        let exact = f64::from(scale) * f64::from(i32::from(x) - zp);
        prop_assert_eq!(dequantize_value(&p, x).to_bits(), (exact as f32).to_bits());
    }
}
