//! GATHER against the naive definition: output `[b, o, c, i]` is input
//! `[b, o, indices[b, c], i]`; an index outside the axis is an error.

use microlite_kernels::gather::{gather, GatherShape};

use super::{extent, mismatch, Mismatch};
use crate::decisions::Decisions;

pub(super) fn gather_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (batch, outer, axis, inner, coords) = (
        extent(d, 2, 3),
        extent(d, 2, 4),
        extent(d, 4, 6),
        extent(d, 3, 5),
        extent(d, 4, 6),
    );
    let shape = GatherShape {
        batch: batch as u32,
        outer: outer as u32,
        axis: axis as u32,
        inner: inner as u32,
        coords: coords as u32,
    };
    let input: Vec<u16> = (0..batch * outer * axis * inner).map(|_| d.u16()).collect();
    let wild = d.one_in(8);
    let indices: Vec<i32> = (0..batch * coords)
        .map(|_| {
            if wild {
                d.in_range(-2, axis as i32 + 1)
            } else {
                d.below(axis) as i32
            }
        })
        .collect();
    let mut got = vec![0u16; batch * outer * coords * inner];
    let result = gather(&shape, &input, &indices, &mut got);
    let in_range = indices.iter().all(|&k| (0..axis as i32).contains(&k));
    if result.is_ok() != in_range {
        return mismatch(
            "gather",
            format!("indices {indices:?} of {axis}: {result:?}"),
        );
    }
    if !in_range {
        return Ok(());
    }
    for b in 0..batch {
        for o in 0..outer {
            for c in 0..coords {
                let k = indices[b * coords + c] as usize;
                for i in 0..inner {
                    let want = input[((b * outer + o) * axis + k) * inner + i];
                    if got[((b * outer + o) * coords + c) * inner + i] != want {
                        return mismatch("gather", format!("{shape:?} at ({b}, {o}, {c}, {i})"));
                    }
                }
            }
        }
    }
    Ok(())
}
