//! LOG_SOFTMAX over the last axis (any rank ≥ 1): float32, and int8 → int8
//! with the output quantization TFLM fixes (scale 16/256, zero point 127).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::log_softmax::{
    log_softmax_f32, log_softmax_int8, prepare_log_softmax_int8, LogSoftmaxParams as Quant,
};
use microlite_kernels::softmax::MAX_QUANTIZED_DEPTH;
use microlite_kernels::KernelError;
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;
use crate::shape_check::{dim, same_shape, to_u32};

crate::registry::declare_ops! {
    /// LOG_SOFTMAX.
    log_softmax => LogSoftmax, LOG_SOFTMAX, "float32, int8 (output scale 16/256, zero point 127)",
        versions 1..=2;
}

/// Prepared LOG_SOFTMAX parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct LogSoftmaxParams {
    /// 1 for int8, 0 for float32.
    quantized: u32,
    /// Last dimension: the length of each row (0 = nothing to do).
    depth: u32,
    quant: Quant,
}

/// LOG_SOFTMAX.
pub struct LogSoftmax;

impl Kernel for LogSoftmax {
    type Params = LogSoftmaxParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<LogSoftmaxParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let input = ctx.input(0)?;
        let output = ctx.output(0)?;
        let rank = input.shape().rank();
        if rank == 0 {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "log_softmax input must have at least one dimension",
            });
        }
        if !same_shape(&input, &output) {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape differs from the input shape",
            });
        }
        let depth = dim(&input, rank - 1)?;
        let mut params = LogSoftmaxParams {
            quantized: 0,
            depth: to_u32(depth)?,
            quant: Quant::zeroed(),
        };
        match input.dtype() {
            TensorType::Float32 => expect_type(&output, TensorType::Float32)?,
            TensorType::Int8 => {
                expect_type(&output, TensorType::Int8)?;
                if depth > MAX_QUANTIZED_DEPTH {
                    // TFLM's Q12.19 sum of exponentials can wrap around.
                    return Err(OpError::ShapeMismatch {
                        tensor: input.index(),
                        what: "quantized log_softmax depth above 4095 can overflow the sum",
                    });
                }
                let input_q = affine(&input)?;
                let output_q = affine(&output)?;
                params.quantized = 1;
                params.quant =
                    prepare_log_softmax_int8(input_q.scale, output_q.scale, output_q.zero_point)
                        .map_err(|e| match e {
                            KernelError::OutputQuantization { .. } => OpError::BadQuantization {
                                tensor: output.index(),
                                what:
                                    "int8 log_softmax output must be scale 16/256, zero point 127",
                            },
                            KernelError::MultiplierOutOfRange { .. } => OpError::BadQuantization {
                                tensor: input.index(),
                                what: "log_softmax input scale cannot be rescaled to Q5.26 \
                                       (must exceed 2^-26)",
                            },
                            other => OpError::Kernel(other),
                        })?;
            }
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
                })
            }
        }
        Ok(Prepared::new(params))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &LogSoftmaxParams, _: &[u8]) -> Result<(), OpError> {
        let depth = p.depth as usize;
        if depth == 0 {
            // Empty rows: the tensors have no elements.
            return Ok(());
        }
        let result = if p.quantized == 1 {
            log_softmax_int8(&p.quant, depth, ctx.input::<i8>(0)?, ctx.output::<i8>()?)
        } else {
            log_softmax_f32(depth, ctx.input::<f32>(0)?, ctx.output::<f32>()?)
        };
        result.map_err(OpError::from)
    }
}
