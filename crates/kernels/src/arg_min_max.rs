//! ARG_MAX and ARG_MIN along one axis, as TFLM's reference `ArgMinMax`:
//! the index of the first greatest (smallest) value, a value replacing the
//! current one only when strictly greater (smaller): ties keep the earlier
//! index, a NaN is never taken and, first, is never replaced.

use crate::split::AxisSlices;
use crate::KernelError;

/// For each (outer, inner) position of `input` (shape `shape`, the axis
/// the reduced one), the axis index of its greatest (`max`) or smallest
/// value, into `output` (`outer * inner` elements).
pub fn arg_min_max<T: Copy + PartialOrd>(
    shape: &AxisSlices,
    max: bool,
    input: &[T],
    output: &mut [i32],
) -> Result<(), KernelError> {
    let (outer, axis, inner) = (
        shape.outer as usize,
        shape.axis as usize,
        shape.inner as usize,
    );
    let count = |a: usize, b: usize, c: usize| {
        a.checked_mul(b)
            .and_then(|n| n.checked_mul(c))
            .ok_or(KernelError::TooLarge {
                what: "arg min/max element count",
            })
    };
    crate::check_len("input", count(outer, axis, inner)?, input.len())?;
    crate::check_len("output", count(outer, 1, inner)?, output.len())?;
    if axis == 0 {
        return Err(KernelError::InvalidParameter {
            what: "arg min/max axis extent",
            value: 0,
        });
    }
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| input.get((o * axis + k) * inner + i).copied();
            let Some(mut best) = at(0) else { continue };
            let mut best_index = 0i32;
            for k in 1..axis {
                let Some(value) = at(k) else { break };
                let better = if max { value > best } else { value < best };
                if better {
                    best = value;
                    best_index = k as i32;
                }
            }
            if let Some(slot) = output.get_mut(o * inner + i) {
                *slot = best_index;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_extreme_index_along_the_axis() {
        // [2, 3]: along axis 1.
        let shape = AxisSlices::new(&[2, 3], 1).unwrap();
        let mut out = [9i32; 2];
        // A NaN first is never replaced (comparisons with it are false).
        arg_min_max(
            &shape,
            true,
            &[1.0f32, 5.0, 5.0, f32::NAN, -1.0, 2.0],
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [1, 0]);
        arg_min_max(&shape, false, &[3i8, 1, 1, 0, 0, -1], &mut out).unwrap();
        assert_eq!(out, [1, 2]);
        // Along axis 0 of [2, 3].
        let shape = AxisSlices::new(&[2, 3], 0).unwrap();
        let mut out = [9i32; 3];
        arg_min_max(&shape, true, &[1i8, 5, 3, 2, 5, 1], &mut out).unwrap();
        assert_eq!(out, [1, 0, 0]);
        assert!(arg_min_max(&shape, true, &[1i8; 5], &mut out).is_err());
    }
}
