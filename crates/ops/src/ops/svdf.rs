//! SVDF, as TFLM: float32, and full-integer (int8 input, feature weights and
//! output, int16 time weights and state, or int8 time weights and state,
//! int32 bias). The activation state (input 4) is a variable tensor the op
//! updates every invoke: the op is stateful.
//!
//! Refused where TFLM's prepare fails, and where TFLM would crash or read
//! garbage: a rank below 1 or not dividing the filters, a zero memory size,
//! an SVDF without bias (TFLM reads the absent bias's data, and for int8 its
//! scale: the tflite-micro wheel crashes on both), a state whose type differs
//! from the time weights', hybrid SVDF (float input, int8 weights).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::activation::FusedActivation;
use microlite_kernels::svdf::{svdf_f32, svdf_integer, SvdfQuantized, SvdfShape};
use microlite_model::{Tensor, TensorType};

use crate::activation::fused_activation;
use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Prepared};
use crate::quant_params::affine;
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// SVDF (versions 2 and 4 are hybrid, which TFLM does not run).
    svdf => Svdf, SVDF,
        "float32, int8 (int16 or int8 time weights and state, int32 bias)",
        versions 1..=3;
}

const FLOAT: u32 = 0;
const INT16_STATE: u32 = 1;
const INT8_STATE: u32 = 2;

/// Input positions.
const INPUT: usize = 0;
const WEIGHTS_FEATURE: usize = 1;
const WEIGHTS_TIME: usize = 2;
const BIAS: usize = 3;
const STATE: usize = 4;

/// Prepared SVDF parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SvdfParams {
    shape: SvdfShape,
    quantized: SvdfQuantized,
    kind: u32,
    /// [`FusedActivation`] as [`activation_code`] numbers it (float only).
    activation: u32,
}

fn activation_code(a: FusedActivation) -> u32 {
    match a {
        FusedActivation::None => 0,
        FusedActivation::Relu => 1,
        FusedActivation::ReluN1To1 => 2,
        FusedActivation::Relu6 => 3,
        FusedActivation::Tanh => 4,
        FusedActivation::SignBit => 5,
    }
}

fn activation_of(code: u32) -> FusedActivation {
    match code {
        1 => FusedActivation::Relu,
        2 => FusedActivation::ReluN1To1,
        3 => FusedActivation::Relu6,
        4 => FusedActivation::Tanh,
        5 => FusedActivation::SignBit,
        _ => FusedActivation::None,
    }
}

fn expect_rank(tensor: &Tensor<'_>, rank: usize) -> Result<(), OpError> {
    if tensor.shape().rank() == rank {
        Ok(())
    } else {
        Err(OpError::UnsupportedRank {
            tensor: tensor.index(),
            rank: tensor.shape().rank(),
            max: rank,
        })
    }
}

fn expect_dim(
    tensor: &Tensor<'_>,
    k: usize,
    want: usize,
    what: &'static str,
) -> Result<(), OpError> {
    if dim(tensor, k)? == want {
        Ok(())
    } else {
        Err(OpError::ShapeMismatch {
            tensor: tensor.index(),
            what,
        })
    }
}

/// SVDF.
pub struct Svdf;

impl Kernel for Svdf {
    type Params = SvdfParams;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SvdfParams>, OpError> {
        ctx.expect_io(5, 5, 1)?;
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_svdf_options()
            .ok_or(OpError::MissingOptions)?;
        let rank = options.rank();
        let activation = fused_activation(options.fused_activation_function())?;
        let input = ctx.input(INPUT)?;
        let weights_feature = ctx.input(WEIGHTS_FEATURE)?;
        let weights_time = ctx.input(WEIGHTS_TIME)?;
        // TFLM dereferences the bias unconditionally: without one it crashes.
        let bias = ctx.input(BIAS)?;
        let state = ctx.input(STATE)?;
        let output = ctx.output(0)?;
        if !state.is_variable() {
            return Err(OpError::ShapeMismatch {
                tensor: state.index(),
                what: "activation state is not a variable tensor",
            });
        }

        // Shapes: input [batches, input_size], weights_feature [filters,
        // input_size], weights_time [filters, memory], bias [units], state
        // [batches, memory * filters], output [batches, units].
        expect_rank(&input, 2)?;
        expect_rank(&weights_feature, 2)?;
        expect_rank(&weights_time, 2)?;
        expect_rank(&state, 2)?;
        expect_rank(&output, 2)?;
        let batches = dim(&input, 0)?;
        let input_size = dim(&input, 1)?;
        let filters = dim(&weights_feature, 0)?;
        let memory = dim(&weights_time, 1)?;
        let rank = usize::try_from(rank)
            .ok()
            .filter(|&r| r >= 1 && filters % r == 0)
            .ok_or(OpError::UnsupportedOption {
                field: "rank",
                value: i64::from(rank),
            })?;
        let units = filters / rank;
        expect_dim(
            &output,
            0,
            batches,
            "output batches differ from the input's",
        )?;
        expect_dim(&output, 1, units, "output size is not filters / rank")?;
        expect_dim(
            &weights_feature,
            1,
            input_size,
            "weights_feature columns differ from the input size",
        )?;
        expect_dim(
            &weights_time,
            0,
            filters,
            "weights_time rows differ from the filters",
        )?;
        if memory == 0 {
            return Err(OpError::ShapeMismatch {
                tensor: weights_time.index(),
                what: "memory size (weights_time columns) is 0",
            });
        }
        if bias.shape().rank() == 0 || bias.element_count() != units {
            return Err(OpError::ShapeMismatch {
                tensor: bias.index(),
                what: "bias length is not filters / rank",
            });
        }
        expect_dim(&state, 0, batches, "state batches differ from the input's")?;
        let state_row = memory
            .checked_mul(filters)
            .ok_or(OpError::SizeOverflow { what: "svdf state" })?;
        expect_dim(&state, 1, state_row, "state size is not memory x filters")?;

        let shape = SvdfShape {
            batches: to_u32(batches)?,
            input_size: to_u32(input_size)?,
            units: to_u32(units)?,
            rank: to_u32(rank)?,
            memory: to_u32(memory)?,
        };
        let (kind, quantized) = match input.dtype() {
            TensorType::Float32 => {
                for t in [&weights_feature, &weights_time, &state, &output] {
                    expect_type(t, TensorType::Float32)?;
                }
                expect_type(&bias, TensorType::Float32)?;
                (FLOAT, SvdfQuantized::default())
            }
            TensorType::Int8 => {
                expect_type(&weights_feature, TensorType::Int8)?;
                let kind = match weights_time.dtype() {
                    TensorType::Int16 => INT16_STATE,
                    TensorType::Int8 => INT8_STATE,
                    dtype => {
                        return Err(OpError::UnsupportedType {
                            tensor: weights_time.index(),
                            dtype,
                        })
                    }
                };
                expect_type(&state, weights_time.dtype())?;
                expect_type(&output, TensorType::Int8)?;
                expect_type(&bias, TensorType::Int32)?;
                let (qi, qs, qo) = (affine(&input)?, affine(&state)?, affine(&output)?);
                let feature_scale = affine(&weights_feature)?.scale;
                let time_scale = affine(&weights_time)?.scale;
                let bias_scale = affine(&bias)?.scale;
                let want = f64::from(qs.scale) * f64::from(time_scale);
                if (f64::from(bias_scale) - want).abs() >= 1e-5 {
                    return Err(OpError::BadQuantization {
                        tensor: bias.index(),
                        what: "bias scale is not state scale x weights_time scale",
                    });
                }
                (
                    kind,
                    SvdfQuantized::new(
                        (qi.scale, qi.zero_point),
                        feature_scale,
                        time_scale,
                        (qs.scale, qs.zero_point),
                        (qo.scale, qo.zero_point),
                    ),
                )
            }
            dtype => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype,
                })
            }
        };
        Ok(Prepared::new(SvdfParams {
            shape,
            quantized,
            kind,
            activation: activation_code(activation),
        }))
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &SvdfParams, _: &[u8]) -> Result<(), OpError> {
        match p.kind {
            FLOAT => {
                let input = ctx.input::<f32>(INPUT)?;
                let weights_feature = ctx.input::<f32>(WEIGHTS_FEATURE)?;
                let weights_time = ctx.input::<f32>(WEIGHTS_TIME)?;
                let bias = ctx.input::<f32>(BIAS)?;
                let state = ctx.take_variable_input::<f32>(STATE)?;
                Ok(svdf_f32(
                    &p.shape,
                    activation_of(p.activation),
                    input,
                    weights_feature,
                    weights_time,
                    Some(bias),
                    state,
                    ctx.output::<f32>()?,
                )?)
            }
            INT16_STATE => eval_integer::<i16>(ctx, p),
            _ => eval_integer::<i8>(ctx, p),
        }
    }
}

fn eval_integer<T: Pod + microlite_kernels::quantize::QuantizedInt>(
    ctx: &mut EvalContext<'_>,
    p: &SvdfParams,
) -> Result<(), OpError> {
    let input = ctx.input::<i8>(INPUT)?;
    let weights_feature = ctx.input::<i8>(WEIGHTS_FEATURE)?;
    let weights_time = ctx.input::<T>(WEIGHTS_TIME)?;
    let bias = ctx.input::<i32>(BIAS)?;
    let state = ctx.take_variable_input::<T>(STATE)?;
    Ok(svdf_integer(
        &p.shape,
        &p.quantized,
        input,
        weights_feature,
        weights_time,
        Some(bias),
        state,
        ctx.output::<i8>()?,
    )?)
}
