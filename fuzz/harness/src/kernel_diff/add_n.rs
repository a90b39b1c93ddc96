//! ADD_N (`microlite_kernels::add_n`): float32 against the fold from 0
//! written out; int8 against the real sum, within one step, of the offset
//! inputs plus one extra input offset (TFLM's reference starts its sum
//! from the rescaled offset).

use microlite_kernels::add_n::{add_n_f32, add_n_i8, QuantizedAddN};

use super::{float_value, mismatch, same_f32, sane_scale, Mismatch};
use crate::decisions::Decisions;

const KERNEL: &str = "add_n";

pub(super) fn add_n_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let count = d.in_range(1, 6) as usize;
    let len = d.below(80);
    if d.bool() {
        let inputs: Vec<Vec<f32>> = (0..count)
            .map(|_| (0..len).map(|_| float_value(d)).collect())
            .collect();
        let slices: Vec<&[f32]> = inputs.iter().map(Vec::as_slice).collect();
        let mut out = vec![7f32; len];
        if add_n_f32(&slices, &mut out).is_err() {
            return mismatch(KERNEL, "rejected matching lengths".into());
        }
        for (i, &got) in out.iter().enumerate() {
            let want = inputs.iter().fold(0f32, |acc, input| acc + input[i]);
            if !same_f32(got, want) {
                return mismatch(KERNEL, format!("element {i}: {want} vs {got}"));
            }
        }
        return Ok(());
    }
    let (s, so) = (sane_scale(d), sane_scale(d));
    let (zp, zpo) = (d.in_range(-128, 127), d.in_range(-128, 127));
    let Some(p) = QuantizedAddN::new(s, zp, so, zpo) else {
        return Ok(());
    };
    let inputs: Vec<Vec<i8>> = (0..count)
        .map(|_| (0..len).map(|_| d.u8() as i8).collect())
        .collect();
    let slices: Vec<&[i8]> = inputs.iter().map(Vec::as_slice).collect();
    let mut out = vec![0i8; len];
    if add_n_i8(&p, &slices, &mut out).is_err() {
        return mismatch(KERNEL, "rejected matching lengths".into());
    }
    let multiplier = f64::from(p.output_multiplier) * 2f64.powi(p.output_shift - 31);
    for (i, &got) in out.iter().enumerate() {
        let offsets: i64 = inputs
            .iter()
            .map(|input| i64::from(input[i]) - i64::from(zp))
            .sum();
        let sum = (offsets - i64::from(zp)) as f64 * 2f64.powi(20) * 0.5;
        let want = (sum * multiplier + f64::from(zpo))
            .round()
            .clamp(-128.0, 127.0);
        if (f64::from(got) - want).abs() > 1.0 {
            return mismatch(
                KERNEL,
                format!("element {i} with {p:?}: about {want}, got {got}"),
            );
        }
    }
    if len > 0 && add_n_i8(&p, &[&inputs[0], &[]], &mut out).is_ok() {
        return mismatch(KERNEL, "accepted an input of the wrong length".into());
    }
    Ok(())
}
