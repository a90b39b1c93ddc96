//! FULLY_CONNECTED kernels against naive integer and real-domain computations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::activation::FusedActivation;
use microlite_kernels::fixed_point::multiply_by_quantized_multiplier;
use microlite_kernels::fully_connected::{
    fully_connected_f32, fully_connected_i8, fully_connected_per_channel_i8,
    FullyConnectedParamsF32, FullyConnectedParamsI8, FullyConnectedPerChannelParamsI8,
    FullyConnectedShape,
};
use microlite_kernels::quantization::{
    activation_range_f32, activation_range_i8, conv_effective_scale, per_channel_effective_scale,
    quantize_multiplier,
};
use microlite_kernels::KernelError;
use proptest::prelude::*;

/// Tiny deterministic generator for test data.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn i8(&mut self) -> i8 {
        self.next() as u8 as i8
    }
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next() % (hi - lo + 1) as u32) as i32
    }
    fn f32(&mut self) -> f32 {
        (self.next() as f32 / u32::MAX as f32) * 2.0 - 1.0
    }
}

const ACTIVATIONS: [FusedActivation; 4] = [
    FusedActivation::None,
    FusedActivation::Relu,
    FusedActivation::Relu6,
    FusedActivation::ReluN1To1,
];

#[derive(Debug, Clone)]
struct Case {
    shape: FullyConnectedShape,
    seed: u64,
    input_scale: f32,
    filter_scales: Vec<f32>,
    output_scale_factor: f32,
    input_zp: i32,
    output_zp: i32,
    activation: FusedActivation,
    with_bias: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..4,
        1usize..40,
        1usize..10,
        any::<u64>(),
        1e-3f32..1.0,
        prop::collection::vec(1e-3f32..0.1, 10),
        1.0f32..400.0,
        -128i32..=127,
        -128i32..=127,
        0usize..4,
        any::<bool>(),
    )
        .prop_map(
            |(b, i, o, seed, s_in, s_w, k, zi, zo, act, with_bias)| Case {
                shape: FullyConnectedShape {
                    batches: b,
                    input_depth: i,
                    output_depth: o,
                },
                seed,
                input_scale: s_in,
                filter_scales: s_w[..o].to_vec(),
                output_scale_factor: k,
                input_zp: zi,
                output_zp: zo,
                activation: ACTIVATIONS[act],
                with_bias,
            },
        )
}

struct Data {
    input: Vec<i8>,
    filter: Vec<i8>,
    bias: Option<Vec<i32>>,
}

fn data(c: &Case) -> Data {
    let mut rng = Lcg(c.seed);
    let s = c.shape;
    let input = (0..s.batches * s.input_depth).map(|_| rng.i8()).collect();
    let filter = (0..s.output_depth * s.input_depth)
        .map(|_| rng.i8().max(-127))
        .collect();
    let bias = c.with_bias.then(|| {
        (0..s.output_depth)
            .map(|_| rng.range(-5000, 5000))
            .collect()
    });
    Data {
        input,
        filter,
        bias,
    }
}

/// Naive accumulator: sum (w - w_zp)(x - x_zp) + bias, in i64.
fn naive_acc(c: &Case, d: &Data, b: usize, o: usize, filter_zp: i32) -> i64 {
    let s = c.shape;
    let mut acc = 0i64;
    for i in 0..s.input_depth {
        let x = i64::from(d.input[b * s.input_depth + i]) - i64::from(c.input_zp);
        let w = i64::from(d.filter[o * s.input_depth + i]) - i64::from(filter_zp);
        acc += x * w;
    }
    acc + d.bias.as_ref().map_or(0, |bias| i64::from(bias[o]))
}

fn real_domain_expected(real: f64, output_scale: f32, output_zp: i32, lo: i32, hi: i32) -> i32 {
    ((real / f64::from(output_scale)).round() as i64 + i64::from(output_zp))
        .clamp(i64::from(lo), i64::from(hi)) as i32
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 400 }))]

    #[test]
    fn int8_per_tensor(c in case(), filter_zp in -3i32..=3) {
        let d = data(&c);
        let s = c.shape;
        let filter_scale = c.filter_scales[0];
        let output_scale = c.input_scale * filter_scale * c.output_scale_factor;
        let (multiplier, shift) =
            quantize_multiplier(conv_effective_scale(c.input_scale, filter_scale, output_scale));
        let (lo, hi) = activation_range_i8(c.activation, output_scale, c.output_zp).unwrap();
        let params = FullyConnectedParamsI8 {
            input_offset: -c.input_zp,
            filter_offset: -filter_zp,
            output_offset: c.output_zp,
            output_multiplier: multiplier,
            output_shift: shift,
            activation_min: lo,
            activation_max: hi,
        };
        let mut out = vec![0i8; s.batches * s.output_depth];
        fully_connected_i8(&params, s, &d.input, &d.filter, d.bias.as_deref(), &mut out).unwrap();
        for b in 0..s.batches {
            for o in 0..s.output_depth {
                let got = i32::from(out[b * s.output_depth + o]);
                let acc = naive_acc(&c, &d, b, o, filter_zp);
                // Exact integer pipeline.
                let exact = (multiply_by_quantized_multiplier(i32::try_from(acc).unwrap(), multiplier, shift)
                    + c.output_zp).clamp(lo, hi);
                prop_assert_eq!(got, exact);
                // Real-domain value within one quantization step.
                let real = acc as f64 * f64::from(c.input_scale) * f64::from(filter_scale);
                let ideal = real_domain_expected(real, output_scale, c.output_zp, lo, hi);
                prop_assert!((got - ideal).abs() <= 1, "got {} ideal {}", got, ideal);
            }
        }
    }

    #[test]
    fn int8_per_channel(c in case()) {
        let d = data(&c);
        let s = c.shape;
        let output_scale = c.input_scale * 0.01 * c.output_scale_factor;
        let (multipliers, shifts): (Vec<i32>, Vec<i32>) = c
            .filter_scales
            .iter()
            .map(|&fs| quantize_multiplier(per_channel_effective_scale(c.input_scale, fs, output_scale)))
            .unzip();
        let (lo, hi) = activation_range_i8(c.activation, output_scale, c.output_zp).unwrap();
        let params = FullyConnectedPerChannelParamsI8 {
            input_offset: -c.input_zp,
            output_offset: c.output_zp,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: lo,
            activation_max: hi,
        };
        let mut out = vec![0i8; s.batches * s.output_depth];
        fully_connected_per_channel_i8(&params, s, &d.input, &d.filter, d.bias.as_deref(), &mut out)
            .unwrap();
        for b in 0..s.batches {
            for o in 0..s.output_depth {
                let got = i32::from(out[b * s.output_depth + o]);
                let acc = naive_acc(&c, &d, b, o, 0);
                let real = acc as f64 * f64::from(c.input_scale) * f64::from(c.filter_scales[o]);
                let ideal = real_domain_expected(real, output_scale, c.output_zp, lo, hi);
                prop_assert!((got - ideal).abs() <= 1, "got {} ideal {}", got, ideal);
            }
        }
    }

    #[test]
    fn float32(c in case()) {
        let s = c.shape;
        let mut rng = Lcg(c.seed);
        let input: Vec<f32> = (0..s.batches * s.input_depth).map(|_| rng.f32() * 3.0).collect();
        let filter: Vec<f32> = (0..s.output_depth * s.input_depth).map(|_| rng.f32()).collect();
        let bias: Option<Vec<f32>> = c.with_bias.then(|| (0..s.output_depth).map(|_| rng.f32()).collect());
        let (lo, hi) = activation_range_f32(c.activation);
        let params = FullyConnectedParamsF32 { activation_min: lo, activation_max: hi };
        let mut out = vec![0f32; s.batches * s.output_depth];
        fully_connected_f32(&params, s, &input, &filter, bias.as_deref(), &mut out).unwrap();
        for b in 0..s.batches {
            for o in 0..s.output_depth {
                let mut sum = 0f64;
                let mut magnitude = 0f64;
                for i in 0..s.input_depth {
                    let p = f64::from(input[b * s.input_depth + i]) * f64::from(filter[o * s.input_depth + i]);
                    sum += p;
                    magnitude += p.abs();
                }
                let bias_value = bias.as_ref().map_or(0.0, |b| f64::from(b[o]));
                let expected = (sum + bias_value).max(f64::from(lo)).min(f64::from(hi));
                let got = f64::from(out[b * s.output_depth + o]);
                let tolerance = 1e-5 * (1.0 + magnitude + bias_value.abs());
                prop_assert!((got - expected).abs() <= tolerance, "got {} expected {}", got, expected);
            }
        }
    }
}

#[test]
fn float32_accumulates_in_tflm_order() {
    // 1e8 + 1 - 1e8 in f32 left to right is 0 (the 1 is absorbed), in another
    // order it would be 1: checks the sequential f32 accumulation.
    let shape = FullyConnectedShape {
        batches: 1,
        input_depth: 3,
        output_depth: 1,
    };
    let params = FullyConnectedParamsF32 {
        activation_min: f32::MIN,
        activation_max: f32::MAX,
    };
    let mut out = [0f32];
    fully_connected_f32(
        &params,
        shape,
        &[1e8, 1.0, -1e8],
        &[1.0, 1.0, 1.0],
        Some(&[0.5]),
        &mut out,
    )
    .unwrap();
    assert_eq!(out[0], 0.5);
}

#[test]
fn float32_clamps_like_tflm() {
    let shape = FullyConnectedShape {
        batches: 1,
        input_depth: 1,
        output_depth: 3,
    };
    let (lo, hi) = activation_range_f32(FusedActivation::None);
    let params = FullyConnectedParamsF32 {
        activation_min: lo,
        activation_max: hi,
    };
    let mut out = [0f32; 3];
    fully_connected_f32(
        &params,
        shape,
        &[f32::INFINITY],
        &[1.0, -1.0, 0.0],
        None,
        &mut out,
    )
    .unwrap();
    assert_eq!(out[0], f32::MAX);
    assert_eq!(out[1], f32::MIN);
    assert!(out[2].is_nan()); // inf * 0 = NaN passes through std::min/max
}

#[test]
fn rejects_bad_lengths() {
    let shape = FullyConnectedShape {
        batches: 2,
        input_depth: 3,
        output_depth: 2,
    };
    let params = FullyConnectedParamsI8 {
        input_offset: 0,
        filter_offset: 0,
        output_offset: 0,
        output_multiplier: 1 << 30,
        output_shift: 1,
        activation_min: -128,
        activation_max: 127,
    };
    let mut out = [0i8; 4];
    let err = fully_connected_i8(&params, shape, &[0; 5], &[0; 6], None, &mut out).unwrap_err();
    assert_eq!(
        err,
        KernelError::LengthMismatch {
            buffer: "input",
            expected: 6,
            actual: 5
        }
    );
    assert!(fully_connected_i8(&params, shape, &[0; 6], &[0; 6], Some(&[0; 3]), &mut out).is_err());
    assert!(fully_connected_i8(&params, shape, &[0; 6], &[0; 6], None, &mut [0; 3]).is_err());
    let huge = FullyConnectedShape {
        batches: usize::MAX,
        input_depth: 2,
        output_depth: 2,
    };
    assert!(matches!(
        fully_connected_i8(&params, huge, &[], &[], None, &mut []),
        Err(KernelError::SizeOverflow { .. })
    ));
    let pc = FullyConnectedPerChannelParamsI8 {
        input_offset: 0,
        output_offset: 0,
        output_multipliers: &[1],
        output_shifts: &[0, 0],
        activation_min: -128,
        activation_max: 127,
    };
    assert!(fully_connected_per_channel_i8(&pc, shape, &[0; 6], &[0; 6], None, &mut out).is_err());
}

#[test]
fn zero_input_depth_gives_bias_only() {
    let shape = FullyConnectedShape {
        batches: 2,
        input_depth: 0,
        output_depth: 2,
    };
    let params = FullyConnectedParamsI8 {
        input_offset: 0,
        filter_offset: 0,
        output_offset: 1,
        output_multiplier: 1 << 30,
        output_shift: 1,
        activation_min: -128,
        activation_max: 127,
    };
    let mut out = [0i8; 4];
    fully_connected_i8(&params, shape, &[], &[], Some(&[5, -300]), &mut out).unwrap();
    assert_eq!(out, [6, -128, 6, -128]);
}
