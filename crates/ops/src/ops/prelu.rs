//! PRELU, as TFLM: float32 (broadcasting up to rank 4), int8, and int16
//! input and output with int8 alpha (broadcasting up to rank 5, with the
//! input, alpha and output each quantized).

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
    prelu => Prelu, PRELU, "float32, int8, int16 (int8 alpha)", versions 1..=1;
}

/// TFLM's float PRELU loop is 4-D.
const MAX_FLOAT_RANK: usize = 4;

/// Prepared parameters: the broadcast, the type, the quantized arithmetic.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct PreluParams {
    shape: BroadcastShape,
    quantized: QuantizedPrelu,
    /// 0 float32, 1 int8, 2 int16 with int8 alpha.
    kind: u32,
}

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const INT16: u32 = 2;

/// PRELU of an input and a broadcast alpha.
pub struct Prelu;

impl Kernel for Prelu {
    type Params = PreluParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<PreluParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, alpha, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let (kind, alpha_type) = match input.dtype() {
            TensorType::Float32 => (FLOAT, TensorType::Float32),
            TensorType::Int8 => (INT8, TensorType::Int8),
            TensorType::Int16 => (INT16, TensorType::Int8),
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype,
                })
            }
        };
        for (tensor, dtype) in [(&alpha, alpha_type), (&output, input.dtype())] {
            if tensor.dtype() != dtype {
                return Err(OpError::UnsupportedType {
                    tensor: tensor.index(),
                    dtype: tensor.dtype(),
                });
            }
        }
        let max_rank = if kind == FLOAT {
            MAX_FLOAT_RANK
        } else {
            MAX_BROADCAST_RANK
        };
        let shape = binary_broadcast(&input, &alpha, &output, max_rank)?;
        let quantized = if kind != FLOAT {
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
            kind,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &PreluParams, _: &[u8]) -> Result<(), OpError> {
        let q = &p.quantized;
        if p.kind == INT16 {
            let (input, alpha) = (ctx.input::<i16>(0)?, ctx.input::<i8>(1)?);
            Ok(broadcast_apply(
                &p.shape,
                input,
                alpha,
                ctx.output::<i16>()?,
                |x, a| q.apply_i16(x, a),
            )?)
        } else if p.kind == INT8 {
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
