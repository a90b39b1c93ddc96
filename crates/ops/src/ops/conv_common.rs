//! What CONV_2D and DEPTHWISE_CONV_2D prepare alike: NHWC shapes, window
//! geometry from the options, output-shape check, activation clamps and the
//! per-channel requantization tables.

use bytemuck::{Pod, Zeroable};
use microlite_kernels::activation::FusedActivation;
use microlite_kernels::conv::{ConvGeometry, ConvParamsF32, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::padding::{compute_padding_height_width, Padding};
use microlite_kernels::quantization::{
    activation_range_f32, activation_range_i16, activation_range_i8, ChannelMultipliers,
};
use microlite_model::schema::Padding as SchemaPadding;
use microlite_model::{Tensor, TensorType};

use super::row_streaming::{chunk_pixels, RowWindow, Rows};
use crate::context::{expect_type, PrepareContext};
use crate::error::OpError;
use crate::kernel::InPlaceOffer;
use crate::per_channel::{per_channel_tables, PerChannelTables};
use crate::quant_params::{affine, filter_scales, FilterScales};
use crate::shape_check::to_u32;
use crate::type_set::{self, TypeSet};

/// Float computation.
pub const FLOAT: u32 = 0;
/// Int8 computation with per-channel tables.
pub const INT8: u32 = 1;
/// 16x8 computation (int16 activations, int8 weights) with per-channel
/// tables.
pub const INT16: u32 = 2;

/// Window options as read from Conv2DOptions / DepthwiseConv2DOptions.
pub struct WindowOptions {
    /// SAME or VALID.
    pub padding: SchemaPadding,
    /// Horizontal stride.
    pub stride_w: i32,
    /// Vertical stride.
    pub stride_h: i32,
    /// Horizontal dilation.
    pub dilation_w: i32,
    /// Vertical dilation.
    pub dilation_h: i32,
    /// Fused activation (already mapped and restricted to clamps).
    pub activation: FusedActivation,
}

/// Prepared parameters shared by both conv ops (Pod, stored in the arena).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct ConvParams {
    /// [`FLOAT`], [`INT8`] or [`INT16`].
    pub kind: u32,
    /// Nonzero when input 2 (bias) is present.
    pub has_bias: u16,
    /// 16x8 only: nonzero when TFLM accumulates in int32 (an int32 bias,
    /// or none with `quantized_bias_type` INT32), else int64. (Two `u16`s
    /// keep the record, and every conv's prepared chunk, its size.)
    pub int32_accumulator: u16,
    /// Input `[N, H, W, C]`.
    pub input: [u32; 4],
    /// Filter dims.
    pub filter: [u32; 4],
    /// Output `[N, H, W, C]`.
    pub output: [u32; 4],
    /// stride h, stride w, dilation h, dilation w, padding h, padding w.
    pub geometry: [u32; 6],
    /// Depth multiplier (depthwise only).
    pub depth_multiplier: u32,
    /// Negated input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Quantized clamp.
    pub activation_min: i32,
    /// Quantized clamp.
    pub activation_max: i32,
    /// Float clamp.
    pub activation_min_f32: f32,
    /// Float clamp.
    pub activation_max_f32: f32,
    /// Output pixels per in-place streamed chunk, chosen at prepare for the
    /// kernels then active ([`super::row_streaming::chunk_pixels`]).
    pub chunk_pixels: u32,
}

fn nhwc(dims: [u32; 4]) -> NhwcShape {
    NhwcShape::new(
        dims[0] as usize,
        dims[1] as usize,
        dims[2] as usize,
        dims[3] as usize,
    )
}

impl ConvParams {
    /// Kernel input shape.
    pub fn input_shape(&self) -> NhwcShape {
        nhwc(self.input)
    }
    /// Kernel filter shape.
    pub fn filter_shape(&self) -> NhwcShape {
        nhwc(self.filter)
    }
    /// Kernel output shape.
    pub fn output_shape(&self) -> NhwcShape {
        nhwc(self.output)
    }
    /// Kernel geometry.
    pub fn geometry(&self) -> ConvGeometry {
        let g = self.geometry.map(|v| v as usize);
        ConvGeometry {
            stride_height: g[0],
            stride_width: g[1],
            dilation_height: g[2],
            dilation_width: g[3],
            padding_height: g[4],
            padding_width: g[5],
        }
    }
    /// Float clamps.
    pub fn float_params(&self) -> ConvParamsF32 {
        ConvParamsF32 {
            activation_min: self.activation_min_f32,
            activation_max: self.activation_max_f32,
        }
    }
    /// Bytes per element: 1 (int8), 2 (int16) or 4 (float32).
    pub fn element_size(&self) -> usize {
        match self.kind {
            FLOAT => 4,
            INT16 => 2,
            _ => 1,
        }
    }
    /// Elements of the in-place row buffer (one chunk of output rows).
    pub fn row_buffer_len(&self) -> usize {
        self.rows().buffer_len().unwrap_or(usize::MAX)
    }
    /// Elements of one output row (`width × channels`).
    pub fn output_row_len(&self) -> usize {
        (self.output[2] as usize).saturating_mul(self.output[3] as usize)
    }
    /// Vertical geometry for row streaming.
    pub fn rows(&self) -> Rows {
        let dim = |v: u32| v as usize;
        Rows {
            input_height: dim(self.input[1]),
            input_row: dim(self.input[2]).saturating_mul(dim(self.input[3])),
            output_height: dim(self.output[1]),
            output_row: self.output_row_len(),
            output_width: dim(self.output[2]),
            chunk_pixels: self.chunk_pixels as usize,
            stride: dim(self.geometry[0]),
            padding: dim(self.geometry[4]),
            filter_height: dim(self.filter[1]),
            dilation: dim(self.geometry[2]),
        }
    }
    /// The geometry for band evaluation (batch 1 only).
    pub fn band_rows(&self) -> Option<Rows> {
        let streamed = self.kind != INT16;
        (streamed && self.input[0] == 1 && self.output[0] == 1).then(|| self.rows())
    }
    /// The in-place offer (batch 1 only, not 16x8): row streaming.
    pub fn in_place_offer(&self) -> Option<InPlaceOffer> {
        let single = self.kind != INT16 && self.input[0] == 1 && self.output[0] == 1;
        single.then(|| self.rows().offer(self.element_size()))?
    }
    /// Kernel geometry, input shape and output shape of the sub-problem of
    /// `output_rows` output rows reading `window`.
    pub fn row_problem(
        &self,
        window: &RowWindow,
        output_rows: usize,
    ) -> (ConvGeometry, NhwcShape, NhwcShape) {
        let mut geometry = self.geometry();
        geometry.padding_height = window.padding;
        let input = NhwcShape::new(
            1,
            window.rows.len(),
            self.input[2] as usize,
            self.input[3] as usize,
        );
        let output = NhwcShape::new(
            1,
            output_rows,
            self.output[2] as usize,
            self.output[3] as usize,
        );
        (geometry, input, output)
    }
    /// Output channels.
    pub fn channels(&self) -> usize {
        self.output[3] as usize
    }
    /// Int8 quantization with per-channel `multipliers` and `shifts`.
    pub fn quant<'e>(&self, multipliers: &'e [i32], shifts: &'e [i32]) -> ConvQuantParamsI8<'e> {
        ConvQuantParamsI8 {
            input_offset: self.input_offset,
            output_offset: self.output_offset,
            output_multipliers: multipliers,
            output_shifts: shifts,
            activation_min: self.activation_min,
            activation_max: self.activation_max,
        }
    }
    /// Scratch eval needs besides the kernel's own: the widened per-channel
    /// shifts (int8 and 16x8).
    pub fn shift_scratch_bytes(&self) -> Result<usize, OpError> {
        if self.kind != FLOAT {
            PerChannelTables::widened_bytes(self.channels())
        } else {
            Ok(0)
        }
    }
}

/// Split an in-place conv's scratch (after the widened shifts) into the
/// int8 row buffer of `row_len` elements and the kernel's scratch.
pub fn split_row_buffer(
    scratch: &mut [u8],
    row_len: usize,
) -> Result<(&mut [i8], &mut [i8]), OpError> {
    let (row, rest) = scratch
        .split_at_mut_checked(row_len)
        .ok_or(OpError::Internal("in-place conv row buffer"))?;
    Ok((as_i8(row)?, as_i8(rest)?))
}

/// Scratch bytes as int8.
pub fn as_i8(bytes: &mut [u8]) -> Result<&mut [i8], OpError> {
    bytemuck::try_cast_slice_mut(bytes).map_err(|_| OpError::Internal("scratch as int8"))
}

/// The dimensions of a rank-4 tensor (other ranks are refused).
pub(crate) fn rank4(tensor: &Tensor<'_>) -> Result<[u32; 4], OpError> {
    let shape = tensor.shape();
    if shape.rank() != 4 {
        return Err(OpError::UnsupportedRank {
            tensor: tensor.index(),
            rank: shape.rank(),
            max: 4,
        });
    }
    let mut dims = [0u32; 4];
    for (k, d) in dims.iter_mut().enumerate() {
        *d = to_u32(shape.dim(k).unwrap_or(0))?;
    }
    Ok(dims)
}

/// An option that must be positive (strides, dilations).
pub(crate) fn positive(field: &'static str, value: i32) -> Result<usize, OpError> {
    usize::try_from(value)
        .ok()
        .filter(|&v| v > 0)
        .ok_or(OpError::UnsupportedOption {
            field,
            value: i64::from(value),
        })
}

/// Check tensors (their types against `types`) and options and compute
/// everything but the per-channel tables. `filter_out_channels_dim` is 0 for CONV_2D and 3 for depthwise.
/// `expected_output_channels` is the filter's output-channel count.
/// `int32_bias_type`: the options' `quantized_bias_type` is INT32 (16x8
/// without a bias then accumulates in int32, as TFLM).
pub fn prepare_conv<const TYPES: TypeSet>(
    ctx: &PrepareContext<'_>,
    options: &WindowOptions,
    filter_out_channels_dim: usize,
    int32_bias_type: bool,
) -> Result<(ConvParams, usize), OpError> {
    ctx.expect_io(2, 3, 1)?;
    let input = ctx.input(0)?;
    type_set::require(TYPES, &input)?;
    let filter = ctx.input(1)?;
    let bias = ctx.optional_input(2);
    let output = ctx.output(0)?;
    let in_dims = rank4(&input)?;
    let f_dims = rank4(&filter)?;
    let out_dims = rank4(&output)?;
    if !filter.is_constant() {
        return Err(OpError::NotConstant {
            tensor: filter.index(),
        });
    }
    let padding = match options.padding {
        SchemaPadding::SAME => Padding::Same,
        SchemaPadding::VALID => Padding::Valid,
        other => {
            return Err(OpError::UnsupportedOption {
                field: "padding",
                value: i64::from(other.0),
            })
        }
    };
    let stride_h = positive("stride_h", options.stride_h)?;
    let stride_w = positive("stride_w", options.stride_w)?;
    let dilation_h = positive("dilation_h_factor", options.dilation_h)?;
    let dilation_w = positive("dilation_w_factor", options.dilation_w)?;
    let values = compute_padding_height_width(
        padding,
        stride_h,
        stride_w,
        dilation_h,
        dilation_w,
        in_dims[1] as usize,
        in_dims[2] as usize,
        f_dims[1] as usize,
        f_dims[2] as usize,
    )
    .ok_or(OpError::ShapeMismatch {
        tensor: input.index(),
        what: "window does not fit the input",
    })?;
    let out_channels = *f_dims
        .get(filter_out_channels_dim)
        .ok_or(OpError::Internal("filter channel axis"))?;
    let expected = [
        in_dims[0],
        to_u32(values.output_height)?,
        to_u32(values.output_width)?,
        out_channels,
    ];
    if out_dims != expected {
        return Err(OpError::ShapeMismatch {
            tensor: output.index(),
            what: "output shape differs from [batches, out_h, out_w, filter channels]",
        });
    }
    if let Some(bias) = &bias {
        if !bias.is_constant() {
            return Err(OpError::NotConstant {
                tensor: bias.index(),
            });
        }
        if bias.element_count() != out_channels as usize {
            return Err(OpError::ShapeMismatch {
                tensor: bias.index(),
                what: "bias length differs from the output channels",
            });
        }
    }
    let mut params = ConvParams {
        kind: FLOAT,
        has_bias: u16::from(bias.is_some()),
        int32_accumulator: 0,
        input: in_dims,
        filter: f_dims,
        output: out_dims,
        geometry: [
            to_u32(stride_h)?,
            to_u32(stride_w)?,
            to_u32(dilation_h)?,
            to_u32(dilation_w)?,
            to_u32(values.height)?,
            to_u32(values.width)?,
        ],
        depth_multiplier: 1,
        input_offset: 0,
        output_offset: 0,
        activation_min: 0,
        activation_max: 0,
        activation_min_f32: 0.0,
        activation_max_f32: 0.0,
        // The float loops have no per-call setup: one row at a time.
        chunk_pixels: 1,
    };
    let mut extra_bytes = 0;
    match input.dtype() {
        TensorType::Float32 => {
            expect_type(&filter, TensorType::Float32)?;
            expect_type(&output, TensorType::Float32)?;
            if let Some(bias) = &bias {
                expect_type(bias, TensorType::Float32)?;
            }
            (params.activation_min_f32, params.activation_max_f32) =
                activation_range_f32(options.activation);
        }
        TensorType::Int8 => {
            expect_type(&filter, TensorType::Int8)?;
            expect_type(&output, TensorType::Int8)?;
            if let Some(bias) = &bias {
                expect_type(bias, TensorType::Int32)?;
            }
            params.chunk_pixels = to_u32(chunk_pixels(ctx.backend()))?;
            let input_q = affine(&input)?;
            let output_q = affine(&output)?;
            filter_scales(&filter, out_channels as usize, filter_out_channels_dim)?;
            (params.activation_min, params.activation_max) =
                activation_range_i8(options.activation, output_q.scale, output_q.zero_point)
                    .map_err(|_| OpError::BadQuantization {
                        tensor: output.index(),
                        what: "activation range not representable",
                    })?;
            params.kind = INT8;
            params.input_offset = -input_q.zero_point;
            params.output_offset = output_q.zero_point;
            extra_bytes = PerChannelTables::bytes(out_channels as usize)?;
        }
        // 16x8 (compiled only into registrations that cover int16): TFLM's
        // kernel uses no zero points (offsets stay 0).
        TensorType::Int16 if type_set::covers(TYPES, type_set::INT16) => {
            expect_type(&filter, TensorType::Int8)?;
            expect_type(&output, TensorType::Int16)?;
            let int32_accumulator = match &bias {
                Some(bias) if bias.dtype() == TensorType::Int32 => true,
                Some(bias) => {
                    expect_type(bias, TensorType::Int64)?;
                    false
                }
                None => int32_bias_type,
            };
            affine(&input)?;
            let output_q = affine(&output)?;
            filter_scales(&filter, out_channels as usize, filter_out_channels_dim)?;
            (params.activation_min, params.activation_max) =
                activation_range_i16(options.activation, output_q.scale, output_q.zero_point)
                    .map_err(|_| OpError::BadQuantization {
                        tensor: output.index(),
                        what: "activation range not representable",
                    })?;
            params.kind = INT16;
            params.int32_accumulator = u16::from(int32_accumulator);
            extra_bytes = PerChannelTables::bytes(out_channels as usize)?;
        }
        other => {
            return Err(OpError::UnsupportedType {
                tensor: input.index(),
                dtype: other,
            })
        }
    }
    Ok((params, extra_bytes))
}

/// Fill the per-channel tables (int8 and 16x8) exactly as TFLM's
/// `PopulateConvolutionQuantizationParams`: every scale widened to f64.
pub fn fill_conv(
    ctx: &PrepareContext<'_>,
    params: &ConvParams,
    extra: &mut [u8],
) -> Result<(), OpError> {
    if params.kind == FLOAT {
        return Ok(());
    }
    let input_scale = affine(&ctx.input(0)?)?.scale;
    let output_scale = affine(&ctx.output(0)?)?.scale;
    let multipliers = ChannelMultipliers::new(input_scale, output_scale);
    let scales = FilterScales::of(&ctx.input(1)?);
    per_channel_tables(extra, params.output[3] as usize, |c| {
        multipliers.of(scales.get(c))
    })
}
