//! REDUCE_MAX / REDUCE_MIN, SUM (float) and REDUCE_ALL against the naive
//! fold: every input element, in row-major order, offered
//! to the output element its kept coordinates name.

use microlite_kernels::reduce::{reduce_all, reduce_max_min, sum_f32, ReduceShape};

use super::{extent, float_value, mismatch, same_f32, Mismatch};
use crate::decisions::Decisions;

pub(super) fn max_min(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let rank = 1 + d.below(4);
    let dims: Vec<usize> = (0..rank).map(|_| extent(d, 3, 5)).collect();
    let axes: Vec<i32> = (0..1 + d.below(rank))
        .map(|_| d.in_range(-(rank as i32), rank as i32 - 1))
        .collect();
    let shape = match ReduceShape::new(&dims, &axes) {
        Ok(shape) => shape,
        Err(e) => return mismatch("reduce_max_min", format!("{dims:?} {axes:?}: {e}")),
    };
    let reduced: Vec<bool> = (0..rank).map(|k| shape.is_reduced(k)).collect();
    let n: usize = dims.iter().product();
    let out_len: usize = dims
        .iter()
        .zip(&reduced)
        .filter(|(_, &r)| !r)
        .map(|(&e, _)| e)
        .product();
    let max = d.bool();
    let input: Vec<f32> = (0..n).map(|_| float_value(d)).collect();
    let init = if max { f32::MIN } else { f32::MAX };
    let mut want = vec![init; out_len];
    for (flat, &x) in input.iter().enumerate() {
        // Coordinates of `flat`, then the output index of the kept ones.
        let mut rest = flat;
        let mut coords = vec![0; rank];
        for k in (0..rank).rev() {
            coords[k] = rest % dims[k];
            rest /= dims[k];
        }
        let out = (0..rank)
            .filter(|&k| !reduced[k])
            .fold(0, |acc, k| acc * dims[k] + coords[k]);
        let current = want[out];
        if (max && x > current) || (!max && x < current) {
            want[out] = x;
        }
    }
    let mut got = vec![0f32; out_len];
    if let Err(e) = reduce_max_min(&shape, max, init, &input, &mut got) {
        return mismatch("reduce_max_min", format!("{dims:?} {axes:?} refused: {e}"));
    }
    if let Some(k) = (0..out_len).find(|&k| !same_f32(got[k], want[k])) {
        return mismatch(
            "reduce_max_min",
            format!(
                "{dims:?} {axes:?} max={max}: output {k} {} vs {}",
                got[k], want[k]
            ),
        );
    }
    // SUM: the same row-major fold from 0 (so the same float additions);
    // REDUCE_ALL: AND of bytes from true.
    let mut sums = vec![0f32; out_len];
    let bools: Vec<u8> = input
        .iter()
        .map(|x| u8::from(x.to_bits() % 3 != 0))
        .collect();
    let mut alls = vec![1u8; out_len];
    for (flat, (&x, &b)) in input.iter().zip(&bools).enumerate() {
        let mut rest = flat;
        let mut coords = vec![0; rank];
        for k in (0..rank).rev() {
            coords[k] = rest % dims[k];
            rest /= dims[k];
        }
        let out = (0..rank)
            .filter(|&k| !reduced[k])
            .fold(0, |acc, k| acc * dims[k] + coords[k]);
        sums[out] += x;
        alls[out] = u8::from(b != 0 && alls[out] != 0);
    }
    let mut got_sums = vec![7f32; out_len];
    let mut got_alls = vec![7u8; out_len];
    if sum_f32(&shape, &input, &mut got_sums).is_err()
        || reduce_all(&shape, &bools, &mut got_alls).is_err()
    {
        return mismatch("sum/reduce_all", format!("{dims:?} {axes:?} refused"));
    }
    if let Some(k) =
        (0..out_len).find(|&k| !same_f32(got_sums[k], sums[k]) || got_alls[k] != alls[k])
    {
        return mismatch("sum/reduce_all", format!("{dims:?} {axes:?}: output {k}"));
    }
    if reduce_max_min(&shape, max, init, &input, &mut vec![0f32; out_len + 1]).is_ok() {
        return mismatch(
            "reduce_max_min",
            "accepted an output one element too long".into(),
        );
    }
    Ok(())
}
