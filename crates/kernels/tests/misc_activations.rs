#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Activations: every int8 input value against the float64 function applied
//! to the dequantized input, and float kernels against float64.

use microlite_kernels::activations::*;
use microlite_kernels::KernelError;
use proptest::prelude::*;

const ALL_I8: std::ops::RangeInclusive<i8> = i8::MIN..=i8::MAX;

fn all_inputs() -> Vec<i8> {
    ALL_I8.collect()
}

/// Checks `kernel` on every int8 input against `f` in the real domain.
fn check_int8(
    input_scale: f32,
    input_zp: i32,
    output_scale: f64,
    output_zp: i32,
    tolerance: f64,
    got: &[i8],
    f: impl Fn(f64) -> f64,
) -> Result<(), TestCaseError> {
    for (&q, &g) in all_inputs().iter().zip(got) {
        let real = f(f64::from(input_scale) * f64::from(i32::from(q) - input_zp));
        let want = ((real / output_scale).round() + f64::from(output_zp)).clamp(-128.0, 127.0);
        prop_assert!(
            (f64::from(g) - want).abs() <= tolerance,
            "input {q}: got {g}, want {want} (real {real})"
        );
    }
    Ok(())
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn hard_swish(x: f64) -> f64 {
    x * (x + 3.0).clamp(0.0, 6.0) / 6.0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]
    #[test]
    fn relu_int8_matches_real(si in 0.001f32..1.0, zi in -128i32..128, so in 0.001f32..1.0, zo in -128i32..128) {
        let p = prepare_relu_int8(si, zi, so, zo);
        let mut out = [0i8; 256];
        relu_int8(&p, &all_inputs(), &mut out).unwrap();
        check_int8(si, zi, f64::from(so), zo, 1.0, &out, |x| x.max(0.0))?;
    }

    #[test]
    fn relu6_int8_is_exact_clamp(si in 0.01f32..1.0, zi in -128i32..128) {
        let p = prepare_relu6_int8(si, zi);
        let mut out = [0i8; 256];
        relu6_int8(&p, &all_inputs(), &mut out).unwrap();
        let six = ((6.0 / f64::from(si)).round() + f64::from(zi)).clamp(-128.0, 127.0) as i32;
        for (&q, &g) in all_inputs().iter().zip(&out) {
            prop_assert_eq!(i32::from(g), i32::from(q).clamp(zi, six.max(zi)));
        }
    }

    #[test]
    fn leaky_relu_int8_matches_real(alpha in -1.0f32..2.0, si in 0.001f32..1.0, zi in -128i32..128, so in 0.001f32..1.0, zo in -128i32..128) {
        let p = prepare_leaky_relu_int8(alpha, si, zi, so, zo);
        let mut out = [0i8; 256];
        leaky_relu_int8(&p, &all_inputs(), &mut out).unwrap();
        check_int8(si, zi, f64::from(so), zo, 1.0, &out, |x| if x >= 0.0 { x } else { f64::from(alpha) * x })?;
    }

    #[test]
    fn logistic_int8_matches_real(si in 0.0005f32..1.0, zi in -128i32..128) {
        let p = prepare_logistic_int8(si, zi, -128).unwrap();
        let mut out = [0i8; 256];
        logistic_int8(&p, &all_inputs(), &mut out).unwrap();
        check_int8(si, zi, 1.0 / 256.0, -128, 1.0, &out, sigmoid)?;
    }

    #[test]
    fn tanh_int8_matches_real(si in 0.0005f32..1.0, zi in -128i32..128) {
        let p = prepare_tanh_int8(si, zi).unwrap();
        let mut out = [0i8; 256];
        tanh_int8(&p, &all_inputs(), &mut out).unwrap();
        check_int8(si, zi, 1.0 / 128.0, 0, 1.0, &out, f64::tanh)?;
    }

    #[test]
    fn hard_swish_int8_matches_real(
        si in prop_oneof![0.001f32..0.02, 0.02f32..0.5],
        zi in -128i32..128,
        ratio in 0.2f32..4.0,
        zo in -128i32..128,
    ) {
        let so = si * ratio;
        let Ok(p) = prepare_hard_swish_int8(si, zi, so, zo) else {
            // Only rejected when the output multiplier would exceed 1.
            prop_assert!(f64::from(si) / 128.0 / f64::from(so) >= 0.999);
            return Ok(());
        };
        let mut out = [0i8; 256];
        hard_swish_int8(&p, &all_inputs(), &mut out).unwrap();
        // 16-bit fixed point: allow one step plus 1% of the input magnitude
        // measured in output steps.
        for (&q, &g) in all_inputs().iter().zip(&out) {
            let x = f64::from(si) * f64::from(i32::from(q) - zi);
            let want = ((hard_swish(x) / f64::from(so)).round() + f64::from(zo)).clamp(-128.0, 127.0);
            let tolerance = 1.0 + 0.01 * x.abs() / f64::from(so);
            prop_assert!((f64::from(g) - want).abs() <= tolerance, "input {q}: got {g}, want {want}");
        }
    }

    #[test]
    fn float_activations_match_f64(values in proptest::collection::vec(-30.0f32..30.0, 1..64), alpha in -2.0f32..2.0) {
        let n = values.len();
        let mut out = vec![0f32; n];
        let close = |got: &[f32], f: &dyn Fn(f64) -> f64| {
            for (g, &x) in got.iter().zip(&values) {
                let want = f(f64::from(x));
                assert!((f64::from(*g) - want).abs() <= 1e-5 + 1e-5 * want.abs(), "x {x}: {g} vs {want}");
            }
        };
        relu_f32(&values, &mut out).unwrap();
        close(&out, &|x| x.max(0.0));
        relu6_f32(&values, &mut out).unwrap();
        close(&out, &|x| x.clamp(0.0, 6.0));
        leaky_relu_f32(alpha, &values, &mut out).unwrap();
        close(&out, &|x| if x > 0.0 { x } else { f64::from(alpha) * x });
        logistic_f32(&values, &mut out).unwrap();
        close(&out, &sigmoid);
        tanh_f32(&values, &mut out).unwrap();
        close(&out, &f64::tanh);
        hard_swish_f32(&values, &mut out).unwrap();
        close(&out, &hard_swish);
        elu_f32(&values, &mut out).unwrap();
        close(&out, &elu);
    }

    #[test]
    fn elu_int8_matches_real(si in 0.001f32..0.5, zi in -128i32..128, so in 0.001f32..0.5, zo in -128i32..128) {
        let p = prepare_elu_int8(si, zi, so, zo);
        let mut out = [0i8; 256];
        elu_int8(&p, &all_inputs(), &mut out).unwrap();
        // The table is computed in single precision: allow one step.
        check_int8(si, zi, f64::from(so), zo, 1.0, &out, elu)?;
    }
}

fn elu(x: f64) -> f64 {
    if x < 0.0 {
        x.exp_m1()
    } else {
        x
    }
}

#[test]
fn elu_int8_table_is_indexed_by_input_bits() {
    // Input scale 1/8, zero point 0; output scale 1/16, zero point 0: the
    // positive side doubles (saturating at 127), the negative side is
    // round(16 * (exp(x / 8) - 1)), at least -16.
    let p = prepare_elu_int8(0.125, 0, 0.0625, 0);
    let input = [0i8, 1, 63, 64, 127, -1, -8, -128];
    let mut out = [0i8; 8];
    elu_int8(&p, &input, &mut out).unwrap();
    let want: Vec<i8> = input
        .iter()
        .map(|&q| {
            let real = elu(f64::from(q) / 8.0);
            (real * 16.0).round().clamp(-128.0, 127.0) as i8
        })
        .collect();
    assert_eq!(out.to_vec(), want);
    assert_eq!(&out[..5], &[0, 2, 126, 127, 127]);
    assert_eq!(out[7], -16);
}

#[test]
fn saturates_beyond_input_radius() {
    // Scale 1: input_scale * 2^27 = 0.5 * 2^28, so the multiplier is 2^30 with
    // shift 28 and the radius is floor(15 * 2^27 / 2^28) = floor(7.5) = 7.
    let p = prepare_logistic_int8(1.0, 0, -128).unwrap();
    assert_eq!(p.input_left_shift, 28);
    assert_eq!(p.input_multiplier, 1 << 30);
    assert_eq!(p.input_range_radius, 7);
    let mut out = [0i8; 4];
    logistic_int8(&p, &[-7, 7, -128, 127], &mut out).unwrap();
    assert_eq!(out, [-128, 127, -128, 127]);
}

#[test]
fn rejects_bad_parameters() {
    assert!(matches!(
        prepare_logistic_int8(0.1, 0, 0),
        Err(KernelError::OutputZeroPoint {
            expected: -128,
            actual: 0
        })
    ));
    assert!(matches!(
        prepare_tanh_int8(0.0, 0),
        Err(KernelError::MultiplierOutOfRange {
            what: "input_scale * 2^27",
            ..
        })
    ));
    assert!(matches!(
        prepare_hard_swish_int8(1.0, 0, 0.001, 0),
        Err(KernelError::MultiplierOutOfRange {
            range: "below 1",
            ..
        })
    ));
    let mut out = [0f32; 2];
    assert!(matches!(
        relu_f32(&[0.0; 3], &mut out),
        Err(KernelError::LengthMismatch {
            buffer: "output",
            expected: 3,
            actual: 2
        })
    ));
}
