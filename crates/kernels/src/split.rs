//! SPLIT, SPLIT_V and UNPACK: slices of the input along one axis, copied
//! into several outputs; PACK: the inverse (pure data movement, any
//! element type).
//!
//! The input is seen as `[outer, axis, inner]`: an output takes positions
//! `start..start + size` along the axis of every outer block, in order
//! (UNPACK: `size` 1, the axis dropped from the output's shape).

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// The input around the split axis, prepared once.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct AxisSlices {
    /// Product of the dimensions before the axis.
    pub outer: u32,
    /// The axis' extent.
    pub axis: u32,
    /// Product of the dimensions after the axis.
    pub inner: u32,
}

impl AxisSlices {
    /// The input `dims` split around dimension `axis`.
    pub fn new(dims: &[usize], axis: usize) -> Result<Self, KernelError> {
        let out_of_range = KernelError::AxisOutOfRange {
            op: "split",
            axis: i64::try_from(axis).unwrap_or(i64::MAX),
            rank: dims.len(),
        };
        let (before, rest) = dims.split_at_checked(axis).ok_or(out_of_range)?;
        let (&extent, after) = rest.split_first().ok_or(out_of_range)?;
        let product = |d: &[usize]| {
            d.iter()
                .try_fold(1u32, |p, &x| p.checked_mul(u32::try_from(x).ok()?))
                .ok_or(KernelError::TooLarge {
                    what: "split element count",
                })
        };
        let shape = Self {
            outer: product(before)?,
            axis: product(&[extent])?,
            inner: product(after)?,
        };
        shape.elements(extent)?;
        Ok(shape)
    }

    /// Elements of a tensor with `axis_extent` positions along the axis.
    fn elements(&self, axis_extent: usize) -> Result<usize, KernelError> {
        (self.outer as usize)
            .checked_mul(axis_extent)
            .and_then(|n| n.checked_mul(self.inner as usize))
            .ok_or(KernelError::SizeOverflow {
                what: "split tensor",
            })
    }
}

/// Copies positions `start..start + size` along the axis of every outer
/// block of `input` (shape `shape`) into `output`, block after block.
pub fn copy_axis_slice<T: Copy>(
    shape: &AxisSlices,
    input: &[T],
    start: usize,
    size: usize,
    output: &mut [T],
) -> Result<(), KernelError> {
    let axis = shape.axis as usize;
    let inner = shape.inner as usize;
    crate::check_len("input", shape.elements(axis)?, input.len())?;
    crate::check_len("output", shape.elements(size)?, output.len())?;
    let end = start.checked_add(size).filter(|&end| end <= axis);
    if end.is_none() {
        return Err(KernelError::DimensionMismatch {
            what: "split slice end <= axis extent",
            expected: axis,
            actual: start.saturating_add(size),
        });
    }
    let block = axis * inner;
    let piece = size * inner;
    if piece == 0 {
        return Ok(());
    }
    for (source, target) in input
        .chunks_exact(block)
        .zip(output.chunks_exact_mut(piece))
    {
        let from = start * inner;
        if let Some(slice) = source.get(from..from + piece) {
            target.copy_from_slice(slice);
        }
    }
    Ok(())
}

/// The inverse of [`copy_axis_slice`] (PACK): writes `input` into positions
/// `start..start + size` along the axis of every outer block of `output`
/// (shape `shape`).
pub fn place_axis_slice<T: Copy>(
    shape: &AxisSlices,
    input: &[T],
    start: usize,
    size: usize,
    output: &mut [T],
) -> Result<(), KernelError> {
    let axis = shape.axis as usize;
    let inner = shape.inner as usize;
    crate::check_len("output", shape.elements(axis)?, output.len())?;
    crate::check_len("input", shape.elements(size)?, input.len())?;
    let end = start.checked_add(size).filter(|&end| end <= axis);
    if end.is_none() {
        return Err(KernelError::DimensionMismatch {
            what: "pack slice end <= axis extent",
            expected: axis,
            actual: start.saturating_add(size),
        });
    }
    let (block, piece) = (axis * inner, size * inner);
    if piece == 0 {
        return Ok(());
    }
    for (target, source) in output
        .chunks_exact_mut(block)
        .zip(input.chunks_exact(piece))
    {
        let from = start * inner;
        if let Some(slot) = target.get_mut(from..from + piece) {
            slot.copy_from_slice(source);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_along_the_middle_axis() {
        // [2, 3, 2]: split the 3 into [1, 2].
        let input: [i16; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        let shape = AxisSlices::new(&[2, 3, 2], 1).unwrap();
        let mut first = [0i16; 4];
        let mut second = [0i16; 8];
        copy_axis_slice(&shape, &input, 0, 1, &mut first).unwrap();
        copy_axis_slice(&shape, &input, 1, 2, &mut second).unwrap();
        assert_eq!(first, [0, 1, 6, 7]);
        assert_eq!(second, [2, 3, 4, 5, 8, 9, 10, 11]);
        assert!(copy_axis_slice(&shape, &input, 2, 2, &mut second).is_err());
        assert!(copy_axis_slice(&shape, &input, 0, 1, &mut second).is_err());
        assert!(AxisSlices::new(&[2, 3], 2).is_err());
        // Placing the slices back rebuilds the input.
        let mut rebuilt = [0i16; 12];
        place_axis_slice(&shape, &first, 0, 1, &mut rebuilt).unwrap();
        place_axis_slice(&shape, &second, 1, 2, &mut rebuilt).unwrap();
        assert_eq!(rebuilt, input);
        assert!(place_axis_slice(&shape, &second, 2, 2, &mut rebuilt).is_err());
    }
}
