//! Quantized RSQRT against the real `1 / sqrt((q - zp) · input_scale)`,
//! requantized. TFLM's fixed point carries the per-element inverse square
//! root as an integer `2^20 / sqrt(q - zp)` (at least 4096 for int16, so
//! rounding it moves the result by at most 1.3e-4 of itself), and the
//! inverse square root's Newton steps add under 1e-6: within 1 step plus
//! 3e-4 of the value. A zero difference must give the type's maximum and a
//! negative one an error naming its position.

use microlite_kernels::quantize::QuantizedInt;
use microlite_kernels::rsqrt::{rsqrt_quantized, RsqrtQuantParams};
use microlite_kernels::KernelError;

use super::{mismatch, sane_scale, Mismatch};
use crate::decisions::Decisions;

pub(super) fn rsqrt_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (input_scale, output_scale) = (sane_scale(d), sane_scale(d));
    let n = 1 + d.below(32);
    if d.bool() {
        let p = RsqrtQuantParams::new(input_scale, 0, output_scale, 0);
        let input: Vec<i16> = (0..n).map(|_| d.u16() as i16).collect();
        check(
            "rsqrt int16",
            &p,
            (input_scale, output_scale),
            &input,
            (-32768, 32767),
        )
    } else {
        let (zi, zo) = (d.in_range(-128, 127), d.in_range(-128, 127));
        let p = RsqrtQuantParams::new(input_scale, zi, output_scale, zo);
        let input: Vec<i8> = (0..n).map(|_| d.u8() as i8).collect();
        check(
            "rsqrt int8",
            &p,
            (input_scale, output_scale),
            &input,
            (-128, 127),
        )
    }
}

fn check<T: QuantizedInt + Default + Into<i32>>(
    kernel: &'static str,
    p: &RsqrtQuantParams,
    (input_scale, output_scale): (f32, f32),
    input: &[T],
    (lo, hi): (i32, i32),
) -> Result<(), Mismatch> {
    let mut got = vec![T::default(); input.len()];
    let result = rsqrt_quantized(p, input, &mut got);
    let first_negative = input.iter().position(|&x| x.into() < p.input_offset);
    match (result, first_negative) {
        (Err(KernelError::InvalidValue { position, .. }), Some(at)) if position == at => {}
        (Ok(()), None) => {}
        (result, _) => {
            return mismatch(
                kernel,
                format!("{p:?}: first negative {first_negative:?}, kernel gave {result:?}"),
            )
        }
    }
    let checked = first_negative.unwrap_or(input.len());
    for (i, (&x, &g)) in input.iter().zip(&got).take(checked).enumerate() {
        let (x, g): (i32, i32) = (x.into(), g.into());
        let difference = x - p.input_offset;
        let (want, tolerance) = if difference == 0 {
            (f64::from(hi), 0.0)
        } else {
            let real = 1.0 / (f64::from(difference) * f64::from(input_scale)).sqrt();
            let steps = real / f64::from(output_scale);
            let want =
                (steps.round() + f64::from(p.output_offset)).clamp(f64::from(lo), f64::from(hi));
            (want, 1.0 + 3e-4 * steps)
        };
        if (f64::from(g) - want).abs() > tolerance {
            return mismatch(
                kernel,
                format!("{p:?} element {i} ({x}): expected {want} +- {tolerance}, got {g}"),
            );
        }
    }
    Ok(())
}
