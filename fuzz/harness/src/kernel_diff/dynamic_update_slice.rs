//! DYNAMIC_UPDATE_SLICE (`microlite_kernels::dynamic_update_slice`): every
//! output element against the definition: the update's element where the
//! multi-index lies in the block at the clamped start, else the operand's.

use microlite_kernels::dynamic_update_slice::{dynamic_update_slice, MAX_DIMS};

use super::{mismatch, Mismatch};
use crate::decisions::Decisions;

const KERNEL: &str = "dynamic_update_slice";

pub(super) fn dynamic_update_slice_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let rank = 1 + d.below(MAX_DIMS.min(4));
    let operand_dims: Vec<usize> = (0..rank).map(|_| 1 + d.below(4)).collect();
    let update_dims: Vec<usize> = operand_dims.iter().map(|&n| d.below(n + 1)).collect();
    let start: Vec<i64> = (0..rank).map(|_| i64::from(d.in_range(-3, 6))).collect();
    let n: usize = operand_dims.iter().product();
    let operand: Vec<i32> = (0..n).map(|_| d.i32()).collect();
    let update: Vec<i32> = (0..update_dims.iter().product()).map(|_| d.i32()).collect();
    let mut got = vec![0i32; n];
    if let Err(e) = dynamic_update_slice(
        &operand_dims,
        &update_dims,
        &start,
        &operand,
        &update,
        &mut got,
    ) {
        return mismatch(KERNEL, format!("rejected consistent buffers: {e}"));
    }
    let first: Vec<usize> = (0..rank)
        .map(|k| start[k].clamp(0, (operand_dims[k] - update_dims[k]) as i64) as usize)
        .collect();
    for (flat, &value) in got.iter().enumerate() {
        let mut rest = flat;
        let mut index = vec![0; rank];
        for k in (0..rank).rev() {
            index[k] = rest % operand_dims[k];
            rest /= operand_dims[k];
        }
        let inside =
            (0..rank).all(|k| index[k] >= first[k] && index[k] < first[k] + update_dims[k]);
        let expected = if inside {
            let mut u = 0;
            for k in 0..rank {
                u = u * update_dims[k] + (index[k] - first[k]);
            }
            update[u]
        } else {
            operand[flat]
        };
        if value != expected {
            return mismatch(
                KERNEL,
                format!("{operand_dims:?} by {update_dims:?} at {start:?}: element {flat} {value} vs {expected}"),
            );
        }
    }
    Ok(())
}
