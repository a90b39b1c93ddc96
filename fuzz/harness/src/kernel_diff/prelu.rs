//! PRELU (`microlite_kernels::prelu`): float32 against the C++ ternary
//! written out over the naive broadcast; int8 and 16x8 (int16 input and
//! output, int8 alpha) against the real `x >= 0 ? x : x · alpha` through the
//! prepared multipliers, within one step.

use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::pairwise::broadcast_apply;
use microlite_kernels::prelu::{prelu_f32, QuantizedPrelu};

use super::elementwise::shapes;
use super::{float_value, mismatch, same_f32, sane_scale, Mismatch};
use crate::decisions::Decisions;
use crate::naive::elementwise::{broadcast_pairs, broadcast_shape};

const KERNEL: &str = "prelu";

pub(super) fn prelu_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (a_dims, b_dims) = shapes(d);
    let Some(out_dims) = broadcast_shape(&a_dims, &b_dims) else {
        return Ok(());
    };
    let shape = match BroadcastShape::new(&a_dims, &b_dims, &out_dims) {
        Ok(shape) => shape,
        Err(e) => return mismatch(KERNEL, format!("{a_dims:?} {b_dims:?}: {e}")),
    };
    let count = |dims: &[usize]| dims.iter().product::<usize>();
    let pairs = broadcast_pairs(&out_dims, &a_dims, &b_dims);
    if d.bool() {
        let a: Vec<f32> = (0..count(&a_dims)).map(|_| float_value(d)).collect();
        let b: Vec<f32> = (0..count(&b_dims)).map(|_| float_value(d)).collect();
        let mut out = vec![0f32; pairs.len()];
        if broadcast_apply(&shape, &a, &b, &mut out, prelu_f32).is_err() {
            return mismatch(KERNEL, "rejected matching lengths".into());
        }
        for (&(i, j), &got) in pairs.iter().zip(&out) {
            let want = if a[i] >= 0.0 { a[i] } else { a[i] * b[j] };
            if !same_f32(got, want) {
                return mismatch(KERNEL, format!("{} {}: {want} vs {got}", a[i], b[j]));
            }
        }
        return Ok(());
    }
    let int16 = d.bool();
    // 16x8: input and output zero points 0, as the converter writes them.
    let (lo, hi) = if int16 { (-32768, 32767) } else { (-128, 127) };
    let zero = |d: &mut Decisions<'_>| if int16 { 0 } else { d.in_range(-128, 127) };
    let input = (sane_scale(d), zero(d));
    let alpha = (sane_scale(d), d.in_range(-128, 127));
    let output = (sane_scale(d), zero(d));
    let p = QuantizedPrelu::new(input, alpha, output);
    let decoded = |m: i32, s: i32| f64::from(m) * 2f64.powi(s - 31);
    let identity = decoded(p.identity_multiplier, p.identity_shift);
    let slope = decoded(p.alpha_multiplier, p.alpha_shift);
    // Flushed multipliers and left shifts that overflow int32 (beyond 2^14
    // for int8 products up to 2^16, 2^7 for int16 ones up to 2^23) wrap as in
    // TFLM; the check covers the rest.
    let checked = 2f64.powi(-30)..2f64.powi(if int16 { 7 } else { 14 });
    if !checked.contains(&identity) || !checked.contains(&slope) {
        return Ok(());
    }
    for _ in 0..64 {
        let (x, a) = if int16 {
            (i32::from(d.u16() as i16), d.u8() as i8)
        } else {
            (i32::from(d.u8() as i8), d.u8() as i8)
        };
        let got = if int16 {
            i32::from(p.apply_i16(x as i16, a))
        } else {
            i32::from(p.apply(x as i8, a))
        };
        let xv = f64::from(x - input.1);
        let real = if xv >= 0.0 {
            xv * identity
        } else {
            xv * f64::from(i32::from(a) - alpha.1) * slope
        };
        let want = (real + f64::from(output.1))
            .round()
            .clamp(f64::from(lo), f64::from(hi));
        if (f64::from(got) - want).abs() > 1.0 {
            return mismatch(
                KERNEL,
                format!("{x} {a} with {p:?}: about {want}, got {got}"),
            );
        }
    }
    Ok(())
}
