//! SOFTMAX against the naive `f64` softmax of the (dequantized) input. The
//! kernels approximate `exp` (gemmlowp fixed point for int8, `f32` for
//! float), so they are held to tolerances rather than bits:
//!
//! - int8 → int8 (scale 1/256): within 1 step. The fixed-point exp is off by
//!   at most about 2.6e-7 per term (see `prop_gemmlowp_fixed.rs` in
//!   `crates/kernels/tests`), so even 300 terms move the probability by under
//!   0.02 steps; the rest is the final rounding.
//! - int8 → int16 (scale 1/65536): within 2 steps, for depths up to 32
//!   (32 terms x 2.6e-7 x 65536 is about half a step, plus rounding).
//! - int16 → int16 (scale 1/32768): against a softmax whose exponent is cut
//!   off at -10, as TFLM's exp table is, within 2 + p x (1.5 depth + 6)
//!   steps for probability p. Each exponential comes from a Q0.15 table
//!   rounded to whole steps (half a step) and interpolated with a truncating
//!   7-bit fraction (up to one more step), so every term is off by up to 1.5
//!   steps, and equal inputs are off alike: the sum of `depth` of them by up
//!   to 1.5 depth steps of a sum of at least 32767, moving p by p x 1.5 depth
//!   steps. The fuzzer found two rows of many equal small terms past a
//!   half-step bound (12 steps with p = 0.74 and depth 27; 116 with p = 0.84
//!   and depth 196); TFLM's wheel gives the kernel's bits on both
//!   (one-operator models, checked by hand), kept in
//!   `fuzz/regressions/kernel_diff/`. The differences are rescaled to steps
//!   of 10 / 65535 before the table, a relative error of up to 7.6e-5 in the
//!   numerator and in every term of the sum alike (under 6 p steps); the
//!   1 / (1 + x) table and the final rounding add under 2 steps.
//! - float32: within 1e-6 + 1e-5 x the probability, for inputs of magnitude
//!   at most 64 and beta in (0, 4], depth up to 64 (f32 rounding of the
//!   argument, exp and the sum stay below that).

use microlite_kernels::lut::INT16_LUT_LEN;
use microlite_kernels::softmax::{
    prepare_softmax_int16, prepare_softmax_int8, prepare_softmax_int8_int16, softmax_f32,
    softmax_int16, softmax_int16_tables, softmax_int8, softmax_int8_int16,
};

use super::{i8s, mismatch, sane_scale, Mismatch};
use crate::decisions::Decisions;
use crate::naive::softmax::softmax_f64;

pub(super) fn softmax(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    match d.u8() % 4 {
        0 => int8(d, false),
        1 => int8(d, true),
        2 => int16(d),
        _ => float32(d),
    }
}

/// Beta in (0, 4], sometimes exactly 1 (TFLM converters' usual value).
fn beta(d: &mut Decisions<'_>) -> f32 {
    if d.bool() {
        1.0
    } else {
        f32::from(1 + d.u16() % 4000) / 1000.0
    }
}

fn int8(d: &mut Decisions<'_>, int16_output: bool) -> Result<(), Mismatch> {
    let kernel = if int16_output {
        "softmax_int8_int16"
    } else {
        "softmax_int8"
    };
    let beta = beta(d);
    let scale = sane_scale(d);
    let max_depth = if int16_output { 32 } else { 300 };
    let depth = if d.one_in(8) {
        1 + d.below(max_depth)
    } else {
        1 + d.below(32)
    };
    let rows = 1 + d.below(3);
    let input = i8s(d, rows * depth);
    let params = if int16_output {
        prepare_softmax_int8_int16(beta, scale, 1.0 / 65536.0, -32768)
    } else {
        prepare_softmax_int8(beta, scale, 1.0 / 256.0, -128)
    };
    // beta * scale too small for TFLM's Q5.26 rescaling: a prepare error,
    // as in TFLM.
    let Ok(params) = params else {
        return Ok(());
    };
    let (steps, offset, tolerance) = if int16_output {
        (65536.0, -32768.0, 2.0)
    } else {
        (256.0, -128.0, 1.0)
    };
    let got: Vec<f64> = if int16_output {
        let mut out = vec![0i16; input.len()];
        if let Err(e) = softmax_int8_int16(&params, depth, &input, &mut out) {
            return mismatch(kernel, format!("rejected depth {depth}: {e}"));
        }
        out.iter().map(|&v| f64::from(v)).collect()
    } else {
        let mut out = vec![0i8; input.len()];
        if let Err(e) = softmax_int8(&params, depth, &input, &mut out) {
            return mismatch(kernel, format!("rejected depth {depth}: {e}"));
        }
        out.iter().map(|&v| f64::from(v)).collect()
    };
    let real: Vec<f64> = input
        .iter()
        .map(|&q| f64::from(scale) * f64::from(q))
        .collect();
    let want = softmax_f64(&real, depth, f64::from(beta));
    for (i, (g, p)) in got.iter().zip(&want).enumerate() {
        let expected = ((p * steps).round() + offset).clamp(offset, offset + steps - 1.0);
        if (g - expected).abs() > tolerance {
            return mismatch(
                kernel,
                format!(
                    "beta {beta} scale {scale:e} depth {depth} element {i}: probability {p}, \
                     expected {expected} +- {tolerance}, got {g} (input {input:?})"
                ),
            );
        }
    }
    Ok(())
}

fn int16(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "softmax_int16";
    let beta = beta(d);
    let scale = int16_scale(d);
    let depth = if d.one_in(8) {
        1 + d.below(300)
    } else {
        1 + d.below(32)
    };
    let rows = 1 + d.below(3);
    let input: Vec<i16> = (0..rows * depth).map(|_| d.u16() as i16).collect();
    let params = match prepare_softmax_int16(beta, scale, 1.0 / 32768.0, 0) {
        Ok(p) => p,
        Err(e) => return mismatch(KERNEL, format!("rejected beta {beta} scale {scale:e}: {e}")),
    };
    let mut exp_lut = [0i16; INT16_LUT_LEN];
    let mut reciprocal_lut = [0i16; INT16_LUT_LEN];
    if let Err(e) = softmax_int16_tables(&mut exp_lut, &mut reciprocal_lut) {
        return mismatch(KERNEL, format!("tables: {e}"));
    }
    let mut out = vec![0i16; input.len()];
    if let Err(e) = softmax_int16(&params, &exp_lut, &reciprocal_lut, depth, &input, &mut out) {
        return mismatch(KERNEL, format!("rejected depth {depth}: {e}"));
    }
    let real: Vec<f64> = input
        .iter()
        .map(|&q| f64::from(scale) * f64::from(q))
        .collect();
    let want = softmax_cut_f64(&real, depth, f64::from(beta));
    for (i, (&g, p)) in out.iter().zip(&want).enumerate() {
        let expected = (p * 32768.0).round().clamp(0.0, 32767.0);
        let tolerance = INT16_TOLERANCE + p * (INT16_PER_TERM * depth as f64 + INT16_RESCALING);
        if (f64::from(g) - expected).abs() > tolerance {
            return mismatch(
                KERNEL,
                format!(
                    "beta {beta} scale {scale:e} depth {depth} element {i}: probability {p}, \
                     expected {expected} +- {tolerance}, got {g} (input {input:?})"
                ),
            );
        }
    }
    Ok(())
}

/// An int16 input scale of at most 2^-2, so that `beta * scale * 65535 / 10`
/// times the largest difference (65535) stays below 2^31: beyond it TFLM's
/// rescaling overflows (undefined in C++, wrapping here and in the wheel).
fn int16_scale(d: &mut Decisions<'_>) -> f32 {
    (f32::from(d.u16()) + 1.0) * super::pow2(d.in_range(-34, -18))
}

fn float32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "softmax_f32";
    let beta = beta(d);
    let depth = 1 + d.below(64);
    let rows = 1 + d.below(3);
    let input: Vec<f32> = (0..rows * depth)
        .map(|_| f32::from(d.u16() as i16) / 512.0)
        .collect();
    let mut out = vec![0f32; input.len()];
    if let Err(e) = softmax_f32(beta, depth, &input, &mut out) {
        return mismatch(KERNEL, format!("rejected depth {depth}: {e}"));
    }
    let wide: Vec<f64> = input.iter().map(|&x| f64::from(x)).collect();
    let want = softmax_f64(&wide, depth, f64::from(beta));
    for (i, (&g, &p)) in out.iter().zip(&want).enumerate() {
        if (f64::from(g) - p).abs() > 1e-6 + 1e-5 * p {
            return mismatch(
                KERNEL,
                format!("beta {beta} depth {depth} element {i}: expected {p}, got {g}"),
            );
        }
    }
    // A length mismatch is an error.
    if softmax_f32(beta, depth, &input, &mut vec![0f32; input.len() + 1]).is_ok() {
        return mismatch(KERNEL, "accepted an output one element too long".into());
    }
    Ok(())
}

/// Steps an int16 softmax probability may be off besides the per-term
/// error (see the module docs).
const INT16_TOLERANCE: f64 = 2.0;
/// Steps per term of the row, times the probability (see the module docs).
const INT16_PER_TERM: f64 = 1.5;
/// Steps of the rescaling to the exp table's input, times the probability
/// (see the module docs).
const INT16_RESCALING: f64 = 6.0;

/// Softmax whose exponent `beta * (x - max)` is cut off at -10, as TFLM's
/// int16 exp table is (differences beyond it all weigh `exp(-10)`).
fn softmax_cut_f64(values: &[f64], depth: usize, beta: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    for row in values.chunks(depth) {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = row
            .iter()
            .map(|&x| (beta * (x - max)).max(-10.0).exp())
            .collect();
        let sum: f64 = exps.iter().sum();
        out.extend(exps.iter().map(|e| e / sum));
    }
    out
}
