//! DEPTHWISE_CONV_2D reference kernels (int8 per-channel, float32), following
//! TFLM's `reference_integer_ops::DepthwiseConvPerChannel` and
//! `reference_ops::DepthwiseConv`.
//!
//! Layouts: input `[N, H, W, C_in]`, filter `[1, KH, KW, C_out]`, bias
//! `[C_out]`, output `[N, OH, OW, C_out]` with `C_out = C_in * depth_multiplier`;
//! output channel `oc = ic * depth_multiplier + m` reads input channel `ic`.

use crate::activation::clamp_f32;
use crate::conv::{
    check_window_shapes, for_each_tap, ConvGeometry, ConvParamsF32, ConvQuantParamsI8, NhwcShape,
};
use crate::KernelError;

/// Checks the depthwise channel relations.
pub(crate) fn check_depthwise_shapes(
    depth_multiplier: usize,
    input_shape: &NhwcShape,
    filter_shape: &NhwcShape,
    output_shape: &NhwcShape,
) -> Result<(), KernelError> {
    if filter_shape.batches != 1 {
        return Err(KernelError::DimensionMismatch {
            what: "depthwise filter dimension 0",
            expected: 1,
            actual: filter_shape.batches,
        });
    }
    if filter_shape.depth != output_shape.depth {
        return Err(KernelError::DimensionMismatch {
            what: "filter channels == output depth",
            expected: output_shape.depth,
            actual: filter_shape.depth,
        });
    }
    let expected_output_depth =
        input_shape
            .depth
            .checked_mul(depth_multiplier)
            .ok_or(KernelError::SizeOverflow {
                what: "input depth * depth multiplier",
            })?;
    if expected_output_depth != output_shape.depth {
        return Err(KernelError::DimensionMismatch {
            what: "output depth == input depth * depth multiplier",
            expected: expected_output_depth,
            actual: output_shape.depth,
        });
    }
    Ok(())
}

/// Input value of channel `in_c` and filter weight of output channel `out_c`
/// at one tap.
fn tap_values<T: Copy, W: Copy>(
    input: &[T],
    filter: &[W],
    input_pixel: usize,
    in_c: usize,
    tap: usize,
    out_c: usize,
    output_depth: usize,
) -> Result<(T, W), KernelError> {
    let x = input
        .get(input_pixel + in_c)
        .ok_or(KernelError::SizeOverflow {
            what: "input index",
        })?;
    let w = filter
        .get(tap * output_depth + out_c)
        .ok_or(KernelError::SizeOverflow {
            what: "filter index",
        })?;
    Ok((*x, *w))
}

/// Int8 DEPTHWISE_CONV_2D with per-channel output scales.
///
/// For each output element: `acc = sum filter * (input + input_offset)` over
/// the in-image taps (wrapping int32), plus bias, then the per-channel output
/// stage of output channel `oc`.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_per_channel_i8(
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i8],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i32]>,
    output_shape: NhwcShape,
    output: &mut [i8],
) -> Result<(), KernelError> {
    check_window_shapes(
        geometry,
        &input_shape,
        input.len(),
        &filter_shape,
        filter.len(),
        &output_shape,
        output.len(),
        bias.map(<[i32]>::len),
    )?;
    check_depthwise_shapes(depth_multiplier, &input_shape, &filter_shape, &output_shape)?;
    quant.check(output_shape.depth)?;
    if output.is_empty() {
        return Ok(());
    }
    let output_depth = output_shape.depth;
    let mut pixels = output.chunks_exact_mut(output_depth);
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                for (out_c, out) in pixel.iter_mut().enumerate() {
                    // Non-zero: output_depth > 0 implies depth_multiplier > 0.
                    let in_c = out_c / depth_multiplier.max(1);
                    let mut acc = 0i32;
                    for_each_tap(
                        geometry,
                        &input_shape,
                        filter_shape.height,
                        filter_shape.width,
                        (b, out_y, out_x),
                        |input_pixel, tap| {
                            let (x, w) = tap_values(
                                input,
                                filter,
                                input_pixel,
                                in_c,
                                tap,
                                out_c,
                                output_depth,
                            )?;
                            let x = i32::from(x).wrapping_add(quant.input_offset);
                            acc = acc.wrapping_add(i32::from(w).wrapping_mul(x));
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

/// 16x8 DEPTHWISE_CONV_2D: int16 activations, int8 weights, int64 bias
/// (TFLM's int16 `DepthwiseConvPerChannel`). No zero points: the exact sum
/// of `filter * input` over the in-image taps, plus the bias, through TFLM's
/// int64 `MultiplyByQuantizedMultiplier`, then the clamp. `quant`'s offsets
/// are ignored.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_per_channel_16x8(
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i16],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i64]>,
    output_shape: NhwcShape,
    output: &mut [i16],
) -> Result<(), KernelError> {
    check_window_shapes(
        geometry,
        &input_shape,
        input.len(),
        &filter_shape,
        filter.len(),
        &output_shape,
        output.len(),
        bias.map(<[i64]>::len),
    )?;
    check_depthwise_shapes(depth_multiplier, &input_shape, &filter_shape, &output_shape)?;
    quant.check(output_shape.depth)?;
    if output.is_empty() {
        return Ok(());
    }
    let output_depth = output_shape.depth;
    let bias = match bias {
        Some(b) => crate::conv::Bias16x8::Int64(b),
        None => crate::conv::Bias16x8::None,
    };
    let mut pixels = output.chunks_exact_mut(output_depth);
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                for (out_c, out) in pixel.iter_mut().enumerate() {
                    let in_c = out_c / depth_multiplier.max(1);
                    let mut acc = 0i64;
                    for_each_tap(
                        geometry,
                        &input_shape,
                        filter_shape.height,
                        filter_shape.width,
                        (b, out_y, out_x),
                        |input_pixel, tap| {
                            let (x, w) = tap_values(
                                input,
                                filter,
                                input_pixel,
                                in_c,
                                tap,
                                out_c,
                                output_depth,
                            )?;
                            acc = acc.wrapping_add(i64::from(x) * i64::from(w));
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

/// Float32 DEPTHWISE_CONV_2D: products accumulated in `f32` from 0 over the
/// in-image taps (filter rows, then columns), then bias added and the result
/// clamped, as TFLM's reference kernel does.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_f32(
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    params: &ConvParamsF32,
    input_shape: NhwcShape,
    input: &[f32],
    filter_shape: NhwcShape,
    filter: &[f32],
    bias: Option<&[f32]>,
    output_shape: NhwcShape,
    output: &mut [f32],
) -> Result<(), KernelError> {
    check_window_shapes(
        geometry,
        &input_shape,
        input.len(),
        &filter_shape,
        filter.len(),
        &output_shape,
        output.len(),
        bias.map(<[f32]>::len),
    )?;
    check_depthwise_shapes(depth_multiplier, &input_shape, &filter_shape, &output_shape)?;
    if output.is_empty() {
        return Ok(());
    }
    let output_depth = output_shape.depth;
    let mut pixels = output.chunks_exact_mut(output_depth);
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                for (out_c, out) in pixel.iter_mut().enumerate() {
                    let in_c = out_c / depth_multiplier.max(1);
                    let mut total = 0.0f32;
                    for_each_tap(
                        geometry,
                        &input_shape,
                        filter_shape.height,
                        filter_shape.width,
                        (b, out_y, out_x),
                        |input_pixel, tap| {
                            let (x, w) = tap_values(
                                input,
                                filter,
                                input_pixel,
                                in_c,
                                tap,
                                out_c,
                                output_depth,
                            )?;
                            total += x * w;
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
