//! FULLY_CONNECTED: int8 (per-tensor or per-channel weights, optional int32
//! bias), 16x8 (int16 activations, int8 weights, int64 or int32 bias) and
//! float32, as TFLM's reference kernels. Int8 runs the optimized
//! kernels of the active backend (same bits; per-channel weights need
//! scratch for the widened shifts).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::conv::Bias16x8;
use microlite_kernels::fully_connected::{
    fully_connected_f32, FullyConnectedParams16x8, FullyConnectedParamsF32, FullyConnectedParamsI8,
    FullyConnectedPerChannelParamsI8, FullyConnectedShape,
};
use microlite_kernels::optimized::fully_connected::{
    fully_connected_16x8, fully_connected_i8, fully_connected_per_channel_i8,
};
use microlite_kernels::quantization::{
    activation_range_f32, activation_range_i16, activation_range_i8, quantize_multiplier,
    quantized_convolution_multiplier, ChannelMultipliers,
};
use microlite_model::schema::FullyConnectedOptionsWeightsFormat;
use microlite_model::TensorType;

use crate::activation::clamping_activation;
use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::per_channel::{per_channel_tables, PerChannelTables};
use crate::quant_params::{affine, filter_scale, filter_scales, FilterScales};
use crate::shape_check::{dim, to_u32};
use crate::type_set::{self, covers, TypeSet, ALL, FLOAT32};

crate::registry::declare_ops! {
    /// FULLY_CONNECTED.
    fully_connected => FullyConnected, FULLY_CONNECTED,
        "int8 (per-tensor or per-channel weights), int16 (16x8: int8 weights, int64 or int32 bias), float32",
        versions 1..=11,
        int8 fully_connected_int8 => FullyConnected<{ crate::type_set::INT8 }>;
}

const FLOAT: u32 = 0;
const INT8_PER_TENSOR: u32 = 1;
const INT8_PER_CHANNEL: u32 = 2;
const INT16_PER_TENSOR: u32 = 3;
const INT16_PER_CHANNEL: u32 = 4;

/// Prepared FULLY_CONNECTED parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct FullyConnectedParams {
    kind: u32,
    has_bias: u32,
    /// 16x8: nonzero when TFLM accumulates in int32 (an int32 bias, or none
    /// with `quantized_bias_type` INT32).
    int32_accumulator: u32,
    batches: u32,
    input_depth: u32,
    output_depth: u32,
    input_offset: i32,
    filter_offset: i32,
    output_offset: i32,
    output_multiplier: i32,
    output_shift: i32,
    activation_min: i32,
    activation_max: i32,
    activation_min_f32: f32,
    activation_max_f32: f32,
}

impl FullyConnectedParams {
    fn shape(&self) -> FullyConnectedShape {
        FullyConnectedShape {
            batches: self.batches as usize,
            input_depth: self.input_depth as usize,
            output_depth: self.output_depth as usize,
        }
    }
}

/// FULLY_CONNECTED.
///
/// `TYPES` ([`crate::type_set`]) selects the types whose code is linked.
pub struct FullyConnected<const TYPES: TypeSet = ALL>;

impl<const TYPES: TypeSet> Kernel for FullyConnected<TYPES> {
    type Params = FullyConnectedParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<FullyConnectedParams>, OpError> {
        ctx.expect_io(2, 3, 1)?;
        let raw = ctx.operator().raw();
        let options = raw.builtin_options_as_fully_connected_options();
        let int32_bias_type = options
            .is_some_and(|o| o.quantized_bias_type() == microlite_model::schema::TensorType::INT32);
        let (activation, weights_format) = match options {
            Some(o) => (o.fused_activation_function(), o.weights_format()),
            None if raw.builtin_options_type() == microlite_model::schema::BuiltinOptions::NONE => {
                Default::default()
            }
            None => return Err(OpError::MissingOptions),
        };
        if weights_format != FullyConnectedOptionsWeightsFormat::DEFAULT {
            return Err(OpError::UnsupportedOption {
                field: "weights_format",
                value: i64::from(weights_format.0),
            });
        }
        let activation = clamping_activation(activation)?;
        let input = ctx.input(0)?;
        type_set::require(TYPES, &input)?;
        let filter = ctx.input(1)?;
        let bias = ctx.optional_input(2);
        let output = ctx.output(0)?;

        if filter.shape().rank() != 2 {
            return Err(OpError::UnsupportedRank {
                tensor: filter.index(),
                rank: filter.shape().rank(),
                max: 2,
            });
        }
        if !filter.is_constant() {
            return Err(OpError::NotConstant {
                tensor: filter.index(),
            });
        }
        let output_depth = dim(&filter, 0)?;
        let input_depth = dim(&filter, 1)?;
        let out_rank = output.shape().rank();
        if out_rank == 0 || dim(&output, out_rank - 1)? != output_depth {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "last output dimension differs from the filter's output depth",
            });
        }
        let batches = output.element_count() / output_depth.max(1);
        if batches.checked_mul(input_depth) != Some(input.element_count()) {
            return Err(OpError::ShapeMismatch {
                tensor: input.index(),
                what: "input element count is not batches x filter input depth",
            });
        }
        if let Some(bias) = &bias {
            if bias.element_count() != output_depth {
                return Err(OpError::ShapeMismatch {
                    tensor: bias.index(),
                    what: "bias length differs from the output depth",
                });
            }
            if !bias.is_constant() {
                return Err(OpError::NotConstant {
                    tensor: bias.index(),
                });
            }
        }
        let mut params = FullyConnectedParams {
            kind: FLOAT,
            has_bias: u32::from(bias.is_some()),
            int32_accumulator: 0,
            batches: to_u32(batches)?,
            input_depth: to_u32(input_depth)?,
            output_depth: to_u32(output_depth)?,
            input_offset: 0,
            filter_offset: 0,
            output_offset: 0,
            output_multiplier: 0,
            output_shift: 0,
            activation_min: 0,
            activation_max: 0,
            activation_min_f32: 0.0,
            activation_max_f32: 0.0,
        };
        let mut needs = Needs::default();
        match input.dtype() {
            TensorType::Float32 => {
                expect_type(&filter, TensorType::Float32)?;
                expect_type(&output, TensorType::Float32)?;
                if let Some(bias) = &bias {
                    expect_type(bias, TensorType::Float32)?;
                }
                let (lo, hi) = activation_range_f32(activation);
                params.activation_min_f32 = lo;
                params.activation_max_f32 = hi;
            }
            dtype @ (TensorType::Int8 | TensorType::Int16)
                if dtype == TensorType::Int8 || covers(TYPES, type_set::INT16) =>
            {
                let int8 = dtype == TensorType::Int8;
                expect_type(&filter, TensorType::Int8)?;
                expect_type(&output, dtype)?;
                if let Some(bias) = &bias {
                    if int8 || bias.dtype() != TensorType::Int32 {
                        expect_type(
                            bias,
                            if int8 {
                                TensorType::Int32
                            } else {
                                TensorType::Int64
                            },
                        )?;
                    }
                }
                if !int8 {
                    params.int32_accumulator = u32::from(match &bias {
                        Some(bias) => bias.dtype() == TensorType::Int32,
                        None => int32_bias_type,
                    });
                }
                let input_q = affine(&input)?;
                let output_q = affine(&output)?;
                let scales = filter_scales(&filter, output_depth, 0)?;
                let range = if int8 {
                    activation_range_i8
                } else {
                    activation_range_i16
                };
                let (lo, hi) =
                    range(activation, output_q.scale, output_q.zero_point).map_err(|_| {
                        OpError::BadQuantization {
                            tensor: output.index(),
                            what: "activation range not representable",
                        }
                    })?;
                params.input_offset = -input_q.zero_point;
                params.output_offset = output_q.zero_point;
                params.activation_min = lo;
                params.activation_max = hi;
                if scales == 1 {
                    let bias_scale = bias.as_ref().map(|b| affine_scale(b)).transpose()?;
                    let real = quantized_convolution_multiplier(
                        input_q.scale,
                        filter_scale(&filter, 0),
                        bias_scale,
                        output_q.scale,
                    )
                    .map_err(|_| OpError::BadQuantization {
                        tensor: filter.index(),
                        what: "bias scale differs from input scale x filter scale",
                    })?;
                    let (m, s) = quantize_multiplier(real);
                    params.kind = if int8 {
                        INT8_PER_TENSOR
                    } else {
                        INT16_PER_TENSOR
                    };
                    params.output_multiplier = m;
                    params.output_shift = s;
                } else {
                    params.kind = if int8 {
                        INT8_PER_CHANNEL
                    } else {
                        INT16_PER_CHANNEL
                    };
                    needs.extra_bytes = PerChannelTables::bytes(output_depth)?;
                    needs.scratch_bytes = PerChannelTables::widened_bytes(output_depth)?;
                }
            }
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
                })
            }
        }
        Ok(Prepared { params, needs })
    }

    fn fill(
        ctx: &PrepareContext<'_>,
        params: &FullyConnectedParams,
        extra: &mut [u8],
    ) -> Result<(), OpError> {
        if params.kind != INT8_PER_CHANNEL && params.kind != INT16_PER_CHANNEL {
            return Ok(());
        }
        let input_scale = affine(&ctx.input(0)?)?.scale;
        let output_scale = affine(&ctx.output(0)?)?.scale;
        let multipliers = ChannelMultipliers::new(input_scale, output_scale);
        let scales = FilterScales::of(&ctx.input(1)?);
        per_channel_tables(extra, params.output_depth as usize, |c| {
            multipliers.of(scales.get(c))
        })
    }

    fn eval(
        ctx: &mut EvalContext<'_>,
        params: &FullyConnectedParams,
        extra: &[u8],
    ) -> Result<(), OpError> {
        let shape = params.shape();
        let result = match params.kind {
            FLOAT if covers(TYPES, FLOAT32) => {
                let kernel = FullyConnectedParamsF32 {
                    activation_min: params.activation_min_f32,
                    activation_max: params.activation_max_f32,
                };
                let (input, filter) = (ctx.input::<f32>(0)?, ctx.input::<f32>(1)?);
                let bias = ctx.optional_input::<f32>(2)?;
                fully_connected_f32(&kernel, shape, input, filter, bias, ctx.output::<f32>()?)
            }
            INT8_PER_TENSOR => {
                let kernel = FullyConnectedParamsI8 {
                    input_offset: params.input_offset,
                    filter_offset: params.filter_offset,
                    output_offset: params.output_offset,
                    output_multiplier: params.output_multiplier,
                    output_shift: params.output_shift,
                    activation_min: params.activation_min,
                    activation_max: params.activation_max,
                };
                let (input, filter) = (ctx.input::<i8>(0)?, ctx.input::<i8>(1)?);
                let bias = ctx.optional_input::<i32>(2)?;
                fully_connected_i8(
                    ctx.backend(),
                    &kernel,
                    shape,
                    input,
                    filter,
                    bias,
                    ctx.output::<i8>()?,
                )
            }
            INT8_PER_CHANNEL => {
                let tables = PerChannelTables::view(extra, shape.output_depth)?;
                let (input, filter) = (ctx.input::<i8>(0)?, ctx.input::<i8>(1)?);
                let bias = ctx.optional_input::<i32>(2)?;
                let backend = ctx.backend();
                let (output, scratch) = ctx.output_and_scratch::<i8, u8>()?;
                let (shifts, _) = tables.widen_shifts(scratch)?;
                let kernel = FullyConnectedPerChannelParamsI8 {
                    input_offset: params.input_offset,
                    output_offset: params.output_offset,
                    output_multipliers: tables.multipliers,
                    output_shifts: shifts,
                    activation_min: params.activation_min,
                    activation_max: params.activation_max,
                };
                fully_connected_per_channel_i8(backend, &kernel, shape, input, filter, bias, output)
            }
            INT16_PER_TENSOR | INT16_PER_CHANNEL if covers(TYPES, type_set::INT16) => {
                let (input, filter) = (ctx.input::<i16>(0)?, ctx.input::<i8>(1)?);
                let bias = match (params.has_bias != 0, params.int32_accumulator != 0) {
                    (false, false) => Bias16x8::None,
                    (false, true) => Bias16x8::NoneInt32Accumulator,
                    (true, false) => Bias16x8::Int64(ctx.input::<i64>(2)?),
                    (true, true) => Bias16x8::Int32(ctx.input::<i32>(2)?),
                };
                let backend = ctx.backend();
                let (output, scratch) = ctx.output_and_scratch::<i16, u8>()?;
                let per_tensor = ([params.output_multiplier], [params.output_shift]);
                let tables;
                let (multipliers, shifts): (&[i32], &[i32]) = if params.kind == INT16_PER_CHANNEL {
                    tables = PerChannelTables::view(extra, shape.output_depth)?;
                    let (shifts, _) = tables.widen_shifts(scratch)?;
                    (tables.multipliers, shifts)
                } else {
                    (&per_tensor.0, &per_tensor.1)
                };
                let kernel = FullyConnectedParams16x8 {
                    input_offset: params.input_offset,
                    output_offset: params.output_offset,
                    output_multipliers: multipliers,
                    output_shifts: shifts,
                    activation_min: params.activation_min,
                    activation_max: params.activation_max,
                };
                fully_connected_16x8(backend, &kernel, shape, input, filter, bias, output)
            }
            _ => return Err(OpError::Internal("fully connected kind not registered")),
        };
        result.map_err(OpError::from)
    }
}

fn affine_scale(tensor: &microlite_model::Tensor<'_>) -> Result<f32, OpError> {
    tensor
        .quantization()
        .and_then(|q| q.scale(0))
        .ok_or(OpError::BadQuantization {
            tensor: tensor.index(),
            what: "missing scale",
        })
}
