//! DEQUANTIZE: int8/uint8/int16 → float32, as TFLM's dequantize kernel.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::dequantize::{self as kernel, DequantizeParams as KernelParams};
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// DEQUANTIZE.
    dequantize => Dequantize, DEQUANTIZE, "int8, uint8, int16 -> float32", versions 1..=3;
}

/// Prepared DEQUANTIZE parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct DequantizeParams {
    input_type: u32,
    scale: f32,
    zero_point: i32,
}

/// DEQUANTIZE.
pub struct Dequantize;

impl Kernel for Dequantize {
    type Params = DequantizeParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<DequantizeParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let input = ctx.input(0)?;
        let output = ctx.output(0)?;
        expect_type(&output, TensorType::Float32)?;
        if input.element_count() != output.element_count() {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output element count differs from input",
            });
        }
        let input_type = match input.dtype() {
            TensorType::Int8 => 1,
            TensorType::UInt8 => 2,
            TensorType::Int16 => 3,
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
                })
            }
        };
        let q = affine(&input)?;
        Ok(Prepared::new(DequantizeParams {
            input_type,
            scale: q.scale,
            zero_point: q.zero_point,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &DequantizeParams, _: &[u8]) -> Result<(), OpError> {
        let q = KernelParams {
            scale: p.scale,
            zero_point: p.zero_point,
        };
        let result = match p.input_type {
            1 => {
                let input = ctx.input::<i8>(0)?;
                kernel::dequantize(&q, input, ctx.output::<f32>()?)
            }
            2 => {
                let input = ctx.input::<u8>(0)?;
                kernel::dequantize(&q, input, ctx.output::<f32>()?)
            }
            _ => {
                let input = ctx.input::<i16>(0)?;
                kernel::dequantize(&q, input, ctx.output::<f32>()?)
            }
        };
        result.map_err(OpError::from)
    }
}
