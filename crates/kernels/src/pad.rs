//! PAD / PADV2 with a constant value, for any element type.
//!
//! TFLM pads int8 tensors with the output zero point unless PADV2 supplies a
//! value; the caller passes whichever applies as `pad_value`.

use core::fmt;

use bytemuck::{Pod, Zeroable};

/// Largest rank PAD supports.
pub const MAX_PAD_RANK: usize = 6;

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

/// Why a pad cannot be prepared or run.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadError {
    /// The rank exceeds [`MAX_PAD_RANK`].
    RankTooLarge {
        /// Rank found.
        rank: usize,
    },
    /// The number of padding pairs differs from the rank.
    PaddingCount {
        /// Pairs given.
        pairs: usize,
        /// Input rank.
        rank: usize,
    },
    /// A padding amount is negative or too large.
    BadPadding {
        /// Dimension.
        dim: usize,
        /// The amount.
        amount: i64,
    },
    /// An element count does not fit in `u32`.
    TooLarge,
    /// A buffer's length differs from what the shape needs.
    LengthMismatch {
        /// Which buffer ("input" or "output").
        buffer: &'static str,
        /// Elements the shape needs.
        expected: usize,
        /// Elements given.
        found: usize,
    },
}

impl fmt::Display for PadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::RankTooLarge { rank } => write!(f, "pad rank {rank} exceeds {MAX_PAD_RANK}"),
            Self::PaddingCount { pairs, rank } => {
                write!(f, "pad has {pairs} padding pairs for rank {rank}")
            }
            Self::BadPadding { dim, amount } => {
                write!(
                    f,
                    "pad amount {amount} on dimension {dim} is negative or too large"
                )
            }
            Self::TooLarge => write!(f, "pad element count does not fit in u32"),
            Self::LengthMismatch {
                buffer,
                expected,
                found,
            } => {
                write!(f, "pad {buffer} needs {expected} elements, got {found}")
            }
        }
    }
}

impl PadShape {
    /// Describes padding `input_dims` by `paddings[d] = [before, after]`.
    pub fn new(input_dims: &[usize], paddings: &[[i64; 2]]) -> Result<Self, PadError> {
        let rank = input_dims.len();
        if rank > MAX_PAD_RANK {
            return Err(PadError::RankTooLarge { rank });
        }
        if paddings.len() != rank {
            return Err(PadError::PaddingCount {
                pairs: paddings.len(),
                rank,
            });
        }
        let mut shape = Self::zeroed();
        shape.input_dims = [1; MAX_PAD_RANK];
        shape.rank = rank as u32;
        let (mut input_len, mut output_len) = (1u32, 1u32);
        for (dim, (&extent, &[before, after])) in input_dims.iter().zip(paddings).enumerate() {
            let amount =
                |a: i64| u32::try_from(a).map_err(|_| PadError::BadPadding { dim, amount: a });
            let extent = u32::try_from(extent).map_err(|_| PadError::TooLarge)?;
            shape.input_dims[dim] = extent;
            shape.before[dim] = amount(before)?;
            shape.after[dim] = amount(after)?;
            let padded = extent
                .checked_add(shape.before[dim])
                .and_then(|e| e.checked_add(shape.after[dim]))
                .ok_or(PadError::TooLarge)?;
            input_len = input_len.checked_mul(extent).ok_or(PadError::TooLarge)?;
            output_len = output_len.checked_mul(padded).ok_or(PadError::TooLarge)?;
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
) -> Result<(), PadError> {
    let rank = (shape.rank as usize).min(MAX_PAD_RANK);
    let product = |extent: &dyn Fn(usize) -> usize| {
        (0..rank)
            .try_fold(1usize, |acc, d| acc.checked_mul(extent(d)))
            .ok_or(PadError::TooLarge)
    };
    let input_len = product(&|d| shape.input_dims[d] as usize)?;
    let output_len = product(&|d| shape.output_dim(d))?;
    for (buffer, expected, found) in [
        ("input", input_len, input.len()),
        ("output", output_len, output.len()),
    ] {
        if expected != found {
            return Err(PadError::LengthMismatch {
                buffer,
                expected,
                found,
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
