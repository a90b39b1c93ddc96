//! Elementwise ops of two broadcast inputs with no requantization, as
//! TFLM: MAXIMUM and MINIMUM (float32, int8, int16, int32, int64; stored
//! values compared, up to rank 5), LOGICAL_AND and LOGICAL_OR (bool, up to
//! rank 4), FLOOR_DIV and FLOOR_MOD (float32, broadcasting up to rank 4; a
//! zero FLOOR_DIV denominator fails the invoke, as in TFLM).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::pairwise::{
    broadcast_apply, floor_div as fdiv, floor_mod as fmod, logical_and as and, logical_or as or,
    maximum as max, minimum as min,
};
use microlite_kernels::KernelError;
use microlite_model::TensorType;

use crate::binary_broadcast::binary_broadcast;
use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};

crate::registry::declare_ops! {
    /// MAXIMUM.
    maximum => Pairwise<MAXIMUM>, MAXIMUM, "float32, int8, int16, int32, int64", versions 1..=4;
    /// MINIMUM.
    minimum => Pairwise<MINIMUM>, MINIMUM, "float32, int8, int16, int32, int64", versions 1..=4;
    /// LOGICAL_AND.
    logical_and => Pairwise<LOGICAL_AND>, LOGICAL_AND, "bool", versions 1..=1;
    /// LOGICAL_OR.
    logical_or => Pairwise<LOGICAL_OR>, LOGICAL_OR, "bool", versions 1..=1;
    /// FLOOR_DIV.
    floor_div => Pairwise<FLOOR_DIV>, FLOOR_DIV, "float32", versions 2..=2;
    /// FLOOR_MOD.
    floor_mod => Pairwise<FLOOR_MOD>, FLOOR_MOD, "float32", versions 1..=1;
}

const MAXIMUM: u32 = 0;
const MINIMUM: u32 = 1;
const LOGICAL_AND: u32 = 2;
const LOGICAL_OR: u32 = 3;
const FLOOR_DIV: u32 = 4;
const FLOOR_MOD: u32 = 5;

const F32: u32 = 0;
const I8: u32 = 1;
const I16: u32 = 2;
const I32: u32 = 3;
const I64: u32 = 4;
const BOOL: u32 = 5;

/// The element kind of `dtype`, if the op family takes it.
fn kind_of(dtype: TensorType) -> Option<u32> {
    Some(match dtype {
        TensorType::Float32 => F32,
        TensorType::Int8 => I8,
        TensorType::Int16 => I16,
        TensorType::Int32 => I32,
        TensorType::Int64 => I64,
        TensorType::Bool => BOOL,
        _ => return None,
    })
}

/// Prepared parameters: the broadcast and the element type.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct PairwiseParams {
    shape: BroadcastShape,
    /// The element type: [`F32`], [`I8`], [`I16`], [`I32`], [`I64`] or
    /// [`BOOL`].
    kind: u32,
}

/// The op `OP` (its code above) of two broadcast inputs.
pub struct Pairwise<const OP: u32>;

impl<const OP: u32> Kernel for Pairwise<OP> {
    type Params = PairwiseParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<PairwiseParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input1, input2, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let logical = OP == LOGICAL_AND || OP == LOGICAL_OR;
        let floor = OP == FLOOR_DIV || OP == FLOOR_MOD;
        let kind = kind_of(output.dtype());
        let accepted = match kind {
            Some(BOOL) => logical,
            Some(F32) => !logical,
            Some(_) => !logical && !floor,
            None => false,
        };
        for tensor in [&output, &input1, &input2] {
            if !accepted || tensor.dtype() != output.dtype() {
                return Err(OpError::UnsupportedType {
                    tensor: tensor.index(),
                    dtype: tensor.dtype(),
                });
            }
        }
        // TFLM's broadcasting helpers: 5-D for MAXIMUM/MINIMUM, 4-D for the
        // others.
        let max_rank = if logical || floor { 4 } else { 5 };
        // The logical and floor ops take equal shapes of any rank (TFLM's
        // flat loop); MAXIMUM/MINIMUM always go through the 5-D helper.
        let shape = binary_broadcast(&input1, &input2, &output, max_rank)?;
        Ok(Prepared::new(PairwiseParams {
            shape,
            kind: kind.unwrap_or(F32),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &PairwiseParams, _: &[u8]) -> Result<(), OpError> {
        let shape = &p.shape;
        if OP == LOGICAL_AND || OP == LOGICAL_OR {
            let f = if OP == LOGICAL_AND { and } else { or };
            return apply::<u8>(ctx, shape, f);
        }
        if OP == FLOOR_DIV || OP == FLOOR_MOD {
            if OP == FLOOR_DIV {
                if let Some(position) = ctx.input::<f32>(1)?.iter().position(|&y| y == 0.0) {
                    return Err(OpError::Kernel(KernelError::InvalidValue {
                        what: "FLOOR_DIV denominator zero",
                        position,
                    }));
                }
            }
            return apply::<f32>(ctx, shape, if OP == FLOOR_DIV { fdiv } else { fmod });
        }
        let maximum = OP == MAXIMUM;
        match p.kind {
            F32 => apply::<f32>(ctx, shape, if maximum { max } else { min }),
            I8 => apply::<i8>(ctx, shape, if maximum { max } else { min }),
            I16 => apply::<i16>(ctx, shape, if maximum { max } else { min }),
            I32 => apply::<i32>(ctx, shape, if maximum { max } else { min }),
            _ => apply::<i64>(ctx, shape, if maximum { max } else { min }),
        }
    }
}

/// The op on elements of `T`.
fn apply<T: Pod>(
    ctx: &mut EvalContext<'_>,
    shape: &BroadcastShape,
    f: fn(T, T) -> T,
) -> Result<(), OpError> {
    let (a, b) = (ctx.input::<T>(0)?, ctx.input::<T>(1)?);
    Ok(broadcast_apply(shape, a, b, ctx.output::<T>()?, f)?)
}
