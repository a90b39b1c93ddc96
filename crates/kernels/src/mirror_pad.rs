//! MIRROR_PAD (any element type), as TFLM: each output coordinate maps to
//! an input one by TFLM's `GetInputDimension`, mirroring about the edge
//! (REFLECT, offset 1: the edge element not repeated) or across it
//! (SYMMETRIC, offset 0). Pads are at most the extent (minus one for
//! REFLECT), as TensorFlow requires; the op checks that.

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// Largest rank.
pub const MAX_MIRROR_PAD_RANK: usize = 6;

/// A mirror pad, prepared once.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct MirrorPadShape {
    /// Input dimensions (entries past `rank` are 1).
    pub input_dims: [u32; MAX_MIRROR_PAD_RANK],
    /// Output dimensions.
    pub output_dims: [u32; MAX_MIRROR_PAD_RANK],
    /// Padding before each dimension.
    pub left: [u32; MAX_MIRROR_PAD_RANK],
    /// Rank.
    pub rank: u32,
    /// 1 for REFLECT, 0 for SYMMETRIC.
    pub offset: u32,
}

/// TFLM's `GetInputDimension`.
fn input_coordinate(padded: i64, left: i64, input: i64, offset: i64) -> i64 {
    if padded < left {
        let original = left + offset - 1;
        return original - padded.min(original - offset);
    }
    let padded = padded - left;
    if padded >= input {
        let padded = padded - input;
        let original = input - (1 + offset);
        return original - padded.min(original);
    }
    padded
}

/// Pads `input` into `output`.
pub fn mirror_pad<T: Copy>(
    shape: &MirrorPadShape,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let rank = (shape.rank as usize).min(MAX_MIRROR_PAD_RANK);
    let count = |dims: &[u32]| {
        dims.iter()
            .take(rank)
            .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
            .ok_or(KernelError::TooLarge {
                what: "mirror pad element count",
            })
    };
    crate::check_len("input", count(&shape.input_dims)?, input.len())?;
    crate::check_len("output", count(&shape.output_dims)?, output.len())?;
    let offset = i64::from(shape.offset);
    for (flat, slot) in output.iter_mut().enumerate() {
        let mut rest = flat;
        let mut source = 0usize;
        let mut input_stride = 1usize;
        for d in (0..rank).rev() {
            let extent = shape.output_dims[d] as usize;
            let coordinate = rest % extent.max(1);
            rest /= extent.max(1);
            let c = input_coordinate(
                coordinate as i64,
                i64::from(shape.left[d]),
                i64::from(shape.input_dims[d]),
                offset,
            );
            source += usize::try_from(c).unwrap_or(usize::MAX / 2) * input_stride;
            input_stride *= shape.input_dims[d] as usize;
        }
        let value = input.get(source).ok_or(KernelError::DimensionMismatch {
            what: "mirror pad source inside the input",
            expected: input.len(),
            actual: source,
        })?;
        *slot = *value;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(input: u32, left: u32, right: u32, offset: u32) -> MirrorPadShape {
        let mut s = MirrorPadShape::zeroed();
        s.input_dims = [input, 1, 1, 1, 1, 1];
        s.output_dims = [input + left + right, 1, 1, 1, 1, 1];
        s.left[0] = left;
        s.rank = 1;
        s.offset = offset;
        s
    }

    #[test]
    fn reflect_and_symmetric() {
        let mut out = [0u8; 7];
        mirror_pad(&shape(3, 2, 2, 1), &[1, 2, 3], &mut out).unwrap();
        assert_eq!(out, [3, 2, 1, 2, 3, 2, 1]);
        mirror_pad(&shape(3, 2, 2, 0), &[1, 2, 3], &mut out).unwrap();
        assert_eq!(out, [2, 1, 1, 2, 3, 3, 2]);
    }
}
