//! Optimized FULLY_CONNECTED (portable and AVX2) against the reference
//! kernels, bit for bit, over random shapes, data and quantization —
//! including extreme multipliers, shifts, biases and zero points that exercise
//! the SIMD output stage and the fallbacks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::fully_connected::{
    fully_connected_i8, fully_connected_per_channel_i8, FullyConnectedParamsI8,
    FullyConnectedPerChannelParamsI8, FullyConnectedShape,
};
use microlite_kernels::optimized::fully_connected as optimized;
use microlite_kernels::optimized::Backend;
use proptest::prelude::*;

/// Every fast backend this machine can run.
fn fast_backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Portable, Backend::CortexM];
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was just detected.
        backends.push(Backend::Avx2(unsafe {
            microlite_kernels::optimized::Avx2::new_unchecked()
        }));
    }
    backends
}

/// Values that stress the fixed-point output stage.
const SPECIAL_I32: [i32; 10] = [
    i32::MIN,
    i32::MIN + 1,
    -(1 << 30),
    -1,
    0,
    1,
    1 << 30,
    (1 << 30) + 1,
    i32::MAX - 1,
    i32::MAX,
];

#[derive(Debug, Clone)]
struct Quant {
    input_offset: i32,
    filter_offset: i32,
    output_offset: i32,
    multipliers: Vec<i32>,
    shifts: Vec<i32>,
    activation_min: i32,
    activation_max: i32,
}

fn offset() -> impl Strategy<Value = i32> {
    prop_oneof![
        8 => -127i32..=128,
        1 => prop::sample::select(vec![-32640, 32640, -32641, 32641, 40000, i32::MIN]),
    ]
}

fn multiplier() -> impl Strategy<Value = i32> {
    prop_oneof![
        4 => (1i32 << 30)..i32::MAX,
        1 => any::<i32>(),
        1 => prop::sample::select(SPECIAL_I32.to_vec()),
    ]
}

fn shift() -> impl Strategy<Value = i32> {
    prop_oneof![
        6 => -12i32..=2,
        2 => -31i32..=31,
        1 => prop::sample::select(vec![-31, 31, -32, 32, -40, 40]),
    ]
}

fn clamp_bounds() -> impl Strategy<Value = (i32, i32)> {
    prop_oneof![
        6 => (-128i32..=127, -128i32..=127).prop_map(|(a, b)| (a.min(b), a.max(b))),
        1 => (-128i32..=127, -128i32..=127),
        1 => (-300i32..=300, -300i32..=300),
    ]
}

fn quant(channels: usize) -> impl Strategy<Value = Quant> {
    (
        offset(),
        prop_oneof![8 => Just(0i32), 1 => -3i32..=3],
        -128i32..=127,
        prop::collection::vec(multiplier(), channels),
        prop::collection::vec(shift(), channels),
        clamp_bounds(),
    )
        .prop_map(|(io, fo, oo, multipliers, shifts, (lo, hi))| Quant {
            input_offset: io,
            filter_offset: fo,
            output_offset: oo,
            multipliers,
            shifts,
            activation_min: lo,
            activation_max: hi,
        })
}

#[derive(Debug, Clone)]
struct Case {
    shape: FullyConnectedShape,
    input: Vec<i8>,
    filter: Vec<i8>,
    bias: Option<Vec<i32>>,
    quant: Quant,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..4,
        prop_oneof![6 => 1usize..80, 1 => 200usize..1100],
        1usize..20,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(
            |(batches, input_depth, output_depth, with_bias, zero_filter)| {
                let shape = FullyConnectedShape {
                    batches,
                    input_depth,
                    output_depth,
                };
                let filter = if zero_filter {
                    Just(vec![0i8; input_depth * output_depth]).boxed()
                } else {
                    prop::collection::vec(any::<i8>(), input_depth * output_depth).boxed()
                };
                let bias_value = prop_oneof![
                    3 => -100_000i32..100_000,
                    1 => any::<i32>(),
                    1 => prop::sample::select(SPECIAL_I32.to_vec()),
                ];
                (
                    Just(shape),
                    prop::collection::vec(any::<i8>(), batches * input_depth),
                    filter,
                    prop::option::weighted(
                        if with_bias { 0.9 } else { 0.1 },
                        prop::collection::vec(bias_value, output_depth),
                    ),
                    quant(output_depth),
                )
            },
        )
        .prop_map(|(shape, input, filter, bias, quant)| Case {
            shape,
            input,
            filter,
            bias,
            quant,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 400 }))]

    #[test]
    fn per_tensor_matches_reference(c in case()) {
        let q = &c.quant;
        let params = FullyConnectedParamsI8 {
            input_offset: q.input_offset,
            filter_offset: q.filter_offset,
            output_offset: q.output_offset,
            output_multiplier: q.multipliers[0],
            output_shift: q.shifts[0],
            activation_min: q.activation_min,
            activation_max: q.activation_max,
        };
        let n = c.shape.batches * c.shape.output_depth;
        let mut want = vec![0i8; n];
        let want_result = fully_connected_i8(
            &params, c.shape, &c.input, &c.filter, c.bias.as_deref(), &mut want);
        for backend in fast_backends() {
            let mut got = vec![0x55i8; n];
            let result = optimized::fully_connected_i8(
                backend, &params, c.shape, &c.input, &c.filter, c.bias.as_deref(), &mut got);
            prop_assert_eq!(result, want_result);
            prop_assert_eq!(&got, &want, "backend {:?}", backend);
        }
    }

    #[test]
    fn per_channel_matches_reference(c in case()) {
        let q = &c.quant;
        let params = FullyConnectedPerChannelParamsI8 {
            input_offset: q.input_offset,
            output_offset: q.output_offset,
            output_multipliers: &q.multipliers,
            output_shifts: &q.shifts,
            activation_min: q.activation_min,
            activation_max: q.activation_max,
        };
        let n = c.shape.batches * c.shape.output_depth;
        let mut want = vec![0i8; n];
        let want_result = fully_connected_per_channel_i8(
            &params, c.shape, &c.input, &c.filter, c.bias.as_deref(), &mut want);
        for backend in fast_backends() {
            let mut got = vec![0x55i8; n];
            let result = optimized::fully_connected_per_channel_i8(
                backend, &params, c.shape, &c.input, &c.filter, c.bias.as_deref(), &mut got);
            prop_assert_eq!(result, want_result);
            prop_assert_eq!(&got, &want, "backend {:?}", backend);
        }
    }
}

#[test]
fn mismatched_lengths_give_the_reference_error() {
    let shape = FullyConnectedShape {
        batches: 1,
        input_depth: 4,
        output_depth: 2,
    };
    let params = FullyConnectedParamsI8 {
        input_offset: 0,
        filter_offset: 0,
        output_offset: 0,
        output_multiplier: 1 << 30,
        output_shift: 0,
        activation_min: -128,
        activation_max: 127,
    };
    let (input, filter) = ([1i8; 3], [1i8; 8]);
    let mut want = [0i8; 2];
    let want_result = fully_connected_i8(&params, shape, &input, &filter, None, &mut want);
    assert!(want_result.is_err());
    for backend in fast_backends() {
        let mut got = [0i8; 2];
        let result =
            optimized::fully_connected_i8(backend, &params, shape, &input, &filter, None, &mut got);
        assert_eq!(result, want_result);
    }
}
