//! QUANTIZE: float32 → int8/int16, and requantization between the integer
//! type pairs TFLM's quantize kernel takes (int8 → int8/uint8/int16/int32,
//! uint8 → int8, int16 → int8/int16/int32, int32 → int8/int16). When the
//! output's elements are no larger than the input's it offers to write the
//! output over the input.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::quantize::{
    affine_quantize, requantize, AffineQuantizeParams, QuantizedInt, RequantizeParams,
};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{InPlaceOffer, Kernel, Prepared};
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// QUANTIZE.
    quantize => Quantize, QUANTIZE,
        "float32 -> int8, int16; int8 -> int8, uint8, int16, int32; uint8 -> int8; \
         int16 -> int8, int16, int32; int32 -> int8, int16", versions 1..=2;
}

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

const FLOAT32: i32 = 0;
const INT8: i32 = 1;
const UINT8: i32 = 2;
const INT16: i32 = 3;
const INT32: i32 = 4;

fn code(t: TensorType) -> i32 {
    match t {
        TensorType::Float32 => FLOAT32,
        TensorType::Int8 => INT8,
        TensorType::UInt8 => UINT8,
        TensorType::Int16 => INT16,
        TensorType::Int32 => INT32,
        _ => -1,
    }
}

/// Whether TFLM's QUANTIZE takes `input` → `output` (type codes above).
fn supported(input: i32, output: i32) -> bool {
    match input {
        FLOAT32 => matches!(output, INT8 | INT16),
        INT8 => matches!(output, INT8 | UINT8 | INT16 | INT32),
        UINT8 => output == INT8,
        INT16 => matches!(output, INT8 | INT16 | INT32),
        INT32 => matches!(output, INT8 | INT16),
        _ => false,
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
        if input_type < 0 {
            return Err(OpError::UnsupportedType {
                tensor: input.index(),
                dtype: input.dtype(),
            });
        }
        if !supported(input_type, output_type) {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
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
        if input_type != FLOAT32 {
            let in_q = affine(&input)?;
            let requant =
                RequantizeParams::new(in_q.scale, in_q.zero_point, out_q.scale, out_q.zero_point);
            params.multiplier = requant.multiplier;
            params.shift = requant.shift;
            params.input_zero_point = requant.input_zero_point;
        }
        let mut prepared = Prepared::new(params);
        // Output elements no larger than the input's: the output may be
        // written over the input, element by element.
        let sizes = (input.dtype().element_size(), output.dtype().element_size());
        if let (Some(in_size), Some(out_size)) = sizes {
            if out_size <= in_size {
                prepared.needs.in_place = Some(InPlaceOffer::input(0, 0));
            }
        }
        Ok(prepared)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &QuantizeParams, _: &[u8]) -> Result<(), OpError> {
        let result = if p.input_type == FLOAT32 {
            let q = AffineQuantizeParams {
                scale: p.scale,
                zero_point: p.zero_point,
            };
            match p.output_type {
                INT8 => ctx.map_elements(0, |i: &[f32], o: &mut [i8]| affine_quantize(&q, i, o)),
                _ => ctx.map_elements(0, |i: &[f32], o: &mut [i16]| affine_quantize(&q, i, o)),
            }?
        } else {
            let r = RequantizeParams {
                multiplier: p.multiplier,
                shift: p.shift,
                input_zero_point: p.input_zero_point,
                output_zero_point: p.zero_point,
            };
            match p.input_type {
                INT8 => requantize_to::<i8>(ctx, &r, p.output_type),
                UINT8 => requantize_to::<u8>(ctx, &r, p.output_type),
                INT16 => requantize_to::<i16>(ctx, &r, p.output_type),
                _ => requantize_to::<i32>(ctx, &r, p.output_type),
            }?
        };
        result.map_err(OpError::from)
    }
}

type KernelResult = Result<(), microlite_kernels::KernelError>;

fn requantize_to<I: QuantizedInt + bytemuck::Pod>(
    ctx: &mut EvalContext<'_>,
    params: &RequantizeParams,
    output_type: i32,
) -> Result<KernelResult, OpError> {
    match output_type {
        INT8 => ctx.map_elements(0, |i: &[I], o: &mut [i8]| requantize(params, i, o)),
        UINT8 => ctx.map_elements(0, |i: &[I], o: &mut [u8]| requantize(params, i, o)),
        INT16 => ctx.map_elements(0, |i: &[I], o: &mut [i16]| requantize(params, i, o)),
        _ => ctx.map_elements(0, |i: &[I], o: &mut [i32]| requantize(params, i, o)),
    }
}
