//! ADD_N, as TFLM: two or more inputs of one shape and type (float32, or
//! int8 sharing one scale and zero point), summed elementwise.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::add_n::{add_n_f32, add_n_i8, QuantizedAddN};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext, MAX_OP_INPUTS};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// ADD_N.
    add_n => AddN, ADD_N, "float32, int8", versions 1..=1;
}

/// Prepared parameters: the input count, whether int8, and the int8
/// arithmetic.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct AddNParams {
    quantized: QuantizedAddN,
    inputs: u32,
    is_int8: u32,
}

/// ADD_N of its inputs.
pub struct AddN;

impl Kernel for AddN {
    type Params = AddNParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<AddNParams>, OpError> {
        ctx.expect_io(2, MAX_OP_INPUTS, 1)?;
        let count = ctx.operator().inputs().len();
        let (first, output) = (ctx.input(0)?, ctx.output(0)?);
        let is_int8 = match output.dtype() {
            TensorType::Float32 => false,
            TensorType::Int8 => true,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: output.index(),
                    dtype,
                })
            }
        };
        let first_q = if is_int8 { Some(affine(&first)?) } else { None };
        for k in 0..count {
            let input = ctx.input(k)?;
            if input.dtype() != output.dtype() {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: input.dtype(),
                });
            }
            if !input.shape().iter().eq(first.shape().iter()) {
                return Err(OpError::ShapeMismatch {
                    tensor: input.index(),
                    what: "ADD_N inputs must share one shape",
                });
            }
            if let Some(q) = first_q {
                let this = affine(&input)?;
                // TFLM compares the scales as floats.
                #[allow(clippy::float_cmp)]
                let same = this.scale == q.scale && this.zero_point == q.zero_point;
                if !same {
                    return Err(OpError::BadQuantization {
                        tensor: input.index(),
                        what: "ADD_N inputs must share one scale and zero point",
                    });
                }
            }
        }
        if output.element_count() != first.element_count() {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "ADD_N output must have the inputs' element count",
            });
        }
        let quantized = match first_q {
            Some(q) => {
                let out_q = affine(&output)?;
                QuantizedAddN::new(q.scale, q.zero_point, out_q.scale, out_q.zero_point).ok_or(
                    OpError::BadQuantization {
                        tensor: output.index(),
                        what: "output rescaling multiplier not below one",
                    },
                )?
            }
            None => QuantizedAddN::default(),
        };
        Ok(Prepared::new(AddNParams {
            quantized,
            inputs: count as u32,
            is_int8: u32::from(is_int8),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &AddNParams, _: &[u8]) -> Result<(), OpError> {
        if p.is_int8 != 0 {
            let mut inputs: [&[i8]; MAX_OP_INPUTS] = [&[]; MAX_OP_INPUTS];
            let count = gather(ctx, p.inputs, &mut inputs)?;
            let inputs = inputs.get(..count).unwrap_or_default();
            Ok(add_n_i8(&p.quantized, inputs, ctx.output::<i8>()?)?)
        } else {
            let mut inputs: [&[f32]; MAX_OP_INPUTS] = [&[]; MAX_OP_INPUTS];
            let count = gather(ctx, p.inputs, &mut inputs)?;
            let inputs = inputs.get(..count).unwrap_or_default();
            Ok(add_n_f32(inputs, ctx.output::<f32>()?)?)
        }
    }
}

/// The first `count` inputs' data into `slots`; returns how many.
fn gather<'h, T: Pod>(
    ctx: &EvalContext<'h>,
    count: u32,
    slots: &mut [&'h [T]; MAX_OP_INPUTS],
) -> Result<usize, OpError> {
    let count = (count as usize).min(MAX_OP_INPUTS);
    for (k, slot) in slots.iter_mut().enumerate().take(count) {
        *slot = ctx.input::<T>(k)?;
    }
    Ok(count)
}
