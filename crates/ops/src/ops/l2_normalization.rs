//! L2_NORMALIZATION over the last axis, as TFLM: float32 and int8 (output
//! at scale 1/128, TFLM's fixed scale, whatever the output tensor
//! declares), rank up to 4, no fused activation.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::l2_normalization::{l2_normalize_f32, l2_normalize_i8};
use microlite_model::schema::{ActivationFunctionType, BuiltinOptions};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// L2_NORMALIZATION.
    l2_normalization => L2Normalization, L2_NORMALIZATION, "float32, int8", versions 1..=2;
}

/// Prepared parameters: the row length, the input zero point, whether int8.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct L2NormalizationParams {
    depth: u32,
    zero_point: i32,
    is_int8: u32,
}

/// L2_NORMALIZATION of the rows of the last axis.
pub struct L2Normalization;

impl Kernel for L2Normalization {
    type Params = L2NormalizationParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<L2NormalizationParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let raw = ctx.operator().raw();
        let activation = match raw.builtin_options_as_l2_norm_options() {
            Some(options) => options.fused_activation_function(),
            None if raw.builtin_options_type() == BuiltinOptions::NONE => {
                ActivationFunctionType::NONE
            }
            None => return Err(OpError::MissingOptions),
        };
        if activation != ActivationFunctionType::NONE {
            return Err(OpError::UnsupportedOption {
                field: "fused_activation_function",
                value: i64::from(activation.0),
            });
        }
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        let is_int8 = match input.dtype() {
            TensorType::Float32 => false,
            TensorType::Int8 => true,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype,
                })
            }
        };
        if output.dtype() != input.dtype() {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        let rank = input.shape().rank();
        if !(1..=4).contains(&rank) {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank,
                max: 4,
            });
        }
        if !input.shape().iter().eq(output.shape().iter()) {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape must equal the input shape",
            });
        }
        let depth = dim(&input, rank - 1)?;
        if depth == 0 {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "the last axis must not be empty",
            });
        }
        let zero_point = if is_int8 {
            affine(&input)?.zero_point
        } else {
            0
        };
        Ok(Prepared::new(L2NormalizationParams {
            depth: to_u32(depth)?,
            zero_point,
            is_int8: u32::from(is_int8),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &L2NormalizationParams, _: &[u8]) -> Result<(), OpError> {
        let depth = p.depth as usize;
        if p.is_int8 != 0 {
            let input = ctx.input::<i8>(0)?;
            Ok(l2_normalize_i8(
                depth,
                p.zero_point,
                input,
                ctx.output::<i8>()?,
            )?)
        } else {
            let input = ctx.input::<f32>(0)?;
            Ok(l2_normalize_f32(depth, input, ctx.output::<f32>()?)?)
        }
    }
}
