//! Elementwise math of one input, as TFLM: ABS (float32, quantized int8,
//! int16 quantized or not), RSQRT (float32, quantized int8 and int16), NEG,
//! SIN, COS, EXP, LOG, SQRT, SQUARE, FLOOR, CEIL, ROUND (float32),
//! LOGICAL_NOT (bool). Each may run in place.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::rsqrt::{rsqrt_quantized, RsqrtQuantParams};
use microlite_kernels::unary::{
    self as kernel, abs_int16, abs_int16_plain, abs_int8, float_unary, AbsQuantParams, FloatUnary,
};
use microlite_kernels::KernelError;
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{InPlaceOffer, Kernel, Prepared};
use crate::quant_params::affine;

crate::registry::declare_ops! {
    /// ABS.
    abs => Abs, ABS, "float32, int8, int16", versions 1..=4;
    /// NEG.
    neg => FloatMath<NEG>, NEG, "float32", versions 1..=1;
    /// SIN.
    sin => FloatMath<SIN>, SIN, "float32", versions 1..=1;
    /// COS.
    cos => FloatMath<COS>, COS, "float32", versions 1..=1;
    /// EXP.
    exp => FloatMath<EXP>, EXP, "float32", versions 1..=1;
    /// LOG.
    log => FloatMath<LOG>, LOG, "float32", versions 1..=1;
    /// SQRT.
    sqrt => FloatMath<SQRT>, SQRT, "float32", versions 1..=1;
    /// RSQRT.
    rsqrt => Rsqrt, RSQRT, "float32, int8, int16 (zero points 0)", versions 1..=3;
    /// SQUARE.
    square => FloatMath<SQUARE>, SQUARE, "float32", versions 1..=1;
    /// FLOOR.
    floor => FloatMath<FLOOR>, FLOOR, "float32", versions 1..=1;
    /// CEIL.
    ceil => FloatMath<CEIL>, CEIL, "float32", versions 1..=1;
    /// ROUND (ties to even, as TFLM).
    round => FloatMath<ROUND>, ROUND, "float32", versions 1..=1;
    /// LOGICAL_NOT.
    logical_not => LogicalNot, LOGICAL_NOT, "bool", versions 1..=1;
}

const NEG: u32 = 1;
const SIN: u32 = 2;
const COS: u32 = 3;
const EXP: u32 = 4;
const LOG: u32 = 5;
const SQRT: u32 = 6;
const SQUARE: u32 = 8;
const FLOOR: u32 = 9;
const CEIL: u32 = 10;
const ROUND: u32 = 11;

/// One input, one output of the same type and element count (TFLM's
/// elementwise kernels run over the input's elements), input type checked
/// by `accepts`.
fn same_type_io<'m>(
    ctx: &PrepareContext<'m>,
    accepts: impl Fn(TensorType) -> bool,
) -> Result<(Tensor<'m>, Tensor<'m>), OpError> {
    ctx.expect_io(1, 1, 1)?;
    let (input, output) = (ctx.input(0)?, ctx.output(0)?);
    for tensor in [&input, &output] {
        if !accepts(tensor.dtype()) || tensor.dtype() != input.dtype() {
            return Err(OpError::UnsupportedType {
                tensor: tensor.index(),
                dtype: tensor.dtype(),
            });
        }
    }
    if input.element_count() != output.element_count() {
        return Err(OpError::ShapeMismatch {
            tensor: output.index(),
            what: "output element count differs from the input's",
        });
    }
    Ok((input, output))
}

/// Params with the offer to run in place over input 0.
fn in_place<P>(params: P) -> Prepared<P> {
    let mut prepared = Prepared::new(params);
    prepared.needs.in_place = Some(InPlaceOffer::input(0, 0));
    prepared
}

/// Run an elementwise kernel over input 0, separate or in place.
fn elementwise<T: Pod>(
    ctx: &mut EvalContext<'_>,
    kernel: impl FnMut(&[T], &mut [T]) -> Result<(), KernelError>,
) -> Result<(), OpError> {
    ctx.map_elements(0, kernel)?.map_err(OpError::from)
}

/// Prepared float math: which function.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct FloatMathParams {
    function: u32,
}

/// A float32 function of one input (`F`: its code above).
pub struct FloatMath<const F: u32>;

impl<const F: u32> Kernel for FloatMath<F> {
    type Params = FloatMathParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<FloatMathParams>, OpError> {
        let (input, output) = same_type_io(ctx, |t| t == TensorType::Float32)?;
        if F == EXP {
            // TFLM's EXP also requires the same dimensions.
            let (a, b) = (input.shape(), output.shape());
            if a.rank() != b.rank() || !a.iter().eq(b.iter()) {
                return Err(OpError::ShapeMismatch {
                    tensor: output.index(),
                    what: "output shape differs from the input shape",
                });
            }
        }
        let function = FloatUnary::from_code(F).ok_or(OpError::Internal("float function code"))?;
        Ok(in_place(FloatMathParams {
            function: function.code(),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &FloatMathParams, _: &[u8]) -> Result<(), OpError> {
        let function =
            FloatUnary::from_code(p.function).ok_or(OpError::Internal("float function code"))?;
        elementwise(ctx, |i: &[f32], o: &mut [f32]| float_unary(function, i, o))
    }
}

/// Prepared ABS parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct AbsParams {
    /// 0 float32, 1 int8, 2 quantized int16, 3 plain int16.
    kind: u32,
    quant: AbsQuantParams,
}

const ABS_F32: u32 = 0;
const ABS_I8: u32 = 1;
const ABS_I16: u32 = 2;
const ABS_I16_PLAIN: u32 = 3;

/// ABS: float32; int8 and quantized int16 with TFLM's rescaling (int16
/// zero points must be 0); unquantized int16 as `std::abs`.
pub struct Abs;

impl Kernel for Abs {
    type Params = AbsParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<AbsParams>, OpError> {
        let (input, output) = same_type_io(ctx, |t| {
            matches!(
                t,
                TensorType::Float32 | TensorType::Int8 | TensorType::Int16
            )
        })?;
        let int16 = input.dtype() == TensorType::Int16;
        let kind = match input.dtype() {
            TensorType::Float32 => ABS_F32,
            TensorType::Int16 if input.quantization().is_none() => ABS_I16_PLAIN,
            _ if int16 => ABS_I16,
            _ => ABS_I8,
        };
        let mut quant = AbsQuantParams::zeroed();
        if kind == ABS_I8 || kind == ABS_I16 {
            let (i, o) = (affine(&input)?, affine(&output)?);
            if int16 {
                for (tensor, q) in [(&input, &i), (&output, &o)] {
                    if q.zero_point != 0 {
                        return Err(OpError::BadQuantization {
                            tensor: tensor.index(),
                            what: "int16 ABS needs zero point 0",
                        });
                    }
                }
            }
            quant = AbsQuantParams::new(i.scale, i.zero_point, o.scale, o.zero_point);
        }
        Ok(in_place(AbsParams { kind, quant }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &AbsParams, _: &[u8]) -> Result<(), OpError> {
        match p.kind {
            ABS_I8 => elementwise(ctx, |i: &[i8], o: &mut [i8]| abs_int8(&p.quant, i, o)),
            ABS_I16 => elementwise(ctx, |i: &[i16], o: &mut [i16]| abs_int16(&p.quant, i, o)),
            ABS_I16_PLAIN => elementwise(ctx, abs_int16_plain),
            _ => elementwise(ctx, |i: &[f32], o: &mut [f32]| {
                float_unary(FloatUnary::Abs, i, o)
            }),
        }
    }
}

/// Prepared RSQRT parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct RsqrtParams {
    /// 0 float32, 1 int8, 2 int16.
    kind: u32,
    quant: RsqrtQuantParams,
}

/// RSQRT: float32 `1 / sqrt(x)`; int8 and int16 (zero points 0) in TFLM's
/// fixed point.
pub struct Rsqrt;

impl Kernel for Rsqrt {
    type Params = RsqrtParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<RsqrtParams>, OpError> {
        let (input, output) = same_type_io(ctx, |t| {
            matches!(
                t,
                TensorType::Float32 | TensorType::Int8 | TensorType::Int16
            )
        })?;
        let kind = match input.dtype() {
            TensorType::Float32 => 0,
            TensorType::Int8 => 1,
            _ => 2,
        };
        let mut quant = RsqrtQuantParams::zeroed();
        if kind != 0 {
            let (i, o) = (affine(&input)?, affine(&output)?);
            if kind == 2 {
                for (tensor, q) in [(&input, &i), (&output, &o)] {
                    if q.zero_point != 0 {
                        return Err(OpError::BadQuantization {
                            tensor: tensor.index(),
                            what: "int16 RSQRT needs zero point 0",
                        });
                    }
                }
            }
            quant = RsqrtQuantParams::new(i.scale, i.zero_point, o.scale, o.zero_point);
        }
        Ok(in_place(RsqrtParams { kind, quant }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &RsqrtParams, _: &[u8]) -> Result<(), OpError> {
        match p.kind {
            1 => elementwise(ctx, |i: &[i8], o: &mut [i8]| {
                rsqrt_quantized(&p.quant, i, o)
            }),
            2 => elementwise(ctx, |i: &[i16], o: &mut [i16]| {
                rsqrt_quantized(&p.quant, i, o)
            }),
            _ => elementwise(ctx, |i: &[f32], o: &mut [f32]| {
                float_unary(FloatUnary::Rsqrt, i, o)
            }),
        }
    }
}

/// LOGICAL_NOT of bool tensors.
pub struct LogicalNot;

impl Kernel for LogicalNot {
    type Params = FloatMathParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<FloatMathParams>, OpError> {
        same_type_io(ctx, |t| t == TensorType::Bool)?;
        Ok(in_place(FloatMathParams::zeroed()))
    }

    fn eval(ctx: &mut EvalContext<'_>, _: &FloatMathParams, _: &[u8]) -> Result<(), OpError> {
        elementwise(ctx, kernel::logical_not)
    }
}
