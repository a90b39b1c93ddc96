//! FILL: an output of the shape input 0 (constant, 1-D, integer) names,
//! every element input 1's scalar value (TFLM: float32, int32, int8; the
//! dims must equal the output tensor's shape).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::fill::fill as fill_with;
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};

crate::registry::declare_ops! {
    /// FILL.
    fill => Fill, FILL, "float32, int32, int8 (dims: int8, int16, int32, int64)", versions 1..=3;
}

/// Prepared FILL parameters: bytes per element.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct FillParams {
    element_size: u32,
}

/// FILL.
pub struct Fill;

/// Dimension `k` of the constant dims tensor, widened.
fn dims_value(dims: &Tensor<'_>, bytes: &[u8], k: usize) -> Option<i64> {
    let size = dims.dtype().element_size()?;
    let b = bytes.get(k * size..(k + 1) * size)?;
    Some(match dims.dtype() {
        TensorType::Int8 => i64::from(*b.first()? as i8),
        TensorType::Int16 => i64::from(i16::from_le_bytes(b.try_into().ok()?)),
        TensorType::Int32 => i64::from(i32::from_le_bytes(b.try_into().ok()?)),
        TensorType::Int64 => i64::from_le_bytes(b.try_into().ok()?),
        _ => return None,
    })
}

impl Kernel for Fill {
    type Params = FillParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<FillParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (dims, value, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        if value.shape().rank() != 0 {
            return Err(OpError::ShapeMismatch {
                tensor: value.index(),
                what: "the value must be a scalar",
            });
        }
        let element_size = match value.dtype() {
            TensorType::Int8 => 1,
            TensorType::Int32 | TensorType::Float32 => 4,
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: value.index(),
                    dtype: other,
                })
            }
        };
        if output.dtype() != value.dtype() {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        if !matches!(
            dims.dtype(),
            TensorType::Int8 | TensorType::Int16 | TensorType::Int32 | TensorType::Int64
        ) {
            return Err(OpError::UnsupportedType {
                tensor: dims.index(),
                dtype: dims.dtype(),
            });
        }
        let bytes = dims.data().ok_or(OpError::NotConstant {
            tensor: dims.index(),
        })?;
        let rank = output.shape().rank();
        let matches = dims.shape().rank() == 1
            && dims.element_count() == rank
            && (0..rank).all(|k| {
                let extent = output.shape().dim(k).and_then(|d| i64::try_from(d).ok());
                extent.is_some() && dims_value(&dims, bytes, k) == extent
            });
        if !matches {
            return Err(OpError::ShapeMismatch {
                tensor: dims.index(),
                what: "dims differ from the output's shape",
            });
        }
        Ok(Prepared::new(FillParams { element_size }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &FillParams, _: &[u8]) -> Result<(), OpError> {
        let missing = OpError::Internal("FILL value");
        if p.element_size == 1 {
            let value = *ctx.input::<i8>(1)?.first().ok_or(missing)?;
            fill_with(value, ctx.output::<i8>()?);
        } else {
            // float32 and int32: the value's bits.
            let value = *ctx.input::<u32>(1)?.first().ok_or(missing)?;
            fill_with(value, ctx.output::<u32>()?);
        }
        Ok(())
    }
}
