//! TRANSPOSE_CONV reference kernels (float32, int8 per-channel, 16x8),
//! following TFLM's `reference_ops::TransposeConv` and
//! `reference_integer_ops::TransposeConv`: every input element is scattered
//! into the output positions its filter taps reach, then the bias, the
//! output stage and the clamp.
//!
//! Layouts: input `[N, H, W, C_in]`, filter `[C_out, KH, KW, C_in]`, bias
//! `[C_out]`, output `[N, OH, OW, C_out]`, all NHWC row-major.

use crate::activation::clamp_f32;
use crate::conv::{ConvQuantParamsI8, NhwcShape};
use crate::fixed_point::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};
use crate::{check_len, checked_product, KernelError};

/// Stride and leading padding of a transpose convolution (no dilation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransposeGeometry {
    /// Vertical stride.
    pub stride_height: usize,
    /// Horizontal stride.
    pub stride_width: usize,
    /// Output rows cut off the top (TFLM's `padding_values.height`).
    pub padding_height: usize,
    /// Output columns cut off the left.
    pub padding_width: usize,
}

/// The bias of a 16x8 transpose conv: TFLM widens an int16 bias to int64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bias16<'a> {
    /// No bias.
    None,
    /// Int16 bias.
    Int16(&'a [i16]),
    /// Int64 bias.
    Int64(&'a [i64]),
}

impl Bias16<'_> {
    pub(crate) fn elements(&self) -> Option<usize> {
        match self {
            Bias16::None => None,
            Bias16::Int16(b) => Some(b.len()),
            Bias16::Int64(b) => Some(b.len()),
        }
    }

    fn get(&self, channel: usize) -> i64 {
        match self {
            Bias16::None => 0,
            Bias16::Int16(b) => b.get(channel).map_or(0, |&v| i64::from(v)),
            Bias16::Int64(b) => b.get(channel).copied().unwrap_or(0),
        }
    }
}

/// Checks the buffers against the shapes; returns the output element count.
pub(crate) fn check(
    input: (&NhwcShape, usize),
    filter: (&NhwcShape, usize),
    bias_len: Option<usize>,
    output: (&NhwcShape, usize),
) -> Result<usize, KernelError> {
    let count =
        |what, s: &NhwcShape| checked_product(what, &[s.batches, s.height, s.width, s.depth]);
    check_len("input", count("input size", input.0)?, input.1)?;
    check_len("filter", count("filter size", filter.0)?, filter.1)?;
    let out = count("output size", output.0)?;
    check_len("output", out, output.1)?;
    if let Some(len) = bias_len {
        check_len("bias", output.0.depth, len)?;
    }
    let mismatch = |what, expected, actual| KernelError::DimensionMismatch {
        what,
        expected,
        actual,
    };
    if input.0.batches != output.0.batches {
        return Err(mismatch(
            "output batches == input batches",
            input.0.batches,
            output.0.batches,
        ));
    }
    if filter.0.depth != input.0.depth {
        return Err(mismatch(
            "filter input channels == input depth",
            input.0.depth,
            filter.0.depth,
        ));
    }
    if filter.0.batches != output.0.depth {
        return Err(mismatch(
            "filter output channels == output depth",
            output.0.depth,
            filter.0.batches,
        ));
    }
    Ok(out)
}

/// Calls `add(output_index, input_index, filter_index)` for every
/// (input element, filter tap, output channel) whose output position lies
/// in the output, in TFLM's scatter order.
fn scatter(
    g: &TransposeGeometry,
    input: &NhwcShape,
    filter: &NhwcShape,
    output: &NhwcShape,
    mut add: impl FnMut(usize, usize, usize),
) {
    for b in 0..input.batches {
        for in_y in 0..input.height {
            for in_x in 0..input.width {
                for in_c in 0..input.depth {
                    let input_index = input.offset(b, in_y, in_x, in_c);
                    for fy in 0..filter.height {
                        let Some(out_y) =
                            (in_y * g.stride_height + fy).checked_sub(g.padding_height)
                        else {
                            continue;
                        };
                        if out_y >= output.height {
                            continue;
                        }
                        for fx in 0..filter.width {
                            let Some(out_x) =
                                (in_x * g.stride_width + fx).checked_sub(g.padding_width)
                            else {
                                continue;
                            };
                            if out_x >= output.width {
                                continue;
                            }
                            for out_c in 0..output.depth {
                                add(
                                    output.offset(b, out_y, out_x, out_c),
                                    input_index,
                                    filter.offset(out_c, fy, fx, in_c),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Whether the largest scattered coordinate fits `usize`.
pub(crate) fn check_coordinates(
    g: &TransposeGeometry,
    input: &NhwcShape,
    filter: &NhwcShape,
) -> Result<(), KernelError> {
    let fits = |extent: usize, stride: usize, taps: usize| {
        extent
            .saturating_sub(1)
            .checked_mul(stride)
            .and_then(|v| v.checked_add(taps))
            .is_some()
    };
    if fits(input.height, g.stride_height, filter.height)
        && fits(input.width, g.stride_width, filter.width)
    {
        Ok(())
    } else {
        Err(KernelError::SizeOverflow {
            what: "transpose conv coordinate",
        })
    }
}

/// Float32 TRANSPOSE_CONV: products accumulated into the zeroed output in
/// TFLM's scatter order, then the bias, then the clamp.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv_f32(
    g: &TransposeGeometry,
    (activation_min, activation_max): (f32, f32),
    input_shape: NhwcShape,
    input: &[f32],
    filter_shape: NhwcShape,
    filter: &[f32],
    bias: Option<&[f32]>,
    output_shape: NhwcShape,
    output: &mut [f32],
) -> Result<(), KernelError> {
    check(
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.map(<[f32]>::len),
        (&output_shape, output.len()),
    )?;
    check_coordinates(g, &input_shape, &filter_shape)?;
    output.fill(0.0);
    scatter(g, &input_shape, &filter_shape, &output_shape, |o, i, f| {
        if let (Some(out), Some(&x), Some(&w)) = (output.get_mut(o), input.get(i), filter.get(f)) {
            *out += x * w;
        }
    });
    for pixel in output.chunks_exact_mut(output_shape.depth.max(1)) {
        for (c, out) in pixel.iter_mut().enumerate() {
            let b = bias.and_then(|b| b.get(c)).copied().unwrap_or(0.0);
            let value = if bias.is_some() { *out + b } else { *out };
            *out = clamp_f32(value, activation_min, activation_max);
        }
    }
    Ok(())
}

/// Scratch elements (`i32` for int8, `i64` for 16x8) a quantized
/// TRANSPOSE_CONV needs: one accumulator per output element.
pub fn transpose_conv_scratch_len(output_shape: &NhwcShape) -> Option<usize> {
    output_shape.element_count()
}

/// Int8 TRANSPOSE_CONV with per-channel output scales: `(input +
/// input_offset) * filter` scattered into `scratch` (wrapping int32), plus
/// the bias, then TFLM's int32 output stage, output offset and clamp.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv_i8(
    g: &TransposeGeometry,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i8],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i32]>,
    output_shape: NhwcShape,
    output: &mut [i8],
    scratch: &mut [i32],
) -> Result<(), KernelError> {
    let n = check(
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.map(<[i32]>::len),
        (&output_shape, output.len()),
    )?;
    check_coordinates(g, &input_shape, &filter_shape)?;
    quant.check(output_shape.depth)?;
    let available = scratch.len();
    let acc = scratch.get_mut(..n).ok_or(KernelError::LengthMismatch {
        buffer: "scratch",
        expected: n,
        actual: available,
    })?;
    acc.fill(0);
    scatter(g, &input_shape, &filter_shape, &output_shape, |o, i, f| {
        if let (Some(a), Some(&x), Some(&w)) = (acc.get_mut(o), input.get(i), filter.get(f)) {
            let x = i32::from(x).wrapping_add(quant.input_offset);
            *a = a.wrapping_add(x.wrapping_mul(i32::from(w)));
        }
    });
    finish_i8(quant, bias, output_shape.depth, acc, output);
    Ok(())
}

/// The int8 output stage: bias, per-channel requantization, output offset
/// and clamp of the accumulators `acc` into `output`.
pub(crate) fn finish_i8(
    quant: &ConvQuantParamsI8<'_>,
    bias: Option<&[i32]>,
    depth: usize,
    acc: &[i32],
    output: &mut [i8],
) {
    let depth = depth.max(1);
    for (k, (out, &sum)) in output.iter_mut().zip(acc.iter()).enumerate() {
        let c = k % depth;
        let total = sum.wrapping_add(bias.and_then(|b| b.get(c)).copied().unwrap_or(0));
        let multiplier = quant.output_multipliers.get(c).copied().unwrap_or(0);
        let shift = quant.output_shifts.get(c).copied().unwrap_or(0);
        let scaled = multiply_by_quantized_multiplier(total, multiplier, shift)
            .wrapping_add(quant.output_offset);
        *out = scaled.max(quant.activation_min).min(quant.activation_max) as i8;
    }
}

/// 16x8 TRANSPOSE_CONV: `input * filter` (no zero points) scattered into
/// `scratch` (int64), plus the bias widened to int64, then TFLM's int64
/// output stage and the clamp.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv_16x8(
    g: &TransposeGeometry,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i16],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Bias16<'_>,
    output_shape: NhwcShape,
    output: &mut [i16],
    scratch: &mut [i64],
) -> Result<(), KernelError> {
    let n = check(
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.elements(),
        (&output_shape, output.len()),
    )?;
    check_coordinates(g, &input_shape, &filter_shape)?;
    quant.check(output_shape.depth)?;
    let available = scratch.len();
    let acc = scratch.get_mut(..n).ok_or(KernelError::LengthMismatch {
        buffer: "scratch",
        expected: n,
        actual: available,
    })?;
    acc.fill(0);
    scatter(g, &input_shape, &filter_shape, &output_shape, |o, i, f| {
        if let (Some(a), Some(&x), Some(&w)) = (acc.get_mut(o), input.get(i), filter.get(f)) {
            *a = a.wrapping_add(i64::from(x) * i64::from(w));
        }
    });
    finish_16x8(quant, bias, output_shape.depth, acc, output);
    Ok(())
}

/// The 16x8 output stage: bias widened to int64, per-channel
/// requantization and clamp of the accumulators `acc` into `output`.
pub(crate) fn finish_16x8(
    quant: &ConvQuantParamsI8<'_>,
    bias: Bias16<'_>,
    depth: usize,
    acc: &[i64],
    output: &mut [i16],
) {
    let depth = depth.max(1);
    for (k, (out, &sum)) in output.iter_mut().zip(acc.iter()).enumerate() {
        let c = k % depth;
        let multiplier = quant.output_multipliers.get(c).copied().unwrap_or(0);
        let shift = quant.output_shifts.get(c).copied().unwrap_or(0);
        let scaled =
            multiply_by_quantized_multiplier_i64(sum.wrapping_add(bias.get(c)), multiplier, shift);
        *out = scaled
            .max(quant.activation_min)
            .min(quant.activation_max)
            .clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
    }
}
