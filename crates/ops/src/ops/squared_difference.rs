//! SQUARED_DIFFERENCE, as TFLM: float32 and int32 computed directly, int8
//! and int16 rescaled to a common scale and requantized (int16 zero points
//! must be 0); broadcasting up to rank 4, equal shapes of any supported
//! rank.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::pairwise::broadcast_apply;
use microlite_kernels::squared_difference::{
    squared_difference_f32, squared_difference_i32, Affine, QuantizedSquaredDifference,
};
use microlite_model::{Tensor, TensorType};

use crate::binary_broadcast::binary_broadcast;
use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::{affine, symmetric};

crate::registry::declare_ops! {
    /// SQUARED_DIFFERENCE.
    squared_difference => SquaredDifference, SQUARED_DIFFERENCE, "float32, int8, int16, int32",
        versions 1..=2;
}

const F32: u32 = 0;
const I8: u32 = 1;
const I16: u32 = 2;
const I32: u32 = 3;

/// TFLM's broadcasting helper for this op is 4-D.
const MAX_RANK: usize = 4;

/// Prepared parameters: the broadcast, the element type and, for int8 and
/// int16, the requantization.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SquaredDifferenceParams {
    shape: BroadcastShape,
    quantized: QuantizedSquaredDifference,
    /// [`F32`], [`I8`], [`I16`] or [`I32`].
    kind: u32,
}

/// SQUARED_DIFFERENCE of two broadcast inputs.
pub struct SquaredDifference;

/// The int8 or int16 requantization of the node.
fn quantized(
    input1: &Tensor<'_>,
    input2: &Tensor<'_>,
    output: &Tensor<'_>,
    kind: u32,
) -> Result<QuantizedSquaredDifference, OpError> {
    let read = if kind == I8 { affine } else { symmetric };
    let (q1, q2, qo) = (read(input1)?, read(input2)?, read(output)?);
    let as_affine = |q: crate::quant_params::AffineQuant| Affine {
        scale: q.scale,
        zero_point: q.zero_point,
    };
    let (left_shift, min, max) = if kind == I8 {
        (7, i32::from(i8::MIN), i32::from(i8::MAX))
    } else {
        (0, i32::from(i16::MIN), i32::from(i16::MAX))
    };
    QuantizedSquaredDifference::new(
        as_affine(q1),
        as_affine(q2),
        as_affine(qo),
        left_shift,
        min,
        max,
    )
    .ok_or(OpError::BadQuantization {
        tensor: output.index(),
        what: "input or output rescaling multiplier out of range",
    })
}

impl Kernel for SquaredDifference {
    type Params = SquaredDifferenceParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SquaredDifferenceParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let (input1, input2, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let kind = match output.dtype() {
            TensorType::Float32 => Some(F32),
            TensorType::Int8 => Some(I8),
            TensorType::Int16 => Some(I16),
            TensorType::Int32 => Some(I32),
            _ => None,
        };
        for tensor in [&output, &input1, &input2] {
            if kind.is_none() || tensor.dtype() != output.dtype() {
                return Err(OpError::UnsupportedType {
                    tensor: tensor.index(),
                    dtype: tensor.dtype(),
                });
            }
        }
        let kind = kind.unwrap_or(F32);
        let shape = binary_broadcast(&input1, &input2, &output, MAX_RANK)?;
        let quantized = match kind {
            I8 | I16 => quantized(&input1, &input2, &output, kind)?,
            _ => QuantizedSquaredDifference::default(),
        };
        Ok(Prepared::new(SquaredDifferenceParams {
            shape,
            quantized,
            kind,
        }))
    }

    fn eval(
        ctx: &mut EvalContext<'_>,
        p: &SquaredDifferenceParams,
        _: &[u8],
    ) -> Result<(), OpError> {
        let shape = &p.shape;
        let q = &p.quantized;
        match p.kind {
            F32 => apply::<f32>(ctx, shape, squared_difference_f32),
            I32 => apply::<i32>(ctx, shape, squared_difference_i32),
            // The clamp keeps the results within the element type.
            I8 => apply::<i8>(ctx, shape, |x, y| q.apply(i32::from(x), i32::from(y)) as i8),
            _ => apply::<i16>(ctx, shape, |x, y| {
                q.apply(i32::from(x), i32::from(y)) as i16
            }),
        }
    }
}

/// The op on elements of `T`.
fn apply<T: Pod>(
    ctx: &mut EvalContext<'_>,
    shape: &BroadcastShape,
    f: impl Fn(T, T) -> T,
) -> Result<(), OpError> {
    let (a, b) = (ctx.input::<T>(0)?, ctx.input::<T>(1)?);
    Ok(broadcast_apply(shape, a, b, ctx.output::<T>()?, f)?)
}
