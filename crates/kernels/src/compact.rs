//! Small, general int8 CONV_2D and DEPTHWISE_CONV_2D kernels: one loop nest
//! each, a few hundred bytes of code, bit-exact with the reference kernels
//! ([`crate::conv`], [`crate::depthwise_conv`]). They are what bare-metal
//! targets run ([`Backend::Compact`](crate::optimized::Backend::Compact)),
//! where flash is scarce, and a backend like any other on hosts.
//!
//! Exactness: the reference accumulates `(x + input_offset) * w` over the
//! taps inside the image. Here a tap outside the image reads the value
//! `-input_offset` (always an int8: the offset is minus an int8 zero point),
//! which contributes `(-input_offset + input_offset) * w = 0`; so every tap
//! can be summed, and since `(x + o) * w = x * w + o * w` in wrapping int32
//! arithmetic (a ring), the offset term is added once per output channel as
//! `o * sum(w)`. Integer addition is associative, so the order of the sums
//! does not change the bits either.

use crate::conv::{check_conv, check_window_shapes, ConvGeometry, ConvQuantParamsI8, NhwcShape};
use crate::depthwise_conv::check_depthwise_shapes;
use crate::KernelError;

/// Scratch bytes [`conv_per_channel_i8`] needs for `filter_shape`: an
/// int32 weight sum per output channel, then one window of input values
/// (`KH * KW * C` bytes; none for 1x1 filters), plus 3 bytes to align the
/// sums.
pub fn conv_scratch_len(filter_shape: &NhwcShape) -> usize {
    let taps = filter_shape.height.saturating_mul(filter_shape.width);
    let window = if taps == 1 {
        0
    } else {
        taps.saturating_mul(filter_shape.depth)
    };
    filter_shape
        .batches
        .saturating_mul(4)
        .saturating_add(window)
        .saturating_add(ALIGN_SLACK)
}

/// Bytes a scratch buffer may need to skip to reach a 4-byte boundary.
pub(crate) const ALIGN_SLACK: usize = 3;

/// Scratch bytes [`depthwise_conv_per_channel_i8`] needs for
/// `input_depth` input channels and `filter_shape` (`[1, KH, KW, out]`):
/// an int32 accumulator and an int32 start value per output channel, and
/// one padding pixel of input channels, plus 3 bytes to align the words.
pub fn depthwise_scratch_len(input_depth: usize, filter_shape: &NhwcShape) -> usize {
    filter_shape
        .depth
        .saturating_mul(8)
        .saturating_add(input_depth)
        .saturating_add(ALIGN_SLACK)
}

/// `words` int32 values from the first 4-byte boundary of `scratch`, and
/// the bytes after them.
pub(crate) fn split_words(
    scratch: &mut [u8],
    words: usize,
) -> Result<(&mut [i32], &mut [u8]), KernelError> {
    let short = KernelError::SizeOverflow { what: "scratch" };
    let skip = scratch.as_ptr().align_offset(4);
    let bytes = words.checked_mul(4).ok_or(short)?;
    let aligned = scratch.get_mut(skip..).ok_or(short)?;
    let (word_bytes, rest) = aligned.split_at_mut_checked(bytes).ok_or(short)?;
    let words = bytemuck::try_cast_slice_mut(word_bytes).map_err(|_| short)?;
    Ok((words, rest))
}

/// Whether the compact kernels take `input_offset`: minus an int8 zero
/// point, as every int8 model's (the ops check zero points at prepare).
pub fn supports_input_offset(input_offset: i32) -> bool {
    padding_value(input_offset).is_ok()
}

/// The input offset as the int8 value it cancels (see the module docs).
pub(crate) fn padding_value(input_offset: i32) -> Result<i8, KernelError> {
    i8::try_from(input_offset.wrapping_neg()).map_err(|_| KernelError::InvalidParameter {
        what: "input offset (must be minus an int8 zero point)",
        value: input_offset.unsigned_abs() as usize,
    })
}

/// Sum of `x * w` in wrapping int32 arithmetic.
#[inline(always)]
fn dot(x: &[i8], w: &[i8]) -> i32 {
    let mut acc = 0i32;
    for (&a, &b) in x.iter().zip(w) {
        acc = acc.wrapping_add(i32::from(a) * i32::from(b));
    }
    acc
}

/// `range` of `slice`, or a [`KernelError`] naming `what`.
#[inline(always)]
pub(crate) fn part<'a, T>(
    slice: &'a [T],
    start: usize,
    len: usize,
    what: &'static str,
) -> Result<&'a [T], KernelError> {
    start
        .checked_add(len)
        .and_then(|end| slice.get(start..end))
        .ok_or(KernelError::SizeOverflow { what })
}

/// The input row and column of filter tap (`fy`, `fx`) of output pixel
/// (`out_y`, `out_x`), or `None` when the tap lies in the padding.
#[inline(always)]
pub(crate) fn tap_position(
    geometry: &ConvGeometry,
    input_shape: &NhwcShape,
    (out_y, out_x): (usize, usize),
    (fy, fx): (usize, usize),
) -> Option<(usize, usize)> {
    // Validated not to overflow by check_window_shapes.
    let row = (out_y * geometry.stride_height + fy * geometry.dilation_height)
        .checked_sub(geometry.padding_height)?;
    let column = (out_x * geometry.stride_width + fx * geometry.dilation_width)
        .checked_sub(geometry.padding_width)?;
    (row < input_shape.height && column < input_shape.width).then_some((row, column))
}

/// Int8 CONV_2D with per-channel output scales, grouped or not, any
/// stride, dilation and padding: the result bits of
/// [`crate::conv::conv_per_channel_i8`]. `scratch` holds
/// [`conv_scratch_len`] bytes.
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
    scratch: &mut [u8],
) -> Result<(), KernelError> {
    let groups = check_conv(
        geometry,
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.map(<[i32]>::len),
        (&output_shape, output.len()),
    )?;
    quant.check(output_shape.depth)?;
    let pad = padding_value(quant.input_offset)?;
    let depth = groups.filter_input_depth;
    let (kh, kw) = (filter_shape.height, filter_shape.width);
    // Validated by check_window_shapes (the filter's element count fits).
    let window = kh * kw * depth;
    let one_tap = kh * kw == 1;
    let short = KernelError::SizeOverflow { what: "scratch" };
    let (weight_sums, rest) = split_words(scratch, output_shape.depth)?;
    for (out_c, sum) in weight_sums.iter_mut().enumerate() {
        let weights = part(filter, out_c * window, window, "filter index")?;
        *sum = weights
            .iter()
            .fold(0i32, |s, &w| s.wrapping_add(i32::from(w)));
    }
    let patch: &mut [i8] = if one_tap {
        &mut []
    } else {
        bytemuck::cast_slice_mut(rest.get_mut(..window).ok_or(short)?)
    };
    let mut pixels = output.chunks_exact_mut(output_shape.depth.max(1));
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                let mut group_start = usize::MAX;
                let mut values: &[i8] = &[];
                for (out_c, out) in pixel.iter_mut().enumerate() {
                    // The window of this output channel's group: gathered
                    // once per group and pixel (padding taps read `pad`).
                    let start = (out_c / groups.filters_per_group) * depth;
                    if start != group_start {
                        group_start = start;
                        values = if one_tap {
                            match tap_position(geometry, &input_shape, (out_y, out_x), (0, 0)) {
                                Some((y, x)) => {
                                    let at = input_shape.offset(b, y, x, start);
                                    part(input, at, depth, "input index")?
                                }
                                None => {
                                    // The only tap lies in the padding.
                                    &[]
                                }
                            }
                        } else {
                            for fy in 0..kh {
                                for fx in 0..kw {
                                    let tap = (fy * kw + fx) * depth;
                                    let dst = patch
                                        .get_mut(tap..tap + depth)
                                        .ok_or(KernelError::SizeOverflow { what: "patch" })?;
                                    match tap_position(
                                        geometry,
                                        &input_shape,
                                        (out_y, out_x),
                                        (fy, fx),
                                    ) {
                                        Some((y, x)) => {
                                            let at = input_shape.offset(b, y, x, start);
                                            dst.copy_from_slice(part(
                                                input,
                                                at,
                                                depth,
                                                "input index",
                                            )?);
                                        }
                                        None => dst.fill(pad),
                                    }
                                }
                            }
                            patch
                        };
                    }
                    let weights = part(filter, out_c * window, window, "filter index")?;
                    let weight_sum = weight_sums.get(out_c).copied().unwrap_or(0);
                    let mut acc = if values.is_empty() {
                        // A 1x1 window in the padding: nothing to add.
                        0
                    } else {
                        dot(values, weights)
                            .wrapping_add(quant.input_offset.wrapping_mul(weight_sum))
                    };
                    if let Some(&bias_value) = bias.and_then(|bias| bias.get(out_c)) {
                        acc = acc.wrapping_add(bias_value);
                    }
                    *out = quant.finish(acc, out_c);
                }
            }
        }
    }
    Ok(())
}

/// A depthwise kernel's scratch, laid out by [`depthwise_setup`]: an
/// accumulator and a start value (bias + offset * sum of the channel's
/// weights) per output channel, then one pixel of padding values.
pub(crate) struct DepthwiseScratch<'s> {
    pub(crate) acc: &'s mut [i32],
    pub(crate) start: &'s mut [i32],
    pub(crate) padding: &'s [i8],
}

/// Checks a depthwise conv's shapes and parameters (the reference kernel's
/// errors) and lays out its [`DepthwiseScratch`] in `scratch` (at least
/// [`depthwise_scratch_len`] bytes).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn depthwise_setup<'s>(
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    quant: &ConvQuantParamsI8<'_>,
    (input_shape, input_len): (NhwcShape, usize),
    (filter_shape, filter): (NhwcShape, &[i8]),
    bias: Option<&[i32]>,
    (output_shape, output_len): (NhwcShape, usize),
    scratch: &'s mut [u8],
) -> Result<DepthwiseScratch<'s>, KernelError> {
    check_window_shapes(
        geometry,
        &input_shape,
        input_len,
        &filter_shape,
        filter.len(),
        &output_shape,
        output_len,
        bias.map(<[i32]>::len),
    )?;
    check_depthwise_shapes(depth_multiplier, &input_shape, &filter_shape, &output_shape)?;
    quant.check(output_shape.depth)?;
    let pad = padding_value(quant.input_offset)?;
    let (channels, out_depth) = (input_shape.depth, output_shape.depth);
    let short = KernelError::SizeOverflow { what: "scratch" };
    let (words, rest) = split_words(scratch, out_depth.checked_mul(2).ok_or(short)?)?;
    let (acc, start) = words.split_at_mut(out_depth);
    let padding: &mut [i8] = bytemuck::cast_slice_mut(rest.get_mut(..channels).ok_or(short)?);
    padding.fill(pad);
    let taps = filter_shape.height * filter_shape.width;
    for (out_c, s) in start.iter_mut().enumerate() {
        let mut sum = 0i32;
        for tap in 0..taps {
            sum = sum.wrapping_add(i32::from(*filter.get(tap * out_depth + out_c).ok_or(
                KernelError::SizeOverflow {
                    what: "filter index",
                },
            )?));
        }
        let b = bias.and_then(|b| b.get(out_c)).copied().unwrap_or(0);
        *s = b.wrapping_add(quant.input_offset.wrapping_mul(sum));
    }
    Ok(DepthwiseScratch {
        acc,
        start,
        padding,
    })
}

/// Int8 DEPTHWISE_CONV_2D with per-channel output scales, any depth
/// multiplier, stride, dilation and padding: the result bits of
/// [`crate::depthwise_conv::depthwise_conv_per_channel_i8`]. `scratch`
/// holds [`depthwise_scratch_len`] bytes.
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
    scratch: &mut [u8],
) -> Result<(), KernelError> {
    let (channels, out_depth) = (input_shape.depth, output_shape.depth);
    let multiplier = depth_multiplier.max(1);
    let DepthwiseScratch {
        acc,
        start,
        padding,
    } = depthwise_setup(
        geometry,
        depth_multiplier,
        quant,
        (input_shape, input.len()),
        (filter_shape, filter),
        bias,
        (output_shape, output.len()),
        scratch,
    )?;
    let mut pixels = output.chunks_exact_mut(out_depth.max(1));
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                acc.copy_from_slice(start);
                for fy in 0..filter_shape.height {
                    for fx in 0..filter_shape.width {
                        let x = match tap_position(geometry, &input_shape, (out_y, out_x), (fy, fx))
                        {
                            Some((y, x)) => part(
                                input,
                                input_shape.offset(b, y, x, 0),
                                channels,
                                "input index",
                            )?,
                            None => padding,
                        };
                        let tap = fy * filter_shape.width + fx;
                        let w = part(filter, tap * out_depth, out_depth, "filter index")?;
                        if multiplier == 1 {
                            for ((a, &xv), &wv) in acc.iter_mut().zip(x).zip(w) {
                                *a = a.wrapping_add(i32::from(xv) * i32::from(wv));
                            }
                        } else {
                            for ((a, w), &xv) in acc
                                .chunks_exact_mut(multiplier)
                                .zip(w.chunks_exact(multiplier))
                                .zip(x)
                            {
                                for (a, &wv) in a.iter_mut().zip(w) {
                                    *a = a.wrapping_add(i32::from(xv) * i32::from(wv));
                                }
                            }
                        }
                    }
                }
                for (out_c, (out, &a)) in pixel.iter_mut().zip(acc.iter()).enumerate() {
                    *out = quant.finish(a, out_c);
                }
            }
        }
    }
    Ok(())
}
