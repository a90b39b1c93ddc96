//! SLICE: `size` elements from `begin` along each axis (a size of -1: to
//! the end), for float32, int8, int16 and int32 of rank at most 5, as TFLM.
//! `begin` and `size` are constant int32 or int64 tensors here (TFLM reads
//! them at eval; converters make them constant); slices outside the input
//! are refused (TFLM would read out of bounds). Runs on STRIDED_SLICE's
//! kernel with stride 1.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::strided_slice::{
    strided_slice, StridedSliceMasks, StridedSliceShape, MAX_STRIDED_SLICE_RANK,
};
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::{dim, prefix, to_u32};

crate::registry::declare_ops! {
    /// SLICE.
    slice => Slice, SLICE, "float32, int8, int16, int32, bool", versions 1..=5;
}

/// Largest rank TFLM's SLICE takes.
const MAX_RANK: usize = 5;

/// Prepared SLICE parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SliceParams {
    shape: StridedSliceShape,
    /// Bytes per element: 1, 2 or 4.
    element_size: u32,
}

/// SLICE.
pub struct Slice;

/// The `rank` values of the constant int32 or int64 vector `tensor`.
fn constant_vector(tensor: &Tensor<'_>, rank: usize) -> Result<[i64; MAX_RANK], OpError> {
    let bytes = tensor.data().ok_or(OpError::NotConstant {
        tensor: tensor.index(),
    })?;
    let width = match tensor.dtype() {
        TensorType::Int32 => 4,
        TensorType::Int64 => 8,
        dtype => {
            return Err(OpError::UnsupportedType {
                tensor: tensor.index(),
                dtype,
            })
        }
    };
    if tensor.shape().rank() != 1 || tensor.element_count() != rank {
        return Err(OpError::ShapeMismatch {
            tensor: tensor.index(),
            what: "begin and size need one value per input dimension",
        });
    }
    let mut values = [0i64; MAX_RANK];
    for (slot, chunk) in values.iter_mut().zip(bytes.chunks_exact(width)) {
        let mut le = [0u8; 8];
        le.get_mut(..width)
            .ok_or(OpError::Internal("constant width"))?
            .copy_from_slice(chunk);
        *slot = if width == 4 {
            i64::from(i32::from_le_bytes([le[0], le[1], le[2], le[3]]))
        } else {
            i64::from_le_bytes(le)
        };
    }
    Ok(values)
}

impl Kernel for Slice {
    type Params = SliceParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SliceParams>, OpError> {
        ctx.expect_io(3, 3, 1)?;
        let (input, output) = (ctx.input(0)?, ctx.output(0)?);
        let element_size = match input.dtype() {
            TensorType::Int8 | TensorType::Bool => 1,
            TensorType::Int16 => 2,
            TensorType::Float32 | TensorType::Int32 => 4,
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
        if rank > MAX_RANK {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank,
                max: MAX_RANK,
            });
        }
        let (begin_t, size_t) = (ctx.input(1)?, ctx.input(2)?);
        if begin_t.dtype() != size_t.dtype() {
            return Err(OpError::UnsupportedType {
                tensor: size_t.index(),
                dtype: size_t.dtype(),
            });
        }
        let begin = constant_vector(&begin_t, rank)?;
        let size = constant_vector(&size_t, rank)?;
        let mut dims = [0usize; MAX_STRIDED_SLICE_RANK];
        let (mut b, mut e) = (
            [0i32; MAX_STRIDED_SLICE_RANK],
            [0i32; MAX_STRIDED_SLICE_RANK],
        );
        let s = [1i32; MAX_STRIDED_SLICE_RANK];
        if output.shape().rank() != rank {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output rank differs from the input's",
            });
        }
        for d in 0..rank {
            let extent = dim(&input, d)?;
            let (start, count) = (
                begin.get(d).copied().unwrap_or(0),
                size.get(d).copied().unwrap_or(0),
            );
            let extent_i =
                i64::try_from(extent).map_err(|_| OpError::SizeOverflow { what: "slice" })?;
            let count = if count == -1 { extent_i - start } else { count };
            let inside = (0..=extent_i).contains(&start) && count >= 0 && start + count <= extent_i;
            if !inside {
                return Err(OpError::ShapeMismatch {
                    tensor: begin_t.index(),
                    what: "slice reaches outside the input",
                });
            }
            if i64::try_from(dim(&output, d)?).ok() != Some(count) {
                return Err(OpError::ShapeMismatch {
                    tensor: output.index(),
                    what: "output extent differs from the slice size",
                });
            }
            let to_i32 =
                |v: i64| i32::try_from(v).map_err(|_| OpError::SizeOverflow { what: "slice" });
            if let (Some(dd), Some(bb), Some(ee)) = (dims.get_mut(d), b.get_mut(d), e.get_mut(d)) {
                *dd = extent;
                *bb = to_i32(start)?;
                *ee = to_i32(start + count)?;
            }
        }
        let shape = StridedSliceShape::new(
            prefix(&dims, rank)?,
            prefix(&b, rank)?,
            prefix(&e, rank)?,
            prefix(&s, rank)?,
            StridedSliceMasks::default(),
        )?;
        Ok(Prepared::new(SliceParams {
            shape,
            element_size: to_u32(element_size)?,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SliceParams, _: &[u8]) -> Result<(), OpError> {
        match p.element_size {
            1 => slice_as::<u8>(ctx, &p.shape),
            2 => slice_as::<u16>(ctx, &p.shape),
            _ => slice_as::<u32>(ctx, &p.shape),
        }
    }
}

fn slice_as<T: Pod>(ctx: &mut EvalContext<'_>, shape: &StridedSliceShape) -> Result<(), OpError> {
    Ok(strided_slice(
        shape,
        ctx.input::<T>(0)?,
        ctx.output::<T>()?,
    )?)
}
