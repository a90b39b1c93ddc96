//! CONCATENATION along one axis, for any element type.
//!
//! TFLM copies int8 inputs byte for byte without requantizing them (the
//! converter gives all inputs the output's quantization), so this is pure
//! data movement for every type.

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// An element count of a concatenation does not fit in `u32`.
const TOO_LARGE: KernelError = KernelError::TooLarge {
    what: "concatenation element count",
};

/// The output split around the concatenation axis, prepared once.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ConcatShape {
    /// Product of the output dimensions before the axis.
    pub outer_size: u32,
    /// Product of the output dimensions after the axis.
    pub inner_size: u32,
    /// Output extent along the axis.
    pub output_axis_size: u32,
}

impl ConcatShape {
    /// Splits `output_dims` (outermost first) around `axis`.
    pub fn new(output_dims: &[usize], axis: usize) -> Result<Self, KernelError> {
        let rank = output_dims.len();
        let out_of_range = KernelError::AxisOutOfRange {
            op: "concatenation",
            axis: i64::try_from(axis).unwrap_or(i64::MAX),
            rank,
        };
        let (outer, rest) = output_dims.split_at_checked(axis).ok_or(out_of_range)?;
        let (&axis_size, inner) = rest.split_first().ok_or(out_of_range)?;
        let product = |dims: &[usize]| {
            dims.iter()
                .try_fold(1usize, |acc, &d| acc.checked_mul(d))
                .and_then(|p| u32::try_from(p).ok())
                .ok_or(TOO_LARGE)
        };
        Ok(Self {
            outer_size: product(outer)?,
            inner_size: product(inner)?,
            output_axis_size: u32::try_from(axis_size).map_err(|_| TOO_LARGE)?,
        })
    }

    fn output_len(&self) -> Result<usize, KernelError> {
        (self.outer_size as usize)
            .checked_mul(self.output_axis_size as usize)
            .and_then(|n| n.checked_mul(self.inner_size as usize))
            .ok_or(TOO_LARGE)
    }

    /// Axis extent of an input of `len` elements (input position `input`).
    fn input_axis_size(&self, input: usize, len: usize) -> Result<usize, KernelError> {
        let slice = (self.outer_size as usize)
            .checked_mul(self.inner_size as usize)
            .ok_or(TOO_LARGE)?;
        if slice == 0 {
            return if len == 0 {
                Ok(0)
            } else {
                Err(KernelError::BadConcatInput { input, len })
            };
        }
        if !len.is_multiple_of(slice) {
            return Err(KernelError::BadConcatInput { input, len });
        }
        Ok(len / slice)
    }
}

/// Copies `input` into the output at position `axis_offset` along the axis
/// and returns the input's extent along the axis. Calling it for each input
/// in order, adding up the returned extents, performs the concatenation.
pub fn concatenation_copy_input<T: Copy>(
    shape: &ConcatShape,
    axis_offset: usize,
    input: &[T],
    output: &mut [T],
) -> Result<usize, KernelError> {
    let expected = shape.output_len()?;
    if output.len() != expected {
        return Err(KernelError::LengthMismatch {
            buffer: "output",
            expected,
            actual: output.len(),
        });
    }
    let axis_size = shape.input_axis_size(0, input.len())?;
    let output_axis = shape.output_axis_size as usize;
    if axis_offset
        .checked_add(axis_size)
        .is_none_or(|end| end > output_axis)
    {
        return Err(KernelError::BadConcatInput {
            input: 0,
            len: input.len(),
        });
    }
    let inner = shape.inner_size as usize;
    let chunk = axis_size * inner;
    if chunk == 0 {
        return Ok(axis_size);
    }
    for (outer, source) in input.chunks_exact(chunk).enumerate() {
        let start = (outer * output_axis + axis_offset) * inner;
        if let Some(dest) = output.get_mut(start..start + chunk) {
            dest.copy_from_slice(source);
        }
    }
    Ok(axis_size)
}

/// Concatenates `inputs` along the axis described by `shape`.
pub fn concatenation<T: Copy>(
    shape: &ConcatShape,
    inputs: &[&[T]],
    output: &mut [T],
) -> Result<(), KernelError> {
    let mut total = 0usize;
    for (position, input) in inputs.iter().enumerate() {
        total = total.saturating_add(shape.input_axis_size(position, input.len())?);
    }
    if total != shape.output_axis_size as usize {
        return Err(KernelError::DimensionMismatch {
            what: "concatenation output axis extent == sum of the inputs'",
            expected: shape.output_axis_size as usize,
            actual: total,
        });
    }
    let mut offset = 0usize;
    for (position, input) in inputs.iter().enumerate() {
        offset += concatenation_copy_input(shape, offset, input, output).map_err(|e| match e {
            KernelError::BadConcatInput { len, .. } => KernelError::BadConcatInput {
                input: position,
                len,
            },
            other => other,
        })?;
    }
    Ok(())
}
