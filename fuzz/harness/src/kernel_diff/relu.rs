//! RELU and RELU6, int8 and int16. RELU against the real `max(0, x)`
//! requantized to the output (within one step: the kernel's one fixed-point
//! multiplier rounds); RELU6 exactly, as the clamp of the input to the
//! input's 0 and its `round(6 / scale)` (TFLM's RELU6 stays in the input
//! quantization).

use microlite_kernels::activations::{
    prepare_relu6_int16, prepare_relu6_int8, prepare_relu_int16, prepare_relu_int8, relu6_int16,
    relu6_int8, relu_int16, relu_int8,
};

use super::{mismatch, sane_scale, Mismatch};
use crate::decisions::Decisions;

pub(super) fn relu_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let int16 = d.bool();
    let (lo, hi) = if int16 { (-32768, 32767) } else { (-128, 127) };
    // int16: zero points 0, as TFLM requires.
    let zero = |d: &mut Decisions<'_>| if int16 { 0 } else { d.in_range(-128, 127) };
    let (input_scale, input_zero) = (sane_scale(d), zero(d));
    let (output_scale, output_zero) = (sane_scale(d), zero(d));
    let n = 1 + d.below(32);
    let values: Vec<i32> = (0..n)
        .map(|_| {
            if int16 {
                i32::from(d.u16() as i16)
            } else {
                i32::from(d.u8() as i8)
            }
        })
        .collect();
    let relu6 = d.bool();
    let got: Vec<i32> = match (relu6, int16) {
        (false, false) => {
            let p = prepare_relu_int8(input_scale, input_zero, output_scale, output_zero);
            let input: Vec<i8> = values.iter().map(|&v| v as i8).collect();
            let mut out = vec![0i8; n];
            let _ = relu_int8(&p, &input, &mut out);
            out.iter().map(|&v| i32::from(v)).collect()
        }
        (false, true) => {
            let p = prepare_relu_int16(input_scale, 0, output_scale, 0);
            let input: Vec<i16> = values.iter().map(|&v| v as i16).collect();
            let mut out = vec![0i16; n];
            let _ = relu_int16(&p, &input, &mut out);
            out.iter().map(|&v| i32::from(v)).collect()
        }
        (true, false) => {
            let p = prepare_relu6_int8(input_scale, input_zero);
            let input: Vec<i8> = values.iter().map(|&v| v as i8).collect();
            let mut out = vec![0i8; n];
            let _ = relu6_int8(&p, &input, &mut out);
            out.iter().map(|&v| i32::from(v)).collect()
        }
        (true, true) => {
            let p = prepare_relu6_int16(input_scale, 0);
            let input: Vec<i16> = values.iter().map(|&v| v as i16).collect();
            let mut out = vec![0i16; n];
            let _ = relu6_int16(&p, &input, &mut out);
            out.iter().map(|&v| i32::from(v)).collect()
        }
    };
    let kernel = if relu6 { "relu6" } else { "relu" };
    // RELU's ratio multiplier outside what one fixed-point multiplier holds
    // (flushed or left shifts that overflow) is TFLM's undefined ground.
    let ratio = f64::from(input_scale) / f64::from(output_scale);
    if !relu6 && !(2f64.powi(-30)..2f64.powi(14)).contains(&ratio) {
        return Ok(());
    }
    for (k, (&x, &g)) in values.iter().zip(&got).enumerate() {
        let (want, tolerance) = if relu6 {
            let six = (6.0 / f64::from(input_scale)).round() + f64::from(input_zero);
            let six = six.clamp(f64::from(lo), f64::from(hi));
            (
                f64::from(x).clamp(f64::from(input_zero), six.max(f64::from(input_zero))),
                0.0,
            )
        } else {
            let real = (f64::from(x - input_zero) * ratio).max(0.0);
            let q = (real.round() + f64::from(output_zero)).clamp(f64::from(lo), f64::from(hi));
            (q, 1.0)
        };
        if (f64::from(g) - want).abs() > tolerance {
            return mismatch(
                kernel,
                format!(
                    "{} element {k} ({x}), scales {input_scale:e} -> {output_scale:e}, zero \
                     points {input_zero} -> {output_zero}: expected {want}, got {g}",
                    if int16 { "int16" } else { "int8" }
                ),
            );
        }
    }
    Ok(())
}
