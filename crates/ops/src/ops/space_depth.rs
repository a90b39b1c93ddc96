//! DEPTH_TO_SPACE and SPACE_TO_DEPTH of 4-D NHWC tensors, float32 and
//! int8, as TFLM (raw copies; input and output of the same type).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::space_depth::{self as kernel, SpaceDepthShape};
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// DEPTH_TO_SPACE.
    depth_to_space => SpaceDepth<true>, DEPTH_TO_SPACE, "float32, int8", versions 1..=2;
    /// SPACE_TO_DEPTH.
    space_to_depth => SpaceDepth<false>, SPACE_TO_DEPTH, "float32, int8", versions 1..=2;
}

/// Prepared parameters: the deep side's shape and the block.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SpaceDepthParams {
    shape: SpaceDepthShape,
    /// 1 for float32, 0 for int8.
    float: u32,
}

/// DEPTH_TO_SPACE (`TO_SPACE`) or SPACE_TO_DEPTH.
pub struct SpaceDepth<const TO_SPACE: bool>;

fn nhwc(tensor: &Tensor<'_>) -> Result<[usize; 4], OpError> {
    if tensor.shape().rank() != 4 {
        return Err(OpError::UnsupportedRank {
            tensor: tensor.index(),
            rank: tensor.shape().rank(),
            max: 4,
        });
    }
    Ok([
        dim(tensor, 0)?,
        dim(tensor, 1)?,
        dim(tensor, 2)?,
        dim(tensor, 3)?,
    ])
}

impl<const TO_SPACE: bool> Kernel for SpaceDepth<TO_SPACE> {
    type Params = SpaceDepthParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SpaceDepthParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        let raw = ctx.operator().raw();
        let block = if TO_SPACE {
            raw.builtin_options_as_depth_to_space_options()
                .map(|o| o.block_size())
        } else {
            raw.builtin_options_as_space_to_depth_options()
                .map(|o| o.block_size())
        }
        .ok_or(OpError::MissingOptions)?;
        let b =
            usize::try_from(block)
                .ok()
                .filter(|&b| b > 0)
                .ok_or(OpError::UnsupportedOption {
                    field: "block_size",
                    value: i64::from(block),
                })?;
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
        if output.dtype() != input.dtype() {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        let (deep, wide) = if TO_SPACE {
            (nhwc(&input)?, nhwc(&output)?)
        } else {
            (nhwc(&output)?, nhwc(&input)?)
        };
        let block_area = b
            .checked_mul(b)
            .ok_or(OpError::SizeOverflow { what: "block" })?;
        let consistent = deep[0] == wide[0]
            && deep[1].checked_mul(b) == Some(wide[1])
            && deep[2].checked_mul(b) == Some(wide[2])
            && wide[3].checked_mul(block_area) == Some(deep[3]);
        if !consistent {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape does not match the input shape and block size",
            });
        }
        Ok(Prepared::new(SpaceDepthParams {
            shape: SpaceDepthShape {
                batch: to_u32(deep[0])?,
                height: to_u32(deep[1])?,
                width: to_u32(deep[2])?,
                depth: to_u32(wide[3])?,
                block: to_u32(b)?,
            },
            float: u32::from(float),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SpaceDepthParams, _: &[u8]) -> Result<(), OpError> {
        if p.float != 0 {
            move_as::<f32, TO_SPACE>(ctx, &p.shape)
        } else {
            move_as::<i8, TO_SPACE>(ctx, &p.shape)
        }
    }
}

fn move_as<T: Pod, const TO_SPACE: bool>(
    ctx: &mut EvalContext<'_>,
    shape: &SpaceDepthShape,
) -> Result<(), OpError> {
    let input = ctx.input::<T>(0)?;
    let output = ctx.output::<T>()?;
    if TO_SPACE {
        Ok(kernel::depth_to_space(shape, input, output)?)
    } else {
        Ok(kernel::space_to_depth(shape, input, output)?)
    }
}
