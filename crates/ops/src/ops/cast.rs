//! CAST between int8, int16, int32, uint32, float32 and bool, as TFLM
//! (element values converted, not their quantization: TFLM's CAST ignores
//! it too; to bool, nonzero is true).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::cast::{cast as kernel_cast, CastType};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::to_u32;

crate::registry::declare_ops! {
    /// CAST.
    cast => Cast, CAST, "int8, int16, int32, uint32, float32, bool -> the same six",
        versions 1..=3;
}

/// Prepared CAST parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct CastParams {
    from: u32,
    to: u32,
    count: u32,
}

/// CAST.
pub struct Cast;

fn cast_type(dtype: TensorType) -> Option<CastType> {
    Some(match dtype {
        TensorType::Int8 => CastType::Int8,
        TensorType::Int16 => CastType::Int16,
        TensorType::Int32 => CastType::Int32,
        TensorType::UInt32 => CastType::UInt32,
        TensorType::Float32 => CastType::Float32,
        TensorType::Bool => CastType::Bool,
        _ => return None,
    })
}

impl Kernel for Cast {
    type Params = CastParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<CastParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        let unsupported = |t: &microlite_model::Tensor<'_>| OpError::UnsupportedType {
            tensor: t.index(),
            dtype: t.dtype(),
        };
        let from = cast_type(input.dtype()).ok_or(unsupported(&input))?;
        let to = cast_type(output.dtype()).ok_or(unsupported(&output))?;
        if input.element_count() != output.element_count() {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output element count differs from the input's",
            });
        }
        Ok(Prepared::new(CastParams {
            from: from.code(),
            to: to.code(),
            count: to_u32(input.element_count())?,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &CastParams, _: &[u8]) -> Result<(), OpError> {
        let internal = OpError::Internal("cast type code");
        let from = CastType::from_code(p.from).ok_or(internal)?;
        let to = CastType::from_code(p.to).ok_or(internal)?;
        let input = ctx.input_bytes(0)?;
        Ok(kernel_cast(
            from,
            to,
            p.count as usize,
            input,
            ctx.output::<u8>()?,
        )?)
    }
}
