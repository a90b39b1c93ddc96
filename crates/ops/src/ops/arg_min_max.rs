//! ARG_MAX and ARG_MIN along the axis in the constant int32 input 1, for
//! float32 and int8 inputs into int32 indices, as TFLM (which takes no
//! other types; an int8 input is compared as stored).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::arg_min_max::arg_min_max;
use microlite_kernels::split::AxisSlices;
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::constant_i32::constant_i32s;
use crate::shape_check::{dim, prefix};

crate::registry::declare_ops! {
    /// ARG_MAX.
    arg_max => ArgMinMax<true>, ARG_MAX, "float32, int8 -> int32", versions 1..=2;
    /// ARG_MIN.
    arg_min => ArgMinMax<false>, ARG_MIN, "float32, int8 -> int32", versions 1..=2;
}

/// Largest input rank handled.
const MAX_RANK: usize = 6;

/// Prepared ARG_MAX / ARG_MIN parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ArgMinMaxParams {
    shape: AxisSlices,
    /// 1 for float32, 0 for int8.
    float: u32,
}

/// ARG_MAX (`MAX`) or ARG_MIN.
pub struct ArgMinMax<const MAX: bool>;

impl<const MAX: bool> Kernel for ArgMinMax<MAX> {
    type Params = ArgMinMaxParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ArgMinMaxParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, axis_t, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let float = match input.dtype() {
            TensorType::Float32 => true,
            TensorType::Int8 => false,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype,
                })
            }
        };
        if output.dtype() != TensorType::Int32 {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        let rank = input.shape().rank();
        if rank == 0 || rank > MAX_RANK {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank,
                max: MAX_RANK,
            });
        }
        let [axis] = constant_i32s::<1>(&axis_t, 1, "axis must hold one value")?;
        let resolved = if axis < 0 { axis + rank as i32 } else { axis };
        let axis_at = usize::try_from(resolved).ok().filter(|&a| a < rank).ok_or(
            OpError::UnsupportedOption {
                field: "axis",
                value: i64::from(axis),
            },
        )?;
        let mut dims = [0usize; MAX_RANK];
        for (slot, d) in dims.iter_mut().zip(input.shape().iter()) {
            *slot = d;
        }
        let dims = prefix(&dims, rank)?;
        if dims.get(axis_at) == Some(&0) {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "the reduced axis is empty",
            });
        }
        let kept = dims.iter().enumerate().filter(|&(d, _)| d != axis_at);
        let matches = output.shape().rank() + 1 == rank
            && kept
                .enumerate()
                .all(|(d, (_, &want))| dim(&output, d).is_ok_and(|got| got == want));
        if !matches {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output is not the input shape without the axis",
            });
        }
        Ok(Prepared::new(ArgMinMaxParams {
            shape: AxisSlices::new(dims, axis_at)?,
            float: u32::from(float),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ArgMinMaxParams, _: &[u8]) -> Result<(), OpError> {
        if p.float != 0 {
            let input = ctx.input::<f32>(0)?;
            Ok(arg_min_max(&p.shape, MAX, input, ctx.output::<i32>()?)?)
        } else {
            let input = ctx.input::<i8>(0)?;
            Ok(arg_min_max(&p.shape, MAX, input, ctx.output::<i32>()?)?)
        }
    }
}
