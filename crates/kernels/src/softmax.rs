//! SOFTMAX over the last axis: float32, int8 → int8, int8 → int16 and
//! int16 → int16.
//!
//! The int8-input path is TFLM's reference one: input differences from the
//! row maximum are rescaled to Q5.26 (`input_multiplier`, `input_left_shift`),
//! exponentiated in fixed point, summed in Q12.19, and divided through a
//! fixed-point reciprocal. Differences below `diff_min` contribute nothing.
//!
//! The int16 path is TFLM's `SoftmaxInt16`: differences are rescaled so that
//! [-65535, 0] spans [-10, 0], exponentiated through an interpolated lookup
//! table ([`crate::lut`]), summed in Q16.15, and the sum inverted through a
//! second table of `1 / (1 + x)`.

use bytemuck::{Pod, Zeroable};
use num_traits::Float;

use crate::binary64::F64;
use crate::fixed_point::multiply_by_quantized_multiplier;
use crate::fixed_point::{
    multiply_by_quantized_multiplier_greater_than_one, rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
};
use crate::gemmlowp_fixed::{exp_on_negative_values, reciprocal, rescale};
use crate::lut::{exp_f32, lookup_int16, populate_int16, LutQuantization, INT16_LUT_LEN};
use crate::quantization::{quantize_multiplier_above_one, quantize_multiplier_exact};
use crate::KernelError;

/// Integer bits of the rescaled input differences (Q5.26).
const SCALED_DIFF_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (Q12.19).
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// Largest depth for which a quantized softmax's sum of exponentials cannot
/// overflow: each exponential is at most 1.0 (2^19 in Q12.19), and 4095 of
/// them stay below 2^31. Beyond it TFLM's sum wraps; callers should reject
/// such depths.
pub const MAX_QUANTIZED_DEPTH: usize = 4095;

/// Parameters of a quantized softmax, computed once by a `prepare_*` function.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct SoftmaxQuantParams {
    /// Fixed-point multiplier of `beta * input_scale`, scaled to Q5.26.
    pub input_multiplier: i32,
    /// Left shift that accompanies `input_multiplier`.
    pub input_left_shift: i32,
    /// Differences from the row maximum below this are treated as `-inf`.
    pub diff_min: i32,
}

/// Params for int8 → int8 softmax. The output must be quantized with scale
/// exactly 1/256 and zero point -128, as TFLM requires.
pub fn prepare_softmax_int8(
    beta: f32,
    input_scale: f32,
    output_scale: f32,
    output_zero_point: i32,
) -> Result<SoftmaxQuantParams, KernelError> {
    let expected_scale = 1.0 / 256.0;
    if output_zero_point != -128 || output_scale != expected_scale {
        return Err(KernelError::OutputQuantization {
            expected_scale,
            expected_zero_point: -128,
            scale: output_scale,
            zero_point: output_zero_point,
        });
    }
    input_params(beta, input_scale)
}

/// Params for int8 → int16 softmax. The output must be quantized with scale
/// 1/65536 (within 0.1%) and zero point -32768, as TFLM requires.
pub fn prepare_softmax_int8_int16(
    beta: f32,
    input_scale: f32,
    output_scale: f32,
    output_zero_point: i32,
) -> Result<SoftmaxQuantParams, KernelError> {
    let expected_scale = 1.0f32 / 65536.0;
    let tolerance = 0.001f32 * expected_scale;
    let scale_ok = (output_scale - expected_scale).abs() <= tolerance;
    if output_zero_point != -32768 || !scale_ok {
        return Err(KernelError::OutputQuantization {
            expected_scale,
            expected_zero_point: -32768,
            scale: output_scale,
            zero_point: output_zero_point,
        });
    }
    input_params(beta, input_scale)
}

/// TFLM's `PreprocessSoftmaxScaling` followed by `CalculateInputRadius`
/// (its double arithmetic done exactly with [`F64`]).
pub(crate) fn input_params(beta: f32, input_scale: f32) -> Result<SoftmaxQuantParams, KernelError> {
    let max_real_multiplier = F64::from_i64(i64::from(i32::MAX));
    let out_of_range = |value: f64| KernelError::MultiplierOutOfRange {
        what: "softmax beta * input_scale * 2^26",
        value: value as f32,
        range: "finite and above 1",
    };
    // TFLM's double product: NaN (also inf * 0) fails, +inf is capped by
    // std::min like any large value, -inf fails below.
    let real_multiplier = if beta.is_nan() || input_scale.is_nan() {
        return Err(out_of_range(f64::NAN));
    } else if beta.is_infinite() || input_scale.is_infinite() {
        if beta == 0.0 || input_scale == 0.0 {
            return Err(out_of_range(f64::NAN));
        }
        if beta.is_sign_negative() != input_scale.is_sign_negative() {
            return Err(out_of_range(f64::NEG_INFINITY));
        }
        max_real_multiplier
    } else {
        (F64::from_f32(beta) * F64::from_f32(input_scale))
            .scale(31 - SCALED_DIFF_INTEGER_BITS)
            .min(max_real_multiplier)
    };
    let (input_multiplier, input_left_shift) = quantize_multiplier_above_one(real_multiplier)
        .filter(|&(_, shift)| shift <= 31)
        .ok_or(out_of_range(real_multiplier.to_f64()))?;
    // Largest input difference whose rescaled value still fits Q5.26.
    let max_input_rescaled = F64::from_i64(i64::from((1i32 << SCALED_DIFF_INTEGER_BITS) - 1))
        .scale(31 - SCALED_DIFF_INTEGER_BITS - input_left_shift);
    let floor = max_input_rescaled.floor().unwrap_or(i64::MAX);
    let diff_min = -(i32::try_from(floor).unwrap_or(i32::MAX));
    Ok(SoftmaxQuantParams {
        input_multiplier,
        input_left_shift,
        diff_min,
    })
}

/// Checks lengths and returns the number of rows.
pub(crate) fn rows(depth: usize, input: usize, output: usize) -> Result<usize, KernelError> {
    if input != output {
        return Err(KernelError::LengthMismatch {
            buffer: "output",
            expected: input,
            actual: output,
        });
    }
    if depth == 0 || !input.is_multiple_of(depth) {
        return Err(KernelError::BadDepth { depth, len: input });
    }
    Ok(input / depth)
}

/// Float softmax with temperature `beta` over rows of `depth` elements.
pub fn softmax_f32(
    beta: f32,
    depth: usize,
    input: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    rows(depth, input.len(), output.len())?;
    for (row_in, row_out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let max = row_in
            .iter()
            .fold(f32::MIN, |m, &x| if x > m { x } else { m });
        let mut sum = 0.0f32;
        for (o, &x) in row_out.iter_mut().zip(row_in) {
            let e = Float::exp((x - max) * beta);
            *o = e;
            sum += e;
        }
        for o in row_out.iter_mut() {
            *o /= sum;
        }
    }
    Ok(())
}

/// An integer type a quantized softmax can write.
trait SoftmaxOutput: Copy {
    const BITS: i32;
    const LOWEST: i32;
    const HIGHEST: i32;
    fn from_clamped(value: i32) -> Self;
}

impl SoftmaxOutput for i8 {
    const BITS: i32 = 8;
    const LOWEST: i32 = i8::MIN as i32;
    const HIGHEST: i32 = i8::MAX as i32;
    fn from_clamped(value: i32) -> Self {
        value.clamp(Self::LOWEST, Self::HIGHEST) as i8
    }
}

impl SoftmaxOutput for i16 {
    const BITS: i32 = 16;
    const LOWEST: i32 = i16::MIN as i32;
    const HIGHEST: i32 = i16::MAX as i32;
    fn from_clamped(value: i32) -> Self {
        value.clamp(Self::LOWEST, Self::HIGHEST) as i16
    }
}

/// Int8 → int8 softmax over rows of `depth` elements.
pub fn softmax_int8(
    params: &SoftmaxQuantParams,
    depth: usize,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    softmax_quantized(params, depth, input, output)
}

/// Int8 → int16 softmax over rows of `depth` elements.
pub fn softmax_int8_int16(
    params: &SoftmaxQuantParams,
    depth: usize,
    input: &[i8],
    output: &mut [i16],
) -> Result<(), KernelError> {
    softmax_quantized(params, depth, input, output)
}

fn softmax_quantized<O: SoftmaxOutput>(
    params: &SoftmaxQuantParams,
    depth: usize,
    input: &[i8],
    output: &mut [O],
) -> Result<(), KernelError> {
    rows(depth, input.len(), output.len())?;
    // exp(diff * beta * scale) in Q0, or None if the difference is negligible.
    let exp_of_diff = |diff: i32| -> Option<i32> {
        if diff < params.diff_min {
            return None;
        }
        let rescaled = multiply_by_quantized_multiplier_greater_than_one(
            diff,
            params.input_multiplier,
            params.input_left_shift,
        );
        Some(exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS))
    };
    for (row_in, row_out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let max_in_row = i32::from(row_in.iter().copied().max().unwrap_or(i8::MIN));
        let mut sum_of_exps = 0i32;
        for &x in row_in {
            if let Some(e) = exp_of_diff(i32::from(x) - max_in_row) {
                sum_of_exps = sum_of_exps.wrapping_add(rescale(e, 0, ACCUMULATION_INTEGER_BITS));
            }
        }
        let (shifted_scale, num_bits_over_unit) =
            reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS);
        // Exponents above 31 arise when the sum of exponentials reaches
        // 2^(31 - BITS) (e.g. int8 output, 512+ nearly equal values). TFLM's
        // `RoundingDivideByPOT` asserts there (the TFLM wheel aborts);
        // `rounding_divide_by_pot` computes the exact rounded quotient (0, so
        // the output is LOWEST, the correctly rounded probability).
        let exponent = num_bits_over_unit + 31 - O::BITS;
        if exponent < 0 {
            return Err(KernelError::ExponentOutOfRange { exponent });
        }
        for (o, &x) in row_out.iter_mut().zip(row_in) {
            *o = match exp_of_diff(i32::from(x) - max_in_row) {
                Some(e) => {
                    let unsat = rounding_divide_by_pot(
                        saturating_rounding_doubling_high_mul(shifted_scale, e),
                        exponent,
                    );
                    O::from_clamped(unsat.saturating_add(O::LOWEST))
                }
                None => O::from_clamped(O::LOWEST),
            };
        }
    }
    Ok(())
}

// ------------------------------------------------------------ int16 → int16

/// Largest depth of an int16 softmax: each exponential is at most 32767
/// (Q0.15), and 65536 of them stay below 2^31.
pub const MAX_INT16_DEPTH: usize = 65536;

/// Parameters of an int16 → int16 softmax (besides its two tables, built by
/// [`softmax_int16_tables`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct SoftmaxInt16Params {
    /// Multiplier of `beta * input_scale * 65535 / 10`.
    pub input_multiplier: i32,
    /// Shift that accompanies `input_multiplier`.
    pub input_left_shift: i32,
}

/// Params for int16 → int16 softmax. The output must be quantized with
/// scale 1/32768 (within 0.1%) and zero point 0, as TFLM requires (the
/// caller checks the input zero point is 0).
pub fn prepare_softmax_int16(
    beta: f32,
    input_scale: f32,
    output_scale: f32,
    output_zero_point: i32,
) -> Result<SoftmaxInt16Params, KernelError> {
    let expected_scale = 1.0f32 / 32768.0;
    let tolerance = 0.001f32 * expected_scale;
    let scale_ok = (output_scale - expected_scale).abs() <= tolerance;
    if output_zero_point != 0 || !scale_ok {
        return Err(KernelError::OutputQuantization {
            expected_scale,
            expected_zero_point: 0,
            scale: output_scale,
            zero_point: output_zero_point,
        });
    }
    if !beta.is_finite() || !input_scale.is_finite() {
        return Err(KernelError::MultiplierOutOfRange {
            what: "softmax beta * input_scale * 65535 / 10",
            value: beta * input_scale,
            range: "finite",
        });
    }
    // TFLM's double arithmetic: scale * beta / (10 / 65535), so that input
    // differences of [-65535, 0] map to [-10, 0] in the exp table's input.
    let real = F64::from_f32(input_scale) * F64::from_f32(beta)
        / (F64::from_i64(10) / F64::from_i64(65535));
    let (input_multiplier, input_left_shift) = quantize_multiplier_exact(real);
    Ok(SoftmaxInt16Params {
        input_multiplier,
        input_left_shift,
    })
}

/// Builds the two tables of an int16 softmax (each [`INT16_LUT_LEN`]
/// entries): `exp(x)` over [-10, 0] and `1 / (1 + x)` over [0, 1], both in
/// Q0.15 (scale 2/65535 over the int16 range).
pub fn softmax_int16_tables(
    exp_lut: &mut [i16],
    one_over_one_plus_x_lut: &mut [i16],
) -> Result<(), KernelError> {
    let range = (i32::from(i16::MAX) - i32::from(i16::MIN)) as f32;
    populate_int16(
        LutQuantization {
            input_scale: 10.0 / range,
            input_zero_point: i32::from(i16::MAX),
            output_scale: 2.0 / range,
            output_zero_point: 0,
        },
        exp_f32,
        exp_lut,
    )?;
    populate_int16(
        LutQuantization {
            input_scale: 1.0 / range,
            input_zero_point: i32::from(i16::MIN),
            output_scale: 2.0 / range,
            output_zero_point: 0,
        },
        |x| 1.0 / (1.0 + x),
        one_over_one_plus_x_lut,
    )
}

fn saturate_i16(x: i32) -> i16 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// Int16 → int16 softmax over rows of `depth` elements (output scale
/// 1/32768, zero point 0), with the tables of [`softmax_int16_tables`].
pub fn softmax_int16(
    params: &SoftmaxInt16Params,
    exp_lut: &[i16],
    one_over_one_plus_x_lut: &[i16],
    depth: usize,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    rows(depth, input.len(), output.len())?;
    if depth > MAX_INT16_DEPTH {
        return Err(KernelError::InvalidParameter {
            what: "int16 softmax depth (at most 65536)",
            value: depth,
        });
    }
    for (buffer, lut) in [
        ("exp table", exp_lut),
        ("reciprocal table", one_over_one_plus_x_lut),
    ] {
        if lut.len() != INT16_LUT_LEN {
            return Err(KernelError::LengthMismatch {
                buffer,
                expected: INT16_LUT_LEN,
                actual: lut.len(),
            });
        }
    }
    for (row_in, row_out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let max_in_row = i32::from(row_in.iter().copied().max().unwrap_or(i16::MIN));
        // The exponentials (Q0.15) go to the output first, as in TFLM.
        let mut sum_of_exps = 0i32;
        for (o, &x) in row_out.iter_mut().zip(row_in) {
            let scaled = multiply_by_quantized_multiplier(
                i32::from(x) - max_in_row,
                params.input_multiplier,
                params.input_left_shift,
            );
            // Recentre [-65535, 0] on the table's [-32768, 32767].
            let e = lookup_int16(saturate_i16(scaled.saturating_add(32767)), exp_lut);
            *o = e;
            sum_of_exps = sum_of_exps.wrapping_add(i32::from(e));
        }
        if sum_of_exps <= 0 {
            // Only tables other than softmax_int16_tables' can give this.
            return Err(KernelError::InvalidValue {
                what: "int16 softmax sum of exponentials (must be positive)",
                position: 0,
            });
        }
        // 1..=31 for a positive sum.
        let headroom_plus_one = sum_of_exps.leading_zeros() as i32;
        // The sum normalized to [2^30, 2^31), rounded to Q1.16.
        let shifted_sum =
            (((i64::from(sum_of_exps) << (headroom_plus_one - 1)) + (1 << 13)) >> 14) as i32;
        // x = sum - 1 in [0, 1), recentred on the table's int16 range.
        let x = saturate_i16(shifted_sum - ((1 << 15) + (1 << 16)));
        let reciprocal_q015 = i64::from(lookup_int16(x, one_over_one_plus_x_lut));
        let right_shift = 31 - headroom_plus_one;
        let round = if right_shift > 0 {
            1i64 << (right_shift - 1)
        } else {
            0
        };
        for o in row_out.iter_mut() {
            let result = ((i64::from(*o) * reciprocal_q015 + round) >> right_shift) as i32;
            *o = result.clamp(0, i32::from(i16::MAX)) as i16;
        }
    }
    Ok(())
}
