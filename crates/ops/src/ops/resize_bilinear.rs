//! RESIZE_BILINEAR of 4-D NHWC tensors to the constant int32 size in input
//! 1, with align_corners and half_pixel_centers (not both, as TFLM), for
//! float32 and int8 (the output keeps the input's quantization).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::resize_bilinear::{
    resize_bilinear_f32, resize_bilinear_i8, ResizeNearestShape,
};
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::resize_nearest::resize_shape;

crate::registry::declare_ops! {
    /// RESIZE_BILINEAR.
    resize_bilinear => ResizeBilinear, RESIZE_BILINEAR, "float32, int8", versions 1..=3;
}

/// Prepared parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ResizeBilinearParams {
    shape: ResizeNearestShape,
    /// 1: int8, 0: float32.
    int8: u32,
}

/// RESIZE_BILINEAR.
pub struct ResizeBilinear;

impl Kernel for ResizeBilinear {
    type Params = ResizeBilinearParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ResizeBilinearParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        let int8 = match input.dtype() {
            TensorType::Int8 => 1,
            TensorType::Float32 => 0,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype,
                })
            }
        };
        expect_type(&output, input.dtype())?;
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_resize_bilinear_options();
        let (align_corners, half_pixel_centers) = options.map_or((false, false), |o| {
            (o.align_corners(), o.half_pixel_centers())
        });
        if align_corners && half_pixel_centers {
            // TFLM: "If half_pixel_centers is True, align_corners must be False."
            return Err(OpError::UnsupportedOption {
                field: "half_pixel_centers (with align_corners)",
                value: 1,
            });
        }
        let shape = resize_shape(ctx, align_corners, half_pixel_centers)?;
        let outputs = [
            shape.batch,
            shape.output_height,
            shape.output_width,
            shape.depth,
        ];
        if !outputs.contains(&0) && (shape.input_height == 0 || shape.input_width == 0) {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "resize_bilinear of an input with no rows or columns",
            });
        }
        Ok(Prepared::new(ResizeBilinearParams { shape, int8 }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ResizeBilinearParams, _: &[u8]) -> Result<(), OpError> {
        let result = if p.int8 == 1 {
            resize_bilinear_i8(&p.shape, ctx.input::<i8>(0)?, ctx.output::<i8>()?)
        } else {
            resize_bilinear_f32(&p.shape, ctx.input::<f32>(0)?, ctx.output::<f32>()?)
        };
        Ok(result?)
    }
}
