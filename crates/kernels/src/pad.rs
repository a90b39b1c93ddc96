//! PAD / PADV2 with a constant value, for any element type.
//!
//! TFLM pads int8 tensors with the output zero point unless PADV2 supplies a
//! value; the caller passes whichever applies as `pad_value`.

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// Largest rank PAD supports.
pub const MAX_PAD_RANK: usize = 6;

/// An element count or padded extent of a pad does not fit in `u32`.
const TOO_LARGE: KernelError = KernelError::TooLarge {
    what: "pad element count",
};

/// Input shape and per-dimension padding, prepared once.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct PadShape {
    /// Input dimensions; entries past `rank` are 1.
    pub input_dims: [u32; MAX_PAD_RANK],
    /// Elements added before the input along each dimension.
    pub before: [u32; MAX_PAD_RANK],
    /// Elements added after the input along each dimension.
    pub after: [u32; MAX_PAD_RANK],
    /// Rank.
    pub rank: u32,
    /// Input element count (informative; eval recomputes it).
    pub input_len: u32,
    /// Output element count (informative; eval recomputes it).
    pub output_len: u32,
}

impl PadShape {
    /// Describes padding `input_dims` by `paddings[d] = [before, after]`.
    pub fn new(input_dims: &[usize], paddings: &[[i64; 2]]) -> Result<Self, KernelError> {
        let rank = input_dims.len();
        if rank > MAX_PAD_RANK {
            return Err(KernelError::RankTooLarge {
                op: "pad",
                rank,
                max: MAX_PAD_RANK,
            });
        }
        if paddings.len() != rank {
            return Err(KernelError::DimensionMismatch {
                what: "pad padding pairs == rank",
                expected: rank,
                actual: paddings.len(),
            });
        }
        let mut shape = Self::zeroed();
        shape.input_dims = [1; MAX_PAD_RANK];
        shape.rank = rank as u32;
        let (mut input_len, mut output_len) = (1u32, 1u32);
        for (dim, (&extent, &[before, after])) in input_dims.iter().zip(paddings).enumerate() {
            let amount =
                |a: i64| u32::try_from(a).map_err(|_| KernelError::BadPadding { dim, amount: a });
            let extent = u32::try_from(extent).map_err(|_| TOO_LARGE)?;
            shape.input_dims[dim] = extent;
            shape.before[dim] = amount(before)?;
            shape.after[dim] = amount(after)?;
            let padded = extent
                .checked_add(shape.before[dim])
                .and_then(|e| e.checked_add(shape.after[dim]))
                .ok_or(TOO_LARGE)?;
            input_len = input_len.checked_mul(extent).ok_or(TOO_LARGE)?;
            output_len = output_len.checked_mul(padded).ok_or(TOO_LARGE)?;
        }
        shape.input_len = input_len;
        shape.output_len = output_len;
        Ok(shape)
    }

    /// Output extent along dimension `d`.
    pub fn output_dim(&self, d: usize) -> usize {
        match (
            self.input_dims.get(d),
            self.before.get(d),
            self.after.get(d),
        ) {
            (Some(&i), Some(&b), Some(&a)) => (i as usize)
                .saturating_add(b as usize)
                .saturating_add(a as usize),
            _ => 1,
        }
    }
}

/// Pads `input` with `pad_value` into `output`.
pub fn pad<T: Copy>(
    shape: &PadShape,
    pad_value: T,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let rank = (shape.rank as usize).min(MAX_PAD_RANK);
    let product = |extent: &dyn Fn(usize) -> usize| {
        (0..rank)
            .try_fold(1usize, |acc, d| acc.checked_mul(extent(d)))
            .ok_or(TOO_LARGE)
    };
    let input_len = product(&|d| shape.input_dims[d] as usize)?;
    let output_len = product(&|d| shape.output_dim(d))?;
    for (buffer, expected, found) in [
        ("input", input_len, input.len()),
        ("output", output_len, output.len()),
    ] {
        if expected != found {
            return Err(KernelError::LengthMismatch {
                buffer,
                expected,
                actual: found,
            });
        }
    }
    output.iter_mut().for_each(|o| *o = pad_value);
    if rank == 0 {
        output.copy_from_slice(input);
        return Ok(());
    }
    if input.is_empty() {
        return Ok(());
    }
    // Every index below is bounded by the output length checked above.
    let mut out_strides = [0usize; MAX_PAD_RANK];
    let mut stride = 1usize;
    for d in (0..rank).rev() {
        out_strides[d] = stride;
        stride *= shape.output_dim(d);
    }
    // Copy each innermost input row to its padded position.
    let row = shape.input_dims[rank - 1] as usize;
    let mut index = [0usize; MAX_PAD_RANK];
    for source in input.chunks_exact(row) {
        let start: usize = (0..rank)
            .map(|d| (index[d] + shape.before[d] as usize) * out_strides[d])
            .sum();
        if let Some(dest) = output.get_mut(start..start + row) {
            dest.copy_from_slice(source);
        }
        for d in (0..rank - 1).rev() {
            index[d] += 1;
            if index[d] < shape.input_dims[d] as usize {
                break;
            }
            index[d] = 0;
        }
    }
    Ok(())
}
