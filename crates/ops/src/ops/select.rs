//! SELECT_V2: `condition ? x : y` with the bool condition, `x` and `y`
//! broadcast to the output (up to rank 5, TFLM's helper), for float32,
//! int8 and int16, as TFLM (raw values: `x` and `y` share the output's
//! quantization).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::select::{select, SelectShape};
use microlite_kernels::KernelError;
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::shape_check::dim;

crate::registry::declare_ops! {
    /// SELECT_V2.
    select_v2 => SelectV2, SELECT_V2, "float32, int8, int16 (bool condition)", versions 1..=1;
}

/// TFLM's broadcasting helper's rank.
const MAX_RANK: usize = 5;

/// Prepared SELECT_V2 parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SelectParams {
    shape: SelectShape,
    /// Bytes per element: 1, 2 or 4.
    element_size: u32,
}

/// SELECT_V2.
pub struct SelectV2;

fn dims(tensor: &Tensor<'_>) -> Result<([usize; MAX_RANK], usize), OpError> {
    let rank = tensor.shape().rank();
    if rank > MAX_RANK {
        return Err(OpError::UnsupportedRank {
            tensor: tensor.index(),
            rank,
            max: MAX_RANK,
        });
    }
    let mut out = [0usize; MAX_RANK];
    for (d, slot) in out.iter_mut().enumerate().take(rank) {
        *slot = dim(tensor, d)?;
    }
    Ok((out, rank))
}

/// The first `r` dims.
fn part(d: &[usize; MAX_RANK], r: usize) -> &[usize] {
    d.get(..r).unwrap_or_default()
}

impl Kernel for SelectV2 {
    type Params = SelectParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SelectParams>, OpError> {
        ctx.expect_io(3, 3, 1)?;
        let (condition, x, y, output) =
            (ctx.input(0)?, ctx.input(1)?, ctx.input(2)?, ctx.output(0)?);
        if condition.dtype() != TensorType::Bool {
            return Err(OpError::UnsupportedType {
                tensor: condition.index(),
                dtype: condition.dtype(),
            });
        }
        let element_size = match x.dtype() {
            TensorType::Int8 => 1u32,
            TensorType::Int16 => 2,
            TensorType::Float32 => 4,
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: x.index(),
                    dtype,
                })
            }
        };
        for tensor in [&y, &output] {
            if tensor.dtype() != x.dtype() {
                return Err(OpError::UnsupportedType {
                    tensor: tensor.index(),
                    dtype: tensor.dtype(),
                });
            }
        }
        let (dc, rc) = dims(&condition)?;
        let (dx, rx) = dims(&x)?;
        let (dy, ry) = dims(&y)?;
        let (dout, rout) = dims(&output)?;
        let mismatch = OpError::ShapeMismatch {
            tensor: output.index(),
            what: "output shape is not the broadcast of the three inputs",
        };
        if rout != rc.max(rx).max(ry) {
            return Err(mismatch);
        }
        let shape = SelectShape::new(
            part(&dc, rc),
            part(&dx, rx),
            part(&dy, ry),
            part(&dout, rout),
        )
        .map_err(|e| match e {
            KernelError::BroadcastIncompatible { .. } => mismatch,
            other => OpError::Kernel(other),
        })?;
        // Every output extent must come from an input (a true broadcast).
        for (k, &extent) in part(&dout, rout).iter().enumerate() {
            let from = |d: &[usize; MAX_RANK], r: usize| {
                (k + r)
                    .checked_sub(rout)
                    .and_then(|i| d.get(i))
                    .copied()
                    .unwrap_or(1)
            };
            if [from(&dc, rc), from(&dx, rx), from(&dy, ry)]
                .iter()
                .all(|&e| e != extent)
                && extent != 1
            {
                return Err(mismatch);
            }
        }
        Ok(Prepared::new(SelectParams {
            shape,
            element_size,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SelectParams, _: &[u8]) -> Result<(), OpError> {
        match p.element_size {
            1 => select_as::<u8>(ctx, &p.shape),
            2 => select_as::<u16>(ctx, &p.shape),
            _ => select_as::<u32>(ctx, &p.shape),
        }
    }
}

fn select_as<T: Pod>(ctx: &mut EvalContext<'_>, shape: &SelectShape) -> Result<(), OpError> {
    let (condition, x, y) = (ctx.input::<u8>(0)?, ctx.input::<T>(1)?, ctx.input::<T>(2)?);
    Ok(select(shape, condition, x, y, ctx.output::<T>()?)?)
}
