//! SUM (float32, int8, int16) and REDUCE_ALL (bool) over the constant int32 axes
//! of input 1, keep_dims deciding the output shape (see MEAN), as TFLM:
//! quantized SUM requantizes the offset sum by the input/output scale ratio.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::reduce::{
    self as kernel, mean_int16, mean_int8, prepare_sum_int8, sum_f32, MeanQuantParams, ReduceShape,
};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::mean::prepare_reduction;
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// SUM.
    sum => Sum, SUM, "float32, int8, int16", versions 1..=2;
    /// REDUCE_ALL.
    reduce_all => ReduceAll, REDUCE_ALL, "bool", versions 1..=1;
}

const F32: u32 = 0;
const I8: u32 = 1;
const I16: u32 = 2;

/// Prepared SUM / REDUCE_ALL parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ReduceParams {
    shape: ReduceShape,
    quant: MeanQuantParams,
    kind: u32,
}

/// SUM.
pub struct Sum;

impl Kernel for Sum {
    type Params = ReduceParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ReduceParams>, OpError> {
        let (input, output, shape) = prepare_reduction(ctx)?;
        let kind = match input.dtype() {
            TensorType::Float32 => F32,
            TensorType::Int8 => I8,
            TensorType::Int16 => I16,
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
        let mut quant = MeanQuantParams::zeroed();
        if kind != F32 {
            let (i, o) = (affine(&input)?, affine(&output)?);
            quant = prepare_sum_int8(i.scale, i.zero_point, o.scale, o.zero_point);
        }
        Ok(Prepared::new(ReduceParams { shape, quant, kind }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ReduceParams, _: &[u8]) -> Result<(), OpError> {
        if p.kind == I8 {
            let input = ctx.input::<i8>(0)?;
            Ok(mean_int8(&p.shape, &p.quant, input, ctx.output::<i8>()?)?)
        } else if p.kind == I16 {
            let input = ctx.input::<i16>(0)?;
            Ok(mean_int16(&p.shape, &p.quant, input, ctx.output::<i16>()?)?)
        } else {
            let input = ctx.input::<f32>(0)?;
            Ok(sum_f32(&p.shape, input, ctx.output::<f32>()?)?)
        }
    }
}

/// REDUCE_ALL.
pub struct ReduceAll;

impl Kernel for ReduceAll {
    type Params = ReduceParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ReduceParams>, OpError> {
        let (input, output, shape) = prepare_reduction(ctx)?;
        for tensor in [&input, &output] {
            if tensor.dtype() != TensorType::Bool {
                return Err(OpError::UnsupportedType {
                    tensor: tensor.index(),
                    dtype: tensor.dtype(),
                });
            }
        }
        Ok(Prepared::new(ReduceParams {
            shape,
            quant: MeanQuantParams::zeroed(),
            kind: F32,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ReduceParams, _: &[u8]) -> Result<(), OpError> {
        let input = ctx.input::<u8>(0)?;
        Ok(kernel::reduce_all(&p.shape, input, ctx.output::<u8>()?)?)
    }
}
