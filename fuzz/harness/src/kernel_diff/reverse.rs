//! REVERSE_V2 of a contiguous run of axes against the naive definition:
//! every reversed coordinate `c` of extent `e` becomes `e - 1 - c`.

use microlite_kernels::reverse::reverse;
use microlite_kernels::split::AxisSlices;

use super::{extent, mismatch, Mismatch};
use crate::decisions::Decisions;

pub(super) fn reverse_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let rank = 1 + d.below(4);
    let dims: Vec<usize> = (0..rank).map(|_| extent(d, 3, 5)).collect();
    let first = d.below(rank);
    let last = first + d.below(rank - first);
    let product = |r: std::ops::Range<usize>| dims[r].iter().product::<usize>();
    let shape = AxisSlices {
        outer: product(0..first) as u32,
        axis: product(first..last + 1) as u32,
        inner: product(last + 1..rank) as u32,
    };
    let n = product(0..rank);
    let input: Vec<u16> = (0..n).map(|_| d.u16()).collect();
    let mut got = vec![0u16; n];
    if let Err(e) = reverse(&shape, &input, &mut got) {
        return mismatch("reverse", format!("{dims:?} axes {first}..={last}: {e}"));
    }
    for (flat, &value) in got.iter().enumerate() {
        let mut rest = flat;
        let mut coords = vec![0; rank];
        for k in (0..rank).rev() {
            coords[k] = rest % dims[k];
            rest /= dims[k];
        }
        for k in first..=last {
            coords[k] = dims[k] - 1 - coords[k];
        }
        let source = (0..rank).fold(0, |acc, k| acc * dims[k] + coords[k]);
        if value != input[source] {
            return mismatch(
                "reverse",
                format!("{dims:?} axes {first}..={last} at {flat}"),
            );
        }
    }
    if reverse(&shape, &input, &mut vec![0u16; n + 1]).is_ok() {
        return mismatch("reverse", "accepted an output one element too long".into());
    }
    Ok(())
}
