//! LOGISTIC and TANH int16 (`microlite_kernels::activations`) against `f64`
//! `1 / (1 + exp(-x))` and `tanh(x)` of the dequantized input, output
//! scale 2^-15. The kernels interpolate a Q0.16 table of `sigmoid(i / 24)`,
//! so they are held to a tolerance:
//!
//! - LOGISTIC: within 2 steps. Linear interpolation over steps of 1/24 is
//!   off by at most (1/24)^2 / 8 x max |sigmoid''| (0.096), 0.7 steps; the
//!   table's own rounding adds 0.25, the input rescaling (a 15-bit
//!   multiplier, steps of 1/12288) at most 0.45, and the final rounding 0.5.
//! - TANH, `2 sigmoid(2x) - 1`: twice those, within 4 steps.
//!
//! (Measured worst over 20000 x 64 elements: 1 step LOGISTIC, 3 TANH.)
//!
//! The input scales stay at most 1 (TFLM's 15-bit multiplier overflows above
//! about 2.67, which prepare rejects); one case in four is a power of two,
//! TFLM's `3 << shift` rescaling where it applies. Like TFLM, the oracle takes
//! a scale within 0.1% of an octave of 2^-12 (TANH also 2^-11) to be that
//! power of two.

use microlite_kernels::activations::{logistic_int16, prepare_sigmoid_int16, tanh_int16};

use super::{mismatch, pow2, Mismatch};
use crate::decisions::Decisions;

const KERNEL: &str = "logistic/tanh int16";

/// Steps LOGISTIC may be off (see the module docs).
const LOGISTIC_TOLERANCE: f64 = 2.0;
/// Steps TANH may be off (see the module docs).
const TANH_TOLERANCE: f64 = 4.0;

/// The scale TFLM computes with: within 0.1% of an octave of 2^-12 (TANH
/// also 2^-11) it takes the input scale to be that power of two exactly.
fn effective_scale(scale: f32, tanh: bool) -> f64 {
    let log2 = f64::from(scale).log2();
    let rounded = log2.round();
    let pot = (log2 - rounded).abs() < 1e-3 && (rounded == -12.0 || tanh && rounded == -11.0);
    if pot {
        rounded.exp2()
    } else {
        f64::from(scale)
    }
}

fn scale(d: &mut Decisions<'_>) -> f32 {
    if d.one_in(4) {
        pow2(d.in_range(-16, -8))
    } else {
        (f32::from(d.u16()) + 1.0) * pow2(d.in_range(-31, -16))
    }
}

pub(super) fn sigmoid_int16_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let tanh = d.bool();
    let scale = scale(d);
    let params = match prepare_sigmoid_int16(tanh, scale, 1.0 / 32768.0) {
        Ok(p) => p,
        Err(e) => return mismatch(KERNEL, format!("rejected input scale {scale:e}: {e}")),
    };
    let n = 1 + d.below(64);
    let input: Vec<i16> = (0..n).map(|_| d.u16() as i16).collect();
    let mut out = vec![0i16; n];
    let result = if tanh {
        tanh_int16(&params, &input, &mut out)
    } else {
        logistic_int16(&params, &input, &mut out)
    };
    if let Err(e) = result {
        return mismatch(KERNEL, format!("rejected {n} elements: {e}"));
    }
    let effective = effective_scale(scale, tanh);
    for (&x, &g) in input.iter().zip(&out) {
        let real = effective * f64::from(x);
        let (want, tolerance) = if tanh {
            (real.tanh(), TANH_TOLERANCE)
        } else {
            (1.0 / (1.0 + (-real).exp()), LOGISTIC_TOLERANCE)
        };
        let expected = (want * 32768.0).round().clamp(-32768.0, 32767.0);
        if (f64::from(g) - expected).abs() > tolerance {
            let op = if tanh { "tanh" } else { "logistic" };
            return mismatch(
                KERNEL,
                format!(
                    "{op} scale {scale:e} input {x} ({real}): expected {expected} +- {tolerance}, \
                     got {g}"
                ),
            );
        }
    }
    Ok(())
}
