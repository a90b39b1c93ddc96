//! CONCATENATION along one axis, for any element type.
//!
//! TFLM copies int8 inputs byte for byte without requantizing them (the
//! converter gives all inputs the output's quantization), so this is pure
//! data movement for every type.

use core::fmt;

use bytemuck::{Pod, Zeroable};

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

/// Why a concatenation cannot be prepared or run.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcatError {
    /// The axis is not below the output rank.
    AxisOutOfRange {
        /// Axis given.
        axis: usize,
        /// Output rank.
        rank: usize,
    },
    /// An element count does not fit in `u32`.
    TooLarge,
    /// An input's length is not a whole number of slices of the output's
    /// outer and inner extents, or it overruns the output's axis.
    BadInput {
        /// Position of the input.
        input: usize,
        /// Its length.
        len: usize,
    },
    /// The inputs' axis extents do not add up to the output's.
    AxisSizeMismatch {
        /// Sum of the inputs' extents.
        inputs: usize,
        /// Output extent.
        output: usize,
    },
    /// The output buffer length differs from the shape's element count.
    OutputLength {
        /// Elements the shape needs.
        expected: usize,
        /// Elements given.
        found: usize,
    },
}

impl fmt::Display for ConcatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::AxisOutOfRange { axis, rank } => {
                write!(
                    f,
                    "concatenation axis {axis} is out of range for rank {rank}"
                )
            }
            Self::TooLarge => write!(f, "concatenation element count does not fit in u32"),
            Self::BadInput { input, len } => {
                write!(
                    f,
                    "concatenation input {input} of {len} elements does not fit the output"
                )
            }
            Self::AxisSizeMismatch { inputs, output } => {
                write!(
                    f,
                    "concatenated inputs span {inputs} along the axis, output has {output}"
                )
            }
            Self::OutputLength { expected, found } => {
                write!(
                    f,
                    "concatenation output needs {expected} elements, got {found}"
                )
            }
        }
    }
}

impl ConcatShape {
    /// Splits `output_dims` (outermost first) around `axis`.
    pub fn new(output_dims: &[usize], axis: usize) -> Result<Self, ConcatError> {
        let rank = output_dims.len();
        let (outer, rest) = output_dims
            .split_at_checked(axis)
            .ok_or(ConcatError::AxisOutOfRange { axis, rank })?;
        let (&axis_size, inner) = rest
            .split_first()
            .ok_or(ConcatError::AxisOutOfRange { axis, rank })?;
        let product = |dims: &[usize]| {
            dims.iter()
                .try_fold(1usize, |acc, &d| acc.checked_mul(d))
                .and_then(|p| u32::try_from(p).ok())
                .ok_or(ConcatError::TooLarge)
        };
        Ok(Self {
            outer_size: product(outer)?,
            inner_size: product(inner)?,
            output_axis_size: u32::try_from(axis_size).map_err(|_| ConcatError::TooLarge)?,
        })
    }

    fn output_len(&self) -> Result<usize, ConcatError> {
        (self.outer_size as usize)
            .checked_mul(self.output_axis_size as usize)
            .and_then(|n| n.checked_mul(self.inner_size as usize))
            .ok_or(ConcatError::TooLarge)
    }

    /// Axis extent of an input of `len` elements (input position `input`).
    fn input_axis_size(&self, input: usize, len: usize) -> Result<usize, ConcatError> {
        let slice = (self.outer_size as usize)
            .checked_mul(self.inner_size as usize)
            .ok_or(ConcatError::TooLarge)?;
        if slice == 0 {
            return if len == 0 {
                Ok(0)
            } else {
                Err(ConcatError::BadInput { input, len })
            };
        }
        if !len.is_multiple_of(slice) {
            return Err(ConcatError::BadInput { input, len });
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
) -> Result<usize, ConcatError> {
    let expected = shape.output_len()?;
    if output.len() != expected {
        return Err(ConcatError::OutputLength {
            expected,
            found: output.len(),
        });
    }
    let axis_size = shape.input_axis_size(0, input.len())?;
    let output_axis = shape.output_axis_size as usize;
    if axis_offset
        .checked_add(axis_size)
        .is_none_or(|end| end > output_axis)
    {
        return Err(ConcatError::BadInput {
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
) -> Result<(), ConcatError> {
    let mut total = 0usize;
    for (position, input) in inputs.iter().enumerate() {
        total = total.saturating_add(shape.input_axis_size(position, input.len())?);
    }
    if total != shape.output_axis_size as usize {
        return Err(ConcatError::AxisSizeMismatch {
            inputs: total,
            output: shape.output_axis_size as usize,
        });
    }
    let mut offset = 0usize;
    for (position, input) in inputs.iter().enumerate() {
        offset += concatenation_copy_input(shape, offset, input, output).map_err(|e| match e {
            ConcatError::BadInput { len, .. } => ConcatError::BadInput {
                input: position,
                len,
            },
            other => other,
        })?;
    }
    Ok(())
}
