//! STRIDED_SLICE with constant int32 `begin`, `end` and `strides` and the
//! begin/end/shrink masks of StridedSliceOptions, for float32, int8, int16,
//! int32 and bool of rank at most 4, as TFLM.
//!
//! TFLM silently ignores `ellipsis_mask`, `new_axis_mask` and `offset`;
//! here a model that sets them is rejected rather than run with them ignored.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::strided_slice::{
    self as kernel, StridedSliceMasks, StridedSliceShape, MAX_STRIDED_SLICE_RANK,
};
use microlite_kernels::KernelError;
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::constant_i32::constant_i32s;
use crate::shape_check::prefix;
use crate::shape_check::to_u32;

crate::registry::declare_ops! {
    /// STRIDED_SLICE.
    strided_slice => StridedSlice, STRIDED_SLICE, "float32, int8, int16, int32, bool",
        versions 1..=3;
}

/// Largest rank TFLM's STRIDED_SLICE accepts.
const MAX_RANK: usize = 4;

/// Prepared STRIDED_SLICE parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct StridedSliceParams {
    shape: StridedSliceShape,
    /// Bytes per element: 1, 2 or 4.
    element_size: u32,
}

/// STRIDED_SLICE.
pub struct StridedSlice;

/// The masks and `offset` from the options (all 0 / false when absent, as
/// TFLM's parser leaves them).
fn masks(ctx: &PrepareContext<'_>) -> Result<StridedSliceMasks, OpError> {
    let raw = ctx.operator().raw();
    let (masks, offset) = match raw.builtin_options_as_strided_slice_options() {
        Some(o) => (
            StridedSliceMasks {
                begin_mask: o.begin_mask(),
                end_mask: o.end_mask(),
                ellipsis_mask: o.ellipsis_mask(),
                new_axis_mask: o.new_axis_mask(),
                shrink_axis_mask: o.shrink_axis_mask(),
            },
            o.offset(),
        ),
        None if raw.builtin_options_type() == microlite_model::schema::BuiltinOptions::NONE => {
            (StridedSliceMasks::default(), false)
        }
        None => return Err(OpError::MissingOptions),
    };
    for (field, value) in [
        ("ellipsis_mask", masks.ellipsis_mask),
        ("new_axis_mask", masks.new_axis_mask),
        ("offset", i32::from(offset)),
    ] {
        if value != 0 {
            return Err(OpError::UnsupportedOption {
                field,
                value: i64::from(value),
            });
        }
    }
    Ok(masks)
}

fn indices(tensor: &Tensor<'_>, rank: usize) -> Result<[i32; MAX_RANK], OpError> {
    constant_i32s(
        tensor,
        rank,
        "begin, end and strides must hold one value per input dimension",
    )
}

impl Kernel for StridedSlice {
    type Params = StridedSliceParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<StridedSliceParams>, OpError> {
        ctx.expect_io(4, 4, 1)?;
        let masks = masks(ctx)?;
        let input = ctx.input(0)?;
        let begin = ctx.input(1)?;
        let end = ctx.input(2)?;
        let strides = ctx.input(3)?;
        let output = ctx.output(0)?;
        let element_size = match input.dtype() {
            TensorType::Int8 | TensorType::Bool => 1,
            TensorType::Int16 => 2,
            TensorType::Float32 | TensorType::Int32 => 4,
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
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
        let (b, e, s) = (
            indices(&begin, rank)?,
            indices(&end, rank)?,
            indices(&strides, rank)?,
        );
        let mut dims = [0usize; MAX_RANK];
        for (slot, d) in dims.iter_mut().zip(input.shape().iter()) {
            *slot = d;
        }
        let shape = StridedSliceShape::new(
            prefix(&dims, rank)?,
            prefix(&b, rank)?,
            prefix(&e, rank)?,
            prefix(&s, rank)?,
            masks,
        )
        .map_err(|err| match err {
            KernelError::ZeroStride { .. } => OpError::ShapeMismatch {
                tensor: strides.index(),
                what: "stride values must be non-zero",
            },
            KernelError::ShrinkOutOfRange { .. } => OpError::ShapeMismatch {
                tensor: begin.index(),
                what: "a shrunk axis' begin index is outside its dimension",
            },
            KernelError::TooLarge { .. } => OpError::SizeOverflow {
                what: "strided slice",
            },
            other => OpError::Kernel(other),
        })?;
        let mut expected = [0usize; MAX_STRIDED_SLICE_RANK];
        let out_rank = shape.output_dims(&mut expected);
        let matches = output.shape().rank() == out_rank
            && output
                .shape()
                .iter()
                .zip(expected.iter())
                .all(|(a, &b)| a == b);
        if !matches {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape differs from the slice's shape",
            });
        }
        Ok(Prepared::new(StridedSliceParams {
            shape,
            element_size: to_u32(element_size)?,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &StridedSliceParams, _: &[u8]) -> Result<(), OpError> {
        match p.element_size {
            1 => slice_as::<u8>(ctx, &p.shape),
            2 => slice_as::<u16>(ctx, &p.shape),
            _ => slice_as::<u32>(ctx, &p.shape),
        }
    }
}

/// Slices with elements moved as `T` (same size as the dtype).
fn slice_as<T: Pod>(ctx: &mut EvalContext<'_>, shape: &StridedSliceShape) -> Result<(), OpError> {
    kernel::strided_slice(shape, ctx.input::<T>(0)?, ctx.output::<T>()?).map_err(OpError::from)
}
