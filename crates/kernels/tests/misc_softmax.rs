#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! SOFTMAX against a float64 softmax of the dequantized input.

use microlite_kernels::softmax::{
    prepare_softmax_int8, prepare_softmax_int8_int16, softmax_f32, softmax_int8, softmax_int8_int16,
};
use microlite_kernels::KernelError;
use proptest::prelude::*;

/// Softmax of each row of `depth` values, in f64.
fn reference(values: &[f64], depth: usize, beta: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    for row in values.chunks(depth) {
        let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = row.iter().map(|&x| ((x - max) * beta).exp()).collect();
        let sum: f64 = exps.iter().sum();
        out.extend(exps.iter().map(|e| e / sum));
    }
    out
}

fn rows_and_data() -> impl Strategy<Value = (usize, Vec<i8>)> {
    (1usize..5, 1usize..40).prop_flat_map(|(rows, depth)| {
        (
            Just(depth),
            proptest::collection::vec(any::<i8>(), rows * depth),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]
    #[test]
    fn float_matches_f64(
        (depth, data) in (1usize..5, 1usize..40).prop_flat_map(|(rows, depth)| {
            (Just(depth), proptest::collection::vec(-50.0f32..50.0, rows * depth))
        }),
        beta in 0.1f32..3.0,
    ) {
        let mut out = vec![0.0f32; data.len()];
        softmax_f32(beta, depth, &data, &mut out).unwrap();
        let wide: Vec<f64> = data.iter().map(|&x| f64::from(x)).collect();
        let want = reference(&wide, depth, f64::from(beta));
        for (got, want) in out.iter().zip(&want) {
            prop_assert!((f64::from(*got) - want).abs() <= 1e-5 + 1e-5 * want.abs(), "{got} vs {want}");
        }
    }

    #[test]
    fn int8_within_one_step((depth, data) in rows_and_data(), scale in 0.001f32..2.0, zp in -20i32..20, beta in 0.5f32..2.0) {
        let params = prepare_softmax_int8(beta, scale, 1.0 / 256.0, -128).unwrap();
        let mut out = vec![0i8; data.len()];
        softmax_int8(&params, depth, &data, &mut out).unwrap();
        let real: Vec<f64> = data.iter().map(|&q| f64::from(scale) * f64::from(i32::from(q) - zp)).collect();
        let want = reference(&real, depth, f64::from(beta));
        for (got, p) in out.iter().zip(&want) {
            let expected = ((p * 256.0).round() - 128.0).clamp(-128.0, 127.0);
            prop_assert!((f64::from(*got) - expected).abs() <= 1.0, "{got} vs {expected} (p={p})");
        }
    }

    #[test]
    fn int8_to_int16_within_two_steps((depth, data) in rows_and_data(), scale in 0.001f32..2.0) {
        let params = prepare_softmax_int8_int16(1.0, scale, 1.0 / 65536.0, -32768).unwrap();
        let mut out = vec![0i16; data.len()];
        softmax_int8_int16(&params, depth, &data, &mut out).unwrap();
        let real: Vec<f64> = data.iter().map(|&q| f64::from(scale) * f64::from(q)).collect();
        let want = reference(&real, depth, 1.0);
        for (got, p) in out.iter().zip(&want) {
            let expected = ((p * 65536.0).round() - 32768.0).clamp(-32768.0, 32767.0);
            prop_assert!((f64::from(*got) - expected).abs() <= 2.0, "{got} vs {expected} (p={p})");
        }
    }
}

#[test]
fn diff_min_is_the_largest_representable_difference() {
    // beta * scale * 2^26 = 2^26 / 4 => multiplier 2^30 (q = 0.5), left shift 25.
    let params = prepare_softmax_int8(1.0, 0.25, 1.0 / 256.0, -128).unwrap();
    assert_eq!(params.input_multiplier, 1 << 30);
    assert_eq!(params.input_left_shift, 25);
    // floor(31 * 2^26 / 2^25) = 62.
    assert_eq!(params.diff_min, -62);
}

#[test]
fn rejects_wrong_output_quantization_and_tiny_scales() {
    assert!(matches!(
        prepare_softmax_int8(1.0, 0.1, 1.0 / 255.0, -128),
        Err(KernelError::OutputQuantization { .. })
    ));
    assert!(matches!(
        prepare_softmax_int8(1.0, 0.1, 1.0 / 256.0, 0),
        Err(KernelError::OutputQuantization { .. })
    ));
    assert!(matches!(
        prepare_softmax_int8_int16(1.0, 0.1, 1.0 / 256.0, -32768),
        Err(KernelError::OutputQuantization { .. })
    ));
    assert!(matches!(
        prepare_softmax_int8(1.0, 1e-9, 1.0 / 256.0, -128),
        Err(KernelError::MultiplierOutOfRange {
            what: "softmax beta * input_scale * 2^26",
            ..
        })
    ));
}

#[test]
fn rejects_bad_lengths() {
    let params = prepare_softmax_int8(1.0, 0.1, 1.0 / 256.0, -128).unwrap();
    let mut out = [0i8; 6];
    assert!(matches!(
        softmax_int8(&params, 4, &[0; 6], &mut out),
        Err(KernelError::BadDepth { depth: 4, len: 6 })
    ));
    assert!(matches!(
        softmax_int8(&params, 0, &[0; 6], &mut out),
        Err(KernelError::BadDepth { .. })
    ));
    assert!(matches!(
        softmax_int8(&params, 3, &[0; 3], &mut out),
        Err(KernelError::LengthMismatch {
            buffer: "output",
            expected: 3,
            actual: 6
        })
    ));
}

#[test]
fn uniform_row_splits_probability_evenly() {
    let params = prepare_softmax_int8(1.0, 0.05, 1.0 / 256.0, -128).unwrap();
    let mut out = [0i8; 4];
    softmax_int8(&params, 4, &[7; 4], &mut out).unwrap();
    // 1/4 * 256 - 128 = -64.
    assert_eq!(out, [-64; 4]);
}

#[test]
fn deep_rows_stay_within_one_step_of_the_true_softmax() {
    // Depths from 512 up make the int8 reciprocal exponent exceed 31 when the
    // values are close (sum of exponentials >= 512); the output must still be
    // the quantized softmax. Depth 4095 is the largest accepted depth.
    let scale = 0.05f32;
    // Under Miri only the two depths around the 512 boundary (the deepest
    // rows take over ten minutes there).
    let depths: &[usize] = if cfg!(miri) {
        &[511, 512]
    } else {
        &[511, 512, 1000, 1001, 4095]
    };
    for &depth in depths {
        let params = prepare_softmax_int8(1.0, scale, 1.0 / 256.0, -128).unwrap();
        for pattern in 0..3 {
            let data: Vec<i8> = (0..depth)
                .map(|i| match pattern {
                    0 => 3,
                    1 => (i % 7) as i8,
                    _ => {
                        if i == 0 {
                            127
                        } else {
                            (i % 5) as i8 - 100
                        }
                    }
                })
                .collect();
            let real: Vec<f64> = data
                .iter()
                .map(|&q| f64::from(scale) * f64::from(q))
                .collect();
            let want = reference(&real, depth, 1.0);
            let mut out = vec![0i8; depth];
            softmax_int8(&params, depth, &data, &mut out).unwrap();
            for (got, p) in out.iter().zip(&want) {
                let expected = ((p * 256.0).round() - 128.0).clamp(-128.0, 127.0);
                assert!(
                    (f64::from(*got) - expected).abs() <= 1.0,
                    "depth {depth} pattern {pattern}: {got} vs {expected} (p={p})"
                );
            }
            let params16 = prepare_softmax_int8_int16(1.0, scale, 1.0 / 65536.0, -32768).unwrap();
            let mut out16 = vec![0i16; depth];
            softmax_int8_int16(&params16, depth, &data, &mut out16).unwrap();
            for (got, p) in out16.iter().zip(&want) {
                let expected = ((p * 65536.0).round() - 32768.0).clamp(-32768.0, 32767.0);
                // Each exponential is rounded to 2^-19 in the Q12.19 sum, so
                // the sum (and a dominant output) may be off by depth * 2^-20
                // relative: depth / 16 int16 steps.
                let tolerance = 2.0 + depth as f64 / 16.0;
                assert!(
                    (f64::from(*got) - expected).abs() <= tolerance,
                    "int16 depth {depth} pattern {pattern}: {got} vs {expected} (p={p})"
                );
            }
        }
    }
}
