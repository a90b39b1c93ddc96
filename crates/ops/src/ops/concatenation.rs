//! CONCATENATION of 1 to 10 inputs along one axis (negative counts from the
//! end), for float32, int8, int16, int32, int64 and bool, as TFLM.
//!
//! Like TFLM, int8 inputs are copied byte for byte: their quantization is
//! not compared with the output's (the converter gives them all the same).
//! Only `fused_activation_function = NONE` is supported, as in TFLM.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::concatenation::{self as kernel, ConcatShape};
use microlite_kernels::KernelError;
use microlite_model::schema::ActivationFunctionType;
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::prefix;
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// CONCATENATION.
    concatenation => Concatenation, CONCATENATION, "float32, int8, int16, int32, int64, bool",
        versions 1..=3;
}

/// Most inputs TFLM's CONCATENATION accepts.
pub const MAX_CONCAT_INPUTS: usize = 10;

/// Largest rank TFLM's CONCATENATION accepts.
const MAX_CONCAT_RANK: usize = 6;

/// Prepared CONCATENATION parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ConcatenationParams {
    /// The output split around the axis, `inner_size` counted in bytes so
    /// that every dtype is copied as raw bytes.
    shape: ConcatShape,
    /// Number of inputs.
    inputs: u32,
}

/// CONCATENATION.
pub struct Concatenation;

impl Kernel for Concatenation {
    type Params = ConcatenationParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ConcatenationParams>, OpError> {
        ctx.expect_io(1, MAX_CONCAT_INPUTS, 1)?;
        let raw = ctx.operator().raw();
        let (axis, activation) = match raw.builtin_options_as_concatenation_options() {
            Some(o) => (o.axis(), o.fused_activation_function()),
            None if raw.builtin_options_type() == microlite_model::schema::BuiltinOptions::NONE => {
                (0, ActivationFunctionType::NONE)
            }
            None => return Err(OpError::MissingOptions),
        };
        if activation != ActivationFunctionType::NONE {
            return Err(OpError::UnsupportedOption {
                field: "fused_activation_function",
                value: i64::from(activation.0),
            });
        }
        let output = ctx.output(0)?;
        let dtype = output.dtype();
        if !matches!(
            dtype,
            TensorType::Float32
                | TensorType::Int8
                | TensorType::Int16
                | TensorType::Int32
                | TensorType::Int64
                | TensorType::Bool
        ) {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype,
            });
        }
        let rank = output.shape().rank();
        if rank > MAX_CONCAT_RANK {
            return Err(OpError::UnsupportedRank {
                tensor: output.index(),
                rank,
                max: MAX_CONCAT_RANK,
            });
        }
        let resolved = if axis < 0 {
            i64::from(axis) + rank as i64
        } else {
            i64::from(axis)
        };
        let axis_index = usize::try_from(resolved).ok().filter(|&a| a < rank).ok_or(
            OpError::UnsupportedOption {
                field: "axis",
                value: i64::from(axis),
            },
        )?;

        let count = ctx.operator().inputs().len();
        let mut axis_total = 0usize;
        for k in 0..count {
            let input = ctx.input(k)?;
            if input.dtype() != dtype {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: input.dtype(),
                });
            }
            let same_rank = input.shape().rank() == rank;
            let other_dims_match = input
                .shape()
                .iter()
                .zip(output.shape().iter())
                .enumerate()
                .all(|(d, (a, b))| d == axis_index || a == b);
            if !same_rank || !other_dims_match {
                return Err(OpError::ShapeMismatch {
                    tensor: input.index(),
                    what: "input rank or dimensions off the axis differ from the output's",
                });
            }
            axis_total =
                axis_total
                    .checked_add(dim(&input, axis_index)?)
                    .ok_or(OpError::SizeOverflow {
                        what: "concatenated axis",
                    })?;
        }
        if axis_total != dim(&output, axis_index)? {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output extent along the axis is not the sum of the inputs'",
            });
        }

        let mut dims = [0usize; MAX_CONCAT_RANK];
        for (slot, d) in dims.iter_mut().zip(output.shape().iter()) {
            *slot = d;
        }
        let too_large = OpError::SizeOverflow {
            what: "concatenation output",
        };
        let mut shape =
            ConcatShape::new(prefix(&dims, rank)?, axis_index).map_err(|e| match e {
                KernelError::TooLarge { .. } => too_large,
                other => OpError::Kernel(other),
            })?;
        let element_size = dtype.element_size().ok_or(too_large)?;
        shape.inner_size = shape
            .inner_size
            .checked_mul(to_u32(element_size)?)
            .ok_or(too_large)?;
        Ok(Prepared::new(ConcatenationParams {
            shape,
            inputs: to_u32(count)?,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ConcatenationParams, _: &[u8]) -> Result<(), OpError> {
        let mut inputs: [&[u8]; MAX_CONCAT_INPUTS] = [&[]; MAX_CONCAT_INPUTS];
        let count = (p.inputs as usize).min(MAX_CONCAT_INPUTS);
        for (k, slot) in inputs.iter_mut().enumerate().take(count) {
            *slot = ctx.input_bytes(k)?;
        }
        let inputs = inputs.get(..count).unwrap_or_default();
        kernel::concatenation(&p.shape, inputs, ctx.output::<u8>()?).map_err(OpError::from)
    }
}
