//! EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS and LESS_EQUAL into bool,
//! as TFLM: float32, int32, int64 and int8 (rescaled) for all six, bool for
//! EQUAL and NOT_EQUAL; broadcasting up to rank 4 (TFLM's 4-D helper),
//! same shapes of any rank. TFLM's int16 GREATER reads parameters its
//! prepare never sets, so int16 is refused here.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::comparison::{
    compare, compare_bool, compare_int8, Comparison, ComparisonQuant,
};
use microlite_model::TensorType;

use crate::binary_broadcast::binary_broadcast;
use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// EQUAL.
    equal => Compare<EQUAL>, EQUAL, "float32, int8, int32, int64, bool -> bool", versions 1..=2;
    /// NOT_EQUAL.
    not_equal => Compare<NOT_EQUAL>, NOT_EQUAL, "float32, int8, int32, int64, bool -> bool",
        versions 1..=2;
    /// GREATER.
    greater => Compare<GREATER>, GREATER, "float32, int8, int32, int64 -> bool", versions 1..=2;
    /// GREATER_EQUAL.
    greater_equal => Compare<GREATER_EQUAL>, GREATER_EQUAL, "float32, int8, int32, int64 -> bool",
        versions 1..=2;
    /// LESS.
    less => Compare<LESS>, LESS, "float32, int8, int32, int64 -> bool", versions 1..=2;
    /// LESS_EQUAL.
    less_equal => Compare<LESS_EQUAL>, LESS_EQUAL, "float32, int8, int32, int64 -> bool",
        versions 1..=2;
}

const EQUAL: u32 = 0;
const NOT_EQUAL: u32 = 1;
const GREATER: u32 = 2;
const GREATER_EQUAL: u32 = 3;
const LESS: u32 = 4;
const LESS_EQUAL: u32 = 5;

fn comparison(op: u32) -> Comparison {
    match op {
        EQUAL => Comparison::Equal,
        NOT_EQUAL => Comparison::NotEqual,
        GREATER => Comparison::Greater,
        GREATER_EQUAL => Comparison::GreaterEqual,
        LESS => Comparison::Less,
        _ => Comparison::LessEqual,
    }
}

const F32: u32 = 0;
const I8: u32 = 1;
const I32: u32 = 2;
const I64: u32 = 3;
const BOOL: u32 = 4;

/// Prepared comparison parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct CompareParams {
    shape: BroadcastShape,
    quant: ComparisonQuant,
    /// The inputs' element kind.
    kind: u32,
}

/// The comparison `OP` (its code above).
pub struct Compare<const OP: u32>;

impl<const OP: u32> Kernel for Compare<OP> {
    type Params = CompareParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<CompareParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input1, input2, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        if output.dtype() != TensorType::Bool {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        let kind = match input1.dtype() {
            TensorType::Float32 => Some(F32),
            TensorType::Int8 => Some(I8),
            TensorType::Int32 => Some(I32),
            TensorType::Int64 => Some(I64),
            TensorType::Bool if OP == EQUAL || OP == NOT_EQUAL => Some(BOOL),
            _ => None,
        };
        for tensor in [&input1, &input2] {
            if kind.is_none() || tensor.dtype() != input1.dtype() {
                return Err(OpError::UnsupportedType {
                    tensor: tensor.index(),
                    dtype: tensor.dtype(),
                });
            }
        }
        let kind = kind.unwrap_or(F32);
        // TFLM's comparison helpers broadcast up to rank 4.
        let shape = binary_broadcast(&input1, &input2, &output, 4)?;
        let mut quant = ComparisonQuant::zeroed();
        if kind == I8 {
            let (q1, q2) = (affine(&input1)?, affine(&input2)?);
            quant = ComparisonQuant::new(q1.scale, q1.zero_point, q2.scale, q2.zero_point).ok_or(
                OpError::BadQuantization {
                    tensor: input1.index(),
                    what: "int8 comparisons need input scales below 1",
                },
            )?;
        }
        Ok(Prepared::new(CompareParams { shape, quant, kind }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &CompareParams, _: &[u8]) -> Result<(), OpError> {
        let op = comparison(OP);
        let shape = &p.shape;
        match p.kind {
            I8 => {
                let (a, b) = (ctx.input::<i8>(0)?, ctx.input::<i8>(1)?);
                Ok(compare_int8(
                    op,
                    &p.quant,
                    shape,
                    a,
                    b,
                    ctx.output::<u8>()?,
                )?)
            }
            BOOL => {
                let (a, b) = (ctx.input::<u8>(0)?, ctx.input::<u8>(1)?);
                Ok(compare_bool(op, shape, a, b, ctx.output::<u8>()?)?)
            }
            I32 => stored::<i32>(ctx, op, shape),
            I64 => stored::<i64>(ctx, op, shape),
            _ => stored::<f32>(ctx, op, shape),
        }
    }
}

/// Stored values of `T` compared.
fn stored<T: Pod + PartialOrd>(
    ctx: &mut EvalContext<'_>,
    op: Comparison,
    shape: &BroadcastShape,
) -> Result<(), OpError> {
    let (a, b) = (ctx.input::<T>(0)?, ctx.input::<T>(1)?);
    Ok(compare(op, shape, a, b, ctx.output::<u8>()?)?)
}
