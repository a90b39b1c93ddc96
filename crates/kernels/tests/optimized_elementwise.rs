//! Same-shape int8 ADD / SUB (portable and AVX2) against the reference
//! broadcasting kernels, bit for bit: prepared parameters from random scales,
//! and raw parameters with extreme multipliers, shifts, offsets and clamps
//! (including those the AVX2 kernel hands to the scalar loop).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::elementwise::{
    add_int8, prepare_add_int8, prepare_sub_int8, sub_int8, AddSubQuantParams, BinaryQuantization,
};
use microlite_kernels::optimized::elementwise::{add_int8_same_shape, sub_int8_same_shape};
use microlite_kernels::optimized::Backend;
use microlite_kernels::KernelError;
use proptest::prelude::*;

/// Every backend this machine can run.
fn backends() -> Vec<Backend> {
    let mut all = vec![
        Backend::Reference,
        Backend::Portable,
        Backend::Compact,
        Backend::CortexM,
    ];
    #[cfg(target_arch = "x86_64")]
    if let Some(token) = microlite_kernels::optimized::Avx2::detect() {
        all.push(Backend::Avx2(token));
    }
    all
}

fn prepared_quant() -> impl Strategy<Value = BinaryQuantization> {
    (
        (0.0005f32..2.0, -128i32..128),
        (0.0005f32..2.0, -128i32..128),
        (0.0005f32..4.0, -128i32..128),
        (-128i32..0, 0i32..128),
    )
        .prop_map(
            |((s1, z1), (s2, z2), (so, zo), (lo, hi))| BinaryQuantization {
                input1_scale: s1,
                input1_zero_point: z1,
                input2_scale: s2,
                input2_zero_point: z2,
                output_scale: so,
                output_zero_point: zo,
                activation_min: lo,
                activation_max: hi,
            },
        )
}

/// Any parameters at all, biased towards the edges of every range.
fn raw_quant() -> impl Strategy<Value = AddSubQuantParams> {
    let any_i32 = || {
        prop_oneof![
            Just(i32::MIN),
            Just(i32::MAX),
            Just(0),
            -300i32..300,
            any::<i32>()
        ]
    };
    let shift = || prop_oneof![-40i32..40, Just(i32::MIN), Just(i32::MAX)];
    let multiplier = || {
        prop_oneof![
            Just(i32::MIN),
            Just(i32::MAX),
            1i32 << 30..i32::MAX,
            any::<i32>()
        ]
    };
    (
        (
            any_i32(),
            any_i32(),
            any_i32(),
            prop_oneof![Just(20), shift()],
        ),
        (multiplier(), shift(), multiplier(), shift()),
        (multiplier(), shift(), any_i32(), any_i32()),
    )
        .prop_map(
            |((o1, o2, oo, ls), (m1, s1, m2, s2), (mo, so, lo, hi))| AddSubQuantParams {
                input1_offset: o1,
                input2_offset: o2,
                output_offset: oo,
                left_shift: ls,
                input1_multiplier: m1,
                input1_shift: s1,
                input2_multiplier: m2,
                input2_shift: s2,
                output_multiplier: mo,
                output_shift: so,
                activation_min: lo,
                activation_max: hi,
            },
        )
}

fn data() -> impl Strategy<Value = (Vec<i8>, Vec<i8>)> {
    (0usize..80).prop_flat_map(|n| {
        (
            proptest::collection::vec(any::<i8>(), n),
            proptest::collection::vec(any::<i8>(), n),
        )
    })
}

/// Checks every backend against the reference kernel for `q`.
fn check(q: &AddSubQuantParams, a: &[i8], b: &[i8]) {
    let n = a.len();
    let shape = BroadcastShape::new(&[n], &[n], &[n]).unwrap();
    let mut want_add = vec![0i8; n];
    let mut want_sub = vec![0i8; n];
    add_int8(q, &shape, a, b, &mut want_add).unwrap();
    sub_int8(q, &shape, a, b, &mut want_sub).unwrap();
    for backend in backends() {
        let mut got = vec![0x55i8; n];
        add_int8_same_shape(backend, q, a, b, &mut got).unwrap();
        assert_eq!(got, want_add, "ADD on {backend:?} with {q:?}");
        sub_int8_same_shape(backend, q, a, b, &mut got).unwrap();
        assert_eq!(got, want_sub, "SUB on {backend:?} with {q:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 512 }))]

    #[test]
    fn prepared_add_and_sub_match_reference(bq in prepared_quant(), (a, b) in data()) {
        if let Ok(q) = prepare_add_int8(&bq) {
            check(&q, &a, &b);
        }
        if let Ok(q) = prepare_sub_int8(&bq) {
            check(&q, &a, &b);
        }
    }

    #[test]
    fn raw_parameters_match_reference(q in raw_quant(), (a, b) in data()) {
        check(&q, &a, &b);
    }
}

/// Every pair of int8 values through a few prepared parameter sets (under
/// Miri, every 251st pair: 262 pairs spread over both inputs' ranges).
#[test]
fn exhaustive_pairs_match_reference() {
    let step = if cfg!(miri) { 251 } else { 1 };
    let a: Vec<i8> = (0..65536)
        .step_by(step)
        .map(|i| (i & 0xff) as u8 as i8)
        .collect();
    let b: Vec<i8> = (0..65536)
        .step_by(step)
        .map(|i| (i >> 8) as u8 as i8)
        .collect();
    for (s1, z1, s2, z2, so, zo) in [
        (0.05f32, -3, 0.07f32, 5, 0.1f32, -1),
        (0.5, -128, 0.5, -128, 0.25, -128),
        (0.01, 127, 1.5, -128, 3.0, 127),
        (1.0, 0, 1.0, 0, 0.004, 0),
    ] {
        let bq = BinaryQuantization {
            input1_scale: s1,
            input1_zero_point: z1,
            input2_scale: s2,
            input2_zero_point: z2,
            output_scale: so,
            output_zero_point: zo,
            activation_min: -128,
            activation_max: 127,
        };
        check(&prepare_add_int8(&bq).unwrap(), &a, &b);
        check(&prepare_sub_int8(&bq).unwrap(), &a, &b);
    }
}

#[test]
fn unequal_lengths_are_an_error() {
    let q = prepare_add_int8(&BinaryQuantization {
        input1_scale: 0.1,
        input1_zero_point: 0,
        input2_scale: 0.1,
        input2_zero_point: 0,
        output_scale: 0.1,
        output_zero_point: 0,
        activation_min: -128,
        activation_max: 127,
    })
    .unwrap();
    for backend in backends() {
        let mut out = [0i8; 4];
        let err = add_int8_same_shape(backend, &q, &[0; 4], &[0; 3], &mut out).unwrap_err();
        assert!(
            matches!(
                err,
                KernelError::LengthMismatch {
                    buffer: "input2",
                    expected: 4,
                    actual: 3
                }
            ),
            "{err:?}"
        );
        let err = sub_int8_same_shape(backend, &q, &[0; 5], &[0; 4], &mut out).unwrap_err();
        assert!(
            matches!(
                err,
                KernelError::LengthMismatch {
                    buffer: "input1",
                    expected: 4,
                    actual: 5
                }
            ),
            "{err:?}"
        );
    }
}
