//! LEAKY_RELU int8 and int16 (`microlite_kernels::activations`): each
//! element against TFLM's definition written out (offset, the identity or
//! alpha multiplier by sign, offset, saturate), and both prepared
//! multipliers against the real ratios they stand for.

use microlite_kernels::activations::{
    leaky_relu_int16, leaky_relu_int8, prepare_leaky_relu_int8, LeakyReluQuantParams,
};

use super::{mismatch, sane_scale, Mismatch};
use crate::decisions::Decisions;
use crate::naive::multiply_by_quantized_multiplier;

const KERNEL: &str = "leaky_relu int8/int16";

/// TFLM's quantized LEAKY_RELU of one stored value, saturated to `[lo, hi]`.
fn naive(p: &LeakyReluQuantParams, x: i32, lo: i32, hi: i32) -> i32 {
    let value = x - p.input_zero_point;
    let scaled = if value >= 0 {
        multiply_by_quantized_multiplier(
            value,
            p.output_multiplier_identity,
            p.output_shift_identity,
        )
    } else {
        multiply_by_quantized_multiplier(value, p.output_multiplier_alpha, p.output_shift_alpha)
    };
    (i64::from(p.output_zero_point) + i64::from(scaled)).clamp(i64::from(lo), i64::from(hi)) as i32
}

/// `multiplier · 2^(shift - 31)` within a relative 1e-6 of `real`, or 0
/// for a ratio TFLM's `QuantizeMultiplier` flushes to zero (below 2^-31).
fn represents(multiplier: i32, shift: i32, real: f64) -> bool {
    let got = f64::from(multiplier) * 2f64.powi(shift - 31);
    multiplier == 0 && real < 2f64.powi(-31) || (got / real - 1.0).abs() < 1e-6
}

pub(super) fn leaky_relu_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let wide = d.bool();
    let alpha = f32::from(d.u8()) / 256.0;
    let (input_scale, output_scale) = (sane_scale(d), sane_scale(d));
    let (input_zero_point, output_zero_point) = if wide && d.bool() {
        (0, 0)
    } else {
        (d.in_range(-128, 127), d.in_range(-128, 127))
    };
    let p = prepare_leaky_relu_int8(
        alpha,
        input_scale,
        input_zero_point,
        output_scale,
        output_zero_point,
    );
    let identity = f64::from(input_scale / output_scale);
    let alpha_ratio = f64::from(input_scale * alpha / output_scale);
    if !represents(
        p.output_multiplier_identity,
        p.output_shift_identity,
        identity,
    ) || !represents(p.output_multiplier_alpha, p.output_shift_alpha, alpha_ratio)
    {
        return mismatch(
            KERNEL,
            format!("{p:?} does not represent {identity} and {alpha_ratio}"),
        );
    }
    let n = d.in_range(0, 40) as usize;
    let (expected, got): (Vec<i32>, Vec<i32>) = if wide {
        let input: Vec<i16> = (0..n).map(|_| d.u16() as i16).collect();
        let mut out = vec![0i16; n];
        if leaky_relu_int16(&p, &input, &mut out).is_err() {
            return mismatch(KERNEL, "int16 rejected equal lengths".into());
        }
        (
            input
                .iter()
                .map(|&x| naive(&p, i32::from(x), -32768, 32767))
                .collect(),
            out.iter().map(|&v| i32::from(v)).collect(),
        )
    } else {
        let input: Vec<i8> = (0..n).map(|_| d.u8() as i8).collect();
        let mut out = vec![0i8; n];
        if leaky_relu_int8(&p, &input, &mut out).is_err() {
            return mismatch(KERNEL, "int8 rejected equal lengths".into());
        }
        (
            input
                .iter()
                .map(|&x| naive(&p, i32::from(x), -128, 127))
                .collect(),
            out.iter().map(|&v| i32::from(v)).collect(),
        )
    };
    if expected != got {
        return mismatch(
            KERNEL,
            format!("{p:?} (wide {wide}): expected {expected:?}, got {got:?}"),
        );
    }
    Ok(())
}
