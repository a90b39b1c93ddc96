//! FULLY_CONNECTED reference kernels (int8 per-tensor, int8 per-channel, float32).
//!
//! Weights are laid out `[output_depth, input_depth]` as TFLite stores them;
//! input is `[batches, input_depth]`, output `[batches, output_depth]`.
//! Arithmetic and accumulation order follow TFLM's reference kernels.

use crate::activation::{clamp_f32, quantized_output_i8};
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
