//! REVERSE_V2 along the axes in the constant int32 input 1 (negative ones
//! count from the end; sorted they must be contiguous, as TFLM requires),
//! for float32, int8, uint8, int16, int32, int64 and bool of rank at most
//! 8, as TFLM.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::reverse::reverse;
use microlite_kernels::split::AxisSlices;
use microlite_model::TensorType;

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// REVERSE_V2.
    reverse_v2 => ReverseV2, REVERSE_V2, "float32, int8, uint8, int16, int32, int64, bool",
        versions 1..=3;
}

/// TFLM's largest rank for REVERSE_V2.
const MAX_RANK: usize = 8;

/// Prepared REVERSE_V2 parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ReverseParams {
    /// `[outer, span of the reversed axes, inner]`.
    shape: AxisSlices,
    /// Bytes per element: 1, 2, 4 or 8.
    element_size: u32,
}

/// REVERSE_V2.
pub struct ReverseV2;

impl Kernel for ReverseV2 {
    type Params = ReverseParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ReverseParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input, axis_t, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let element_size = match input.dtype() {
            TensorType::Int8 | TensorType::UInt8 | TensorType::Bool => 1,
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
        let rank = input.shape().rank();
        if rank > MAX_RANK {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank,
                max: MAX_RANK,
            });
        }
        let (a, b) = (input.shape(), output.shape());
        if a.rank() != b.rank() || !a.iter().eq(b.iter()) {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output shape differs from the input shape",
            });
        }
        expect_type(&axis_t, TensorType::Int32)?;
        let bytes = axis_t.data().ok_or(OpError::NotConstant {
            tensor: axis_t.index(),
        })?;
        let count = axis_t.element_count();
        if axis_t.shape().rank() != 1 || count > rank {
            return Err(OpError::ShapeMismatch {
                tensor: axis_t.index(),
                what: "axes must be a vector of at most rank values",
            });
        }
        // Bit d set: axis d reversed.
        let mut mask = 0u32;
        for chunk in bytes.chunks_exact(4).take(count) {
            let value = i32::from_le_bytes(<[u8; 4]>::try_from(chunk).unwrap_or_default());
            let resolved = if value < 0 {
                value + rank as i32
            } else {
                value
            };
            let d = u32::try_from(resolved)
                .ok()
                .filter(|&d| (d as usize) < rank && mask & (1 << d) == 0)
                .ok_or(OpError::ShapeMismatch {
                    tensor: axis_t.index(),
                    what: "axis outside [-rank, rank) or repeated",
                })?;
            mask |= 1 << d;
        }
        // An empty axis vector reverses nothing (mask 0), which is contiguous.
        let first = mask.trailing_zeros();
        // Contiguous: the bits from the lowest set one on form one run of ones.
        let run = mask.checked_shr(first).unwrap_or(0);
        let contiguous = run & run.wrapping_add(1) == 0;
        if !contiguous {
            return Err(OpError::ShapeMismatch {
                tensor: axis_t.index(),
                what: "the reversed axes are not contiguous (TFLM requires it)",
            });
        }
        let (mut outer, mut span, mut inner) = (1usize, 1usize, 1usize);
        for d in 0..rank {
            let extent = dim(&input, d)?;
            let part = if mask & (1 << d) != 0 {
                &mut span
            } else if mask == 0 || d < first as usize {
                &mut outer
            } else {
                &mut inner
            };
            *part = part.checked_mul(extent).ok_or(OpError::SizeOverflow {
                what: "reverse tensor",
            })?;
        }
        Ok(Prepared::new(ReverseParams {
            shape: AxisSlices {
                outer: to_u32(outer)?,
                axis: to_u32(span)?,
                inner: to_u32(inner)?,
            },
            element_size: to_u32(element_size)?,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ReverseParams, _: &[u8]) -> Result<(), OpError> {
        match p.element_size {
            1 => reverse_as::<u8>(ctx, &p.shape),
            2 => reverse_as::<u16>(ctx, &p.shape),
            4 => reverse_as::<u32>(ctx, &p.shape),
            _ => reverse_as::<u64>(ctx, &p.shape),
        }
    }
}

fn reverse_as<T: Pod>(ctx: &mut EvalContext<'_>, shape: &AxisSlices) -> Result<(), OpError> {
    Ok(reverse(shape, ctx.input::<T>(0)?, ctx.output::<T>()?)?)
}
