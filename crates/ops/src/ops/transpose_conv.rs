//! TRANSPOSE_CONV as TFLM: inputs `[output shape, filter, input, bias?]`;
//! float32, int8 (per-channel weights, int32 bias) and 16x8 (int16
//! activations, int8 weights, int64 or int16 bias, no zero points). The
//! output shape is the output tensor's (TFLM does not read input 0); the
//! padding is computed from it. Quantized kernels accumulate in scratch (one
//! int32, or int64 for 16x8, per output element) and run the optimized
//! kernels of the active backend (same bits; the same scratch).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::conv::{ConvQuantParamsI8, NhwcShape};
use microlite_kernels::optimized::transpose_conv::{transpose_conv_16x8, transpose_conv_i8};
use microlite_kernels::padding::{compute_padding_height_width, Padding};
use microlite_kernels::quantization::{
    activation_range_f32, activation_range_i16, activation_range_i8, ChannelMultipliers,
};
use microlite_kernels::transpose_conv::{transpose_conv_f32, Bias16, TransposeGeometry};
use microlite_model::schema::Padding as SchemaPadding;
use microlite_model::TensorType;

use super::conv_common::{positive, rank4};
use crate::activation::clamping_activation;
use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::per_channel::{per_channel_tables, PerChannelTables};
use crate::quant_params::{affine, filter_scales, FilterScales};
use crate::shape_check::to_u32;

crate::registry::declare_ops! {
    /// TRANSPOSE_CONV.
    transpose_conv => TransposeConv, TRANSPOSE_CONV,
        "float32, int8 (per-channel weights), int16 (16x8: int8 weights, int64 or int16 bias)",
        versions 1..=4;
}

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const INT16: u32 = 2;
/// [`TransposeConvParams::bias`]: none, or the bias dtype.
const NO_BIAS: u32 = 0;
const BIAS_INT16: u32 = 2;

/// Prepared TRANSPOSE_CONV parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct TransposeConvParams {
    kind: u32,
    /// [`NO_BIAS`], 1 (the kind's usual bias type) or [`BIAS_INT16`].
    bias: u32,
    input: [u32; 4],
    filter: [u32; 4],
    output: [u32; 4],
    /// stride h, stride w, padding h, padding w.
    geometry: [u32; 4],
    input_offset: i32,
    output_offset: i32,
    activation_min: i32,
    activation_max: i32,
    activation_min_f32: f32,
    activation_max_f32: f32,
}

fn nhwc(d: [u32; 4]) -> NhwcShape {
    NhwcShape::new(d[0] as usize, d[1] as usize, d[2] as usize, d[3] as usize)
}

impl TransposeConvParams {
    fn geometry(&self) -> TransposeGeometry {
        let g = self.geometry.map(|v| v as usize);
        TransposeGeometry {
            stride_height: g[0],
            stride_width: g[1],
            padding_height: g[2],
            padding_width: g[3],
        }
    }

    fn channels(&self) -> usize {
        self.output[3] as usize
    }

    fn quant<'e>(&self, multipliers: &'e [i32], shifts: &'e [i32]) -> ConvQuantParamsI8<'e> {
        ConvQuantParamsI8 {
            input_offset: self.input_offset,
            output_offset: self.output_offset,
            output_multipliers: multipliers,
            output_shifts: shifts,
            activation_min: self.activation_min,
            activation_max: self.activation_max,
        }
    }
}

/// TRANSPOSE_CONV.
pub struct TransposeConv;

/// Bytes of the accumulator scratch (before the widened shifts).
fn accumulator_bytes(p: &TransposeConvParams) -> Result<usize, OpError> {
    let size = match p.kind {
        INT8 => 4,
        INT16 => 8,
        _ => return Ok(0),
    };
    nhwc(p.output)
        .element_count()
        .and_then(|n| n.checked_mul(size))
        .and_then(|n| n.checked_add(15))
        .map(|n| n & !15)
        .ok_or(OpError::SizeOverflow {
            what: "transpose conv accumulators",
        })
}

impl Kernel for TransposeConv {
    type Params = TransposeConvParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<TransposeConvParams>, OpError> {
        ctx.expect_io(3, 4, 1)?;
        let o = ctx
            .operator()
            .raw()
            .builtin_options_as_transpose_conv_options()
            .ok_or(OpError::MissingOptions)?;
        let filter = ctx.input(1)?;
        let input = ctx.input(2)?;
        let bias = ctx.optional_input(3);
        let output = ctx.output(0)?;
        let (in_dims, f_dims, out_dims) = (rank4(&input)?, rank4(&filter)?, rank4(&output)?);
        if f_dims[3] != in_dims[3] {
            return Err(OpError::ShapeMismatch {
                tensor: filter.index(),
                what: "filter input channels differ from the input's",
            });
        }
        if out_dims[0] != in_dims[0] || out_dims[3] != f_dims[0] {
            return Err(OpError::ShapeMismatch {
                tensor: output.index(),
                what: "output is not [input batches, h, w, filter output channels]",
            });
        }
        if let Some(bias) = &bias {
            if bias.element_count() != f_dims[0] as usize {
                return Err(OpError::ShapeMismatch {
                    tensor: bias.index(),
                    what: "bias length differs from the output channels",
                });
            }
        }
        let padding = match o.padding() {
            SchemaPadding::SAME => Padding::Same,
            SchemaPadding::VALID => Padding::Valid,
            other => {
                return Err(OpError::UnsupportedOption {
                    field: "padding",
                    value: i64::from(other.0),
                })
            }
        };
        let stride_h = positive("stride_h", o.stride_h())?;
        let stride_w = positive("stride_w", o.stride_w())?;
        // TFLM: the padding of a conv from the output size back to the input.
        let values = compute_padding_height_width(
            padding,
            stride_h,
            stride_w,
            1,
            1,
            out_dims[1] as usize,
            out_dims[2] as usize,
            f_dims[1] as usize,
            f_dims[2] as usize,
        )
        .ok_or(OpError::ShapeMismatch {
            tensor: output.index(),
            what: "filter larger than the output",
        })?;
        let activation = clamping_activation(o.fused_activation_function())?;
        let mut p = TransposeConvParams {
            kind: FLOAT,
            bias: u32::from(bias.is_some()),
            input: in_dims,
            filter: f_dims,
            output: out_dims,
            geometry: [
                to_u32(stride_h)?,
                to_u32(stride_w)?,
                to_u32(values.height)?,
                to_u32(values.width)?,
            ],
            input_offset: 0,
            output_offset: 0,
            activation_min: 0,
            activation_max: 0,
            activation_min_f32: 0.0,
            activation_max_f32: 0.0,
        };
        let mut extra_bytes = 0;
        match input.dtype() {
            TensorType::Float32 => {
                expect_type(&filter, TensorType::Float32)?;
                expect_type(&output, TensorType::Float32)?;
                if let Some(bias) = &bias {
                    expect_type(bias, TensorType::Float32)?;
                }
                (p.activation_min_f32, p.activation_max_f32) = activation_range_f32(activation);
            }
            dtype @ (TensorType::Int8 | TensorType::Int16) => {
                expect_type(&filter, TensorType::Int8)?;
                expect_type(&output, dtype)?;
                let int8 = dtype == TensorType::Int8;
                if let Some(bias) = &bias {
                    match (int8, bias.dtype()) {
                        (true, TensorType::Int32) | (false, TensorType::Int64) => {}
                        (false, TensorType::Int16) => p.bias = BIAS_INT16,
                        (_, other) => {
                            return Err(OpError::UnsupportedType {
                                tensor: bias.index(),
                                dtype: other,
                            })
                        }
                    }
                }
                let input_q = affine(&input)?;
                let output_q = affine(&output)?;
                filter_scales(&filter, f_dims[0] as usize, 0)?;
                let range = if int8 {
                    activation_range_i8
                } else {
                    activation_range_i16
                };
                (p.activation_min, p.activation_max) =
                    range(activation, output_q.scale, output_q.zero_point).map_err(|_| {
                        OpError::BadQuantization {
                            tensor: output.index(),
                            what: "activation range not representable",
                        }
                    })?;
                if int8 {
                    p.kind = INT8;
                    p.input_offset = -input_q.zero_point;
                    p.output_offset = output_q.zero_point;
                } else {
                    // 16x8: TFLM's kernel uses no zero points.
                    p.kind = INT16;
                }
                extra_bytes = PerChannelTables::bytes(f_dims[0] as usize)?;
            }
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: input.index(),
                    dtype: other,
                })
            }
        }
        let scratch_bytes = if p.kind == FLOAT {
            0
        } else {
            accumulator_bytes(&p)?
                .checked_add(PerChannelTables::widened_bytes(p.channels())?)
                .ok_or(OpError::SizeOverflow { what: "scratch" })?
        };
        Ok(Prepared {
            params: p,
            needs: Needs {
                extra_bytes,
                scratch_bytes,
                ..Needs::default()
            },
        })
    }

    fn fill(
        ctx: &PrepareContext<'_>,
        p: &TransposeConvParams,
        extra: &mut [u8],
    ) -> Result<(), OpError> {
        if p.kind == FLOAT {
            return Ok(());
        }
        let input_scale = affine(&ctx.input(2)?)?.scale;
        let output_scale = affine(&ctx.output(0)?)?.scale;
        let multipliers = ChannelMultipliers::new(input_scale, output_scale);
        let scales = FilterScales::of(&ctx.input(1)?);
        per_channel_tables(extra, p.channels(), |c| multipliers.of(scales.get(c)))
    }

    fn eval(
        ctx: &mut EvalContext<'_>,
        p: &TransposeConvParams,
        extra: &[u8],
    ) -> Result<(), OpError> {
        let g = p.geometry();
        let (input_shape, filter_shape, output_shape) =
            (nhwc(p.input), nhwc(p.filter), nhwc(p.output));
        if p.kind == FLOAT {
            let filter = ctx.input::<f32>(1)?;
            let input = ctx.input::<f32>(2)?;
            let bias = ctx.optional_input::<f32>(3)?;
            let limits = (p.activation_min_f32, p.activation_max_f32);
            return transpose_conv_f32(
                &g,
                limits,
                input_shape,
                input,
                filter_shape,
                filter,
                bias,
                output_shape,
                ctx.output::<f32>()?,
            )
            .map_err(OpError::from);
        }
        let backend = ctx.backend();
        let tables = PerChannelTables::view(extra, p.channels())?;
        let filter = ctx.input::<i8>(1)?;
        let accumulators = accumulator_bytes(p)?;
        let scratch_error = OpError::Internal("transpose conv scratch");
        if p.kind == INT8 {
            let input = ctx.input::<i8>(2)?;
            let bias = ctx.optional_input::<i32>(3)?;
            let (output, scratch) = ctx.output_and_scratch::<i8, u8>()?;
            let (acc, rest) = scratch
                .split_at_mut_checked(accumulators)
                .ok_or(scratch_error)?;
            let (shifts, _) = tables.widen_shifts(rest)?;
            let acc: &mut [i32] = bytemuck::try_cast_slice_mut(acc).map_err(|_| scratch_error)?;
            return transpose_conv_i8(
                backend,
                &g,
                &p.quant(tables.multipliers, shifts),
                input_shape,
                input,
                filter_shape,
                filter,
                bias,
                output_shape,
                output,
                acc,
            )
            .map_err(OpError::from);
        }
        let input = ctx.input::<i16>(2)?;
        let bias = match p.bias {
            NO_BIAS => Bias16::None,
            BIAS_INT16 => Bias16::Int16(ctx.input::<i16>(3)?),
            _ => Bias16::Int64(ctx.input::<i64>(3)?),
        };
        let (output, scratch) = ctx.output_and_scratch::<i16, u8>()?;
        let (acc, rest) = scratch
            .split_at_mut_checked(accumulators)
            .ok_or(scratch_error)?;
        let (shifts, _) = tables.widen_shifts(rest)?;
        let acc: &mut [i64] = bytemuck::try_cast_slice_mut(acc).map_err(|_| scratch_error)?;
        transpose_conv_16x8(
            backend,
            &g,
            &p.quant(tables.multipliers, shifts),
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output,
            acc,
        )
        .map_err(OpError::from)
    }
}
