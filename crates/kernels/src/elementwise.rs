//! ADD, SUB and MUL with broadcasting (float32, int8 and int16).
//!
//! Quantized ADD/SUB follow TFLM: both inputs are shifted left (20 bits for
//! int8, 15 for int16), scaled to a common scale (twice the larger input
//! scale), summed, and rescaled to the output. Quantized MUL multiplies the
//! zero-point-corrected inputs and applies one multiplier
//! `input1_scale * input2_scale / output_scale`.

use bytemuck::{Pod, Zeroable};

use crate::activation::clamp_f32;
use crate::binary64::F64;
use crate::broadcast::BroadcastShape;
use crate::fixed_point::{
    multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_smaller_than_one_exp,
    wrapping_left_shift_mul,
};
use crate::quantization::{
    product_over, quantize_multiplier_exact, quantize_multiplier_smaller_than_one,
};
use crate::quantize::QuantizedInt;
use crate::KernelError;

/// Left shift applied to int8 ADD/SUB inputs before rescaling.
const ADD_SUB_LEFT_SHIFT_INT8: i32 = 20;
/// Left shift applied to int16 ADD/SUB inputs (65535 << 15 still sums in an
/// `i32`).
const ADD_SUB_LEFT_SHIFT_INT16: i32 = 15;

/// Quantization of the three tensors of a quantized binary op and the output
/// clamp.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinaryQuantization {
    /// Scale of input 1.
    pub input1_scale: f32,
    /// Zero point of input 1.
    pub input1_zero_point: i32,
    /// Scale of input 2.
    pub input2_scale: f32,
    /// Zero point of input 2.
    pub input2_zero_point: i32,
    /// Scale of the output.
    pub output_scale: f32,
    /// Zero point of the output.
    pub output_zero_point: i32,
    /// Smallest quantized output value (fused activation applied).
    pub activation_min: i32,
    /// Largest quantized output value (fused activation applied).
    pub activation_max: i32,
}

/// Prepared parameters of a quantized (int8 or int16) ADD or SUB.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct AddSubQuantParams {
    /// Negated zero point of input 1.
    pub input1_offset: i32,
    /// Negated zero point of input 2.
    pub input2_offset: i32,
    /// Zero point of the output.
    pub output_offset: i32,
    /// Left shift applied to both inputs first.
    pub left_shift: i32,
    /// Multiplier of input 1.
    pub input1_multiplier: i32,
    /// Shift (non-positive) of input 1.
    pub input1_shift: i32,
    /// Multiplier of input 2.
    pub input2_multiplier: i32,
    /// Shift (non-positive) of input 2.
    pub input2_shift: i32,
    /// Multiplier of the output.
    pub output_multiplier: i32,
    /// Shift (non-positive) of the output.
    pub output_shift: i32,
    /// Smallest output value.
    pub activation_min: i32,
    /// Largest output value.
    pub activation_max: i32,
}

/// Prepared parameters of a quantized (int8 or int16) MUL.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct MulQuantParams {
    /// Negated zero point of input 1.
    pub input1_offset: i32,
    /// Negated zero point of input 2.
    pub input2_offset: i32,
    /// Zero point of the output.
    pub output_offset: i32,
    /// Multiplier of the product.
    pub output_multiplier: i32,
    /// Shift of the product.
    pub output_shift: i32,
    /// Smallest output value.
    pub activation_min: i32,
    /// Largest output value.
    pub activation_max: i32,
}

/// TFLM's `QuantizeMultiplierSmallerThanOneExp`: `value` must be in `(0, 1)`.
fn multiplier_below_one(what: &'static str, value: F64) -> Result<(i32, i32), KernelError> {
    quantize_multiplier_smaller_than_one(value).ok_or(KernelError::MultiplierOutOfRange {
        what,
        value: value.to_f64() as f32,
        range: "in (0, 1)",
    })
}

fn check_activation(q: &BinaryQuantization) -> Result<(), KernelError> {
    if q.activation_min > q.activation_max {
        return Err(KernelError::EmptyActivationRange {
            min: q.activation_min,
            max: q.activation_max,
        });
    }
    Ok(())
}

fn add_sub_params(
    q: &BinaryQuantization,
    left_shift: i32,
    real_input1: F64,
    real_input2: F64,
    real_output: F64,
) -> Result<AddSubQuantParams, KernelError> {
    check_activation(q)?;
    let (input1_multiplier, input1_shift) = multiplier_below_one("input1", real_input1)?;
    let (input2_multiplier, input2_shift) = multiplier_below_one("input2", real_input2)?;
    let (output_multiplier, output_shift) = multiplier_below_one("output", real_output)?;
    Ok(AddSubQuantParams {
        input1_offset: q.input1_zero_point.wrapping_neg(),
        input2_offset: q.input2_zero_point.wrapping_neg(),
        output_offset: q.output_zero_point,
        left_shift,
        input1_multiplier,
        input1_shift,
        input2_multiplier,
        input2_shift,
        output_multiplier,
        output_shift,
        activation_min: q.activation_min,
        activation_max: q.activation_max,
    })
}

/// Params of an int8 ADD (TFLM computes the multipliers in double
/// precision; so does [`F64`]).
pub fn prepare_add_int8(q: &BinaryQuantization) -> Result<AddSubQuantParams, KernelError> {
    prepare_add(q, ADD_SUB_LEFT_SHIFT_INT8)
}

/// Params of an int16 ADD: as int8, with a 15-bit left shift.
pub fn prepare_add_int16(q: &BinaryQuantization) -> Result<AddSubQuantParams, KernelError> {
    prepare_add(q, ADD_SUB_LEFT_SHIFT_INT16)
}

fn prepare_add(q: &BinaryQuantization, left_shift: i32) -> Result<AddSubQuantParams, KernelError> {
    if !(q.input1_scale.is_finite() && q.input2_scale.is_finite() && q.output_scale.is_finite()) {
        return Err(KernelError::MultiplierOutOfRange {
            what: "input1",
            value: f32::NAN,
            range: "in (0, 1)",
        });
    }
    let twice_max_input_scale = F64::from_f32(q.input1_scale.max(q.input2_scale)).scale(1);
    let output = F64::from_f32(q.output_scale).scale(left_shift);
    add_sub_params(
        q,
        left_shift,
        F64::from_f32(q.input1_scale) / twice_max_input_scale,
        F64::from_f32(q.input2_scale) / twice_max_input_scale,
        twice_max_input_scale / output,
    )
}

/// Params of an int8 SUB. The TFLM wheel computes them in double precision,
/// as for ADD: scales 0.080139406, 0.06076472 → 0.0018102961 give
/// 76 - 97 = 109 there, and 108 with single-precision multipliers.
pub fn prepare_sub_int8(q: &BinaryQuantization) -> Result<AddSubQuantParams, KernelError> {
    prepare_add(q, ADD_SUB_LEFT_SHIFT_INT8)
}

/// Params of an int16 SUB: as int8, with a 15-bit left shift.
pub fn prepare_sub_int16(q: &BinaryQuantization) -> Result<AddSubQuantParams, KernelError> {
    prepare_add(q, ADD_SUB_LEFT_SHIFT_INT16)
}

/// Params of an int8 or int16 MUL (TFLM requires zero points of 0 for int16;
/// the op checks that).
pub fn prepare_mul_int8(q: &BinaryQuantization) -> Result<MulQuantParams, KernelError> {
    check_activation(q)?;
    let (output_multiplier, output_shift) =
        quantize_multiplier_exact(product_over(q.input1_scale, q.input2_scale, q.output_scale));
    Ok(MulQuantParams {
        input1_offset: q.input1_zero_point.wrapping_neg(),
        input2_offset: q.input2_zero_point.wrapping_neg(),
        output_offset: q.output_zero_point,
        output_multiplier,
        output_shift,
        activation_min: q.activation_min,
        activation_max: q.activation_max,
    })
}

/// Applies `op` to every broadcast pair of elements.
fn binary<T: Copy>(
    shape: &BroadcastShape,
    input1: &[T],
    input2: &[T],
    output: &mut [T],
    op: impl Fn(T, T) -> T,
) -> Result<(), KernelError> {
    shape.check_lengths(input1.len(), input2.len(), output.len())?;
    shape.for_each(|o, a, b| {
        if let (Some(out), Some(&x), Some(&y)) = (output.get_mut(o), input1.get(a), input2.get(b)) {
            *out = op(x, y);
        }
    });
    Ok(())
}

/// `value` clamped to `[min, max]` and then to `T`'s range.
fn clamp_to<T: QuantizedInt>(value: i32, min: i32, max: i32) -> T {
    T::saturating_from_i32(value.max(min).min(max))
}

/// One quantized ADD or (if `subtract`) SUB element.
pub(crate) fn add_sub_element<T: QuantizedInt>(
    p: &AddSubQuantParams,
    x: T,
    y: T,
    subtract: bool,
) -> T {
    let scale = |value: T, offset: i32, multiplier: i32, shift: i32| {
        let shifted = wrapping_left_shift_mul(offset.wrapping_add(value.to_i32()), p.left_shift);
        multiply_by_quantized_multiplier_smaller_than_one_exp(shifted, multiplier, shift)
    };
    let a = scale(x, p.input1_offset, p.input1_multiplier, p.input1_shift);
    let b = scale(y, p.input2_offset, p.input2_multiplier, p.input2_shift);
    let raw = if subtract {
        a.wrapping_sub(b)
    } else {
        a.wrapping_add(b)
    };
    let out = multiply_by_quantized_multiplier_smaller_than_one_exp(
        raw,
        p.output_multiplier,
        p.output_shift,
    )
    .wrapping_add(p.output_offset);
    clamp_to(out, p.activation_min, p.activation_max)
}

/// Int8 ADD with broadcasting.
pub fn add_int8(
    params: &AddSubQuantParams,
    shape: &BroadcastShape,
    input1: &[i8],
    input2: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        add_sub_element(params, x, y, false)
    })
}

/// Int8 SUB (`input1 - input2`) with broadcasting.
pub fn sub_int8(
    params: &AddSubQuantParams,
    shape: &BroadcastShape,
    input1: &[i8],
    input2: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        add_sub_element(params, x, y, true)
    })
}

/// Int16 ADD with broadcasting.
pub fn add_int16(
    params: &AddSubQuantParams,
    shape: &BroadcastShape,
    input1: &[i16],
    input2: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        add_sub_element(params, x, y, false)
    })
}

/// Int16 SUB (`input1 - input2`) with broadcasting.
pub fn sub_int16(
    params: &AddSubQuantParams,
    shape: &BroadcastShape,
    input1: &[i16],
    input2: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        add_sub_element(params, x, y, true)
    })
}

/// Int8 MUL with broadcasting.
pub fn mul_int8(
    params: &MulQuantParams,
    shape: &BroadcastShape,
    input1: &[i8],
    input2: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    mul_quantized(params, shape, input1, input2, output)
}

/// Int16 MUL with broadcasting.
pub fn mul_int16(
    params: &MulQuantParams,
    shape: &BroadcastShape,
    input1: &[i16],
    input2: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    mul_quantized(params, shape, input1, input2, output)
}

fn mul_quantized<T: QuantizedInt>(
    params: &MulQuantParams,
    shape: &BroadcastShape,
    input1: &[T],
    input2: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        let a = params.input1_offset.wrapping_add(x.to_i32());
        let b = params.input2_offset.wrapping_add(y.to_i32());
        let out = multiply_by_quantized_multiplier(
            a.wrapping_mul(b),
            params.output_multiplier,
            params.output_shift,
        )
        .wrapping_add(params.output_offset);
        clamp_to(out, params.activation_min, params.activation_max)
    })
}

/// Float ADD with broadcasting, clamped to `[activation_min, activation_max]`.
pub fn add_f32(
    activation_min: f32,
    activation_max: f32,
    shape: &BroadcastShape,
    input1: &[f32],
    input2: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        clamp_f32(x + y, activation_min, activation_max)
    })
}

/// Int32 ADD (unquantized) with broadcasting: wrapping sum (C++'s int32
/// overflow on TFLM's targets), clamped to `[min, max]`.
pub fn add_i32(
    min: i32,
    max: i32,
    shape: &BroadcastShape,
    input1: &[i32],
    input2: &[i32],
    output: &mut [i32],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        x.wrapping_add(y).clamp(min, max.max(min))
    })
}

/// Int32 SUB (`input1 - input2`, unquantized) with broadcasting, wrapping,
/// clamped to `[min, max]`.
pub fn sub_i32(
    min: i32,
    max: i32,
    shape: &BroadcastShape,
    input1: &[i32],
    input2: &[i32],
    output: &mut [i32],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        x.wrapping_sub(y).clamp(min, max.max(min))
    })
}

/// Int32 MUL (unquantized) with broadcasting, wrapping, clamped to
/// `[min, max]`.
pub fn mul_i32(
    min: i32,
    max: i32,
    shape: &BroadcastShape,
    input1: &[i32],
    input2: &[i32],
    output: &mut [i32],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        x.wrapping_mul(y).clamp(min, max.max(min))
    })
}

/// Float SUB (`input1 - input2`) with broadcasting, clamped.
pub fn sub_f32(
    activation_min: f32,
    activation_max: f32,
    shape: &BroadcastShape,
    input1: &[f32],
    input2: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        clamp_f32(x - y, activation_min, activation_max)
    })
}

/// Float MUL with broadcasting, clamped.
pub fn mul_f32(
    activation_min: f32,
    activation_max: f32,
    shape: &BroadcastShape,
    input1: &[f32],
    input2: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    binary(shape, input1, input2, output, |x, y| {
        clamp_f32(x * y, activation_min, activation_max)
    })
}
