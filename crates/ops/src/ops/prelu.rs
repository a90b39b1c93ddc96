//! PRELU, as TFLM: float32 (broadcasting up to rank 4) and int8
//! (broadcasting up to rank 5, with the input, alpha and output each
//! quantized). int16 input with int8 alpha, which TFLM also runs, is not
//! here yet.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::broadcast::{BroadcastShape, MAX_BROADCAST_RANK};
use microlite_kernels::pairwise::broadcast_apply;
use microlite_kernels::prelu::{prelu_f32, QuantizedPrelu};
use microlite_model::TensorType;

use crate::binary_broadcast::binary_broadcast;
use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// PRELU.
    prelu => Prelu, PRELU, "float32, int8";
}

/// TFLM's float PRELU loop is 4-D.
const MAX_FLOAT_RANK: usize = 4;

/// Prepared parameters: the broadcast, whether int8, the int8 arithmetic.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct PreluParams {
    shape: BroadcastShape,
    quantized: QuantizedPrelu,
    is_int8: u32,
}

/// PRELU of an input and a broadcast alpha.
pub struct Prelu;

impl Kernel for Prelu {
    type Params = PreluParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<PreluParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, alpha, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
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
        for tensor in [&alpha, &output] {
            if tensor.dtype() != input.dtype() {
                return Err(OpError::UnsupportedType {
                    tensor: tensor.index(),
                    dtype: tensor.dtype(),
                });
            }
        }
        let max_rank = if is_int8 {
            MAX_BROADCAST_RANK
        } else {
            MAX_FLOAT_RANK
        };
        let shape = binary_broadcast(&input, &alpha, &output, max_rank)?;
        let quantized = if is_int8 {
            let (qi, qa, qo) = (affine(&input)?, affine(&alpha)?, affine(&output)?);
            QuantizedPrelu::new(
                (qi.scale, qi.zero_point),
                (qa.scale, qa.zero_point),
                (qo.scale, qo.zero_point),
            )
        } else {
            QuantizedPrelu::default()
        };
        Ok(Prepared::new(PreluParams {
            shape,
            quantized,
            is_int8: u32::from(is_int8),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &PreluParams, _: &[u8]) -> Result<(), OpError> {
        if p.is_int8 != 0 {
            let q = &p.quantized;
            let (input, alpha) = (ctx.input::<i8>(0)?, ctx.input::<i8>(1)?);
            Ok(broadcast_apply(
                &p.shape,
                input,
                alpha,
                ctx.output::<i8>()?,
                |x, a| q.apply(x, a),
            )?)
        } else {
            let (input, alpha) = (ctx.input::<f32>(0)?, ctx.input::<f32>(1)?);
            Ok(broadcast_apply(
                &p.shape,
                input,
                alpha,
                ctx.output::<f32>()?,
                prelu_f32,
            )?)
        }
    }
}
