//! DYNAMIC_UPDATE_SLICE: float32, int8, int16 or int32 operand and update
//! of the same rank, int32 or int64 start indices (one per dimension,
//! clamped so the update fits), as TFLM.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::dynamic_update_slice::{dynamic_update_slice as update_slice, MAX_DIMS};
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// DYNAMIC_UPDATE_SLICE.
    dynamic_update_slice => DynamicUpdateSlice, DYNAMIC_UPDATE_SLICE,
        "float32, int8, int16, int32 (int32 or int64 start indices)", versions 1..=4;
}

/// Prepared DYNAMIC_UPDATE_SLICE parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct DynamicUpdateSliceParams {
    rank: u32,
    element_size: u32,
    /// Nonzero for int64 start indices.
    wide_indices: u32,
    operand: [u32; MAX_DIMS],
    update: [u32; MAX_DIMS],
}

/// DYNAMIC_UPDATE_SLICE.
pub struct DynamicUpdateSlice;

impl Kernel for DynamicUpdateSlice {
    type Params = DynamicUpdateSliceParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<DynamicUpdateSliceParams>, OpError> {
        ctx.expect_io(3, 3, 1)?;
        let (operand, update, start, output) =
            (ctx.input(0)?, ctx.input(1)?, ctx.input(2)?, ctx.output(0)?);
        let element_size = match operand.dtype() {
            TensorType::Int8 => 1,
            TensorType::Int16 => 2,
            TensorType::Int32 | TensorType::Float32 => 4,
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: operand.index(),
                    dtype: other,
                })
            }
        };
        expect_type(&update, operand.dtype())?;
        expect_type(&output, operand.dtype())?;
        if !matches!(start.dtype(), TensorType::Int32 | TensorType::Int64) {
            return Err(OpError::UnsupportedType {
                tensor: start.index(),
                dtype: start.dtype(),
            });
        }
        let rank = operand.shape().rank();
        if rank > MAX_DIMS {
            return Err(OpError::UnsupportedRank {
                tensor: operand.index(),
                rank,
                max: MAX_DIMS,
            });
        }
        if start.shape().rank() != 1 || start.element_count() != rank {
            return Err(OpError::ShapeMismatch {
                tensor: start.index(),
                what: "start indices must be a vector of one index per operand dimension",
            });
        }
        if update.shape().rank() != rank || output.element_count() != operand.element_count() {
            return Err(OpError::ShapeMismatch {
                tensor: update.index(),
                what: "update rank or output size differs from the operand's",
            });
        }
        let mut p = DynamicUpdateSliceParams {
            rank: to_u32(rank)?,
            element_size,
            wide_indices: u32::from(start.dtype() == TensorType::Int64),
            operand: [0; MAX_DIMS],
            update: [0; MAX_DIMS],
        };
        for k in 0..rank {
            let (o, u) = (dim(&operand, k)?, dim(&update, k)?);
            if u > o {
                return Err(OpError::ShapeMismatch {
                    tensor: update.index(),
                    what: "update larger than the operand",
                });
            }
            if let (Some(po), Some(pu)) = (p.operand.get_mut(k), p.update.get_mut(k)) {
                (*po, *pu) = (to_u32(o)?, to_u32(u)?);
            }
        }
        Ok(Prepared::new(p))
    }

    fn eval(
        ctx: &mut EvalContext<'_>,
        p: &DynamicUpdateSliceParams,
        _: &[u8],
    ) -> Result<(), OpError> {
        let rank = p.rank as usize;
        let mut start = [0i64; MAX_DIMS];
        if p.wide_indices != 0 {
            for (s, &v) in start.iter_mut().zip(ctx.input::<i64>(2)?) {
                *s = v;
            }
        } else {
            for (s, &v) in start.iter_mut().zip(ctx.input::<i32>(2)?) {
                *s = i64::from(v);
            }
        }
        let operand_dims = p.operand.map(|d| d as usize);
        let update_dims = p.update.map(|d| d as usize);
        let (o, u) = (
            operand_dims.get(..rank).unwrap_or_default(),
            update_dims.get(..rank).unwrap_or_default(),
        );
        match p.element_size {
            1 => {
                let (a, b) = (ctx.input::<i8>(0)?, ctx.input::<i8>(1)?);
                update_slice(o, u, &start, a, b, ctx.output::<i8>()?)
            }
            2 => {
                let (a, b) = (ctx.input::<i16>(0)?, ctx.input::<i16>(1)?);
                update_slice(o, u, &start, a, b, ctx.output::<i16>()?)
            }
            _ => {
                let (a, b) = (ctx.input::<u32>(0)?, ctx.input::<u32>(1)?);
                update_slice(o, u, &start, a, b, ctx.output::<u32>()?)
            }
        }
        .map_err(OpError::from)
    }
}
