//! DIV (`microlite_kernels::div`): float32 and int32 against the C++
//! expressions written out over the naive broadcast; int8 against the real
//! quotient `(x - zp1) / (y - zp2)` times the prepared multiplier, within
//! one step (TFLM's fixed-point reciprocal is exact to about 2^-30).

use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::div::{count_leading_sign_bits, div_f32, div_i32, QuantizedDiv};
use microlite_kernels::pairwise::broadcast_apply;

use super::elementwise::shapes;
use super::{float_value, mismatch, same_f32, sane_scale, Mismatch};
use crate::decisions::Decisions;
use crate::naive::elementwise::{broadcast_pairs, broadcast_shape};

const KERNEL: &str = "div";

pub(super) fn div_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
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
    match d.u8() % 3 {
        0 => {
            let a: Vec<f32> = (0..count(&a_dims)).map(|_| float_value(d)).collect();
            let b: Vec<f32> = (0..count(&b_dims)).map(|_| float_value(d)).collect();
            let (min, max) = d.pick(&[
                (f32::MIN, f32::MAX),
                (0.0, f32::MAX),
                (0.0, 6.0),
                (-1.0, 1.0),
            ]);
            let mut out = vec![0f32; pairs.len()];
            if broadcast_apply(&shape, &a, &b, &mut out, |x, y| div_f32(x, y, min, max)).is_err() {
                return mismatch(KERNEL, "rejected matching lengths".into());
            }
            for (&(i, j), &got) in pairs.iter().zip(&out) {
                // std::min(std::max(x / y, min), max).
                let q = a[i] / b[j];
                let lower = if q < min { min } else { q };
                let want = if max < lower { max } else { lower };
                if !same_f32(got, want) {
                    return mismatch(KERNEL, format!("{} {}: {want} vs {got}", a[i], b[j]));
                }
            }
        }
        1 => {
            let a: Vec<i32> = (0..count(&a_dims))
                .map(|_| d.i32() >> d.in_range(0, 31))
                .collect();
            let b: Vec<i32> = (0..count(&b_dims))
                .map(|_| d.i32() >> d.in_range(0, 31))
                .collect();
            let mut out = vec![0i32; pairs.len()];
            if broadcast_apply(&shape, &a, &b, &mut out, |x, y| {
                div_i32(x, y, -1000, i32::MAX)
            })
            .is_err()
            {
                return mismatch(KERNEL, "rejected matching lengths".into());
            }
            for (&(i, j), &got) in pairs.iter().zip(&out) {
                let (x, y) = (i64::from(a[i]), i64::from(b[j]));
                let want = if y == 0 {
                    0
                } else {
                    ((x / y) as i32).max(-1000)
                };
                if got != want {
                    return mismatch(KERNEL, format!("{x} {y}: {want} vs {got}"));
                }
            }
        }
        _ => return int8(d),
    }
    Ok(())
}

/// int8 quotients of random stored values against the real quotient.
fn int8(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    // Scales whose ratio s1 / (s2 · so) stays within [2^-20, 2^12].
    let s1 = sane_scale(d);
    let s2 = sane_scale(d);
    let so = sane_scale(d);
    let ratio = f64::from(s1 / (s2 * so));
    if !(2f64.powi(-20)..=2f64.powi(12)).contains(&ratio) {
        return Ok(());
    }
    let (zp1, zp2, zpo) = (
        d.in_range(-128, 127),
        d.in_range(-128, 127),
        d.in_range(-128, 127),
    );
    let (min, max) = (d.in_range(-128, 0), d.in_range(0, 127));
    let p = QuantizedDiv::new(s1, zp1, s2, zp2, so, zpo, min, max);
    let multiplier = f64::from(p.output_multiplier) * 2f64.powi(p.output_shift - 31);
    for _ in 0..64 {
        let (x, y) = (d.in_range(-128, 127), d.in_range(-128, 127));
        let got = p.apply(x, y);
        if y == zp2 {
            if !p.divides_by_zero(y) || got != zpo.clamp(min, max) {
                return mismatch(KERNEL, format!("zero divisor {y} (zp {zp2}) gave {got}"));
            }
            continue;
        }
        let real = f64::from(x - zp1) / f64::from(y - zp2) * multiplier + f64::from(zpo);
        let want = real.round().clamp(f64::from(min), f64::from(max));
        if (f64::from(got) - want).abs() > 1.0 {
            return mismatch(
                KERNEL,
                format!("{x}/{y} with {p:?}: about {real}, got {got}"),
            );
        }
    }
    // CountLeadingSignBits against its definition.
    let v = d.i32() >> d.in_range(0, 31);
    let want = (1..32)
        .take_while(|&k| (v >> (31 - k)) & 1 == (v >> 31) & 1)
        .count() as i32;
    if count_leading_sign_bits(v) != want {
        return mismatch(KERNEL, format!("leading sign bits of {v}: {want}"));
    }
    Ok(())
}
