//! SPLIT/UNPACK's `copy_axis_slice` and PACK's `place_axis_slice` against
//! the naive definition: element (outer, position, inner) of the input is
//! element (outer, position - start, inner) of the slice.

use microlite_kernels::split::{copy_axis_slice, place_axis_slice, AxisSlices};

use super::{extent, mismatch, Mismatch};
use crate::decisions::Decisions;

pub(super) fn axis_slices(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let rank = 1 + d.below(4);
    let dims: Vec<usize> = (0..rank).map(|_| extent(d, 3, 6)).collect();
    let axis = d.below(rank);
    let shape = match AxisSlices::new(&dims, axis) {
        Ok(shape) => shape,
        Err(e) => return mismatch("axis_slices", format!("{dims:?} axis {axis}: {e}")),
    };
    let outer: usize = dims[..axis].iter().product();
    let inner: usize = dims[axis + 1..].iter().product();
    let extent_axis = dims[axis];
    let start = d.below(extent_axis);
    let size = d.below(extent_axis - start + 1);
    let input: Vec<u16> = (0..outer * extent_axis * inner).map(|_| d.u16()).collect();
    let mut slice = vec![0u16; outer * size * inner];
    if copy_axis_slice(&shape, &input, start, size, &mut slice).is_err() {
        return mismatch(
            "copy_axis_slice",
            format!("{dims:?} {axis} {start}+{size} refused"),
        );
    }
    let mut rebuilt = vec![0u16; input.len()];
    if place_axis_slice(&shape, &slice, start, size, &mut rebuilt).is_err() {
        return mismatch(
            "place_axis_slice",
            format!("{dims:?} {axis} {start}+{size} refused"),
        );
    }
    for o in 0..outer {
        for p in 0..extent_axis {
            for i in 0..inner {
                let at = (o * extent_axis + p) * inner + i;
                let inside = p >= start && p < start + size;
                let want = if inside { input[at] } else { 0 };
                if inside && slice[(o * size + p - start) * inner + i] != input[at] {
                    return mismatch("copy_axis_slice", format!("{dims:?} {axis} at {at}"));
                }
                if rebuilt[at] != want {
                    return mismatch("place_axis_slice", format!("{dims:?} {axis} at {at}"));
                }
            }
        }
    }
    if copy_axis_slice(&shape, &input, start, extent_axis + 1, &mut slice).is_ok() {
        return mismatch("copy_axis_slice", "accepted a slice past the axis".into());
    }
    Ok(())
}
