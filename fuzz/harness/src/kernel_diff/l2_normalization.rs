//! L2_NORMALIZATION (`microlite_kernels::l2_normalization`): float32
//! against TFLM's loop written out; int8 against `128 · d / |d|` of the
//! offset row, within one step, and the inverse square root multiplier
//! against `1 / sqrt(x)`.

use microlite_kernels::l2_normalization::{inv_sqrt_multiplier, l2_normalize_f32, l2_normalize_i8};

use super::{float_value, mismatch, same_f32, Mismatch};
use crate::decisions::Decisions;

const KERNEL: &str = "l2_normalization";

pub(super) fn l2_normalization_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let depth = d.in_range(1, 40) as usize;
    let rows = d.in_range(1, 3) as usize;
    if d.bool() {
        let input: Vec<f32> = (0..rows * depth).map(|_| float_value(d)).collect();
        let mut out = vec![0f32; input.len()];
        if l2_normalize_f32(depth, &input, &mut out).is_err() {
            return mismatch(KERNEL, "rejected whole rows".into());
        }
        for (row, got) in input.chunks(depth).zip(out.chunks(depth)) {
            let squared = row.iter().fold(0f32, |acc, &v| acc + v * v);
            let norm = squared.sqrt();
            let norm = if norm < 1e-6 { 1e-6 } else { norm };
            for (&v, &g) in row.iter().zip(got) {
                if !same_f32(g, v / norm) {
                    return mismatch(KERNEL, format!("{v} in {row:?}: {} vs {g}", v / norm));
                }
            }
        }
        return Ok(());
    }
    let zero_point = d.in_range(-128, 127);
    let input: Vec<i8> = (0..rows * depth).map(|_| d.u8() as i8).collect();
    let mut out = vec![0i8; input.len()];
    if l2_normalize_i8(depth, zero_point, &input, &mut out).is_err() {
        return mismatch(KERNEL, "rejected whole rows".into());
    }
    for (row, got) in input.chunks(depth).zip(out.chunks(depth)) {
        let offset: Vec<f64> = row
            .iter()
            .map(|&v| f64::from(i32::from(v) - zero_point))
            .collect();
        let squared: f64 = offset.iter().map(|v| v * v).sum();
        // TFLM treats a sum of squares of 0 or 1 as 1.
        let norm = squared.max(1.0).sqrt();
        for (&v, &g) in offset.iter().zip(got) {
            let want = (128.0 * v / norm).round().clamp(-128.0, 127.0);
            if (f64::from(g) - want).abs() > 1.0 {
                return mismatch(KERNEL, format!("{v} of norm {norm}: about {want}, got {g}"));
            }
        }
    }
    let x = (d.u32() >> d.in_range(0, 31)) as i32;
    let (m, s) = inv_sqrt_multiplier(x);
    let got = f64::from(m) * 2f64.powi(s - 31);
    let want = 1.0 / f64::from(x.max(1)).sqrt();
    if (got / want - 1.0).abs() > 1e-5 {
        return mismatch(KERNEL, format!("inverse sqrt of {x}: {want} vs {got}"));
    }
    Ok(())
}
