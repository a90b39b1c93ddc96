//! REDUCE_MAX and REDUCE_MIN over the constant int32 axes of input 1, for
//! float32 and int8 (input and output quantization equal, as TFLM checks),
//! keep_dims deciding the output shape (see MEAN).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::reduce::{reduce_max_min, ReduceShape};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::mean::prepare_reduction;
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// REDUCE_MAX.
    reduce_max => ReduceMaxMin<true>, REDUCE_MAX, "float32, int8", versions 1..=2;
    /// REDUCE_MIN.
    reduce_min => ReduceMaxMin<false>, REDUCE_MIN, "float32, int8", versions 1..=2;
}

/// Prepared REDUCE_MAX / REDUCE_MIN parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ReduceMaxMinParams {
    shape: ReduceShape,
    /// 1 for int8, 0 for float32.
    int8: u32,
}

/// REDUCE_MAX (`MAX`) or REDUCE_MIN.
pub struct ReduceMaxMin<const MAX: bool>;

impl<const MAX: bool> Kernel for ReduceMaxMin<MAX> {
    type Params = ReduceMaxMinParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ReduceMaxMinParams>, OpError> {
        let (input, output, shape) = prepare_reduction(ctx)?;
        let int8 = match input.dtype() {
            TensorType::Float32 => false,
            TensorType::Int8 => true,
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
        if int8 {
            let (i, o) = (affine(&input)?, affine(&output)?);
            if f64::from(i.scale) != f64::from(o.scale) || i.zero_point != o.zero_point {
                return Err(OpError::BadQuantization {
                    tensor: output.index(),
                    what: "int8 REDUCE_MAX/MIN needs the input's scale and zero point",
                });
            }
        }
        Ok(Prepared::new(ReduceMaxMinParams {
            shape,
            int8: u32::from(int8),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ReduceMaxMinParams, _: &[u8]) -> Result<(), OpError> {
        if p.int8 != 0 {
            let init = if MAX { i8::MIN } else { i8::MAX };
            let input = ctx.input::<i8>(0)?;
            Ok(reduce_max_min(
                &p.shape,
                MAX,
                init,
                input,
                ctx.output::<i8>()?,
            )?)
        } else {
            let init = if MAX { f32::MIN } else { f32::MAX };
            let input = ctx.input::<f32>(0)?;
            Ok(reduce_max_min(
                &p.shape,
                MAX,
                init,
                input,
                ctx.output::<f32>()?,
            )?)
        }
    }
}
