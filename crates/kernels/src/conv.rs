//! CONV_2D reference kernels (int8 per-channel, float32), with grouped
//! convolution, following TFLM's `reference_integer_ops::ConvPerChannel` and
//! `reference_ops::Conv`.
//!
//! Layouts: input `[N, H, W, C_in]`, filter `[C_out, KH, KW, C_in / groups]`,
//! bias `[C_out]`, output `[N, OH, OW, C_out]`, all NHWC row-major.

use crate::activation::{clamp_f32, quantized_output_i8};
use crate::{check_len, checked_product, KernelError};

/// A 4-D row-major tensor shape, named after the NHWC activation layout.
///
/// For conv filters the four fields hold `[C_out, KH, KW, C_in]`; for
/// depthwise filters `[1, KH, KW, C_out]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NhwcShape {
    /// Dimension 0 (batches; output channels for conv filters).
    pub batches: usize,
    /// Dimension 1 (height).
    pub height: usize,
    /// Dimension 2 (width).
    pub width: usize,
    /// Dimension 3 (channels).
    pub depth: usize,
}

impl NhwcShape {
    /// Creates a shape from its four dimensions.
    pub const fn new(batches: usize, height: usize, width: usize, depth: usize) -> Self {
        Self {
            batches,
            height,
            width,
            depth,
        }
    }

    /// Total number of elements, or `None` on overflow.
    pub fn element_count(&self) -> Option<usize> {
        self.batches
            .checked_mul(self.height)?
            .checked_mul(self.width)?
            .checked_mul(self.depth)
    }

    /// Row-major offset of element `[b, y, x, c]`. Only meaningful for
    /// in-bounds indices of a shape whose element count fits `usize`.
    pub(crate) fn offset(&self, b: usize, y: usize, x: usize, c: usize) -> usize {
        ((b * self.height + y) * self.width + x) * self.depth + c
    }
}

/// Stride, dilation and leading padding of a 2-D window (TFLM's
/// `ConvParams` geometry; padding from `padding::compute_padding_height_width`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConvGeometry {
    /// Vertical stride.
    pub stride_height: usize,
    /// Horizontal stride.
    pub stride_width: usize,
    /// Vertical dilation factor.
    pub dilation_height: usize,
    /// Horizontal dilation factor.
    pub dilation_width: usize,
    /// Padding rows before the input (`padding_values.height`).
    pub padding_height: usize,
    /// Padding columns before the input (`padding_values.width`).
    pub padding_width: usize,
}

/// Quantization parameters of the int8 per-channel conv kernels (CONV_2D and
/// DEPTHWISE_CONV_2D).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvQuantParamsI8<'a> {
    /// Negated input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Quantized multiplier per output channel.
    pub output_multipliers: &'a [i32],
    /// Shift per output channel (positive = left).
    pub output_shifts: &'a [i32],
    /// Lower clamp bound (quantized activation minimum).
    pub activation_min: i32,
    /// Upper clamp bound (quantized activation maximum).
    pub activation_max: i32,
}

impl ConvQuantParamsI8<'_> {
    /// Checks there is one multiplier and one shift per output channel.
    pub(crate) fn check(&self, output_depth: usize) -> Result<(), KernelError> {
        check_len(
            "output multipliers",
            output_depth,
            self.output_multipliers.len(),
        )?;
        check_len("output shifts", output_depth, self.output_shifts.len())
    }

    /// Output stage for output channel `channel`.
    pub(crate) fn finish(&self, acc: i32, channel: usize) -> i8 {
        let multiplier = self.output_multipliers.get(channel).copied().unwrap_or(0);
        let shift = self.output_shifts.get(channel).copied().unwrap_or(0);
        quantized_output_i8(
            acc,
            multiplier,
            shift,
            self.output_offset,
            self.activation_min,
            self.activation_max,
        )
    }
}

/// Float clamp bounds of the float32 conv kernels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvParamsF32 {
    /// Lower clamp bound (see `quantization::activation_range_f32`).
    pub activation_min: f32,
    /// Upper clamp bound.
    pub activation_max: f32,
}

/// Checks element counts, the batch dimension and that every window
/// coordinate is representable; shared by conv and depthwise conv.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_window_shapes(
    geometry: &ConvGeometry,
    input_shape: &NhwcShape,
    input_len: usize,
    filter_shape: &NhwcShape,
    filter_len: usize,
    output_shape: &NhwcShape,
    output_len: usize,
    bias_len: Option<usize>,
) -> Result<(), KernelError> {
    let count = |what, shape: &NhwcShape| {
        checked_product(
            what,
            &[shape.batches, shape.height, shape.width, shape.depth],
        )
    };
    check_len("input", count("input size", input_shape)?, input_len)?;
    check_len("filter", count("filter size", filter_shape)?, filter_len)?;
    check_len("output", count("output size", output_shape)?, output_len)?;
    if let Some(bias_len) = bias_len {
        check_len("bias", output_shape.depth, bias_len)?;
    }
    if input_shape.batches != output_shape.batches {
        return Err(KernelError::DimensionMismatch {
            what: "output batches == input batches",
            expected: input_shape.batches,
            actual: output_shape.batches,
        });
    }
    // Largest un-padded window coordinate must fit in usize.
    let max_coordinate = |what, out: usize, stride: usize, filter: usize, dilation: usize| {
        out.saturating_sub(1)
            .checked_mul(stride)
            .and_then(|v| v.checked_add(filter.saturating_sub(1).checked_mul(dilation)?))
            .map(|_| ())
            .ok_or(KernelError::SizeOverflow { what })
    };
    max_coordinate(
        "window row",
        output_shape.height,
        geometry.stride_height,
        filter_shape.height,
        geometry.dilation_height,
    )?;
    max_coordinate(
        "window column",
        output_shape.width,
        geometry.stride_width,
        filter_shape.width,
        geometry.dilation_width,
    )
}

/// Calls `visit(input_pixel_offset, tap)` for every filter tap of the window of
/// output pixel `(out_y, out_x)` in batch `b` that lies inside the input, in
/// TFLM's order (filter rows, then filter columns). `input_pixel_offset` is the
/// offset of channel 0 of the input pixel, `tap` is `fy * KW + fx`.
///
/// Requires shapes validated by [`check_window_shapes`].
pub(crate) fn for_each_tap<E>(
    geometry: &ConvGeometry,
    input_shape: &NhwcShape,
    filter_height: usize,
    filter_width: usize,
    (b, out_y, out_x): (usize, usize, usize),
    mut visit: impl FnMut(usize, usize) -> Result<(), E>,
) -> Result<(), E> {
    for fy in 0..filter_height {
        // Un-padded row; validated not to overflow.
        let row = out_y * geometry.stride_height + fy * geometry.dilation_height;
        let Some(in_y) = row.checked_sub(geometry.padding_height) else {
            continue;
        };
        if in_y >= input_shape.height {
            continue;
        }
        for fx in 0..filter_width {
            let column = out_x * geometry.stride_width + fx * geometry.dilation_width;
            let Some(in_x) = column.checked_sub(geometry.padding_width) else {
                continue;
            };
            if in_x >= input_shape.width {
                continue;
            }
            visit(input_shape.offset(b, in_y, in_x, 0), fy * filter_width + fx)?;
        }
    }
    Ok(())
}

/// Grouping of a conv: `input_depth = filter_input_depth * groups`, and the
/// output channels split evenly into the groups.
pub(crate) struct ConvGroups {
    pub(crate) filter_input_depth: usize,
    pub(crate) filters_per_group: usize,
}

/// The shape checks every conv kernel (reference, float, compact,
/// Cortex-M) makes before computing, in this order: element counts and
/// window coordinates ([`check_window_shapes`]), then the groups
/// ([`check_conv_shapes`]), whose layout it returns.
pub(crate) fn check_conv(
    geometry: &ConvGeometry,
    (input_shape, input_len): (&NhwcShape, usize),
    (filter_shape, filter_len): (&NhwcShape, usize),
    bias_len: Option<usize>,
    (output_shape, output_len): (&NhwcShape, usize),
) -> Result<ConvGroups, KernelError> {
    check_window_shapes(
        geometry,
        input_shape,
        input_len,
        filter_shape,
        filter_len,
        output_shape,
        output_len,
        bias_len,
    )?;
    check_conv_shapes(input_shape, filter_shape, output_shape)
}

pub(crate) fn check_conv_shapes(
    input_shape: &NhwcShape,
    filter_shape: &NhwcShape,
    output_shape: &NhwcShape,
) -> Result<ConvGroups, KernelError> {
    if filter_shape.batches != output_shape.depth {
        return Err(KernelError::DimensionMismatch {
            what: "filter output channels == output depth",
            expected: output_shape.depth,
            actual: filter_shape.batches,
        });
    }
    let filter_input_depth = filter_shape.depth;
    if filter_input_depth == 0 || !input_shape.depth.is_multiple_of(filter_input_depth) {
        return Err(KernelError::InvalidParameter {
            what: "filter input depth (must divide the input depth)",
            value: filter_input_depth,
        });
    }
    let groups = input_shape.depth / filter_input_depth;
    if groups == 0 || !output_shape.depth.is_multiple_of(groups) {
        return Err(KernelError::InvalidParameter {
            what: "group count (must divide the output depth)",
            value: groups,
        });
    }
    Ok(ConvGroups {
        filter_input_depth,
        filters_per_group: output_shape.depth / groups,
    })
}

/// The input channels of group `group` at one pixel, and the filter weights of
/// output channel `out_c` at tap `tap`.
fn tap_slices<'a, T>(
    input: &'a [T],
    filter: &'a [T],
    input_pixel: usize,
    tap: usize,
    out_c: usize,
    taps_per_filter: usize,
    groups: &ConvGroups,
) -> Result<(&'a [T], &'a [T]), KernelError> {
    let depth = groups.filter_input_depth;
    let input_start = input_pixel + (out_c / groups.filters_per_group) * depth;
    let filter_start = (out_c * taps_per_filter + tap) * depth;
    let input_channels =
        input
            .get(input_start..input_start + depth)
            .ok_or(KernelError::SizeOverflow {
                what: "input index",
            })?;
    let weights =
        filter
            .get(filter_start..filter_start + depth)
            .ok_or(KernelError::SizeOverflow {
                what: "filter index",
            })?;
    Ok((input_channels, weights))
}

/// Int8 CONV_2D with per-channel output scales (TFLM's `ConvPerChannel`).
///
/// For each output element: `acc = sum (filter) * (input + input_offset)` over
/// the in-image taps and the group's input channels (wrapping int32), plus
/// bias, then the per-channel output stage. Taps outside the image contribute
/// nothing (zero padding in the real domain).
#[allow(clippy::too_many_arguments)]
pub fn conv_per_channel_i8(
    geometry: &ConvGeometry,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i8],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i32]>,
    output_shape: NhwcShape,
    output: &mut [i8],
) -> Result<(), KernelError> {
    let groups = check_conv(
        geometry,
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.map(<[i32]>::len),
        (&output_shape, output.len()),
    )?;
    quant.check(output_shape.depth)?;
    if output.is_empty() {
        return Ok(());
    }
    let taps_per_filter = filter_shape.height * filter_shape.width;
    let mut pixels = output.chunks_exact_mut(output_shape.depth);
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                for (out_c, out) in pixel.iter_mut().enumerate() {
                    let mut acc = 0i32;
                    for_each_tap(
                        geometry,
                        &input_shape,
                        filter_shape.height,
                        filter_shape.width,
                        (b, out_y, out_x),
                        |input_pixel, tap| {
                            let (xs, ws) = tap_slices(
                                input,
                                filter,
                                input_pixel,
                                tap,
                                out_c,
                                taps_per_filter,
                                &groups,
                            )?;
                            for (&x, &w) in xs.iter().zip(ws) {
                                let x = i32::from(x).wrapping_add(quant.input_offset);
                                acc = acc.wrapping_add(i32::from(w).wrapping_mul(x));
                            }
                            Ok::<(), KernelError>(())
                        },
                    )?;
                    if let Some(bias_value) = bias.and_then(|bias| bias.get(out_c)) {
                        acc = acc.wrapping_add(*bias_value);
                    }
                    *out = quant.finish(acc, out_c);
                }
            }
        }
    }
    Ok(())
}

/// Float32 CONV_2D (TFLM's `reference_ops::Conv`).
///
/// For each output element the products `input * filter` are accumulated in
/// `f32` from 0 in TFLM's order (filter rows, filter columns, input channels),
/// then the bias is added and the result clamped.
#[allow(clippy::too_many_arguments)]
pub fn conv_f32(
    geometry: &ConvGeometry,
    params: &ConvParamsF32,
    input_shape: NhwcShape,
    input: &[f32],
    filter_shape: NhwcShape,
    filter: &[f32],
    bias: Option<&[f32]>,
    output_shape: NhwcShape,
    output: &mut [f32],
) -> Result<(), KernelError> {
    let groups = check_conv(
        geometry,
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.map(<[f32]>::len),
        (&output_shape, output.len()),
    )?;
    if output.is_empty() {
        return Ok(());
    }
    let taps_per_filter = filter_shape.height * filter_shape.width;
    let mut pixels = output.chunks_exact_mut(output_shape.depth);
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                for (out_c, out) in pixel.iter_mut().enumerate() {
                    let mut total = 0.0f32;
                    for_each_tap(
                        geometry,
                        &input_shape,
                        filter_shape.height,
                        filter_shape.width,
                        (b, out_y, out_x),
                        |input_pixel, tap| {
                            let (xs, ws) = tap_slices(
                                input,
                                filter,
                                input_pixel,
                                tap,
                                out_c,
                                taps_per_filter,
                                &groups,
                            )?;
                            for (&x, &w) in xs.iter().zip(ws) {
                                total += x * w;
                            }
                            Ok::<(), KernelError>(())
                        },
                    )?;
                    let bias_value = bias
                        .and_then(|bias| bias.get(out_c))
                        .copied()
                        .unwrap_or(0.0);
                    *out = clamp_f32(
                        total + bias_value,
                        params.activation_min,
                        params.activation_max,
                    );
                }
            }
        }
    }
    Ok(())
}

/// The bias of a 16x8 conv, which also picks TFLM's accumulator: int64 for an
/// int64 bias (the usual case), int32 for an int32 bias (or no bias with
/// `quantized_bias_type` INT32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bias16x8<'a> {
    /// No bias; int64 accumulator.
    None,
    /// No bias; int32 accumulator.
    NoneInt32Accumulator,
    /// Int32 bias and accumulator.
    Int32(&'a [i32]),
    /// Int64 bias and accumulator.
    Int64(&'a [i64]),
}

impl Bias16x8<'_> {
    /// Elements of the bias, if there is one.
    pub fn elements(&self) -> Option<usize> {
        match self {
            Bias16x8::None | Bias16x8::NoneInt32Accumulator => None,
            Bias16x8::Int32(b) => Some(b.len()),
            Bias16x8::Int64(b) => Some(b.len()),
        }
    }

    /// Whether TFLM accumulates in int32 (else int64).
    pub fn int32_accumulator(&self) -> bool {
        matches!(self, Bias16x8::NoneInt32Accumulator | Bias16x8::Int32(_))
    }

    /// The output stage of channel `channel` for the raw sum `acc` (exact in
    /// `i64`): with the int32 accumulator, the sum and the bias wrap to
    /// `i32` and use the int32 multiplier (double rounding); with the int64
    /// one, TFLM's int64 `MultiplyByQuantizedMultiplier`. Then the clamp;
    /// 16x8 kernels use no zero points.
    pub(crate) fn finish(&self, acc: i64, quant: &ConvQuantParamsI8<'_>, channel: usize) -> i16 {
        let multiplier = quant.output_multipliers.get(channel).copied().unwrap_or(0);
        let shift = quant.output_shifts.get(channel).copied().unwrap_or(0);
        let scaled = match self {
            Bias16x8::None => {
                crate::fixed_point::multiply_by_quantized_multiplier_i64(acc, multiplier, shift)
            }
            Bias16x8::Int64(b) => {
                let bias = b.get(channel).copied().unwrap_or(0);
                crate::fixed_point::multiply_by_quantized_multiplier_i64(
                    acc.wrapping_add(bias),
                    multiplier,
                    shift,
                )
            }
            Bias16x8::NoneInt32Accumulator | Bias16x8::Int32(_) => {
                let bias = match self {
                    Bias16x8::Int32(b) => b.get(channel).copied().unwrap_or(0),
                    _ => 0,
                };
                crate::fixed_point::multiply_by_quantized_multiplier(
                    (acc as i32).wrapping_add(bias),
                    multiplier,
                    shift,
                )
            }
        };
        scaled
            .max(quant.activation_min)
            .min(quant.activation_max)
            .clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
    }
}

/// 16x8 CONV_2D: int16 activations, int8 weights, per-channel output scales
/// (TFLM's int16 `ConvPerChannel`). No zero points: the sum of
/// `filter * input` over the in-image taps and the group's input channels,
/// plus the bias, through [`Bias16x8`]'s output stage. `quant`'s offsets are
/// ignored.
#[allow(clippy::too_many_arguments)]
pub fn conv_per_channel_16x8(
    geometry: &ConvGeometry,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i16],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Bias16x8<'_>,
    output_shape: NhwcShape,
    output: &mut [i16],
) -> Result<(), KernelError> {
    let groups = check_conv(
        geometry,
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.elements(),
        (&output_shape, output.len()),
    )?;
    quant.check(output_shape.depth)?;
    if output.is_empty() {
        return Ok(());
    }
    let taps_per_filter = filter_shape.height * filter_shape.width;
    let mut pixels = output.chunks_exact_mut(output_shape.depth);
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                for (out_c, out) in pixel.iter_mut().enumerate() {
                    // Exact: at most 2^22 per product, and far fewer than
                    // 2^41 products.
                    let mut acc = 0i64;
                    for_each_tap(
                        geometry,
                        &input_shape,
                        filter_shape.height,
                        filter_shape.width,
                        (b, out_y, out_x),
                        |input_pixel, tap| {
                            let depth = groups.filter_input_depth;
                            let input_start =
                                input_pixel + (out_c / groups.filters_per_group) * depth;
                            let filter_start = (out_c * taps_per_filter + tap) * depth;
                            let xs = input.get(input_start..input_start + depth).ok_or(
                                KernelError::SizeOverflow {
                                    what: "input index",
                                },
                            )?;
                            let ws = filter.get(filter_start..filter_start + depth).ok_or(
                                KernelError::SizeOverflow {
                                    what: "filter index",
                                },
                            )?;
                            for (&x, &w) in xs.iter().zip(ws) {
                                acc = acc.wrapping_add(i64::from(x) * i64::from(w));
                            }
                            Ok::<(), KernelError>(())
                        },
                    )?;
                    *out = bias.finish(acc, quant, out_c);
                }
            }
        }
    }
    Ok(())
}
