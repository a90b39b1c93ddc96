//! ARG_MAX / ARG_MIN against the naive scan of TFLM's definition: for each
//! (outer, inner), the first axis index whose value beats every earlier one.

use microlite_kernels::arg_min_max::arg_min_max;
use microlite_kernels::split::AxisSlices;

use super::{extent, float_value, mismatch, Mismatch};
use crate::decisions::Decisions;

pub(super) fn arg_min_max_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let rank = 1 + d.below(4);
    let dims: Vec<usize> = (0..rank).map(|_| extent(d, 3, 6)).collect();
    let axis = d.below(rank);
    let Ok(shape) = AxisSlices::new(&dims, axis) else {
        return mismatch("arg_min_max", format!("{dims:?} axis {axis} refused"));
    };
    let outer: usize = dims[..axis].iter().product();
    let inner: usize = dims[axis + 1..].iter().product();
    let extent_axis = dims[axis];
    let max = d.bool();
    let input: Vec<f32> = (0..outer * extent_axis * inner)
        .map(|_| float_value(d))
        .collect();
    let mut got = vec![-1i32; outer * inner];
    if let Err(e) = arg_min_max(&shape, max, &input, &mut got) {
        return mismatch("arg_min_max", format!("{dims:?} axis {axis}: {e}"));
    }
    for o in 0..outer {
        for i in 0..inner {
            let value = |k: usize| input[(o * extent_axis + k) * inner + i];
            let mut best = 0;
            for k in 1..extent_axis {
                let beats = if max {
                    value(k) > value(best)
                } else {
                    value(k) < value(best)
                };
                if beats {
                    best = k;
                }
            }
            if got[o * inner + i] != best as i32 {
                return mismatch(
                    "arg_min_max",
                    format!(
                        "{dims:?} axis {axis} max={max} at ({o}, {i}): {} vs {best}",
                        got[o * inner + i]
                    ),
                );
            }
        }
    }
    if arg_min_max(&shape, max, &input, &mut vec![0i32; outer * inner + 1]).is_ok() {
        return mismatch(
            "arg_min_max",
            "accepted an output one element too long".into(),
        );
    }
    Ok(())
}
