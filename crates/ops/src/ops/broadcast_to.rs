//! BROADCAST_TO: the input repeated to the constant int32 or int64 shape
//! in input 1, for any fixed-size element type, up to rank 5, as TFLM.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::broadcast::{broadcast_to as kernel_broadcast, BroadcastShape};
use microlite_kernels::KernelError;
use microlite_model::TensorType;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// BROADCAST_TO.
    broadcast_to => BroadcastTo, BROADCAST_TO,
        "float32, int8, uint8, int16, int32, int64, bool", versions 2..=3;
}

/// TFLM's largest rank for BROADCAST_TO.
const MAX_RANK: usize = 5;

/// Prepared BROADCAST_TO parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct BroadcastToParams {
    shape: BroadcastShape,
    /// Bytes per element: 1, 2, 4 or 8.
    element_size: u32,
}

/// BROADCAST_TO.
pub struct BroadcastTo;

impl Kernel for BroadcastTo {
    type Params = BroadcastToParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<BroadcastToParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, target, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let element_size = match input.dtype() {
            TensorType::Int8 | TensorType::UInt8 | TensorType::Bool => 1u32,
            TensorType::Int16 => 2,
            TensorType::Float32 | TensorType::Int32 => 4,
            TensorType::Int64 => 8,
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
        let (rank_in, rank_out) = (input.shape().rank(), output.shape().rank());
        if rank_out > MAX_RANK || rank_in > rank_out {
            return Err(OpError::UnsupportedRank {
                tensor: output.index(),
                rank: rank_out,
                max: MAX_RANK,
            });
        }
        // The shape input: constant, one value per output dimension, equal
        // to the output's dimensions.
        let bytes = target.data().ok_or(OpError::NotConstant {
            tensor: target.index(),
        })?;
        let width = match target.dtype() {
            TensorType::Int32 => 4,
            TensorType::Int64 => 8,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: target.index(),
                    dtype,
                })
            }
        };
        if target.shape().rank() != 1 || target.element_count() != rank_out {
            return Err(OpError::ShapeMismatch {
                tensor: target.index(),
                what: "shape must hold one value per output dimension",
            });
        }
        let mut dims_out = [0usize; MAX_RANK];
        for (d, (slot, chunk)) in dims_out
            .iter_mut()
            .zip(bytes.chunks_exact(width))
            .enumerate()
        {
            let mut le = [0u8; 8];
            for (b, &x) in le.iter_mut().zip(chunk) {
                *b = x;
            }
            let value = if width == 4 {
                i64::from(i32::from_le_bytes([le[0], le[1], le[2], le[3]]))
            } else {
                i64::from_le_bytes(le)
            };
            if i64::try_from(dim(&output, d)?).ok() != Some(value) {
                return Err(OpError::ShapeMismatch {
                    tensor: output.index(),
                    what: "output dims differ from the shape input",
                });
            }
            *slot = dim(&output, d)?;
        }
        let mut dims_in = [0usize; MAX_RANK];
        for (d, slot) in dims_in.iter_mut().enumerate().take(rank_in) {
            *slot = dim(&input, d)?;
        }
        let mismatch = OpError::ShapeMismatch {
            tensor: input.index(),
            what: "input does not broadcast to the shape",
        };
        let out = dims_out.get(..rank_out).unwrap_or_default();
        let shape = BroadcastShape::new(dims_in.get(..rank_in).unwrap_or_default(), out, out)
            .map_err(|e| match e {
                KernelError::BroadcastIncompatible { .. } => mismatch,
                other => OpError::Kernel(other),
            })?;
        Ok(Prepared::new(BroadcastToParams {
            shape,
            element_size: to_u32(element_size as usize)?,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &BroadcastToParams, _: &[u8]) -> Result<(), OpError> {
        match p.element_size {
            1 => broadcast_as::<u8>(ctx, &p.shape),
            2 => broadcast_as::<u16>(ctx, &p.shape),
            4 => broadcast_as::<u32>(ctx, &p.shape),
            _ => broadcast_as::<u64>(ctx, &p.shape),
        }
    }
}

fn broadcast_as<T: Pod>(ctx: &mut EvalContext<'_>, shape: &BroadcastShape) -> Result<(), OpError> {
    Ok(kernel_broadcast(
        shape,
        ctx.input::<T>(0)?,
        ctx.output::<T>()?,
    )?)
}
