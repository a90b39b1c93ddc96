//! SQUARED_DIFFERENCE (`microlite_kernels::squared_difference`): float32 and
//! int32 against `(x - y)^2` written out over the naive broadcast; int8 and
//! int16 against the naive fixed-point pipeline from the prepared
//! parameters, whose multipliers are checked against the real scale ratios.

use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::pairwise::broadcast_apply;
use microlite_kernels::squared_difference::{
    squared_difference_f32, squared_difference_i32, Affine, QuantizedSquaredDifference,
};

use super::elementwise::shapes;
use super::{float_value, mismatch, same_f32, sane_scale, scale_value, Mismatch};
use crate::decisions::Decisions;
use crate::naive::elementwise::{broadcast_pairs, broadcast_shape, squared_difference};

const KERNEL: &str = "squared_difference";

pub(super) fn squared_difference_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
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
    match d.u8() % 4 {
        0 => {
            let a: Vec<f32> = (0..count(&a_dims)).map(|_| float_value(d)).collect();
            let b: Vec<f32> = (0..count(&b_dims)).map(|_| float_value(d)).collect();
            let mut out = vec![0f32; pairs.len()];
            if broadcast_apply(&shape, &a, &b, &mut out, squared_difference_f32).is_err() {
                return mismatch(KERNEL, "rejected matching lengths".into());
            }
            for (&(i, j), &got) in pairs.iter().zip(&out) {
                let diff = a[i] - b[j];
                let want = diff * diff;
                if !same_f32(got, want) {
                    return mismatch(KERNEL, format!("{} {}: {want} vs {got}", a[i], b[j]));
                }
            }
        }
        1 => {
            let a: Vec<i32> = (0..count(&a_dims)).map(|_| d.i32()).collect();
            let b: Vec<i32> = (0..count(&b_dims)).map(|_| d.i32()).collect();
            let mut out = vec![0i32; pairs.len()];
            if broadcast_apply(&shape, &a, &b, &mut out, squared_difference_i32).is_err() {
                return mismatch(KERNEL, "rejected matching lengths".into());
            }
            for (&(i, j), &got) in pairs.iter().zip(&out) {
                let diff = i128::from(a[i]) - i128::from(b[j]);
                // Two's complement wrap of the int32 difference and product.
                let diff = i128::from(diff as i32);
                let want = (diff * diff) as i32;
                if got != want {
                    return mismatch(KERNEL, format!("{} {}: {want} vs {got}", a[i], b[j]));
                }
            }
        }
        kind => return quantized(d, kind == 2, &pairs),
    }
    Ok(())
}

/// int8 (`is_int8`) or int16 elements through the prepared arithmetic.
fn quantized(
    d: &mut Decisions<'_>,
    is_int8: bool,
    pairs: &[(usize, usize)],
) -> Result<(), Mismatch> {
    let scale = |d: &mut Decisions<'_>| {
        if d.one_in(8) {
            scale_value(d)
        } else {
            sane_scale(d)
        }
    };
    let (lo, hi) = if is_int8 {
        (-128, 127)
    } else {
        (-32768, 32767)
    };
    let zero_point = |d: &mut Decisions<'_>| if is_int8 { d.in_range(lo, hi) } else { 0 };
    let input1 = Affine {
        scale: scale(d),
        zero_point: zero_point(d),
    };
    let input2 = Affine {
        scale: scale(d),
        zero_point: zero_point(d),
    };
    let output = Affine {
        scale: scale(d),
        zero_point: zero_point(d),
    };
    let left_shift = if is_int8 { 7 } else { 0 };
    let Some(p) = QuantizedSquaredDifference::new(input1, input2, output, left_shift, lo, hi)
    else {
        return Ok(());
    };
    // The multipliers encode the ratios TFLM computes in f64.
    let decoded = |m: i32, s: i32| f64::from(m) * 2f64.powi(s - 31);
    let twice_max = 2.0 * f64::from(input1.scale.max(input2.scale));
    let output_ratio =
        twice_max * twice_max / (f64::from(output.scale) * 2f64.powi(2 * left_shift));
    for (what, got, want) in [
        (
            "input 1",
            decoded(p.input1_multiplier, p.input1_shift),
            f64::from(input1.scale) / twice_max,
        ),
        (
            "input 2",
            decoded(p.input2_multiplier, p.input2_shift),
            f64::from(input2.scale) / twice_max,
        ),
        (
            "output",
            decoded(p.output_multiplier, p.output_shift),
            output_ratio,
        ),
    ] {
        // A flushed (zero) multiplier is TFLM's result for tiny ratios.
        let flushed = got == 0.0 && want < 2f64.powi(-31);
        if !flushed && ((got - want) / want).abs() > 1e-9 {
            return mismatch(KERNEL, format!("{what} multiplier {got} for ratio {want}"));
        }
    }
    for _ in 0..pairs.len().min(64) {
        let x = d.in_range(lo, hi);
        let y = d.in_range(lo, hi);
        let (got, want) = (p.apply(x, y), squared_difference(&p, x, y));
        if got != want {
            return mismatch(KERNEL, format!("{x} {y} with {p:?}: {want} vs {got}"));
        }
    }
    Ok(())
}
