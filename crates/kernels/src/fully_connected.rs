//! FULLY_CONNECTED reference kernels (int8 per-tensor, int8 per-channel, float32).
//!
//! Weights are laid out `[output_depth, input_depth]` as TFLite stores them;
//! input is `[batches, input_depth]`, output `[batches, output_depth]`.
//! Arithmetic and accumulation order follow TFLM's reference kernels.

use crate::activation::{clamp_f32, quantized_output_i8};
use crate::conv::Bias16x8;
use crate::fixed_point::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};
use crate::{check_len, checked_product, KernelError};

/// Matrix dimensions of a fully connected layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullyConnectedShape {
    /// Number of input rows (product of all output dimensions but the last).
    pub batches: usize,
    /// Length of each input row (last dimension of the weights).
    pub input_depth: usize,
    /// Number of output units (first dimension of the weights).
    pub output_depth: usize,
}

impl FullyConnectedShape {
    /// Validates buffer lengths against this shape.
    fn check(
        &self,
        input_len: usize,
        filter_len: usize,
        bias_len: Option<usize>,
        output_len: usize,
    ) -> Result<(), KernelError> {
        let input_size = checked_product("input size", &[self.batches, self.input_depth])?;
        let filter_size = checked_product("filter size", &[self.output_depth, self.input_depth])?;
        let output_size = checked_product("output size", &[self.batches, self.output_depth])?;
        check_len("input", input_size, input_len)?;
        check_len("filter", filter_size, filter_len)?;
        if let Some(bias_len) = bias_len {
            check_len("bias", self.output_depth, bias_len)?;
        }
        check_len("output", output_size, output_len)
    }
}

/// Parameters of the int8 fully connected kernel with one output scale
/// (TFLM's `FullyConnectedParams` for `reference_integer_ops::FullyConnected`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullyConnectedParamsI8 {
    /// Negated input zero point.
    pub input_offset: i32,
    /// Negated filter zero point (0 for spec-conformant models).
    pub filter_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Quantized multiplier of the effective scale.
    pub output_multiplier: i32,
    /// Shift of the effective scale (positive = left).
    pub output_shift: i32,
    /// Lower clamp bound (quantized activation minimum).
    pub activation_min: i32,
    /// Upper clamp bound (quantized activation maximum).
    pub activation_max: i32,
}

/// Parameters of the int8 fully connected kernel with one output scale per
/// output unit (TFLM's `FullyConnectedPerChannel`; the filter zero point is
/// always 0 there and is not applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullyConnectedPerChannelParamsI8<'a> {
    /// Negated input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Quantized multiplier per output unit (`output_depth` entries).
    pub output_multipliers: &'a [i32],
    /// Shift per output unit (`output_depth` entries).
    pub output_shifts: &'a [i32],
    /// Lower clamp bound (quantized activation minimum).
    pub activation_min: i32,
    /// Upper clamp bound (quantized activation maximum).
    pub activation_max: i32,
}

/// Parameters of the float32 fully connected kernel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FullyConnectedParamsF32 {
    /// Lower clamp bound (see `quantization::activation_range_f32`).
    pub activation_min: f32,
    /// Upper clamp bound.
    pub activation_max: f32,
}

/// `sum_d (filter[d] + filter_offset) * (input[d] + input_offset)` in wrapping
/// int32 arithmetic, the accumulation of TFLM's int8 kernels.
fn dot_i8(input: &[i8], input_offset: i32, filter: &[i8], filter_offset: i32) -> i32 {
    input.iter().zip(filter).fold(0i32, |acc, (&x, &w)| {
        let x = i32::from(x).wrapping_add(input_offset);
        let w = i32::from(w).wrapping_add(filter_offset);
        acc.wrapping_add(w.wrapping_mul(x))
    })
}

/// Int8 fully connected with a single output scale.
///
/// Per output: int32 dot product with offsets, plus bias, rescaled by
/// `output_multiplier`/`output_shift`, plus `output_offset`, clamped.
pub fn fully_connected_i8(
    params: &FullyConnectedParamsI8,
    shape: FullyConnectedShape,
    input: &[i8],
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    shape.check(
        input.len(),
        filter.len(),
        bias.map(<[i32]>::len),
        output.len(),
    )?;
    if shape.input_depth == 0 || shape.output_depth == 0 {
        return fill_for_empty_depth(shape, output, |out_c| {
            let acc = bias.and_then(|b| b.get(out_c)).copied().unwrap_or(0);
            quantized_output_i8(
                acc,
                params.output_multiplier,
                params.output_shift,
                params.output_offset,
                params.activation_min,
                params.activation_max,
            )
        });
    }
    for (input_row, output_row) in input
        .chunks_exact(shape.input_depth)
        .zip(output.chunks_exact_mut(shape.output_depth))
    {
        for (out_c, (filter_row, out)) in filter
            .chunks_exact(shape.input_depth)
            .zip(output_row.iter_mut())
            .enumerate()
        {
            let mut acc = dot_i8(
                input_row,
                params.input_offset,
                filter_row,
                params.filter_offset,
            );
            if let Some(b) = bias.and_then(|b| b.get(out_c)) {
                acc = acc.wrapping_add(*b);
            }
            *out = quantized_output_i8(
                acc,
                params.output_multiplier,
                params.output_shift,
                params.output_offset,
                params.activation_min,
                params.activation_max,
            );
        }
    }
    Ok(())
}

/// Int8 fully connected with one output scale per output unit.
///
/// Same as [`fully_connected_i8`] but without a filter offset and with the
/// multiplier and shift taken from `output_multipliers[out_c]` /
/// `output_shifts[out_c]`.
pub fn fully_connected_per_channel_i8(
    params: &FullyConnectedPerChannelParamsI8<'_>,
    shape: FullyConnectedShape,
    input: &[i8],
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    shape.check(
        input.len(),
        filter.len(),
        bias.map(<[i32]>::len),
        output.len(),
    )?;
    check_len(
        "output multipliers",
        shape.output_depth,
        params.output_multipliers.len(),
    )?;
    check_len(
        "output shifts",
        shape.output_depth,
        params.output_shifts.len(),
    )?;
    let scale_of = |out_c: usize| {
        let multiplier = params.output_multipliers.get(out_c).copied().unwrap_or(0);
        let shift = params.output_shifts.get(out_c).copied().unwrap_or(0);
        (multiplier, shift)
    };
    let finish = |acc: i32, out_c: usize| {
        let (multiplier, shift) = scale_of(out_c);
        quantized_output_i8(
            acc,
            multiplier,
            shift,
            params.output_offset,
            params.activation_min,
            params.activation_max,
        )
    };
    if shape.input_depth == 0 || shape.output_depth == 0 {
        return fill_for_empty_depth(shape, output, |out_c| {
            finish(bias.and_then(|b| b.get(out_c)).copied().unwrap_or(0), out_c)
        });
    }
    for (input_row, output_row) in input
        .chunks_exact(shape.input_depth)
        .zip(output.chunks_exact_mut(shape.output_depth))
    {
        for (out_c, (filter_row, out)) in filter
            .chunks_exact(shape.input_depth)
            .zip(output_row.iter_mut())
            .enumerate()
        {
            let mut acc = dot_i8(input_row, params.input_offset, filter_row, 0);
            if let Some(b) = bias.and_then(|b| b.get(out_c)) {
                acc = acc.wrapping_add(*b);
            }
            *out = finish(acc, out_c);
        }
    }
    Ok(())
}

/// Float32 fully connected: `clamp(sum_d input[d] * filter[d] + bias)`, with
/// the products accumulated left to right in `f32` starting from 0 and the
/// bias (0 when absent) added last, as TFLM's reference kernel does.
pub fn fully_connected_f32(
    params: &FullyConnectedParamsF32,
    shape: FullyConnectedShape,
    input: &[f32],
    filter: &[f32],
    bias: Option<&[f32]>,
    output: &mut [f32],
) -> Result<(), KernelError> {
    shape.check(
        input.len(),
        filter.len(),
        bias.map(<[f32]>::len),
        output.len(),
    )?;
    let finish = |total: f32, out_c: usize| {
        let bias_value = bias.and_then(|b| b.get(out_c)).copied().unwrap_or(0.0);
        clamp_f32(
            total + bias_value,
            params.activation_min,
            params.activation_max,
        )
    };
    if shape.input_depth == 0 || shape.output_depth == 0 {
        return fill_for_empty_depth(shape, output, |out_c| finish(0.0, out_c));
    }
    for (input_row, output_row) in input
        .chunks_exact(shape.input_depth)
        .zip(output.chunks_exact_mut(shape.output_depth))
    {
        for (out_c, (filter_row, out)) in filter
            .chunks_exact(shape.input_depth)
            .zip(output_row.iter_mut())
            .enumerate()
        {
            let total = input_row
                .iter()
                .zip(filter_row)
                .fold(0.0f32, |total, (&x, &w)| total + x * w);
            *out = finish(total, out_c);
        }
    }
    Ok(())
}

/// Handles degenerate shapes (`input_depth == 0` or `output_depth == 0`),
/// where `chunks_exact` cannot be used: every output gets `value(out_c)`.
fn fill_for_empty_depth<T>(
    shape: FullyConnectedShape,
    output: &mut [T],
    value: impl Fn(usize) -> T,
) -> Result<(), KernelError> {
    if shape.output_depth == 0 {
        return Ok(());
    }
    for row in output.chunks_exact_mut(shape.output_depth) {
        for (out_c, out) in row.iter_mut().enumerate() {
            *out = value(out_c);
        }
    }
    Ok(())
}

/// Parameters of the 16x8 fully connected kernel (int16 activations, int8
/// weights): one multiplier and shift for every output unit (per-tensor
/// weights) or one each (per-channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FullyConnectedParams16x8<'a> {
    /// Negated input zero point (TFLM applies it; 0 for symmetric int16).
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Quantized multipliers: one, or one per output unit.
    pub output_multipliers: &'a [i32],
    /// Shifts (positive = left): one, or one per output unit.
    pub output_shifts: &'a [i32],
    /// Lower clamp bound.
    pub activation_min: i32,
    /// Upper clamp bound.
    pub activation_max: i32,
}

impl FullyConnectedParams16x8<'_> {
    fn scale_of(&self, unit: usize) -> (i32, i32) {
        let pick = |v: &[i32]| {
            if v.len() == 1 {
                v.first().copied()
            } else {
                v.get(unit).copied()
            }
            .unwrap_or(0)
        };
        (pick(self.output_multipliers), pick(self.output_shifts))
    }
}

/// 16x8 FULLY_CONNECTED (TFLM's int16 `FullyConnected` and
/// `FullyConnectedPerChannel`): `acc = sum filter * (input + input_offset)`
/// plus the bias, exact; with an int64 bias (or none) TFLM's int64
/// `MultiplyByQuantizedMultiplier`, with an int32 accumulator
/// ([`Bias16x8::Int32`], [`Bias16x8::NoneInt32Accumulator`]) the sum wrapped
/// to int32 and the int32 one; then the output offset and the clamp.
pub fn fully_connected_16x8(
    params: &FullyConnectedParams16x8<'_>,
    shape: FullyConnectedShape,
    input: &[i16],
    filter: &[i8],
    bias: Bias16x8<'_>,
    output: &mut [i16],
) -> Result<(), KernelError> {
    let offset = i64::from(params.input_offset);
    fully_connected_16x8_with(
        params,
        shape,
        input,
        filter,
        bias,
        output,
        |row, weights| {
            row.iter()
                .zip(weights)
                .map(|(&x, &w)| i64::from(w) * (i64::from(x) + offset))
                .fold(0i64, i64::wrapping_add)
        },
    )
}

/// [`fully_connected_16x8`] with `dot(input row, weights)` giving each
/// exact sum `sum w * (x + input_offset)` (the optimised kernels' hook).
pub(crate) fn fully_connected_16x8_with(
    params: &FullyConnectedParams16x8<'_>,
    shape: FullyConnectedShape,
    input: &[i16],
    filter: &[i8],
    bias: Bias16x8<'_>,
    output: &mut [i16],
    dot: impl Fn(&[i16], &[i8]) -> i64,
) -> Result<(), KernelError> {
    shape.check(input.len(), filter.len(), bias.elements(), output.len())?;
    for name_len in [
        ("output multipliers", params.output_multipliers.len()),
        ("output shifts", params.output_shifts.len()),
    ] {
        if name_len.1 != 1 {
            check_len(name_len.0, shape.output_depth, name_len.1)?;
        }
    }
    if shape.output_depth == 0 {
        return Ok(());
    }
    let depth = shape.input_depth;
    for (b, out_row) in output.chunks_exact_mut(shape.output_depth).enumerate() {
        let row = input.get(b * depth..(b + 1) * depth).unwrap_or_default();
        for (unit, out) in out_row.iter_mut().enumerate() {
            let weights = filter
                .get(unit * depth..(unit + 1) * depth)
                .unwrap_or_default();
            let acc = dot(row, weights);
            let (multiplier, shift) = params.scale_of(unit);
            let scaled = match bias {
                Bias16x8::None => multiply_by_quantized_multiplier_i64(acc, multiplier, shift),
                Bias16x8::Int64(b) => multiply_by_quantized_multiplier_i64(
                    acc.wrapping_add(b.get(unit).copied().unwrap_or(0)),
                    multiplier,
                    shift,
                ),
                Bias16x8::NoneInt32Accumulator => {
                    multiply_by_quantized_multiplier(acc as i32, multiplier, shift)
                }
                Bias16x8::Int32(b) => multiply_by_quantized_multiplier(
                    (acc as i32).wrapping_add(b.get(unit).copied().unwrap_or(0)),
                    multiplier,
                    shift,
                ),
            };
            *out = scaled
                .wrapping_add(params.output_offset)
                .max(params.activation_min)
                .min(params.activation_max)
                .clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
    }
    Ok(())
}
