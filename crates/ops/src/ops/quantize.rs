//! QUANTIZE: float32 → int8/uint8/int16, and requantization between integer
//! types, as TFLM's quantize kernel.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::quantize::{
    affine_quantize, requantize, AffineQuantizeParams, QuantizedInt, RequantizeParams,
};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;

/// Prepared QUANTIZE parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct QuantizeParams {
    input_type: i32,
    output_type: i32,
    scale: f32,
    zero_point: i32,
    multiplier: i32,
    shift: i32,
    input_zero_point: i32,
}

/// QUANTIZE.
pub struct Quantize;

fn code(t: TensorType) -> i32 {
    match t {
        TensorType::Float32 => 0,
        TensorType::Int8 => 1,
        TensorType::UInt8 => 2,
        TensorType::Int16 => 3,
        _ => -1,
    }
}

impl Kernel for Quantize {
    type Params = QuantizeParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<QuantizeParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let input = ctx.input(0)?;
        let output = ctx.output(0)?;
        if input.element_count() != output.element_count() {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output element count differs from input",
            });
        }
        let (input_type, output_type) = (code(input.dtype()), code(output.dtype()));
        if output_type <= 0 {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        if input_type < 0 {
            return Err(OpError::UnsupportedType {
                tensor: input.index(),
                dtype: input.dtype(),
            });
        }
        let out_q = affine(&output)?;
        let mut params = QuantizeParams {
            input_type,
            output_type,
            scale: out_q.scale,
            zero_point: out_q.zero_point,
            multiplier: 0,
            shift: 0,
            input_zero_point: 0,
        };
        if input_type != 0 {
            let in_q = affine(&input)?;
            let requant =
                RequantizeParams::new(in_q.scale, in_q.zero_point, out_q.scale, out_q.zero_point);
            params.multiplier = requant.multiplier;
            params.shift = requant.shift;
            params.input_zero_point = requant.input_zero_point;
        }
        Ok(Prepared::new(params))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &QuantizeParams, _: &[u8]) -> Result<(), OpError> {
        let result = if p.input_type == 0 {
            let q = AffineQuantizeParams {
                scale: p.scale,
                zero_point: p.zero_point,
            };
            let input = ctx.input::<f32>(0)?;
            match p.output_type {
                1 => affine_quantize(&q, input, ctx.output::<i8>()?),
                2 => affine_quantize(&q, input, ctx.output::<u8>()?),
                _ => affine_quantize(&q, input, ctx.output::<i16>()?),
            }
        } else {
            let r = RequantizeParams {
                multiplier: p.multiplier,
                shift: p.shift,
                input_zero_point: p.input_zero_point,
                output_zero_point: p.zero_point,
            };
            match p.input_type {
                1 => requantize_to(ctx, &r, ctx.input::<i8>(0)?, p.output_type),
                2 => requantize_to(ctx, &r, ctx.input::<u8>(0)?, p.output_type),
                _ => requantize_to(ctx, &r, ctx.input::<i16>(0)?, p.output_type),
            }?
        };
        result.map_err(|_| OpError::Internal("quantize kernel rejected prepared shapes"))
    }
}

type KernelResult = Result<(), microlite_kernels::KernelError>;

fn requantize_to<I: QuantizedInt>(
    ctx: &mut EvalContext<'_>,
    params: &RequantizeParams,
    input: &[I],
    output_type: i32,
) -> Result<KernelResult, OpError> {
    Ok(match output_type {
        1 => requantize(params, input, ctx.output::<i8>()?),
        2 => requantize(params, input, ctx.output::<u8>()?),
        _ => requantize(params, input, ctx.output::<i16>()?),
    })
}
