//! SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND, as TFLM: float32 and int8
//! tensors of rank 3 (NHC) or 4 (NHWC), a constant int32 block shape and
//! constant int32 paddings or crops; every output extent is checked
//! against them (TFLM's prepare does not, and would read out of bounds).
//! Padding is zero bytes. TFLM's pad value is never initialized, so its
//! padded output is leftover bytes that change between runs: padded
//! SPACE_TO_BATCH_ND has no TFLM golden, unpadded it matches bit for bit.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::batch_space::{batch_to_space, space_to_batch, BatchSpaceShape};
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::constant_i32::constant_i32s;
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// SPACE_TO_BATCH_ND.
    space_to_batch_nd => BatchSpace<SPACE_TO_BATCH>, SPACE_TO_BATCH_ND, "float32, int8",
        versions 1..=3;
    /// BATCH_TO_SPACE_ND.
    batch_to_space_nd => BatchSpace<BATCH_TO_SPACE>, BATCH_TO_SPACE_ND, "float32, int8",
        versions 1..=3;
}

const SPACE_TO_BATCH: u32 = 0;
const BATCH_TO_SPACE: u32 = 1;

/// Prepared parameters: the geometry and the element width (1 or 4).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct BatchSpaceParams {
    shape: BatchSpaceShape,
    element_bytes: u32,
}

/// SPACE_TO_BATCH_ND (`OP` = 0) or BATCH_TO_SPACE_ND (1).
pub struct BatchSpace<const OP: u32>;

/// `[batch, height, width, depth]` of a rank-3 (width 1) or rank-4 tensor.
fn nhwc(tensor: &Tensor<'_>) -> Result<[usize; 4], OpError> {
    Ok(match tensor.shape().rank() {
        3 => [dim(tensor, 0)?, dim(tensor, 1)?, 1, dim(tensor, 2)?],
        _ => [
            dim(tensor, 0)?,
            dim(tensor, 1)?,
            dim(tensor, 2)?,
            dim(tensor, 3)?,
        ],
    })
}

impl<const OP: u32> Kernel for BatchSpace<OP> {
    type Params = BatchSpaceParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<BatchSpaceParams>, OpError> {
        ctx.expect_io(3, 3, 1)?;
        let (input, block, pads, output) =
            (ctx.input(0)?, ctx.input(1)?, ctx.input(2)?, ctx.output(0)?);
        let element_bytes = match input.dtype() {
            TensorType::Float32 => 4,
            TensorType::Int8 => 1,
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
        let rank = input.shape().rank();
        if !(3..=4).contains(&rank) || output.shape().rank() != rank {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank,
                max: 4,
            });
        }
        // Rank 3 has one spatial dimension: block [bh], pads [[top, bottom]].
        let (bh, bw, top, bottom, left, right) = if rank == 4 {
            let [bh, bw] = constant_i32s::<2>(&block, 2, "block shape must have 2 values")?;
            let [t, b, l, r] = constant_i32s::<4>(&pads, 4, "paddings/crops must be [2, 2]")?;
            (bh, bw, t, b, l, r)
        } else {
            let [bh] = constant_i32s::<1>(&block, 1, "block shape must have 1 value")?;
            let [t, b] = constant_i32s::<2>(&pads, 2, "paddings/crops must be [1, 2]")?;
            (bh, 1, t, b, 0, 0)
        };
        let [bh, bw, top, bottom, left, right] = [bh, bw, top, bottom, left, right].map(i64::from);
        if bh < 1 || bw < 1 {
            return Err(OpError::ShapeMismatch {
                tensor: block.index(),
                what: "block sizes must be at least 1",
            });
        }
        if top < 0 || bottom < 0 || left < 0 || right < 0 {
            return Err(OpError::ShapeMismatch {
                tensor: pads.index(),
                what: "paddings/crops must be non-negative",
            });
        }
        let (space, batch) = if OP == SPACE_TO_BATCH {
            (nhwc(&input)?, nhwc(&output)?)
        } else {
            (nhwc(&output)?, nhwc(&input)?)
        };
        let as_i64 = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        // The batch side is the padded space side cut into blocks.
        let consistent = as_i64(batch[0]) == as_i64(space[0]).saturating_mul(bh.saturating_mul(bw))
            && as_i64(batch[1]).saturating_mul(bh) == as_i64(space[1]) + top + bottom
            && as_i64(batch[2]).saturating_mul(bw) == as_i64(space[2]) + left + right
            && batch[3] == space[3];
        if !consistent {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape does not follow from the block shape and paddings/crops",
            });
        }
        let u32_of = |v: i64| to_u32(usize::try_from(v).unwrap_or(usize::MAX));
        let shape = BatchSpaceShape {
            space_batch: to_u32(space[0])?,
            space_height: to_u32(space[1])?,
            space_width: to_u32(space[2])?,
            batch_height: to_u32(batch[1])?,
            batch_width: to_u32(batch[2])?,
            depth: to_u32(space[3])?,
            block_height: u32_of(bh)?,
            block_width: u32_of(bw)?,
            top: u32_of(top)?,
            left: u32_of(left)?,
        };
        Ok(Prepared::new(BatchSpaceParams {
            shape,
            element_bytes,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &BatchSpaceParams, _: &[u8]) -> Result<(), OpError> {
        if p.element_bytes == 4 {
            run::<f32, OP>(ctx, &p.shape)
        } else {
            run::<i8, OP>(ctx, &p.shape)
        }
    }
}

/// The op on elements of `T`.
fn run<T: Pod, const OP: u32>(
    ctx: &mut EvalContext<'_>,
    shape: &BatchSpaceShape,
) -> Result<(), OpError> {
    let input = ctx.input::<T>(0)?;
    let output = ctx.output::<T>()?;
    if OP == SPACE_TO_BATCH {
        Ok(space_to_batch(shape, input, output)?)
    } else {
        Ok(batch_to_space(shape, input, output)?)
    }
}
