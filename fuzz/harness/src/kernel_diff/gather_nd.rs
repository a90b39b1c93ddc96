//! GATHER_ND (`microlite_kernels::gather_nd`) against a multi-index
//! definition: the tuple's flat offset (TFLM checks only that it lies in
//! params), then the slice after it.

use microlite_kernels::gather_nd::{gather_nd, MAX_INDICES_ND};

use super::{mismatch, Mismatch};
use crate::decisions::Decisions;

const KERNEL: &str = "gather_nd";

pub(super) fn gather_nd_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let rank = 1 + d.below(4);
    let dims: Vec<usize> = (0..rank).map(|_| 1 + d.below(4)).collect();
    let nd = d.below(rank + 1).min(MAX_INDICES_ND);
    let params: Vec<i32> = (0..dims.iter().product::<usize>())
        .map(|_| d.i32())
        .collect();
    let tuples = 1 + d.below(4);
    let indices: Vec<i32> = (0..tuples * nd)
        .map(|k| {
            let extent = dims[k % nd.max(1)] as i32;
            if d.one_in(10) {
                d.in_range(-2, extent + 2)
            } else {
                d.in_range(0, extent - 1)
            }
        })
        .collect();
    let mut strides = [0usize; MAX_INDICES_ND];
    for (j, s) in strides.iter_mut().enumerate().take(nd) {
        *s = dims[j + 1..].iter().product();
    }
    let slice: usize = dims[nd..].iter().product();
    let mut got = vec![0i32; tuples * slice];
    let result = gather_nd(&params, &indices, nd, &strides, slice, &mut got);
    // The definition: flat offset by strides; outside params is an error.
    let mut expected = Vec::new();
    let mut valid = true;
    for t in 0..tuples {
        let offset: i64 = (0..nd)
            .map(|j| i64::from(indices[t * nd + j]) * strides[j] as i64)
            .sum();
        if offset < 0 || offset as usize + slice > params.len() {
            valid = false;
            break;
        }
        expected.extend_from_slice(&params[offset as usize..offset as usize + slice]);
    }
    match (valid, result) {
        (true, Ok(())) if got == expected => Ok(()),
        (false, Err(_)) => Ok(()),
        (_, result) => mismatch(
            KERNEL,
            format!("{dims:?} nd {nd} indices {indices:?}: expected {expected:?}, got {result:?} {got:?}"),
        ),
    }
}
