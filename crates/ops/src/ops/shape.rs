//! SHAPE: the input's dimensions as an int32 vector (TFLM's output type;
//! the input may be of any type).

use bytemuck::{Pod, Zeroable};
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};

crate::registry::declare_ops! {
    /// SHAPE.
    shape => Shape, SHAPE, "any -> int32", versions 1..=1;
}

/// Largest input rank SHAPE reports.
const MAX_SHAPE_RANK: usize = 8;

/// Prepared SHAPE parameters: the input's rank and dimensions.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ShapeParams {
    rank: u32,
    dims: [i32; MAX_SHAPE_RANK],
}

/// SHAPE.
pub struct Shape;

impl Kernel for Shape {
    type Params = ShapeParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ShapeParams>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        expect_type(&output, TensorType::Int32)?;
        let rank = input.shape().rank();
        if rank > MAX_SHAPE_RANK {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank,
                max: MAX_SHAPE_RANK,
            });
        }
        if output.element_count() != rank {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output length differs from the input's rank",
            });
        }
        let mut dims = [0i32; MAX_SHAPE_RANK];
        for (k, d) in dims.iter_mut().enumerate().take(rank) {
            let extent = input.shape().dim(k).unwrap_or(0);
            *d = i32::try_from(extent).map_err(|_| OpError::SizeOverflow {
                what: "dimension beyond int32",
            })?;
        }
        Ok(Prepared::new(ShapeParams {
            rank: rank as u32,
            dims,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ShapeParams, _: &[u8]) -> Result<(), OpError> {
        let dims = p.dims.get(..p.rank as usize).unwrap_or_default();
        let output = ctx.output::<i32>()?;
        for (out, &d) in output.iter_mut().zip(dims) {
            *out = d;
        }
        Ok(())
    }
}
