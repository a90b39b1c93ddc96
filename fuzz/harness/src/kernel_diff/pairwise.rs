//! MAXIMUM, MINIMUM and LOGICAL_AND/OR (`microlite_kernels::pairwise`)
//! against the naive broadcast (each output's inputs from its multi-index)
//! and the C++ comparisons written out.

use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::pairwise::{
    broadcast_apply, floor_div, floor_mod, logical_and, logical_or, maximum, minimum,
};

use super::elementwise::shapes;
use super::{float_value, mismatch, same_f32, Mismatch};
use crate::decisions::Decisions;
use crate::naive::elementwise::{broadcast_pairs, broadcast_shape};

pub(super) fn pairwise(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (a_dims, b_dims) = shapes(d);
    let Some(out_dims) = broadcast_shape(&a_dims, &b_dims) else {
        return match BroadcastShape::new(&a_dims, &b_dims, &a_dims) {
            Ok(_) if a_dims != b_dims => {
                mismatch("pairwise", format!("{a_dims:?} and {b_dims:?} accepted"))
            }
            _ => Ok(()),
        };
    };
    let shape = match BroadcastShape::new(&a_dims, &b_dims, &out_dims) {
        Ok(shape) => shape,
        Err(e) => return mismatch("pairwise", format!("{a_dims:?} {b_dims:?}: {e}")),
    };
    let count = |dims: &[usize]| dims.iter().product::<usize>();
    let pairs = broadcast_pairs(&out_dims, &a_dims, &b_dims);
    match d.u8() % 5 {
        4 => {
            let a: Vec<f32> = (0..count(&a_dims)).map(|_| float_value(d)).collect();
            let b: Vec<f32> = (0..count(&b_dims)).map(|_| float_value(d)).collect();
            let is_div = d.bool();
            let mut out = vec![0f32; pairs.len()];
            let f = if is_div { floor_div } else { floor_mod };
            if broadcast_apply(&shape, &a, &b, &mut out, f).is_err() {
                return mismatch("floor div/mod", "rejected matching lengths".into());
            }
            for (&(i, j), &got) in pairs.iter().zip(&out) {
                let (x, y) = (f64::from(a[i]), f64::from(b[j]));
                // f64 arithmetic rounded once to f32 (exact for fmod and
                // the sum; innocuous double rounding for the quotient).
                let want = if is_div {
                    ((x / y) as f32).floor()
                } else {
                    let trunc = x % y;
                    if trunc != 0.0 && ((y < 0.0) != (trunc < 0.0)) {
                        (trunc + y) as f32
                    } else {
                        trunc as f32
                    }
                };
                if !same_f32(got, want) {
                    return mismatch("floor div/mod", format!("{x} {y}: {want} vs {got}"));
                }
            }
        }
        0 | 1 => {
            let a: Vec<f32> = (0..count(&a_dims)).map(|_| float_value(d)).collect();
            let b: Vec<f32> = (0..count(&b_dims)).map(|_| float_value(d)).collect();
            let is_max = d.bool();
            let mut out = vec![0f32; pairs.len()];
            let f = if is_max { maximum } else { minimum };
            if broadcast_apply(&shape, &a, &b, &mut out, f).is_err() {
                return mismatch("pairwise f32", "rejected matching lengths".into());
            }
            for (&(i, j), &got) in pairs.iter().zip(&out) {
                let (x, y) = (a[i], b[j]);
                // C++'s `x > y ? x : y` and `x < y ? x : y` (a NaN `x` gives `y`).
                let keep_x = if is_max { x > y } else { x < y };
                let want = if keep_x { x } else { y };
                if !same_f32(got, want) {
                    return mismatch("pairwise f32", format!("{x} {y}: {want} vs {got}"));
                }
            }
        }
        2 => {
            let a: Vec<i16> = (0..count(&a_dims)).map(|_| d.u16() as i16).collect();
            let b: Vec<i16> = (0..count(&b_dims)).map(|_| d.u16() as i16).collect();
            let mut out = vec![0i16; pairs.len()];
            if broadcast_apply(&shape, &a, &b, &mut out, maximum).is_err() {
                return mismatch("pairwise i16", "rejected matching lengths".into());
            }
            for (&(i, j), &got) in pairs.iter().zip(&out) {
                if got != a[i].max(b[j]) {
                    return mismatch("pairwise i16", format!("{} {} -> {got}", a[i], b[j]));
                }
            }
        }
        _ => {
            let a: Vec<u8> = (0..count(&a_dims)).map(|_| d.u8() % 3).collect();
            let b: Vec<u8> = (0..count(&b_dims)).map(|_| d.u8() % 3).collect();
            let is_and = d.bool();
            let mut out = vec![7u8; pairs.len()];
            let f = if is_and { logical_and } else { logical_or };
            if broadcast_apply(&shape, &a, &b, &mut out, f).is_err() {
                return mismatch("pairwise bool", "rejected matching lengths".into());
            }
            for (&(i, j), &got) in pairs.iter().zip(&out) {
                let (x, y) = (a[i] != 0, b[j] != 0);
                let want = u8::from(if is_and { x && y } else { x || y });
                if got != want {
                    return mismatch("pairwise bool", format!("{x} {y} -> {got}"));
                }
            }
        }
    }
    if broadcast_apply(&shape, &[0i8; 0], &[0i8; 0], &mut [0i8; 0], maximum).is_ok() {
        return mismatch("pairwise", "accepted buffers of the wrong lengths".into());
    }
    Ok(())
}

/// BROADCAST_TO against the naive broadcast of the input onto the output.
pub(super) fn broadcast_to_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (a_dims, b_dims) = shapes(d);
    let Some(out_dims) = broadcast_shape(&a_dims, &b_dims) else {
        return Ok(());
    };
    let Ok(shape) = BroadcastShape::new(&a_dims, &out_dims, &out_dims) else {
        return mismatch(
            "broadcast_to",
            format!("{a_dims:?} -> {out_dims:?} refused"),
        );
    };
    let count = |dims: &[usize]| dims.iter().product::<usize>();
    let input: Vec<u16> = (0..count(&a_dims)).map(|_| d.u16()).collect();
    let mut got = vec![0u16; count(&out_dims)];
    if let Err(e) = microlite_kernels::broadcast::broadcast_to(&shape, &input, &mut got) {
        return mismatch("broadcast_to", format!("{a_dims:?} -> {out_dims:?}: {e}"));
    }
    let pairs = broadcast_pairs(&out_dims, &a_dims, &out_dims);
    for (k, &(i, _)) in pairs.iter().enumerate() {
        if got[k] != input[i] {
            return mismatch("broadcast_to", format!("{a_dims:?} -> {out_dims:?} at {k}"));
        }
    }
    Ok(())
}
