//! GATHER, as TFLM's: with the input seen as `[batch, outer, axis, inner]`
//! and the indices as `[batch, coords]`, output `[batch, outer, coords,
//! inner]` takes, for each index, the `inner` elements at that position
//! along the axis. An index outside the axis is an error (TFLM would read
//! out of bounds).

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// The sizes of a gather, prepared once.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct GatherShape {
    /// Product of the batch dimensions.
    pub batch: u32,
    /// Product of the input dimensions between the batch ones and the axis.
    pub outer: u32,
    /// The axis' extent.
    pub axis: u32,
    /// Product of the input dimensions after the axis.
    pub inner: u32,
    /// Indices per batch.
    pub coords: u32,
}

fn product(values: &[u32]) -> Result<usize, KernelError> {
    values
        .iter()
        .try_fold(1usize, |acc, &x| acc.checked_mul(x as usize))
        .ok_or(KernelError::TooLarge {
            what: "gather element count",
        })
}

/// Gathers `input` at `indices` into `output`.
pub fn gather<T: Copy>(
    shape: &GatherShape,
    input: &[T],
    indices: &[i32],
    output: &mut [T],
) -> Result<(), KernelError> {
    let GatherShape {
        batch,
        outer,
        axis,
        inner,
        coords,
    } = *shape;
    crate::check_len("input", product(&[batch, outer, axis, inner])?, input.len())?;
    crate::check_len("indices", product(&[batch, coords])?, indices.len())?;
    crate::check_len(
        "output",
        product(&[batch, outer, coords, inner])?,
        output.len(),
    )?;
    let (outer, axis, inner, coords) = (
        outer as usize,
        axis as usize,
        inner as usize,
        coords as usize,
    );
    for b in 0..batch as usize {
        for o in 0..outer {
            for c in 0..coords {
                let index = indices.get(b * coords + c).copied().unwrap_or(-1);
                let at = usize::try_from(index).ok().filter(|&i| i < axis).ok_or(
                    KernelError::InvalidValue {
                        what: "GATHER index outside the axis",
                        position: b * coords + c,
                    },
                )?;
                let from = ((b * outer + o) * axis + at) * inner;
                let to = ((b * outer + o) * coords + c) * inner;
                if let (Some(source), Some(target)) = (
                    input.get(from..from + inner),
                    output.get_mut(to..to + inner),
                ) {
                    target.copy_from_slice(source);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_by_index_and_out_of_range() {
        // Input [3, 2], gather rows [2, 0, 2].
        let shape = GatherShape {
            batch: 1,
            outer: 1,
            axis: 3,
            inner: 2,
            coords: 3,
        };
        let mut out = [0i8; 6];
        gather(&shape, &[1, 2, 3, 4, 5, 6], &[2, 0, 2], &mut out).unwrap();
        assert_eq!(out, [5, 6, 1, 2, 5, 6]);
        assert!(gather(&shape, &[1, 2, 3, 4, 5, 6], &[3, 0, 0], &mut out).is_err());
        assert!(gather(&shape, &[1, 2, 3, 4, 5, 6], &[-1, 0, 0], &mut out).is_err());
    }
}
