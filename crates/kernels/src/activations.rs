//! Standalone activation ops: RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH,
//! HARD_SWISH and ELU, for float32 and int8 (LEAKY_RELU, LOGISTIC and TANH
//! also int16), computed exactly as TFLM's reference kernels compute them.

use bytemuck::{Pod, Zeroable};
use num_traits::Float;

use crate::binary64::F64;
use crate::fixed_point::{multiply_by_quantized_multiplier, rounding_divide_by_pot};
use crate::gemmlowp_fixed::{
    logistic, rounding_divide_by_pot_i16, saturating_doubling_high_mul_i16,
    saturating_left_shift_i16, saturating_rounding_doubling_high_mul_i16, tanh,
};
use crate::quantization::{
    quantize_multiplier_exact, ratio_multiplier, round_half_away_from_zero_f32,
};
use crate::quantize::QuantizedInt;
use crate::KernelError;

/// Integer bits of the fixed-point input of int8 LOGISTIC and TANH (Q4.27).
const SIGMOID_INPUT_INTEGER_BITS: i32 = 4;

/// Applies `f` elementwise after checking lengths.
fn map<T: Copy, U>(input: &[T], output: &mut [U], f: impl Fn(T) -> U) -> Result<(), KernelError> {
    if input.len() != output.len() {
        return Err(KernelError::LengthMismatch {
            buffer: "output",
            expected: input.len(),
            actual: output.len(),
        });
    }
    for (o, &x) in output.iter_mut().zip(input) {
        *o = f(x);
    }
    Ok(())
}

// ---------------------------------------------------------------- RELU / RELU6

/// Prepared parameters of an int8 or int16 RELU.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ReluQuantParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Multiplier of `input_scale / output_scale`.
    pub output_multiplier: i32,
    /// Shift of `input_scale / output_scale`.
    pub output_shift: i32,
    /// Smallest output value (the output's representation of 0).
    pub activation_min: i32,
    /// Largest output value.
    pub activation_max: i32,
}

/// Params of an int8 RELU.
pub fn prepare_relu_int8(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> ReluQuantParams {
    let range = (i32::from(i8::MIN), i32::from(i8::MAX));
    prepare_relu(
        input_scale,
        input_zero_point,
        output_scale,
        output_zero_point,
        range,
    )
}

/// Params of an int16 RELU (TFLM requires zero points of 0; the caller
/// checks them).
pub fn prepare_relu_int16(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> ReluQuantParams {
    let range = (i32::from(i16::MIN), i32::from(i16::MAX));
    prepare_relu(
        input_scale,
        input_zero_point,
        output_scale,
        output_zero_point,
        range,
    )
}

fn prepare_relu(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
    (lowest, highest): (i32, i32),
) -> ReluQuantParams {
    let (output_multiplier, output_shift) = ratio_multiplier(input_scale, output_scale);
    let zero = round_half_away_from_zero_f32(0.0 / output_scale) as i32;
    ReluQuantParams {
        input_zero_point,
        output_zero_point,
        output_multiplier,
        output_shift,
        activation_min: output_zero_point.saturating_add(zero).max(lowest),
        activation_max: highest,
    }
}

/// Int8 RELU: requantizes to the output scale and clamps below at 0.
pub fn relu_int8(
    params: &ReluQuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    relu_quantized(params, input, output)
}

/// Int16 RELU, as [`relu_int8`].
pub fn relu_int16(
    params: &ReluQuantParams,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    relu_quantized(params, input, output)
}

fn relu_quantized<T: QuantizedInt>(
    params: &ReluQuantParams,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    map(input, output, |x| {
        let rescaled = multiply_by_quantized_multiplier(
            x.to_i32().wrapping_sub(params.input_zero_point),
            params.output_multiplier,
            params.output_shift,
        );
        let value = params.output_zero_point.wrapping_add(rescaled);
        T::saturating_from_i32(value.max(params.activation_min).min(params.activation_max))
    })
}

/// Float RELU.
pub fn relu_f32(input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    map(input, output, |x| if x < 0.0 { 0.0 } else { x })
}

/// Prepared parameters of an int8 RELU6 (a clamp in the input's quantization).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Relu6QuantParams {
    /// Quantized 0 (the input zero point).
    pub zero: i32,
    /// Quantized 6, saturated to int8.
    pub six: i32,
}

/// Params of an int8 RELU6. TFLM clamps in the input quantization and
/// ignores the output's.
pub fn prepare_relu6_int8(input_scale: f32, input_zero_point: i32) -> Relu6QuantParams {
    prepare_relu6(
        input_scale,
        input_zero_point,
        (i8::MIN.into(), i8::MAX.into()),
    )
}

/// Params of an int16 RELU6, as [`prepare_relu6_int8`].
pub fn prepare_relu6_int16(input_scale: f32, input_zero_point: i32) -> Relu6QuantParams {
    prepare_relu6(
        input_scale,
        input_zero_point,
        (i16::MIN.into(), i16::MAX.into()),
    )
}

fn prepare_relu6(
    input_scale: f32,
    input_zero_point: i32,
    (lowest, highest): (i64, i64),
) -> Relu6QuantParams {
    // round(6 / scale) in double, plus the zero point, clamped to int8
    // (TFLM's std::min/std::max on doubles; NaN becomes the lower bound as
    // the float-to-int cast did).
    let quotient = 6.0f32 / input_scale;
    let six = if quotient.is_nan() {
        0
    } else if quotient.is_infinite() {
        if quotient > 0.0 {
            highest as i32
        } else {
            lowest as i32
        }
    } else {
        F64::from_f32(quotient)
            .round_half_away()
            .map_or(if quotient > 0.0 { i64::MAX } else { i64::MIN }, |q| {
                q.saturating_add(i64::from(input_zero_point))
            })
            .clamp(lowest, highest) as i32
    };
    Relu6QuantParams {
        zero: input_zero_point,
        six,
    }
}

/// Int8 RELU6.
pub fn relu6_int8(
    params: &Relu6QuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    relu6_quantized(params, input, output)
}

/// Int16 RELU6.
pub fn relu6_int16(
    params: &Relu6QuantParams,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    relu6_quantized(params, input, output)
}

fn relu6_quantized<T: QuantizedInt>(
    params: &Relu6QuantParams,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let lower = T::saturating_from_i32(params.zero).to_i32();
    let upper = T::saturating_from_i32(params.six).to_i32();
    map(input, output, |x| {
        let x = x.to_i32();
        T::from_i32_truncating(if x > upper {
            upper
        } else if x < lower {
            lower
        } else {
            x
        })
    })
}

/// Float RELU6.
pub fn relu6_f32(input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    map(input, output, |x| x.clamp(0.0, 6.0))
}

// ----------------------------------------------------------------- LEAKY_RELU

/// Prepared parameters of a quantized LEAKY_RELU: one multiplier for
/// non-negative inputs and one (including `alpha`) for negative ones.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct LeakyReluQuantParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Multiplier of `input_scale * alpha / output_scale`.
    pub output_multiplier_alpha: i32,
    /// Shift of `input_scale * alpha / output_scale`.
    pub output_shift_alpha: i32,
    /// Multiplier of `input_scale / output_scale`.
    pub output_multiplier_identity: i32,
    /// Shift of `input_scale / output_scale`.
    pub output_shift_identity: i32,
}

/// Params of an int8 or int16 LEAKY_RELU. The TFLM wheel forms both ratios
/// in double precision (seanet_leaky_relu18: scales 0.020022485 →
/// 0.017201163 map 10136 to 11798 there, 11799 with single-precision ratios).
pub fn prepare_leaky_relu_int8(
    alpha: f32,
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> LeakyReluQuantParams {
    let (input_scale, output_scale) = (F64::from_f32(input_scale), F64::from_f32(output_scale));
    let (output_multiplier_alpha, output_shift_alpha) =
        quantize_multiplier_exact(input_scale * F64::from_f32(alpha) / output_scale);
    let (output_multiplier_identity, output_shift_identity) =
        quantize_multiplier_exact(input_scale / output_scale);
    LeakyReluQuantParams {
        input_zero_point,
        output_zero_point,
        output_multiplier_alpha,
        output_shift_alpha,
        output_multiplier_identity,
        output_shift_identity,
    }
}

/// Int8 LEAKY_RELU.
pub fn leaky_relu_int8(
    params: &LeakyReluQuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    map(input, output, |x| leaky_relu_value(params, x))
}

/// Int16 LEAKY_RELU (the same arithmetic, saturating to int16).
pub fn leaky_relu_int16(
    params: &LeakyReluQuantParams,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    map(input, output, |x| leaky_relu_value(params, x))
}

fn leaky_relu_value<T: QuantizedInt>(params: &LeakyReluQuantParams, x: T) -> T {
    let value = x.to_i32().wrapping_sub(params.input_zero_point);
    let (multiplier, shift) = if value >= 0 {
        (
            params.output_multiplier_identity,
            params.output_shift_identity,
        )
    } else {
        (params.output_multiplier_alpha, params.output_shift_alpha)
    };
    let rescaled = multiply_by_quantized_multiplier(value, multiplier, shift);
    let out = params.output_zero_point.wrapping_add(rescaled);
    T::saturating_from_i32(out)
}

/// Float LEAKY_RELU: `x` if `x > 0`, else `alpha * x`.
pub fn leaky_relu_f32(alpha: f32, input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    map(input, output, |x| if x > 0.0 { x } else { x * alpha })
}

// ------------------------------------------------------------ LOGISTIC / TANH

/// Prepared parameters of int8 LOGISTIC and TANH: the input is rescaled to
/// Q4.27 unless it is beyond `input_range_radius`, where the output saturates.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct SigmoidQuantParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Inputs (zero-point corrected) at or beyond ± this saturate.
    pub input_range_radius: i32,
    /// Multiplier of `input_scale * 2^27`.
    pub input_multiplier: i32,
    /// Shift of `input_scale * 2^27`.
    pub input_left_shift: i32,
}

/// TFLM's int8 sigmoid-family prepare (shared by LOGISTIC and TANH).
fn sigmoid_params(
    input_scale: f32,
    input_zero_point: i32,
) -> Result<SigmoidQuantParams, KernelError> {
    let out_of_range = |value: f64| KernelError::MultiplierOutOfRange {
        what: "input_scale * 2^27",
        value: value as f32,
        range: "positive and representable in fixed point (shift in -31..=31)",
    };
    if !input_scale.is_finite() || input_scale <= 0.0 {
        return Err(out_of_range(f64::NAN));
    }
    let real = F64::from_f32(input_scale).scale(31 - SIGMOID_INPUT_INTEGER_BITS);
    let (mantissa, input_left_shift) = real.frexp();
    if !(-31..=31).contains(&input_left_shift) {
        return Err(out_of_range(real.to_f64()));
    }
    let scaled = mantissa.scale(31).round_half_away().unwrap_or(i64::MAX);
    let input_multiplier = i32::try_from(scaled).map_err(|_| out_of_range(real.to_f64()))?;
    // 15 * 2^(27 - shift), floored and capped at i32::MAX.
    let radius = F64::from_i64(i64::from((1i32 << SIGMOID_INPUT_INTEGER_BITS) - 1))
        .scale(31 - SIGMOID_INPUT_INTEGER_BITS - input_left_shift);
    let input_range_radius = radius
        .floor()
        .map_or(i32::MAX, |r| i32::try_from(r).unwrap_or(i32::MAX));
    Ok(SigmoidQuantParams {
        input_zero_point,
        input_range_radius,
        input_multiplier,
        input_left_shift,
    })
}

/// Params of an int8 LOGISTIC. The output must have zero point -128 (its
/// scale is taken to be 1/256, as TFLM assumes).
pub fn prepare_logistic_int8(
    input_scale: f32,
    input_zero_point: i32,
    output_zero_point: i32,
) -> Result<SigmoidQuantParams, KernelError> {
    if output_zero_point != -128 {
        return Err(KernelError::OutputZeroPoint {
            expected: -128,
            actual: output_zero_point,
        });
    }
    sigmoid_params(input_scale, input_zero_point)
}

/// Params of an int8 TANH. TFLM assumes (without checking) an output scale
/// of 1/128 and zero point 0.
pub fn prepare_tanh_int8(
    input_scale: f32,
    input_zero_point: i32,
) -> Result<SigmoidQuantParams, KernelError> {
    sigmoid_params(input_scale, input_zero_point)
}

/// Evaluates a Q0 sigmoid-family function on one int8 input, or returns the
/// saturated low/high output beyond the input radius.
fn sigmoid_element(
    params: &SigmoidQuantParams,
    x: i8,
    low: i8,
    high: i8,
    f: impl Fn(i32) -> i8,
) -> i8 {
    let input = i32::from(x).wrapping_sub(params.input_zero_point);
    if input <= params.input_range_radius.wrapping_neg() {
        low
    } else if input >= params.input_range_radius {
        high
    } else {
        f(multiply_by_quantized_multiplier(
            input,
            params.input_multiplier,
            params.input_left_shift,
        ))
    }
}

/// Int8 LOGISTIC (output scale 1/256, zero point -128).
pub fn logistic_int8(
    params: &SigmoidQuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    map(input, output, |x| {
        sigmoid_element(params, x, i8::MIN, i8::MAX, |q4| {
            let q0 = logistic(q4, SIGMOID_INPUT_INTEGER_BITS);
            i8::saturating_from_i32(rounding_divide_by_pot(q0, 23).wrapping_add(-128))
        })
    })
}

/// Int8 TANH (output scale 1/128, zero point 0).
pub fn tanh_int8(
    params: &SigmoidQuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    map(input, output, |x| {
        sigmoid_element(params, x, i8::MIN, i8::MAX, |q4| {
            i8::saturating_from_i32(rounding_divide_by_pot(
                tanh(q4, SIGMOID_INPUT_INTEGER_BITS),
                24,
            ))
        })
    })
}

/// Float LOGISTIC, with TFLM's cut-offs (1 above 16.619…, `exp(x)` below -9).
pub fn logistic_f32(input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    const CUTOFF_UPPER: f32 = 16.619_047;
    const CUTOFF_LOWER: f32 = -9.0;
    map(input, output, |x| {
        if x > CUTOFF_UPPER {
            1.0
        } else if x < CUTOFF_LOWER {
            Float::exp(x)
        } else {
            1.0 / (1.0 + Float::exp(-x))
        }
    })
}

/// Float TANH.
pub fn tanh_f32(input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    map(input, output, Float::tanh)
}

// ------------------------------------------------------ LOGISTIC / TANH int16

/// `sigmoid(i / 24)` in Q0.16 (65535 for the last entry), the table TFLM's
/// int16 LOGISTIC and TANH interpolate. Read off the TFLM oracle: its int16
/// TANH returns entry `i` - 32768 for an input rescaled to exactly `256 i`
/// (input scale 1/6144, input `128 i`), and entry 255 shows in the
/// interpolation towards it from entry 254.
const SIGMOID_TABLE_Q16: [u16; 256] = [
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
];

/// TFLM's `CheckedLog2`: `log(x) / log(2)` in single precision rounded to
/// the nearest integer, and whether `x` is within 0.1% (of an octave) of
/// that power of two. `None` for a non-positive or non-finite `x`.
pub fn checked_log2(x: f32) -> Option<(i32, bool)> {
    if !x.is_finite() || x <= 0.0 {
        return None;
    }
    // Logarithms rounded once from double, as glibc's `logf` (correctly
    // rounded) gives them.
    let ln = |v: f32| Float::ln(f64::from(v)) as f32;
    let log2 = ln(x) * (1.0f32 / ln(2.0));
    let rounded = round_half_away_from_zero_f32(log2);
    Some((rounded as i32, (log2 - rounded).abs() < 1e-3))
}

/// Params of int16 LOGISTIC (`tanh == false`) or TANH: zero points 0 (the
/// caller checks them), output scale 2^-15 (checked here as TFLM checks it,
/// to the nearest power of two). The input is rescaled to 1/(3 x 4096) per
/// step (±2^17 is ±10.7) by `input_multiplier / 2^input_left_shift`: a
/// power-of-two input scale of 2^-12 (TANH also 2^-11) gives multiplier
/// `3 << shift`, shift 0, others a 15-bit multiplier, as TFLM computes it.
///
/// TFLM only debug-asserts that the multiplier fits 15 bits (input scales
/// up to about 2.67); beyond it its products overflow, and here such scales
/// are rejected.
pub fn prepare_sigmoid_int16(
    tanh: bool,
    input_scale: f32,
    output_scale: f32,
) -> Result<SigmoidQuantParams, KernelError> {
    let bad_input = KernelError::MultiplierOutOfRange {
        what: "int16 sigmoid input_scale * 3 * 4096",
        value: input_scale * 12288.0,
        range: "positive and at most 32767",
    };
    let (input_log2, input_pot) = checked_log2(input_scale).ok_or(bad_input)?;
    match checked_log2(output_scale) {
        Some((-15, _)) => {}
        _ => {
            return Err(KernelError::OutputQuantization {
                expected_scale: 1.0 / 32768.0,
                expected_zero_point: 0,
                scale: output_scale,
                zero_point: 0,
            })
        }
    }
    // 15 - 3 integer bits.
    let pot_shift = 12i32.saturating_add(input_log2);
    let (input_multiplier, input_left_shift) = if input_pot
        && (pot_shift == 0 || (tanh && pot_shift == 1))
    {
        (3 << pot_shift, 0)
    } else {
        let half_range = F64::from_i64(32767).scale(-1);
        let mut multiplier = F64::from_f32(input_scale) * F64::from_i64(4096) * F64::from_i64(3);
        let mut shift = 0;
        while multiplier <= half_range && shift <= 30 {
            shift += 1;
            multiplier = multiplier.scale(1);
        }
        let truncated = multiplier.floor().unwrap_or(i64::MAX);
        match i32::try_from(truncated) {
            Ok(m) if m <= 32767 => (m, shift),
            _ => return Err(bad_input),
        }
    };
    Ok(SigmoidQuantParams {
        input_zero_point: 0,
        input_range_radius: 0,
        input_multiplier,
        input_left_shift,
    })
}

/// The input rescaled to 1/(3 x 4096) per step.
fn sigmoid_int16_input(params: &SigmoidQuantParams, x: i16) -> i32 {
    let shift = params.input_left_shift.clamp(0, 31);
    let round = if shift > 0 { 1i32 << (shift - 1) } else { 0 };
    i32::from(x)
        .wrapping_mul(params.input_multiplier)
        .wrapping_add(round)
        >> shift
}

/// The table interpolated at `abs / 2^fraction_bits`, scaled by
/// `2^fraction_bits`, or `None` beyond its last segment.
fn sigmoid_table_interpolated(abs: u32, fraction_bits: u32) -> Option<u32> {
    let index = (abs >> fraction_bits) as usize;
    if index >= 255 {
        return None;
    }
    let low = u32::from(*SIGMOID_TABLE_Q16.get(index)?);
    let high = u32::from(*SIGMOID_TABLE_Q16.get(index + 1)?);
    let fraction = abs & ((1 << fraction_bits) - 1);
    Some((low << fraction_bits).wrapping_add(fraction.wrapping_mul(high.wrapping_sub(low))))
}

/// Int16 LOGISTIC (zero points 0, output scale 2^-15).
pub fn logistic_int16(
    params: &SigmoidQuantParams,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    map(input, output, |x| {
        let value = sigmoid_int16_input(params, x);
        // Steps of 2^-9 of the table's 1/24 (the input's 1/(3 x 4096) is
        // 1/(24 x 512)).
        let interpolated =
            sigmoid_table_interpolated(value.unsigned_abs(), 9).unwrap_or(0x7FFF << 10);
        let signed = if value >= 0 {
            interpolated.wrapping_add(1 << 9)
        } else {
            // 1 - sigmoid(|x|), rounded the other way.
            (1u32 << 25)
                .wrapping_sub(interpolated)
                .wrapping_add((1 << 9) - 1)
        };
        (signed >> 10) as i16
    })
}

/// Int16 TANH (zero points 0, output scale 2^-15), as `2 sigmoid(2x) - 1`.
pub fn tanh_int16(
    params: &SigmoidQuantParams,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    map(input, output, |x| {
        let value = sigmoid_int16_input(params, x);
        // Steps of 2^-8 of the table's 1/24: twice the input.
        let interpolated =
            sigmoid_table_interpolated(value.unsigned_abs(), 8).unwrap_or(0xFFFF << 8) as i32;
        let centred = if value >= 0 {
            interpolated - (1 << 23) + (1 << 7)
        } else {
            (1 << 23) - interpolated + (1 << 7) - 1
        };
        (centred >> 8) as i16
    })
}

// ----------------------------------------------------------------- HARD_SWISH

/// Prepared parameters of an int8 HARD_SWISH (TFLM's `HardSwishParams`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct HardSwishQuantParams {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// 16-bit multiplier from the high-resolution input scale to 3/32768.
    pub reluish_multiplier_fixedpoint_int16: i32,
    /// Exponent accompanying the reluish multiplier.
    pub reluish_multiplier_exponent: i32,
    /// 16-bit multiplier from the high-resolution input scale to the output.
    pub output_multiplier_fixedpoint_int16: i32,
    /// Exponent (non-positive) accompanying the output multiplier.
    pub output_multiplier_exponent: i32,
}

/// TFLM's `DownScaleInt32ToInt16Multiplier`.
fn downscale_multiplier_to_i16(multiplier: i32) -> i32 {
    const ROUNDING_OFFSET: i32 = 1 << 15;
    if multiplier >= i32::MAX - ROUNDING_OFFSET {
        i32::from(i16::MAX)
    } else {
        (multiplier + ROUNDING_OFFSET) >> 16
    }
}

/// Params of an int8 HARD_SWISH.
pub fn prepare_hard_swish_int8(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> Result<HardSwishQuantParams, KernelError> {
    let hires_input_scale = (1.0f32 / 128.0) * input_scale;
    let reluish_scale = 3.0f32 / 32768.0;
    let output_real = F64::from_f32(hires_input_scale / output_scale);
    let (output_multiplier, output_multiplier_exponent) = quantize_multiplier_exact(output_real);
    if output_multiplier_exponent > 0 {
        return Err(KernelError::MultiplierOutOfRange {
            what: "input_scale / (128 * output_scale)",
            value: output_real.to_f64() as f32,
            range: "below 1",
        });
    }
    let (reluish_multiplier, reluish_multiplier_exponent) =
        quantize_multiplier_exact(F64::from_f32(hires_input_scale / reluish_scale));
    Ok(HardSwishQuantParams {
        input_zero_point,
        output_zero_point,
        reluish_multiplier_fixedpoint_int16: downscale_multiplier_to_i16(reluish_multiplier),
        reluish_multiplier_exponent,
        output_multiplier_fixedpoint_int16: downscale_multiplier_to_i16(output_multiplier),
        output_multiplier_exponent,
    })
}

/// Int8 HARD_SWISH, `x * relu6(x + 3) / 6`, in TFLM's 16-bit fixed point.
pub fn hard_swish_int8(
    params: &HardSwishQuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    let output_multiplier = params.output_multiplier_fixedpoint_int16 as i16;
    let reluish_multiplier = params.reluish_multiplier_fixedpoint_int16 as i16;
    let reluish_exponent = params.reluish_multiplier_exponent;
    map(input, output, |x| {
        let input_value = i32::from(x).wrapping_sub(params.input_zero_point) as i16;
        let hires_input = input_value.wrapping_mul(1 << 7);
        let preshift_output =
            saturating_rounding_doubling_high_mul_i16(hires_input, output_multiplier);
        // Rescale the input so that 3.0 maps to 32768 (saturating), giving a
        // value in [-1, 1] in Q0.15.
        let mut reluish = hires_input;
        if reluish_exponent > 0 {
            reluish = saturating_left_shift_i16(reluish, reluish_exponent - 1);
        }
        reluish = saturating_rounding_doubling_high_mul_i16(reluish, reluish_multiplier);
        if reluish_exponent > 0 {
            reluish = saturating_left_shift_i16(reluish, 1);
        }
        if reluish_exponent < 0 {
            reluish = rounding_divide_by_pot_i16(reluish, reluish_exponent.wrapping_neg());
        }
        // Map [-1, 1] to [0, 1].
        let reluish = ((i32::from(reluish) + (1 << 15)) >> 1) as i16;
        let preshift_value = saturating_doubling_high_mul_i16(reluish, preshift_output);
        let value = rounding_divide_by_pot_i16(
            preshift_value,
            params.output_multiplier_exponent.wrapping_neg(),
        )
        .wrapping_add(params.output_zero_point as i16);
        i8::saturating_from_i32(i32::from(value))
    })
}

/// Float HARD_SWISH: `x * min(6, max(0, x + 3)) / 6`.
pub fn hard_swish_f32(input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    map(input, output, |x| {
        let lifted = x + 3.0;
        let relu = if 0.0 < lifted { lifted } else { 0.0 };
        let relu6 = if relu < 6.0 { relu } else { 6.0 };
        x * relu6 / 6.0
    })
}

// ------------------------------------------------------------------------ ELU

/// Prepared parameters of an int8 ELU: the output for every int8 input,
/// indexed by the input's bits (`x as u8`), as TFLM's lookup table.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct EluQuantParams {
    /// Output value for each input bit pattern.
    pub table: [i8; 256],
}

/// Float ELU of one value: `x` if `x >= 0`, else `exp(x) - 1` (as TFLM's
/// table builder computes it, in single precision).
fn elu_table_value(x: f32) -> f32 {
    if x < 0.0 {
        Float::exp(x) - 1.0
    } else {
        x
    }
}

/// Params of an int8 ELU: each input is dequantized, transformed and
/// requantized in single precision, as TFLM fills its table.
pub fn prepare_elu_int8(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
) -> EluQuantParams {
    let inverse_scale = 1.0f32 / output_scale;
    let mut table = [0i8; 256];
    for value in i8::MIN..=i8::MAX {
        let dequantized = input_scale * i32::from(value).wrapping_sub(input_zero_point) as f32;
        let rescaled = round_half_away_from_zero_f32(elu_table_value(dequantized) * inverse_scale);
        // `as` saturates (NaN → 0) where C++ would be undefined.
        let quantized = (rescaled + output_zero_point as f32) as i32;
        if let Some(slot) = table.get_mut(usize::from(value as u8)) {
            *slot = i8::saturating_from_i32(quantized);
        }
    }
    EluQuantParams { table }
}

/// Int8 ELU by table lookup.
pub fn elu_int8(
    params: &EluQuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    map(input, output, |x| params.table[usize::from(x as u8)])
}

/// Float ELU: `x` if `x >= 0`, else `expm1(x)`.
pub fn elu_f32(input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    map(
        input,
        output,
        |x| if x < 0.0 { Float::exp_m1(x) } else { x },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscale_rounds_to_nearest() {
        assert_eq!(downscale_multiplier_to_i16(1 << 30), 1 << 14);
        assert_eq!(
            downscale_multiplier_to_i16((1 << 30) + (1 << 15)),
            (1 << 14) + 1
        );
        assert_eq!(downscale_multiplier_to_i16(i32::MAX), i32::from(i16::MAX));
    }
}
