//! CUMSUM along one axis, inclusive or exclusive, forward or reversed
//! (TFLM's `reference_ops::CumSum`): float32, and int8 with TFLM's ADD-like
//! rescaling (20-bit left shift). As in TFLM, the int8 running sum starts at
//! the rescaled input offset, not at zero.

use crate::binary64::F64;
use crate::fixed_point::{
    multiply_by_quantized_multiplier_smaller_than_one_exp as rescale, wrapping_left_shift_mul,
};
use crate::quantization::quantize_multiplier_smaller_than_one;
use crate::{check_len, KernelError};

/// Left shift of the int8 inputs before rescaling.
const LEFT_SHIFT: i32 = 20;

/// The layout of a CUMSUM: elements before, along and after the axis, and
/// the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CumSumShape {
    /// Product of the dimensions before the axis.
    pub outer: usize,
    /// The axis' extent.
    pub depth: usize,
    /// Product of the dimensions after the axis.
    pub inner: usize,
    /// Each output excludes its own input.
    pub exclusive: bool,
    /// Sum from the end of the axis.
    pub reverse: bool,
}

/// Prepared int8 CUMSUM parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CumSumQuantParams {
    /// Negated input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Multiplier and shift of `input_scale / (2 · input_scale)`.
    pub input_multiplier: i32,
    /// See `input_multiplier`.
    pub input_shift: i32,
    /// Multiplier and shift of `2 · input_scale / (2^20 · output_scale)`.
    pub output_multiplier: i32,
    /// See `output_multiplier`.
    pub output_shift: i32,
    /// Smallest output value.
    pub activation_min: i32,
    /// Largest output value.
    pub activation_max: i32,
}

/// TFLM's int8 CUMSUM parameters (computed in double precision), or an
/// error when a multiplier is outside (0, 1).
pub fn prepare_cumsum_int8(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> Result<CumSumQuantParams, KernelError> {
    let out_of_range = |what| KernelError::MultiplierOutOfRange {
        what,
        value: output_scale,
        range: "in (0, 1)",
    };
    let twice = F64::from_f32(input_scale).scale(1);
    let (input_multiplier, input_shift) =
        quantize_multiplier_smaller_than_one(F64::from_f32(input_scale) / twice)
            .ok_or(out_of_range("input"))?;
    let (output_multiplier, output_shift) =
        quantize_multiplier_smaller_than_one(twice / F64::from_f32(output_scale).scale(LEFT_SHIFT))
            .ok_or(out_of_range("output"))?;
    Ok(CumSumQuantParams {
        input_offset: input_zero_point.wrapping_neg(),
        output_offset: output_zero_point,
        input_multiplier,
        input_shift,
        output_multiplier,
        output_shift,
        activation_min: i32::from(i8::MIN),
        activation_max: i32::from(i8::MAX),
    })
}

/// Calls `visit(line, index)` for every element in TFLM's order: each line
/// along the axis, from its first (or, reversed, last) element.
fn for_each_line(shape: &CumSumShape, mut visit: impl FnMut(bool, usize)) {
    let flip = |n: usize, k: usize| if shape.reverse { n - 1 - k } else { k };
    for i in 0..shape.inner {
        let i = flip(shape.inner, i);
        for o in 0..shape.outer {
            let o = flip(shape.outer, o);
            for d in 0..shape.depth {
                let d = flip(shape.depth, d);
                visit(
                    d == flip(shape.depth, 0),
                    (o * shape.depth + d) * shape.inner + i,
                );
            }
        }
    }
}

fn check(shape: &CumSumShape, input: usize, output: usize) -> Result<(), KernelError> {
    let n = shape
        .outer
        .checked_mul(shape.depth)
        .and_then(|n| n.checked_mul(shape.inner))
        .ok_or(KernelError::SizeOverflow { what: "cumsum" })?;
    check_len("input", n, input)?;
    check_len("output", n, output)
}

/// Float32 CUMSUM.
pub fn cumsum_f32(
    shape: &CumSumShape,
    input: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    check(shape, input.len(), output.len())?;
    let mut acc = 0.0f32;
    for_each_line(shape, |first, k| {
        if first {
            acc = 0.0;
        }
        let x = input.get(k).copied().unwrap_or(0.0);
        if shape.exclusive {
            if let Some(out) = output.get_mut(k) {
                *out = acc;
            }
            acc += x;
        } else {
            acc += x;
            if let Some(out) = output.get_mut(k) {
                *out = acc;
            }
        }
    });
    Ok(())
}

/// Int8 CUMSUM: each input offset, shifted left 20 bits and rescaled; the
/// running sum (wrapping `i32`, starting at the rescaled input offset)
/// rescaled to the output, offset and clamped.
pub fn cumsum_int8(
    shape: &CumSumShape,
    p: &CumSumQuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    check(shape, input.len(), output.len())?;
    let scale = |v: i32| {
        rescale(
            wrapping_left_shift_mul(v, LEFT_SHIFT),
            p.input_multiplier,
            p.input_shift,
        )
    };
    let mut acc = 0i32;
    for_each_line(shape, |first, k| {
        if first {
            acc = scale(p.input_offset);
        }
        let y = scale(
            p.input_offset
                .wrapping_add(i32::from(input.get(k).copied().unwrap_or(0))),
        );
        let summed = if shape.exclusive {
            let before = acc;
            acc = acc.wrapping_add(y);
            before
        } else {
            acc = acc.wrapping_add(y);
            acc
        };
        let out =
            rescale(summed, p.output_multiplier, p.output_shift).wrapping_add(p.output_offset);
        if let Some(o) = output.get_mut(k) {
            *o = out.max(p.activation_min).min(p.activation_max) as i8;
        }
    });
    Ok(())
}
