//! SELECT_V2: `condition ? x : y` elementwise, the three inputs broadcast to
//! the output's shape, as TFLM's `BroadcastSelect5DSlow` (and `Select` when
//! no broadcast is needed, which gives the same elements).

use bytemuck::{Pod, Zeroable};

use crate::broadcast::{BroadcastShape, MAX_BROADCAST_RANK};
use crate::KernelError;

/// Each input's broadcast onto the output (`input1` of each shape is that
/// input; `input2` is the output itself).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct SelectShape {
    /// The condition onto the output.
    pub condition: BroadcastShape,
    /// `x` onto the output.
    pub x: BroadcastShape,
    /// `y` onto the output.
    pub y: BroadcastShape,
}

impl SelectShape {
    /// The broadcasts of `condition`, `x` and `y` onto `output` (dims
    /// outermost first).
    pub fn new(
        condition: &[usize],
        x: &[usize],
        y: &[usize],
        output: &[usize],
    ) -> Result<Self, KernelError> {
        Ok(Self {
            condition: BroadcastShape::new(condition, output, output)?,
            x: BroadcastShape::new(x, output, output)?,
            y: BroadcastShape::new(y, output, output)?,
        })
    }
}

/// `condition[c] != 0 ? x[i] : y[j]` into every output element.
pub fn select<T: Copy>(
    shape: &SelectShape,
    condition: &[u8],
    x: &[T],
    y: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    shape
        .condition
        .check_lengths(condition.len(), output.len(), output.len())?;
    shape.x.check_lengths(x.len(), output.len(), output.len())?;
    shape.y.check_lengths(y.len(), output.len(), output.len())?;
    let dims = shape.condition.output_dims.map(|d| d as usize);
    let strides = [
        shape.condition.input1_strides,
        shape.x.input1_strides,
        shape.y.input1_strides,
    ]
    .map(|s| s.map(|v| v as usize));
    if dims != shape.x.output_dims.map(|d| d as usize)
        || dims != shape.y.output_dims.map(|d| d as usize)
    {
        return Err(KernelError::DimensionMismatch {
            what: "select output dims agree",
            expected: output.len(),
            actual: 0,
        });
    }
    let mut index = [0usize; MAX_BROADCAST_RANK];
    let mut at = [0usize; 3];
    for slot in output.iter_mut() {
        let take_x = condition.get(at[0]).is_some_and(|&c| c != 0);
        let value = if take_x { x.get(at[1]) } else { y.get(at[2]) };
        if let Some(&v) = value {
            *slot = v;
        }
        // Advance the odometer from the innermost dimension.
        for dim in (0..MAX_BROADCAST_RANK).rev() {
            index[dim] += 1;
            for (a, s) in at.iter_mut().zip(&strides) {
                *a = a.wrapping_add(s[dim]);
            }
            if index[dim] < dims[dim] {
                break;
            }
            for (a, s) in at.iter_mut().zip(&strides) {
                *a = a.wrapping_sub(s[dim].wrapping_mul(dims[dim]));
            }
            index[dim] = 0;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_way_broadcast() {
        // condition [2, 1], x [1, 3], y scalar-like [1] → [2, 3].
        let shape = SelectShape::new(&[2, 1], &[1, 3], &[1], &[2, 3]).unwrap();
        let mut out = [0i16; 6];
        select(&shape, &[1, 0], &[1, 2, 3], &[9], &mut out).unwrap();
        assert_eq!(out, [1, 2, 3, 9, 9, 9]);
        assert!(select(&shape, &[1, 0, 1], &[1, 2, 3], &[9], &mut out).is_err());
    }
}
