#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Pooling against a naive loop over every filter tap with explicit bounds checks.

use microlite_kernels::pooling::{
    average_pool_f32, average_pool_int8, max_pool_f32, max_pool_int8, PoolParams,
};
use microlite_kernels::KernelError;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    params: PoolParams,
}

/// SAME-style geometry: output = ceil(in / stride), padding = total / 2.
fn case() -> impl Strategy<Value = Case> {
    (
        1u32..3,
        1u32..9,
        1u32..9,
        1u32..4,
        1u32..4,
        1u32..4,
        1u32..3,
        1u32..3,
        any::<bool>(),
    )
        .prop_map(|(b, h, w, c, fh, fw, sh, sw, same)| {
            let (oh, ow, pt, pl) = if same || fh > h || fw > w {
                let oh = h.div_ceil(sh);
                let ow = w.div_ceil(sw);
                let pt = ((oh - 1) * sh + fh).saturating_sub(h) / 2;
                let pl = ((ow - 1) * sw + fw).saturating_sub(w) / 2;
                (oh, ow, pt, pl)
            } else {
                ((h - fh) / sh + 1, (w - fw) / sw + 1, 0, 0)
            };
            Case {
                params: PoolParams {
                    input_shape: [b, h, w, c],
                    output_shape: [b, oh, ow, c],
                    filter_height: fh,
                    filter_width: fw,
                    stride_height: sh,
                    stride_width: sw,
                    padding_top: pt,
                    padding_left: pl,
                    quantized_activation_min: -128,
                    quantized_activation_max: 127,
                    float_activation_min: f32::MIN,
                    float_activation_max: f32::MAX,
                },
            }
        })
}

/// The input values covered by the window of output `(b, oy, ox, ch)`.
fn window<T: Copy>(
    p: &PoolParams,
    input: &[T],
    b: usize,
    oy: usize,
    ox: usize,
    ch: usize,
) -> Vec<T> {
    let [_, h, w, c] = p.input_shape.map(|d| d as i64);
    let mut values = Vec::new();
    for fy in 0..i64::from(p.filter_height) {
        for fx in 0..i64::from(p.filter_width) {
            let y = oy as i64 * i64::from(p.stride_height) - i64::from(p.padding_top) + fy;
            let x = ox as i64 * i64::from(p.stride_width) - i64::from(p.padding_left) + fx;
            if (0..h).contains(&y) && (0..w).contains(&x) {
                values.push(input[(((b as i64 * h + y) * w + x) * c + ch as i64) as usize]);
            }
        }
    }
    values
}

fn for_each_output(p: &PoolParams, mut f: impl FnMut(usize, usize, usize, usize, usize)) {
    let [b, h, w, c] = p.output_shape.map(|d| d as usize);
    let mut index = 0;
    for bi in 0..b {
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    f(index, bi, y, x, ch);
                    index += 1;
                }
            }
        }
    }
}

fn len(shape: [u32; 4]) -> usize {
    shape.iter().map(|&d| d as usize).product()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]
    #[test]
    fn int8_average_is_rounded_mean(case in case(), seed in any::<u64>(), clamp in -20i32..20) {
        let mut p = case.params;
        p.quantized_activation_min = clamp.min(0);
        p.quantized_activation_max = 127 + clamp.min(0);
        let input: Vec<i8> = (0..len(p.input_shape)).map(|i| (seed.wrapping_mul(i as u64 * 2 + 1) >> 17) as i8).collect();
        let mut out = vec![0i8; len(p.output_shape)];
        average_pool_int8(&p, &input, &mut out).unwrap();
        for_each_output(&p, |i, b, y, x, c| {
            let values = window(&p, &input, b, y, x, c);
            let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
            // f64::round rounds half away from zero.
            let want = (mean.round() as i32).clamp(p.quantized_activation_min, p.quantized_activation_max);
            assert_eq!(i32::from(out[i]), want, "output {i}");
        });
    }

    #[test]
    fn int8_max_is_window_max(case in case(), seed in any::<u64>(), low in -128i32..0) {
        let mut p = case.params;
        p.quantized_activation_min = low;
        let input: Vec<i8> = (0..len(p.input_shape)).map(|i| (seed.wrapping_mul(i as u64 * 2 + 1) >> 23) as i8).collect();
        let mut out = vec![0i8; len(p.output_shape)];
        max_pool_int8(&p, &input, &mut out).unwrap();
        for_each_output(&p, |i, b, y, x, c| {
            let max = window(&p, &input, b, y, x, c).into_iter().max().unwrap();
            assert_eq!(i32::from(out[i]), i32::from(max).max(low), "output {i}");
        });
    }

    #[test]
    fn float_pools_match_f64(case in case(), seed in any::<u32>()) {
        let mut p = case.params;
        p.float_activation_min = -3.0;
        p.float_activation_max = 4.0;
        let input: Vec<f32> = (0..len(p.input_shape))
            .map(|i| ((seed.wrapping_mul(i as u32 * 2 + 1) >> 8) as f32 / (1 << 24) as f32) * 10.0 - 5.0)
            .collect();
        let mut avg = vec![0f32; len(p.output_shape)];
        let mut max = vec![0f32; len(p.output_shape)];
        average_pool_f32(&p, &input, &mut avg).unwrap();
        max_pool_f32(&p, &input, &mut max).unwrap();
        for_each_output(&p, |i, b, y, x, c| {
            let values = window(&p, &input, b, y, x, c);
            let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
            let want = mean.clamp(-3.0, 4.0);
            assert!((f64::from(avg[i]) - want).abs() <= 1e-5 + 1e-5 * want.abs(), "{} vs {want}", avg[i]);
            let m = values.iter().cloned().fold(f32::MIN, f32::max).clamp(-3.0, 4.0);
            assert_eq!(max[i], m);
        });
    }
}

#[test]
fn negative_halves_round_away_from_zero() {
    // One 2x1 window over [-1, -2]: mean -1.5 rounds to -2.
    let p = PoolParams {
        input_shape: [1, 2, 1, 1],
        output_shape: [1, 1, 1, 1],
        filter_height: 2,
        filter_width: 1,
        stride_height: 2,
        stride_width: 1,
        padding_top: 0,
        padding_left: 0,
        quantized_activation_min: -128,
        quantized_activation_max: 127,
        float_activation_min: f32::MIN,
        float_activation_max: f32::MAX,
    };
    let mut out = [0i8];
    average_pool_int8(&p, &[-1, -2], &mut out).unwrap();
    assert_eq!(out, [-2]);
    average_pool_int8(&p, &[1, 2], &mut out).unwrap();
    assert_eq!(out, [2]);
}

#[test]
fn rejects_inconsistent_params() {
    let mut p = PoolParams {
        input_shape: [1, 2, 2, 1],
        output_shape: [1, 1, 1, 1],
        filter_height: 2,
        filter_width: 2,
        stride_height: 1,
        stride_width: 1,
        padding_top: 0,
        padding_left: 0,
        quantized_activation_min: -128,
        quantized_activation_max: 127,
        float_activation_min: f32::MIN,
        float_activation_max: f32::MAX,
    };
    let mut out = [0i8; 1];
    assert!(matches!(
        max_pool_int8(&p, &[0; 3], &mut out),
        Err(KernelError::LengthMismatch {
            buffer: "input",
            expected: 4,
            actual: 3
        })
    ));
    p.padding_top = 5;
    assert!(matches!(
        max_pool_int8(&p, &[0; 4], &mut out),
        Err(KernelError::EmptyWindow { .. })
    ));
    p.padding_top = 0;
    p.stride_width = 0;
    assert!(matches!(
        max_pool_int8(&p, &[0; 4], &mut out),
        Err(KernelError::InvalidParameter {
            what: "pooling stride_width (must be non-zero)",
            value: 0
        })
    ));
    p.stride_width = 1;
    p.output_shape = [1, 1, 1, 2];
    assert!(matches!(
        max_pool_int8(&p, &[0; 4], &mut out),
        Err(KernelError::ShapeMismatch { .. })
    ));
}
