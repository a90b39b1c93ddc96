//! Standalone activations: RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH,
//! HARD_SWISH and ELU, for float32 and int8, RELU, RELU6, LEAKY_RELU,
//! LOGISTIC and TANH also int16 (input and output of the same dtype and
//! shape), with TFLM's prepare checks and integer methods. Each
//! offers to write its output over its input (element by element).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::activations::{
    elu_f32, elu_int8, hard_swish_f32, hard_swish_int8, leaky_relu_f32, leaky_relu_int16,
    leaky_relu_int8, logistic_f32, logistic_int16, logistic_int8, prepare_elu_int8,
    prepare_hard_swish_int8, prepare_leaky_relu_int8, prepare_logistic_int8, prepare_relu6_int16,
    prepare_relu6_int8, prepare_relu_int16, prepare_relu_int8, prepare_sigmoid_int16,
    prepare_tanh_int8, relu6_f32, relu6_int16, relu6_int8, relu_f32, relu_int16, relu_int8,
    tanh_f32, tanh_int16, tanh_int8, EluQuantParams, HardSwishQuantParams, LeakyReluQuantParams,
    Relu6QuantParams, ReluQuantParams, SigmoidQuantParams,
};
use microlite_kernels::KernelError;
use microlite_model::{Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{InPlaceOffer, Kernel, Prepared};
use crate::quant_params::{affine, symmetric, AffineQuant};

crate::registry::declare_ops! {
    /// RELU.
    relu => Relu, RELU, "int8, int16 (zero points 0), float32", versions 1..=3;
    /// RELU6.
    relu6 => Relu6, RELU6, "int8, int16, float32", versions 1..=3;
    /// LEAKY_RELU.
    leaky_relu => LeakyRelu, LEAKY_RELU, "int8, int16, float32", versions 1..=2;
    /// LOGISTIC.
    logistic => Logistic, LOGISTIC, "int8, int16, float32", versions 1..=3;
    /// TANH.
    tanh => Tanh, TANH, "int8, int16, float32", versions 1..=3;
    /// HARD_SWISH.
    hard_swish => HardSwish, HARD_SWISH, "int8, float32", versions 1..=1;
    /// ELU.
    elu => Elu, ELU, "int8, float32", versions 1..=1;
}

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const INT16: u32 = 2;

/// The checked input and output of a one-in, one-out activation.
struct Unary<'m> {
    input: Tensor<'m>,
    output: Tensor<'m>,
    /// [`FLOAT`], [`INT8`] or (where the op takes it) [`INT16`].
    kind: u32,
}

impl Unary<'_> {
    fn is_int8(&self) -> bool {
        self.kind == INT8
    }

    fn input_q(&self) -> Result<AffineQuant, OpError> {
        affine(&self.input)
    }

    fn output_q(&self) -> Result<AffineQuant, OpError> {
        affine(&self.output)
    }
}

/// One input, one output, both float32 or both int8, of the same shape.
fn unary<'m>(ctx: &PrepareContext<'m>) -> Result<Unary<'m>, OpError> {
    unary_of(ctx, false)
}

/// As [`unary`], also taking int16 if `int16`.
fn unary_of<'m>(ctx: &PrepareContext<'m>, int16: bool) -> Result<Unary<'m>, OpError> {
    ctx.expect_io(1, 1, 1)?;
    let input = ctx.input(0)?;
    let output = ctx.output(0)?;
    let kind = match input.dtype() {
        TensorType::Float32 => FLOAT,
        TensorType::Int8 => INT8,
        TensorType::Int16 if int16 => INT16,
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
    let (a, b) = (input.shape(), output.shape());
    if a.rank() != b.rank() || !a.iter().eq(b.iter()) {
        return Err(OpError::ShapeMismatch {
            tensor: output.index(),
            what: "output shape differs from the input shape",
        });
    }
    Ok(Unary {
        input,
        output,
        kind,
    })
}

/// Prepared params with the in-place offer every activation makes: the
/// output (same dtype and shape) over the input, element by element.
fn in_place<P>(params: P) -> Prepared<P> {
    let mut prepared = Prepared::new(params);
    prepared.needs.in_place = Some(InPlaceOffer::input(0, 0));
    prepared
}

/// Run an elementwise activation kernel over input 0, with separate
/// buffers or in place ([`EvalContext::map_elements`]). Prepare's checks
/// rule a kernel failure out; should one happen, its cause is returned
/// ([`OpError::Kernel`]).
fn elementwise<T: Pod>(
    ctx: &mut EvalContext<'_>,
    kernel: impl FnMut(&[T], &mut [T]) -> Result<(), KernelError>,
) -> Result<(), OpError> {
    ctx.map_elements(0, kernel)?.map_err(OpError::from)
}

/// A scale the kernels cannot turn into a fixed-point multiplier.
fn scale_error(tensor: &Tensor<'_>, what: &'static str) -> OpError {
    OpError::BadQuantization {
        tensor: tensor.index(),
        what,
    }
}

// ----------------------------------------------------------------------- RELU

/// Prepared RELU parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ReluParams {
    kind: u32,
    quant: ReluQuantParams,
}

/// RELU. Int8 and int16 requantize to the output scale and clamp at the
/// output's 0.
pub struct Relu;

impl Kernel for Relu {
    type Params = ReluParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ReluParams>, OpError> {
        let io = unary_of(ctx, true)?;
        let mut quant = ReluQuantParams::zeroed();
        if io.is_int8() {
            let (i, o) = (io.input_q()?, io.output_q()?);
            quant = prepare_relu_int8(i.scale, i.zero_point, o.scale, o.zero_point);
        } else if io.kind == INT16 {
            let (i, o) = (symmetric(&io.input)?, symmetric(&io.output)?);
            quant = prepare_relu_int16(i.scale, i.zero_point, o.scale, o.zero_point);
        }
        Ok(in_place(ReluParams {
            kind: io.kind,
            quant,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ReluParams, _: &[u8]) -> Result<(), OpError> {
        if p.kind == INT8 {
            elementwise(ctx, |i: &[i8], o: &mut [i8]| relu_int8(&p.quant, i, o))
        } else if p.kind == INT16 {
            elementwise(ctx, |i: &[i16], o: &mut [i16]| relu_int16(&p.quant, i, o))
        } else {
            elementwise(ctx, |i: &[f32], o: &mut [f32]| relu_f32(i, o))
        }
    }
}

// ---------------------------------------------------------------------- RELU6

/// Prepared RELU6 parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Relu6Params {
    kind: u32,
    quant: Relu6QuantParams,
}

/// RELU6. Int8 clamps in the input's quantization; like TFLM it ignores the
/// output's quantization (the converter gives both the same).
pub struct Relu6;

impl Kernel for Relu6 {
    type Params = Relu6Params;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<Relu6Params>, OpError> {
        let io = unary_of(ctx, true)?;
        let mut quant = Relu6QuantParams::zeroed();
        if io.is_int8() {
            let i = io.input_q()?;
            quant = prepare_relu6_int8(i.scale, i.zero_point);
        } else if io.kind == INT16 {
            let i = io.input_q()?;
            quant = prepare_relu6_int16(i.scale, i.zero_point);
        }
        Ok(in_place(Relu6Params {
            kind: io.kind,
            quant,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &Relu6Params, _: &[u8]) -> Result<(), OpError> {
        if p.kind == INT8 {
            elementwise(ctx, |i: &[i8], o: &mut [i8]| relu6_int8(&p.quant, i, o))
        } else if p.kind == INT16 {
            elementwise(ctx, |i: &[i16], o: &mut [i16]| relu6_int16(&p.quant, i, o))
        } else {
            elementwise(ctx, |i: &[f32], o: &mut [f32]| relu6_f32(i, o))
        }
    }
}

// ----------------------------------------------------------------- LEAKY_RELU

/// Prepared LEAKY_RELU parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct LeakyReluParams {
    kind: u32,
    alpha: f32,
    quant: LeakyReluQuantParams,
}

/// LEAKY_RELU with `LeakyReluOptions.alpha` (0 when the options are absent,
/// as TFLM's parser leaves it).
pub struct LeakyRelu;

impl Kernel for LeakyRelu {
    type Params = LeakyReluParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<LeakyReluParams>, OpError> {
        let raw = ctx.operator().raw();
        let alpha = match raw.builtin_options_as_leaky_relu_options() {
            Some(o) => o.alpha(),
            None if raw.builtin_options_type() == microlite_model::schema::BuiltinOptions::NONE => {
                0.0
            }
            None => return Err(OpError::MissingOptions),
        };
        let io = unary_of(ctx, true)?;
        let mut quant = LeakyReluQuantParams::zeroed();
        if io.kind != FLOAT {
            let (i, o) = (io.input_q()?, io.output_q()?);
            quant = prepare_leaky_relu_int8(alpha, i.scale, i.zero_point, o.scale, o.zero_point);
        }
        Ok(in_place(LeakyReluParams {
            kind: io.kind,
            alpha,
            quant,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &LeakyReluParams, _: &[u8]) -> Result<(), OpError> {
        if p.kind == INT8 {
            elementwise(ctx, |i: &[i8], o: &mut [i8]| {
                leaky_relu_int8(&p.quant, i, o)
            })
        } else if p.kind == INT16 {
            elementwise(ctx, |i: &[i16], o: &mut [i16]| {
                leaky_relu_int16(&p.quant, i, o)
            })
        } else {
            elementwise(ctx, |i: &[f32], o: &mut [f32]| {
                leaky_relu_f32(p.alpha, i, o)
            })
        }
    }
}

// ------------------------------------------------------------ LOGISTIC / TANH

/// Prepared LOGISTIC or TANH parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SigmoidParams {
    kind: u32,
    quant: SigmoidQuantParams,
}

fn sigmoid_input_error(e: KernelError, io: &Unary<'_>) -> OpError {
    match e {
        KernelError::OutputZeroPoint { .. } => {
            scale_error(&io.output, "logistic int8 output zero point must be -128")
        }
        KernelError::MultiplierOutOfRange { .. } => scale_error(
            &io.input,
            "input scale x 2^27 cannot be represented as a fixed-point multiplier",
        ),
        other => OpError::Kernel(other),
    }
}

/// TFLM's int16 LOGISTIC / TANH prepare: zero points 0, output scale 2^-15.
fn sigmoid_int16(io: &Unary<'_>, tanh: bool) -> Result<SigmoidQuantParams, OpError> {
    let (i, o) = (io.input_q()?, io.output_q()?);
    for (tensor, q) in [(&io.input, &i), (&io.output, &o)] {
        if q.zero_point != 0 {
            return Err(OpError::BadQuantization {
                tensor: tensor.index(),
                what: "int16 LOGISTIC and TANH need zero point 0",
            });
        }
    }
    prepare_sigmoid_int16(tanh, i.scale, o.scale).map_err(|e| match e {
        KernelError::OutputQuantization { .. } => scale_error(
            &io.output,
            "int16 LOGISTIC and TANH need output scale 2^-15",
        ),
        KernelError::MultiplierOutOfRange { .. } => scale_error(
            &io.input,
            "int16 LOGISTIC and TANH need an input scale in (0, 2.67]",
        ),
        other => OpError::Kernel(other),
    })
}

/// LOGISTIC. Int8 requires output zero point -128 and, like TFLM, takes the
/// output scale to be 1/256 without checking it. Int16 requires zero points
/// 0 and output scale 2^-15.
pub struct Logistic;

impl Kernel for Logistic {
    type Params = SigmoidParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SigmoidParams>, OpError> {
        let io = unary_of(ctx, true)?;
        let mut quant = SigmoidQuantParams::zeroed();
        if io.is_int8() {
            let (i, o) = (io.input_q()?, io.output_q()?);
            quant = prepare_logistic_int8(i.scale, i.zero_point, o.zero_point)
                .map_err(|e| sigmoid_input_error(e, &io))?;
        } else if io.kind == INT16 {
            quant = sigmoid_int16(&io, false)?;
        }
        Ok(in_place(SigmoidParams {
            kind: io.kind,
            quant,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SigmoidParams, _: &[u8]) -> Result<(), OpError> {
        if p.kind == INT8 {
            elementwise(ctx, |i: &[i8], o: &mut [i8]| logistic_int8(&p.quant, i, o))
        } else if p.kind == INT16 {
            elementwise(ctx, |i: &[i16], o: &mut [i16]| {
                logistic_int16(&p.quant, i, o)
            })
        } else {
            elementwise(ctx, |i: &[f32], o: &mut [f32]| logistic_f32(i, o))
        }
    }
}

/// TANH. Int8, like TFLM, takes the output to be scale 1/128, zero point 0
/// without checking its quantization. Int16 requires zero points 0 and
/// output scale 2^-15.
pub struct Tanh;

impl Kernel for Tanh {
    type Params = SigmoidParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SigmoidParams>, OpError> {
        let io = unary_of(ctx, true)?;
        let mut quant = SigmoidQuantParams::zeroed();
        if io.is_int8() {
            let i = io.input_q()?;
            quant = prepare_tanh_int8(i.scale, i.zero_point)
                .map_err(|e| sigmoid_input_error(e, &io))?;
        } else if io.kind == INT16 {
            quant = sigmoid_int16(&io, true)?;
        }
        Ok(in_place(SigmoidParams {
            kind: io.kind,
            quant,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SigmoidParams, _: &[u8]) -> Result<(), OpError> {
        if p.kind == INT8 {
            elementwise(ctx, |i: &[i8], o: &mut [i8]| tanh_int8(&p.quant, i, o))
        } else if p.kind == INT16 {
            elementwise(ctx, |i: &[i16], o: &mut [i16]| tanh_int16(&p.quant, i, o))
        } else {
            elementwise(ctx, |i: &[f32], o: &mut [f32]| tanh_f32(i, o))
        }
    }
}

// ----------------------------------------------------------------- HARD_SWISH

/// Prepared HARD_SWISH parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct HardSwishParams {
    kind: u32,
    quant: HardSwishQuantParams,
}

/// HARD_SWISH. Int8 requires `input_scale / (128 * output_scale) < 1`, as
/// TFLM does.
pub struct HardSwish;

impl Kernel for HardSwish {
    type Params = HardSwishParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<HardSwishParams>, OpError> {
        let io = unary(ctx)?;
        let mut quant = HardSwishQuantParams::zeroed();
        if io.is_int8() {
            let (i, o) = (io.input_q()?, io.output_q()?);
            quant = prepare_hard_swish_int8(i.scale, i.zero_point, o.scale, o.zero_point).map_err(
                |e| match e {
                    KernelError::MultiplierOutOfRange { .. } => scale_error(
                        &io.output,
                        "input scale / (128 x output scale) must be below 1",
                    ),
                    other => OpError::Kernel(other),
                },
            )?;
        }
        Ok(in_place(HardSwishParams {
            kind: io.kind,
            quant,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &HardSwishParams, _: &[u8]) -> Result<(), OpError> {
        if p.kind == INT8 {
            elementwise(ctx, |i: &[i8], o: &mut [i8]| {
                hard_swish_int8(&p.quant, i, o)
            })
        } else {
            elementwise(ctx, |i: &[f32], o: &mut [f32]| hard_swish_f32(i, o))
        }
    }
}

// ------------------------------------------------------------------------ ELU

/// Prepared ELU parameters (int8: a 256-entry table).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct EluParams {
    kind: u32,
    quant: EluQuantParams,
}

/// ELU. Int8 looks the output up in a table built at prepare, as TFLM.
pub struct Elu;

impl Kernel for Elu {
    type Params = EluParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<EluParams>, OpError> {
        let io = unary(ctx)?;
        let mut quant = EluQuantParams::zeroed();
        if io.is_int8() {
            let (i, o) = (io.input_q()?, io.output_q()?);
            quant = prepare_elu_int8(i.scale, i.zero_point, o.scale, o.zero_point);
        }
        Ok(in_place(EluParams {
            kind: io.kind,
            quant,
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &EluParams, _: &[u8]) -> Result<(), OpError> {
        if p.kind == INT8 {
            elementwise(ctx, |i: &[i8], o: &mut [i8]| elu_int8(&p.quant, i, o))
        } else {
            elementwise(ctx, |i: &[f32], o: &mut [f32]| elu_f32(i, o))
        }
    }
}
