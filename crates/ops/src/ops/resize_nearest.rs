//! RESIZE_NEAREST_NEIGHBOR of 4-D NHWC tensors to the constant int32 size
//! in input 1, with align_corners and half_pixel_centers, for float32, int8
//! and int16, as TFLM (raw copies).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::resize_nearest::{resize_nearest, ResizeNearestShape};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::constant_i32::constant_i32s;
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// RESIZE_NEAREST_NEIGHBOR.
    resize_nearest_neighbor => ResizeNearestNeighbor, RESIZE_NEAREST_NEIGHBOR,
        "float32, int8, int16", versions 1..=4;
}

/// Prepared parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ResizeNearestParams {
    shape: ResizeNearestShape,
    /// Bytes per element: 1, 2 or 4.
    element_size: u32,
}

/// RESIZE_NEAREST_NEIGHBOR.
pub struct ResizeNearestNeighbor;

impl Kernel for ResizeNearestNeighbor {
    type Params = ResizeNearestParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ResizeNearestParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        let element_size = match input.dtype() {
            TensorType::Int8 => 1u32,
            TensorType::Int16 => 2,
            TensorType::Float32 => 4,
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
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_resize_nearest_neighbor_options();
        let (align_corners, half_pixel_centers) = options.map_or((false, false), |o| {
            (o.align_corners(), o.half_pixel_centers())
        });
        Ok(Prepared::new(ResizeNearestParams {
            shape: resize_shape(ctx, align_corners, half_pixel_centers)?,
            element_size,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ResizeNearestParams, _: &[u8]) -> Result<(), OpError> {
        match p.element_size {
            1 => resize_as::<u8>(ctx, &p.shape),
            2 => resize_as::<u16>(ctx, &p.shape),
            _ => resize_as::<u32>(ctx, &p.shape),
        }
    }
}

fn resize_as<T: Pod>(ctx: &mut EvalContext<'_>, shape: &ResizeNearestShape) -> Result<(), OpError> {
    Ok(resize_nearest(
        shape,
        ctx.input::<T>(0)?,
        ctx.output::<T>()?,
    )?)
}

/// The geometry of a resize (RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR):
/// rank-4 input and output, the constant int32 `[height, width]` of input
/// 1, and an output of `[batch, height, width, depth]`.
pub(crate) fn resize_shape(
    ctx: &PrepareContext<'_>,
    align_corners: bool,
    half_pixel_centers: bool,
) -> Result<ResizeNearestShape, OpError> {
    let (input, size, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
    for tensor in [&input, &output] {
        if tensor.shape().rank() != 4 {
            return Err(OpError::UnsupportedRank {
                tensor: tensor.index(),
                rank: tensor.shape().rank(),
                max: 4,
            });
        }
    }
    let [height, width] = constant_i32s::<2>(&size, 2, "size must hold height and width")?;
    let want = [
        Some(dim(&input, 0)?),
        usize::try_from(height).ok(),
        usize::try_from(width).ok(),
        Some(dim(&input, 3)?),
    ];
    for (d, want) in want.iter().enumerate() {
        if Some(dim(&output, d)?) != *want {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output is not [batch, height, width, depth] of the size input",
            });
        }
    }
    Ok(ResizeNearestShape {
        batch: to_u32(dim(&input, 0)?)?,
        input_height: to_u32(dim(&input, 1)?)?,
        input_width: to_u32(dim(&input, 2)?)?,
        depth: to_u32(dim(&input, 3)?)?,
        output_height: to_u32(dim(&output, 1)?)?,
        output_width: to_u32(dim(&output, 2)?)?,
        align_corners: u32::from(align_corners),
        half_pixel_centers: u32::from(half_pixel_centers),
    })
}
