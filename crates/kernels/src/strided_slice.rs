//! STRIDED_SLICE for any element type.
//!
//! `begin`/`end`/`strides` and the begin/end/shrink masks are resolved once
//! into a per-dimension `start`, `stop` and `step` ([`StridedSliceShape`]),
//! with TFLM's rules: negative indices count from the end, indices are
//! clamped to `[0, size]` (`[-1, size - 1]` for negative steps), a masked
//! begin/end means "from the first"/"to the last" element in the step's
//! direction, and a shrunk axis takes exactly the element at `start`.
//! TFLM ignores `ellipsis_mask` and `new_axis_mask`; here they are rejected.

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// Largest rank STRIDED_SLICE supports.
pub const MAX_STRIDED_SLICE_RANK: usize = 6;

/// An element count of a strided slice does not fit in `u32`, or an extent
/// in `i32`.
const TOO_LARGE: KernelError = KernelError::TooLarge {
    what: "strided slice element count",
};

/// The masks of a STRIDED_SLICE operator (bit `d` refers to dimension `d`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StridedSliceMasks {
    /// Ignore `begin[d]` and start at the first element in the step's direction.
    pub begin_mask: i32,
    /// Ignore `end[d]` and stop after the last element in the step's direction.
    pub end_mask: i32,
    /// Not supported (must be 0).
    pub ellipsis_mask: i32,
    /// Not supported (must be 0).
    pub new_axis_mask: i32,
    /// Take only `begin[d]` and drop dimension `d` from the output shape.
    pub shrink_axis_mask: i32,
}

/// Resolved iteration bounds, prepared once.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct StridedSliceShape {
    /// Input dimensions; entries past `rank` are 1.
    pub input_dims: [u32; MAX_STRIDED_SLICE_RANK],
    /// First index visited along each dimension.
    pub start: [i32; MAX_STRIDED_SLICE_RANK],
    /// Exclusive bound along each dimension (in the step's direction).
    pub stop: [i32; MAX_STRIDED_SLICE_RANK],
    /// Step along each dimension (never 0).
    pub step: [i32; MAX_STRIDED_SLICE_RANK],
    /// Number of indices visited along each dimension.
    pub counts: [u32; MAX_STRIDED_SLICE_RANK],
    /// Rank.
    pub rank: u32,
    /// Bit `d` set when dimension `d` is dropped from the output shape.
    pub shrink_axis_mask: u32,
    /// Input element count (informative; eval recomputes it).
    pub input_len: u32,
    /// Output element count (informative; eval recomputes it).
    pub output_len: u32,
}

fn bit(mask: i32, d: usize) -> bool {
    d < 32 && (mask >> d) & 1 != 0
}

/// Clamps `index` (negative counts from the end) into the range valid for
/// the step's direction.
fn clamp_index(index: i32, size: i32, forward: bool) -> i32 {
    let index = if index < 0 {
        index.saturating_add(size)
    } else {
        index
    };
    if forward {
        index.clamp(0, size)
    } else {
        index.clamp(-1, size - 1)
    }
}

impl StridedSliceShape {
    /// Resolves the slice of `input_dims` (outermost first).
    pub fn new(
        input_dims: &[usize],
        begin: &[i32],
        end: &[i32],
        strides: &[i32],
        masks: StridedSliceMasks,
    ) -> Result<Self, KernelError> {
        let rank = input_dims.len();
        if rank > MAX_STRIDED_SLICE_RANK {
            return Err(KernelError::RankTooLarge {
                op: "strided slice",
                rank,
                max: MAX_STRIDED_SLICE_RANK,
            });
        }
        for (what, found) in [
            ("strided slice begin entries == rank", begin.len()),
            ("strided slice end entries == rank", end.len()),
            ("strided slice strides entries == rank", strides.len()),
        ] {
            if found != rank {
                return Err(KernelError::DimensionMismatch {
                    what,
                    expected: rank,
                    actual: found,
                });
            }
        }
        for (mask, value) in [
            ("ellipsis_mask", masks.ellipsis_mask),
            ("new_axis_mask", masks.new_axis_mask),
        ] {
            if value != 0 {
                return Err(KernelError::UnsupportedMask { mask, value });
            }
        }
        let mut shape = Self::zeroed();
        shape.input_dims = [1; MAX_STRIDED_SLICE_RANK];
        shape.step = [1; MAX_STRIDED_SLICE_RANK];
        shape.stop = [1; MAX_STRIDED_SLICE_RANK];
        shape.counts = [1; MAX_STRIDED_SLICE_RANK];
        shape.rank = rank as u32;
        let (mut input_len, mut output_len) = (1u32, 1u32);
        for d in 0..rank {
            let size32 = u32::try_from(input_dims[d]).map_err(|_| TOO_LARGE)?;
            let size = i32::try_from(size32).map_err(|_| TOO_LARGE)?;
            let step = strides[d];
            if step == 0 {
                return Err(KernelError::ZeroStride { dim: d });
            }
            let forward = step > 0;
            let start = if bit(masks.begin_mask, d) {
                if forward {
                    0
                } else {
                    size - 1
                }
            } else {
                clamp_index(begin[d], size, forward)
            };
            let shrink = bit(masks.shrink_axis_mask, d);
            let stop = if shrink {
                if !(0..size).contains(&start) {
                    return Err(KernelError::ShrinkOutOfRange {
                        dim: d,
                        begin: begin[d],
                    });
                }
                start + 1
            } else if bit(masks.end_mask, d) {
                if forward {
                    size
                } else {
                    -1
                }
            } else {
                clamp_index(end[d], size, forward)
            };
            // Number of indices start, start + step, ... strictly before stop.
            let span = i64::from(stop) - i64::from(start);
            let step64 = i64::from(if shrink { 1 } else { step });
            let count = if (span > 0) == (step64 > 0) && span != 0 {
                (span + step64 - step64.signum()) / step64
            } else {
                0
            };
            shape.input_dims[d] = size32;
            shape.start[d] = start;
            shape.stop[d] = stop;
            shape.step[d] = if shrink { 1 } else { step };
            shape.counts[d] = u32::try_from(count).map_err(|_| TOO_LARGE)?;
            if shrink {
                shape.shrink_axis_mask |= 1 << d;
            }
            input_len = input_len.checked_mul(size32).ok_or(TOO_LARGE)?;
            output_len = output_len.checked_mul(shape.counts[d]).ok_or(TOO_LARGE)?;
        }
        shape.input_len = input_len;
        shape.output_len = output_len;
        Ok(shape)
    }

    /// Writes the output shape (shrunk dimensions removed) into `dims` and
    /// returns its rank.
    pub fn output_dims(&self, dims: &mut [usize; MAX_STRIDED_SLICE_RANK]) -> usize {
        let mut rank = 0;
        for d in 0..(self.rank as usize).min(MAX_STRIDED_SLICE_RANK) {
            if self.shrink_axis_mask & (1 << d) == 0 {
                dims[rank] = self.counts[d] as usize;
                rank += 1;
            }
        }
        rank
    }
}

/// Copies the slice described by `shape` from `input` into `output`.
pub fn strided_slice<T: Copy>(
    shape: &StridedSliceShape,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let rank = (shape.rank as usize).min(MAX_STRIDED_SLICE_RANK);
    let product = |dims: &[u32]| {
        dims.iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
            .ok_or(TOO_LARGE)
    };
    let input_len = product(&shape.input_dims[..rank])?;
    let output_len = product(&shape.counts[..rank])?;
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
    if output.is_empty() {
        return Ok(());
    }
    let mut strides = [0i64; MAX_STRIDED_SLICE_RANK];
    let mut stride = 1i64;
    for d in (0..rank).rev() {
        strides[d] = stride;
        stride = stride.wrapping_mul(i64::from(shape.input_dims[d]));
    }
    let mut index = [0u32; MAX_STRIDED_SLICE_RANK];
    let mut offset: i64 = (0..rank)
        .map(|d| i64::from(shape.start[d]) * strides[d])
        .sum();
    for o in output.iter_mut() {
        if let Some(&x) = usize::try_from(offset).ok().and_then(|i| input.get(i)) {
            *o = x;
        }
        for d in (0..rank).rev() {
            index[d] += 1;
            let step = i64::from(shape.step[d]).wrapping_mul(strides[d]);
            offset = offset.wrapping_add(step);
            if index[d] < shape.counts[d] {
                break;
            }
            offset = offset.wrapping_sub(step.wrapping_mul(i64::from(shape.counts[d])));
            index[d] = 0;
        }
    }
    Ok(())
}
