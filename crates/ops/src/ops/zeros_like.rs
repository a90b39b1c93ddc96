//! ZEROS_LIKE: an output of the input's shape and type, all zeros (TFLM:
//! int8, int32, int64, float32).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::fill::fill;
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};

crate::registry::declare_ops! {
    /// ZEROS_LIKE.
    zeros_like => ZerosLike, ZEROS_LIKE, "int8, int32, int64, float32", versions 1..=1;
}

/// Prepared ZEROS_LIKE parameters: bytes per element.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ZerosLikeParams {
    element_size: u32,
}

/// ZEROS_LIKE.
pub struct ZerosLike;

impl Kernel for ZerosLike {
    type Params = ZerosLikeParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ZerosLikeParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        let element_size = match input.dtype() {
            TensorType::Int8 => 1,
            TensorType::Int32 | TensorType::Float32 => 4,
            TensorType::Int64 => 8,
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
                })
            }
        };
        if output.dtype() != input.dtype() {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        if output.element_count() != input.element_count() {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output element count differs from the input's",
            });
        }
        Ok(Prepared::new(ZerosLikeParams { element_size }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ZerosLikeParams, _: &[u8]) -> Result<(), OpError> {
        // Zero bytes are the zero of every supported type (0.0 for float32).
        match p.element_size {
            1 => fill(0i8, ctx.output::<i8>()?),
            4 => fill(0i32, ctx.output::<i32>()?),
            _ => fill(0i64, ctx.output::<i64>()?),
        }
        Ok(())
    }
}
