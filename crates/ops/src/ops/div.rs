//! DIV, as TFLM: float32 (a zero divisor gives the activation-clamped
//! infinity), int32 (truncating; unquantized tensors) and int8 (fixed-point
//! reciprocal of the divisor), with a fused clamping activation and
//! broadcasting up to rank 5. An int32 or int8 divisor of zero fails the
//! invoke (TFLM's result is undefined there).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::activation::FusedActivation;
use microlite_kernels::broadcast::{BroadcastShape, MAX_BROADCAST_RANK};
use microlite_kernels::div::{activation_range_i32, div_f32, div_i32, QuantizedDiv};
use microlite_kernels::pairwise::broadcast_apply;
use microlite_kernels::quantization::{activation_range_f32, activation_range_i8};
use microlite_kernels::KernelError;
use microlite_model::schema::{ActivationFunctionType, BuiltinOptions};
use microlite_model::TensorType;

use crate::activation::clamping_activation;
use crate::binary_broadcast::binary_broadcast;
use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// DIV.
    div => Div, DIV, "float32, int8, int32", versions 1..=2;
}

const F32: u32 = 0;
const I8: u32 = 1;
const I32: u32 = 2;

/// Prepared parameters: the broadcast, the element type, the float and
/// int32 clamp and the int8 arithmetic.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct DivParams {
    shape: BroadcastShape,
    quantized: QuantizedDiv,
    min_f32: f32,
    max_f32: f32,
    min_i32: i32,
    max_i32: i32,
    /// [`F32`], [`I8`] or [`I32`].
    kind: u32,
}

/// DIV of two broadcast inputs.
pub struct Div;

/// The fused activation of the DivOptions (NONE when there are none).
fn activation(ctx: &PrepareContext<'_>) -> Result<FusedActivation, OpError> {
    let raw = ctx.operator().raw();
    let value = match raw.builtin_options_as_div_options() {
        Some(options) => options.fused_activation_function(),
        None if raw.builtin_options_type() == BuiltinOptions::NONE => ActivationFunctionType::NONE,
        None => return Err(OpError::MissingOptions),
    };
    clamping_activation(value)
}

impl Kernel for Div {
    type Params = DivParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<DivParams>, OpError> {
        ctx.expect_io(2, 2, 1)?;
        let activation = activation(ctx)?;
        let (input1, input2, output) = (ctx.input(0)?, ctx.input(1)?, ctx.output(0)?);
        let kind = match output.dtype() {
            TensorType::Float32 => Some(F32),
            TensorType::Int8 => Some(I8),
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
        let shape = binary_broadcast(&input1, &input2, &output, MAX_BROADCAST_RANK)?;
        let (min_f32, max_f32) = activation_range_f32(activation);
        let (min_i32, max_i32) = activation_range_i32(activation);
        let mut quantized = QuantizedDiv::default();
        if kind == I32 {
            for tensor in [&input1, &input2] {
                if tensor.quantization().and_then(|q| q.scale(0)).is_some() {
                    return Err(OpError::BadQuantization {
                        tensor: tensor.index(),
                        what: "int32 DIV takes unquantized tensors",
                    });
                }
            }
        }
        if kind == I8 {
            let (q1, q2, qo) = (affine(&input1)?, affine(&input2)?, affine(&output)?);
            let (min, max) =
                activation_range_i8(activation, qo.scale, qo.zero_point).map_err(|_| {
                    OpError::BadQuantization {
                        tensor: output.index(),
                        what: "fused activation bound not representable",
                    }
                })?;
            quantized = QuantizedDiv::new(
                q1.scale,
                q1.zero_point,
                q2.scale,
                q2.zero_point,
                qo.scale,
                qo.zero_point,
                min,
                max,
            );
        }
        Ok(Prepared::new(DivParams {
            shape,
            quantized,
            min_f32,
            max_f32,
            min_i32,
            max_i32,
            kind,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &DivParams, _: &[u8]) -> Result<(), OpError> {
        let shape = &p.shape;
        match p.kind {
            F32 => {
                let (min, max) = (p.min_f32, p.max_f32);
                apply::<f32>(ctx, shape, |x, y| div_f32(x, y, min, max))
            }
            I32 => {
                refuse_zero(ctx.input::<i32>(1)?.iter().position(|&y| y == 0))?;
                let (min, max) = (p.min_i32, p.max_i32);
                apply::<i32>(ctx, shape, |x, y| div_i32(x, y, min, max))
            }
            _ => {
                let q = &p.quantized;
                refuse_zero(
                    ctx.input::<i8>(1)?
                        .iter()
                        .position(|&y| q.divides_by_zero(i32::from(y))),
                )?;
                // The clamp keeps the results within int8.
                apply::<i8>(ctx, shape, |x, y| q.apply(i32::from(x), i32::from(y)) as i8)
            }
        }
    }
}

/// The invoke error for a zero divisor at `position`, if any.
fn refuse_zero(position: Option<usize>) -> Result<(), OpError> {
    match position {
        Some(position) => Err(OpError::Kernel(KernelError::InvalidValue {
            what: "DIV divisor zero",
            position,
        })),
        None => Ok(()),
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
