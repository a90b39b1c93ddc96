//! GATHER of float32 or int8 values at int32 indices along `axis`, with
//! `batch_dims`, as TFLM (which takes no other types). An index outside the
//! axis fails the invoke (TFLM would read out of bounds).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::gather::{gather as kernel_gather, GatherShape};
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// GATHER.
    gather => Gather, GATHER, "float32, int8 (int32 indices)", versions 1..=5;
}

/// Prepared GATHER parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct GatherParams {
    shape: GatherShape,
    /// 1 for float32, 0 for int8.
    float: u32,
}

/// GATHER.
pub struct Gather;

impl Kernel for Gather {
    type Params = GatherParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<GatherParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, indices, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
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
        for (tensor, want) in [(&output, input.dtype()), (&indices, TensorType::Int32)] {
            if tensor.dtype() != want {
                return Err(OpError::UnsupportedType {
                    tensor: tensor.index(),
                    dtype: tensor.dtype(),
                });
            }
        }
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_gather_options()
            .ok_or(OpError::MissingOptions)?;
        let (rank, index_rank) = (input.shape().rank(), indices.shape().rank());
        let bad = |field: &'static str, value: i32| OpError::UnsupportedOption {
            field,
            value: i64::from(value),
        };
        let axis = options.axis();
        let axis_at = usize::try_from(if axis < 0 { axis + rank as i32 } else { axis })
            .ok()
            .filter(|&a| a < rank)
            .ok_or(bad("axis", axis))?;
        let batch_dims = options.batch_dims();
        let batch_at = usize::try_from(if batch_dims < 0 {
            batch_dims + index_rank as i32
        } else {
            batch_dims
        })
        .ok()
        .filter(|&b| b <= axis_at && b < rank && b <= index_rank)
        .ok_or(bad("batch_dims", batch_dims))?;
        let mut sizes = [1usize; 4];
        let [batch, outer, axis_size, inner] = &mut sizes;
        let mut coords = 1usize;
        let overflow = OpError::SizeOverflow { what: "gather" };
        for d in 0..rank {
            let extent = dim(&input, d)?;
            let part = if d < batch_at {
                if dim(&indices, d)? != extent {
                    return Err(OpError::ShapeMismatch {
                        tensor: indices.index(),
                        what: "batch dimensions differ from the input's",
                    });
                }
                &mut *batch
            } else if d < axis_at {
                &mut *outer
            } else if d == axis_at {
                &mut *axis_size
            } else {
                &mut *inner
            };
            *part = part.checked_mul(extent).ok_or(overflow)?;
        }
        for d in batch_at..index_rank {
            coords = coords.checked_mul(dim(&indices, d)?).ok_or(overflow)?;
        }
        // Output: input[..axis] + indices[batch_dims..] + input[axis + 1..].
        let expected = (0..axis_at)
            .map(|d| dim(&input, d))
            .chain((batch_at..index_rank).map(|d| dim(&indices, d)))
            .chain((axis_at + 1..rank).map(|d| dim(&input, d)));
        let mut count = 0;
        for (d, want) in expected.enumerate() {
            if dim(&output, d).ok() != Some(want?) {
                return Err(OpError::ShapeMismatch {
                    tensor: output.index(),
                    what: "output shape is not the gathered shape",
                });
            }
            count += 1;
        }
        if output.shape().rank() != count {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output rank is not the gathered rank",
            });
        }
        Ok(Prepared::new(GatherParams {
            shape: GatherShape {
                batch: to_u32(sizes[0])?,
                outer: to_u32(sizes[1])?,
                axis: to_u32(sizes[2])?,
                inner: to_u32(sizes[3])?,
                coords: to_u32(coords)?,
            },
            float: u32::from(float),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &GatherParams, _: &[u8]) -> Result<(), OpError> {
        if p.float != 0 {
            gather_as::<f32>(ctx, &p.shape)
        } else {
            gather_as::<i8>(ctx, &p.shape)
        }
    }
}

fn gather_as<T: Pod>(ctx: &mut EvalContext<'_>, shape: &GatherShape) -> Result<(), OpError> {
    let (input, indices) = (ctx.input::<T>(0)?, ctx.input::<i32>(1)?);
    Ok(kernel_gather(shape, input, indices, ctx.output::<T>()?)?)
}
