//! TRANSPOSE by a constant int32 permutation, for float32, int8 and int16 of
//! rank at most 5, as TFLM.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::transpose::{self as kernel, TransposeShape};
use microlite_kernels::KernelError;
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::ops::constant_i32::constant_i32s;
use crate::shape_check::prefix;
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// TRANSPOSE.
    transpose => Transpose, TRANSPOSE, "float32, int8, int16", versions 1..=5;
}

/// Largest rank TFLM's TRANSPOSE accepts.
const MAX_RANK: usize = 5;

/// Prepared TRANSPOSE parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct TransposeParams {
    shape: TransposeShape,
    /// Bytes per element: 1, 2 or 4.
    element_size: u32,
}

/// TRANSPOSE.
pub struct Transpose;

impl Kernel for Transpose {
    type Params = TransposeParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<TransposeParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let input = ctx.input(0)?;
        let perm = ctx.input(1)?;
        let output = ctx.output(0)?;
        let element_size = match input.dtype() {
            TensorType::Int8 => 1,
            TensorType::Int16 => 2,
            TensorType::Float32 => 4,
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
        if perm.shape().rank() != 1 {
            return Err(OpError::ShapeMismatch {
                tensor: perm.index(),
                what: "permutation must be one-dimensional",
            });
        }
        let values: [i32; MAX_RANK] = constant_i32s(
            &perm,
            rank,
            "permutation length differs from the input rank",
        )?;
        let mut dims = [0usize; MAX_RANK];
        for (slot, d) in dims.iter_mut().zip(input.shape().iter()) {
            *slot = d;
        }
        let shape = TransposeShape::new(prefix(&dims, rank)?, prefix(&values, rank)?).map_err(
            |e| match e {
                KernelError::BadPermutation { .. } => OpError::ShapeMismatch {
                    tensor: perm.index(),
                    what: "permutation is not a permutation of 0..rank",
                },
                KernelError::TooLarge { .. } => OpError::SizeOverflow {
                    what: "transpose tensor",
                },
                other => OpError::Kernel(other),
            },
        )?;
        if output.shape().rank() != rank {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output rank differs from the input rank",
            });
        }
        for d in 0..rank {
            if dim(&output, d)? != shape.output_dim(d) {
                return Err(OpError::ShapeMismatch {
                    tensor: output.index(),
                    what: "output shape is not the permuted input shape",
                });
            }
        }
        Ok(Prepared::new(TransposeParams {
            shape,
            element_size: to_u32(element_size)?,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &TransposeParams, _: &[u8]) -> Result<(), OpError> {
        match p.element_size {
            1 => transpose_as::<u8>(ctx, &p.shape),
            2 => transpose_as::<u16>(ctx, &p.shape),
            _ => transpose_as::<u32>(ctx, &p.shape),
        }
    }
}

/// Transposes with elements moved as `T` (same size as the dtype).
fn transpose_as<T: Pod>(ctx: &mut EvalContext<'_>, shape: &TransposeShape) -> Result<(), OpError> {
    kernel::transpose(shape, ctx.input::<T>(0)?, ctx.output::<T>()?).map_err(OpError::from)
}
