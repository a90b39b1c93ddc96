//! TRANSPOSE: permutes the dimensions of a tensor of any element type.
//!
//! Output dimension `i` is input dimension `perm[i]`.

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// Largest rank TRANSPOSE supports.
pub const MAX_TRANSPOSE_RANK: usize = 6;

/// An element count of a transpose does not fit in `u32`.
const TOO_LARGE: KernelError = KernelError::TooLarge {
    what: "transpose element count",
};

/// Input shape and permutation, prepared once.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct TransposeShape {
    /// Input dimensions; entries past `rank` are 1.
    pub input_dims: [u32; MAX_TRANSPOSE_RANK],
    /// `perm[i]` is the input dimension that becomes output dimension `i`.
    pub perm: [u32; MAX_TRANSPOSE_RANK],
    /// Rank.
    pub rank: u32,
    /// Element count, same for input and output (informative; eval
    /// recomputes it).
    pub len: u32,
}

impl TransposeShape {
    /// Validates `perm` against `input_dims` (both outermost first).
    pub fn new(input_dims: &[usize], perm: &[i32]) -> Result<Self, KernelError> {
        let rank = input_dims.len();
        if rank > MAX_TRANSPOSE_RANK {
            return Err(KernelError::RankTooLarge {
                op: "transpose",
                rank,
                max: MAX_TRANSPOSE_RANK,
            });
        }
        if perm.len() != rank {
            return Err(KernelError::BadPermutation {
                position: perm.len().min(rank),
            });
        }
        let mut shape = Self::zeroed();
        shape.input_dims = [1; MAX_TRANSPOSE_RANK];
        shape.rank = rank as u32;
        let mut seen = [false; MAX_TRANSPOSE_RANK];
        for (position, &p) in perm.iter().enumerate() {
            let p = usize::try_from(p)
                .ok()
                .filter(|&p| p < rank && !seen[p])
                .ok_or(KernelError::BadPermutation { position })?;
            seen[p] = true;
            shape.perm[position] = p as u32;
        }
        let mut len = 1u32;
        for (slot, &d) in shape.input_dims.iter_mut().zip(input_dims) {
            *slot = u32::try_from(d).map_err(|_| TOO_LARGE)?;
            len = len.checked_mul(*slot).ok_or(TOO_LARGE)?;
        }
        shape.len = len;
        Ok(shape)
    }

    /// Output extent along dimension `i`.
    pub fn output_dim(&self, i: usize) -> usize {
        self.perm
            .get(i)
            .and_then(|&p| self.input_dims.get(p as usize))
            .map_or(1, |&d| d as usize)
    }
}

/// Transposes `input` into `output`.
pub fn transpose<T: Copy>(
    shape: &TransposeShape,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let rank = (shape.rank as usize).min(MAX_TRANSPOSE_RANK);
    let len = shape.input_dims[..rank]
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .ok_or(TOO_LARGE)?;
    for (buffer, found) in [("input", input.len()), ("output", output.len())] {
        if found != len {
            return Err(KernelError::LengthMismatch {
                buffer,
                expected: len,
                actual: found,
            });
        }
    }
    if len == 0 {
        return Ok(());
    }
    // All dimensions are non-zero, so no partial product exceeds `len`.
    let mut in_strides = [0usize; MAX_TRANSPOSE_RANK];
    let mut stride = 1usize;
    for d in (0..rank).rev() {
        in_strides[d] = stride;
        stride *= shape.input_dims[d] as usize;
    }
    // Stride in the input of a step along each output dimension.
    let mut step = [0usize; MAX_TRANSPOSE_RANK];
    let mut out_dims = [1usize; MAX_TRANSPOSE_RANK];
    for i in 0..rank {
        step[i] = in_strides.get(shape.perm[i] as usize).copied().unwrap_or(0);
        out_dims[i] = shape.output_dim(i);
    }
    let mut index = [0usize; MAX_TRANSPOSE_RANK];
    let mut offset = 0usize;
    for o in output.iter_mut() {
        if let Some(&x) = input.get(offset) {
            *o = x;
        }
        for d in (0..rank).rev() {
            index[d] += 1;
            offset = offset.wrapping_add(step[d]);
            if index[d] < out_dims[d] {
                break;
            }
            offset = offset.wrapping_sub(step[d].wrapping_mul(out_dims[d]));
            index[d] = 0;
        }
    }
    Ok(())
}
