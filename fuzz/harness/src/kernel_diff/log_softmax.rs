//! LOG_SOFTMAX against the naive `f64` `x - max - ln(sum(exp(x - max)))` of
//! the (dequantized) input. The kernels approximate `exp` and `ln`, so they
//! are held to tolerances rather than bits:
//!
//! - int8 (output steps of 1/16 from 127): within 1 step. The fixed-point
//!   exp is off by at most about 2.6e-7 per term and the fixed-point log by
//!   under 1e-6 (unit test in the kernel), so 300 terms move the log by
//!   about 1e-4, under 0.01 steps; the rest is the final rounding. As in
//!   TFLM, a difference from the row maximum below the prepared `diff_min`
//!   (the Q5.26 input radius, e.g. -248 steps, a real -15.5, at scale 1/16)
//!   gives exactly -128 (the fuzzer found that case; TFLM's wheel gives -128
//!   there too).
//! - float32: within 1e-5 + 1e-5 x |expected|, for inputs of magnitude at
//!   most 64 and depth up to 64.

use microlite_kernels::log_softmax::{
    log_softmax_f32, log_softmax_int8, prepare_log_softmax_int8, OUTPUT_SCALE, OUTPUT_ZERO_POINT,
};

use super::{i8s, mismatch, sane_scale, Mismatch};
use crate::decisions::Decisions;

pub(super) fn log_softmax_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    if d.bool() {
        int8(d)
    } else {
        float32(d)
    }
}

/// Naive log-softmax of each row of `depth` values.
fn log_softmax_f64(values: &[f64], depth: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    for row in values.chunks(depth) {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = row.iter().map(|&x| (x - max).exp()).sum();
        out.extend(row.iter().map(|&x| x - max - sum.ln()));
    }
    out
}

fn int8(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "log_softmax_int8";
    let scale = sane_scale(d);
    let depth = if d.one_in(8) {
        1 + d.below(300)
    } else {
        1 + d.below(32)
    };
    let rows = 1 + d.below(3);
    let input = i8s(d, rows * depth);
    // Scales too small for TFLM's Q5.26 rescaling: a prepare error, as in TFLM.
    let Ok(params) = prepare_log_softmax_int8(scale, OUTPUT_SCALE, OUTPUT_ZERO_POINT) else {
        return Ok(());
    };
    let mut out = vec![0i8; input.len()];
    if let Err(e) = log_softmax_int8(&params, depth, &input, &mut out) {
        return mismatch(KERNEL, format!("rejected depth {depth}: {e}"));
    }
    let real: Vec<f64> = input
        .iter()
        .map(|&q| f64::from(scale) * f64::from(q))
        .collect();
    let want = log_softmax_f64(&real, depth);
    let row_max = |i: usize| {
        let start = i - i % depth;
        i32::from(
            input[start..start + depth]
                .iter()
                .copied()
                .max()
                .unwrap_or(i8::MIN),
        )
    };
    for (i, (&g, &l)) in out.iter().zip(&want).enumerate() {
        let (expected, tolerance) = if i32::from(input[i]) - row_max(i) < params.diff_min {
            (-128.0, 0.0)
        } else {
            (((l * 16.0).round() + 127.0).clamp(-128.0, 127.0), 1.0)
        };
        if (f64::from(g) - expected).abs() > tolerance {
            return mismatch(
                KERNEL,
                format!(
                    "scale {scale:e} depth {depth} element {i}: log-probability {l}, \
                     expected {expected} +- {tolerance}, got {g} (input {input:?})"
                ),
            );
        }
    }
    Ok(())
}

fn float32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "log_softmax_f32";
    let depth = 1 + d.below(64);
    let rows = 1 + d.below(3);
    let input: Vec<f32> = (0..rows * depth)
        .map(|_| f32::from(d.u16() as i16) / 512.0)
        .collect();
    let mut out = vec![0f32; input.len()];
    if let Err(e) = log_softmax_f32(depth, &input, &mut out) {
        return mismatch(KERNEL, format!("rejected depth {depth}: {e}"));
    }
    let wide: Vec<f64> = input.iter().map(|&x| f64::from(x)).collect();
    let want = log_softmax_f64(&wide, depth);
    for (i, (&g, &l)) in out.iter().zip(&want).enumerate() {
        if (f64::from(g) - l).abs() > 1e-5 + 1e-5 * l.abs() {
            return mismatch(
                KERNEL,
                format!("depth {depth} element {i}: expected {l}, got {g} (input {input:?})"),
            );
        }
    }
    Ok(())
}
