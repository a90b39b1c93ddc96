//! Prepare-time quantization arithmetic, bit-exact with TFLM.
//!
//! Converting real scales into the integer `(multiplier, shift)` pairs that the
//! fixed-point kernels consume ([`quantize_multiplier`]), the exact
//! floating-point sequences TFLM uses to form the effective conv / fully
//! connected scales, and the quantized bounds of fused activations.

use core::fmt;

use crate::activation::FusedActivation;

/// Error raised while deriving quantization parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum QuantizationError {
    /// `round(value / scale)` of an activation bound does not fit in `i32`
    /// (or adding the zero point overflows).
    ActivationBoundOutOfRange {
        /// The real-valued bound being quantized (0, 6, -1 or 1).
        value: f32,
        /// The output scale.
        scale: f32,
        /// The output zero point.
        zero_point: i32,
    },
    /// `input_scale * filter_scale` is negative or NaN.
    NegativeProductScale {
        /// The input tensor scale.
        input_scale: f32,
        /// The filter tensor scale.
        filter_scale: f32,
    },
    /// The bias scale differs from `input_scale * filter_scale` by more than
    /// 2% of the output scale (TFLM rejects such models).
    BiasScaleMismatch {
        /// `input_scale * filter_scale` in double precision.
        input_product_scale: f64,
        /// The bias tensor scale.
        bias_scale: f32,
        /// The output tensor scale.
        output_scale: f32,
    },
}

impl fmt::Display for QuantizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::ActivationBoundOutOfRange {
                value,
                scale,
                zero_point,
            } => write!(
                f,
                "activation bound {value} does not fit in int32 when quantized with \
                 scale {scale} and zero point {zero_point}"
            ),
            Self::NegativeProductScale {
                input_scale,
                filter_scale,
            } => write!(
                f,
                "input scale {input_scale} times filter scale {filter_scale} is negative or NaN"
            ),
            Self::BiasScaleMismatch {
                input_product_scale,
                bias_scale,
                output_scale,
            } => write!(
                f,
                "bias scale {bias_scale} differs from input*filter scale \
                 {input_product_scale} by more than 2% of output scale {output_scale}"
            ),
        }
    }
}

/// `std::round` for `f64`: round to nearest, ties away from zero (`TfLiteRound`).
///
/// Exact for every input; NaN and infinities are returned unchanged.
pub fn round_half_away_from_zero_f64(x: f64) -> f64 {
    // 2^52: every f64 of at least this magnitude is already an integer.
    const INTEGER_THRESHOLD: f64 = 4_503_599_627_370_496.0;
    if !x.is_finite() || x.abs() >= INTEGER_THRESHOLD {
        return x;
    }
    // |x| < 2^52, so the truncation is exact in i64 and back in f64, and so is
    // the fraction x - trunc(x).
    let truncated = (x as i64) as f64;
    let fraction = x - truncated;
    if fraction >= 0.5 {
        truncated + 1.0
    } else if fraction <= -0.5 {
        truncated - 1.0
    } else if truncated == 0.0 {
        // Keep the sign of zero, as std::round does (round(-0.3) == -0.0).
        0.0f64.copysign(x)
    } else {
        truncated
    }
}

/// `std::round` for `f32`: round to nearest, ties away from zero (`TfLiteRound`).
///
/// Exact for every input; NaN and infinities are returned unchanged.
pub fn round_half_away_from_zero_f32(x: f32) -> f32 {
    // 2^23: every f32 of at least this magnitude is already an integer.
    const INTEGER_THRESHOLD: f32 = 8_388_608.0;
    if !x.is_finite() || x.abs() >= INTEGER_THRESHOLD {
        return x;
    }
    let truncated = (x as i32) as f32;
    let fraction = x - truncated;
    if fraction >= 0.5 {
        truncated + 1.0
    } else if fraction <= -0.5 {
        truncated - 1.0
    } else if truncated == 0.0 {
        0.0f32.copysign(x)
    } else {
        truncated
    }
}

/// `2^exponent`, exactly, for `exponent` in `-1022..=1023` (clamped to that
/// range). TFLM scales by exact powers of two (`1LL << shift`); Rust's
/// `powi` does not promise exact results (and Miri perturbs them on purpose),
/// so code that must match TFLM bit for bit uses this instead.
pub fn exact_pow2(exponent: i32) -> f64 {
    let biased = exponent.clamp(-1022, 1023) + 1023;
    f64::from_bits(u64::from(biased.unsigned_abs()) << 52)
}

/// Splits `x` into a fraction in `[0.5, 1)` (in magnitude) and a power of two,
/// like C's `frexp`: `x == fraction * 2^exponent`.
///
/// Zero (either sign), infinities and NaN are returned unchanged with exponent
/// 0. Subnormals are handled exactly.
pub fn frexp(x: f64) -> (f64, i32) {
    const EXPONENT_MASK: u64 = 0x7FF0_0000_0000_0000;
    const MANTISSA_BITS: u32 = 52;
    // Biased exponent that makes a normal number lie in [0.5, 1).
    const HALF_BIASED_EXPONENT: u64 = 1022;
    // 2^54, exact; used to lift subnormals into the normal range.
    const TWO_POW_54: f64 = 18_014_398_509_481_984.0;

    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (normal, extra_exponent) = if x.is_subnormal() {
        (x * TWO_POW_54, -54)
    } else {
        (x, 0)
    };
    let bits = normal.to_bits();
    let biased = ((bits & EXPONENT_MASK) >> MANTISSA_BITS) as i32;
    let fraction_bits = (bits & !EXPONENT_MASK) | (HALF_BIASED_EXPONENT << MANTISSA_BITS);
    (
        f64::from_bits(fraction_bits),
        biased - 1022 + extra_exponent,
    )
}

/// Converts a real multiplier into TFLM's `(quantized_multiplier, shift)` pair
/// such that `real ≈ quantized_multiplier * 2^(shift - 31)`.
///
/// Bit-exact with TFLM's `QuantizeMultiplier` (default build: `std::frexp`,
/// no `TFLITE_EMULATE_FLOAT`, no `TFLITE_SINGLE_ROUNDING`):
/// - `0.0` gives `(0, 0)`;
/// - the fraction from [`frexp`] is scaled by 2^31 and rounded half away from
///   zero; a result of exactly 2^31 is halved and the shift incremented;
/// - a shift below -31 flushes to `(0, 0)`.
///
/// TFLM aborts on non-finite input; here NaN and infinities yield `(0, 0)`.
/// Negative multipliers are handled as TFLM does (negative mantissa).
pub fn quantize_multiplier(real: f64) -> (i32, i32) {
    const TWO_POW_31: f64 = 2_147_483_648.0;
    if real == 0.0 || !real.is_finite() {
        return (0, 0);
    }
    let (fraction, mut shift) = frexp(real);
    // |fraction| in [0.5, 1): the product lies in [2^30, 2^31] in magnitude.
    let mut q_fixed = round_half_away_from_zero_f64(fraction * TWO_POW_31) as i64;
    if q_fixed == 1i64 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        return (0, 0);
    }
    // q_fixed is within [-2^31, 2^31 - 1] here.
    (i32::try_from(q_fixed).unwrap_or(i32::MAX), shift)
}

/// [`quantize_multiplier`] for a multiplier in `(0, 1)`; returns
/// `(multiplier, left_shift)` with `left_shift <= 0`.
///
/// TFLM's `QuantizeMultiplierSmallerThanOneExp`, which aborts when the
/// preconditions fail; here `None` is returned instead.
pub fn quantize_multiplier_smaller_than_one_exp(real: f64) -> Option<(i32, i32)> {
    if !(real > 0.0 && real < 1.0) {
        return None;
    }
    let (multiplier, shift) = quantize_multiplier(real);
    (shift <= 0).then_some((multiplier, shift))
}

/// [`quantize_multiplier`] for a multiplier greater than one; returns
/// `(multiplier, left_shift)` with `left_shift >= 0`.
///
/// TFLM's `QuantizeMultiplierGreaterThanOne`, which aborts when the
/// preconditions fail; here `None` is returned instead.
pub fn quantize_multiplier_greater_than_one(real: f64) -> Option<(i32, i32)> {
    if real.is_nan() || real <= 1.0 {
        return None;
    }
    let (multiplier, shift) = quantize_multiplier(real);
    (shift >= 0).then_some((multiplier, shift))
}

/// Effective output scale of a per-tensor conv / fully connected layer,
/// `input_scale * filter_scale / output_scale`, computed exactly as TFLM's
/// `GetQuantizedConvolutionMultipler`: every scale is widened to `f64`
/// first (an `f32` product differs in the last bit for some scales, which
/// moves outputs that sit near a rounding tie by one step).
pub fn conv_effective_scale(input_scale: f32, filter_scale: f32, output_scale: f32) -> f64 {
    f64::from(input_scale) * f64::from(filter_scale) / f64::from(output_scale)
}

/// Effective output scale of one channel, computed exactly as TFLM's
/// `PopulateConvolutionQuantizationParams` (CONV_2D, DEPTHWISE_CONV_2D) and the
/// per-channel branch of FULLY_CONNECTED: every scale is widened to `f64`
/// first, then `input * filter / output` in double precision.
pub fn per_channel_effective_scale(input_scale: f32, filter_scale: f32, output_scale: f32) -> f64 {
    f64::from(input_scale) * f64::from(filter_scale) / f64::from(output_scale)
}

/// TFLM's `GetQuantizedConvolutionMultipler` with its checks: validates the
/// bias scale (when there is a bias) against `input_scale * filter_scale`
/// (computed in `f64`), requires a non-negative product, and returns
/// [`conv_effective_scale`].
///
/// This is what TFLM uses for per-tensor int8 FULLY_CONNECTED.
pub fn quantized_convolution_multiplier(
    input_scale: f32,
    filter_scale: f32,
    bias_scale: Option<f32>,
    output_scale: f32,
) -> Result<f64, QuantizationError> {
    if let Some(bias_scale) = bias_scale {
        let input_product_scale = f64::from(input_scale) * f64::from(filter_scale);
        let scale_diff = (input_product_scale - f64::from(bias_scale)).abs();
        // Written so that NaN fails the check, as in TFLM.
        let close_enough = scale_diff / f64::from(output_scale) <= 0.02;
        if !close_enough {
            return Err(QuantizationError::BiasScaleMismatch {
                input_product_scale,
                bias_scale,
                output_scale,
            });
        }
    }
    let product = f64::from(input_scale) * f64::from(filter_scale);
    if product.is_nan() || product < 0.0 {
        return Err(QuantizationError::NegativeProductScale {
            input_scale,
            filter_scale,
        });
    }
    Ok(conv_effective_scale(
        input_scale,
        filter_scale,
        output_scale,
    ))
}

/// Quantizes one real activation bound like TFLM's kernel_util `Quantize`:
/// `zero_point + (int32)round(value / scale)` with the division and the
/// rounding in `f32`.
fn quantize_activation_bound(
    value: f32,
    scale: f32,
    zero_point: i32,
) -> Result<i32, QuantizationError> {
    // 2^31 as f32; TFLM compares against (float)INT32_MAX, which is 2^31 and
    // would make the conversion undefined, so that value is rejected here.
    const TWO_POW_31: f32 = 2_147_483_648.0;
    let error = QuantizationError::ActivationBoundOutOfRange {
        value,
        scale,
        zero_point,
    };
    let rounded = round_half_away_from_zero_f32(value / scale);
    if !(-TWO_POW_31..TWO_POW_31).contains(&rounded) {
        return Err(error);
    }
    // In range and integral, so the conversion is exact.
    zero_point.checked_add(rounded as i32).ok_or(error)
}

/// Quantized `(min, max)` of a fused activation for an output with the given
/// scale, zero point and storage range `[qmin, qmax]`.
///
/// TFLM's `CalculateActivationRangeQuantized`: RELU clamps below at
/// `quantize(0)`, RELU6 to `[quantize(0), quantize(6)]`, RELU_N1_TO_1 to
/// `[quantize(-1), quantize(1)]`, each intersected with `[qmin, qmax]`; any
/// other activation (none, tanh, sign bit) gives `[qmin, qmax]`.
pub fn activation_range_quantized(
    activation: FusedActivation,
    scale: f32,
    zero_point: i32,
    qmin: i32,
    qmax: i32,
) -> Result<(i32, i32), QuantizationError> {
    let bound = |value: f32| quantize_activation_bound(value, scale, zero_point);
    match activation {
        FusedActivation::Relu => Ok((qmin.max(bound(0.0)?), qmax)),
        FusedActivation::Relu6 => Ok((qmin.max(bound(0.0)?), qmax.min(bound(6.0)?))),
        FusedActivation::ReluN1To1 => Ok((qmin.max(bound(-1.0)?), qmax.min(bound(1.0)?))),
        FusedActivation::None | FusedActivation::Tanh | FusedActivation::SignBit => {
            Ok((qmin, qmax))
        }
    }
}

/// [`activation_range_quantized`] for an int8 output (`[-128, 127]`).
pub fn activation_range_i8(
    activation: FusedActivation,
    scale: f32,
    zero_point: i32,
) -> Result<(i32, i32), QuantizationError> {
    activation_range_quantized(
        activation,
        scale,
        zero_point,
        i32::from(i8::MIN),
        i32::from(i8::MAX),
    )
}

/// [`activation_range_quantized`] for an int16 output (`[-32768, 32767]`).
pub fn activation_range_i16(
    activation: FusedActivation,
    scale: f32,
    zero_point: i32,
) -> Result<(i32, i32), QuantizationError> {
    activation_range_quantized(
        activation,
        scale,
        zero_point,
        i32::from(i16::MIN),
        i32::from(i16::MAX),
    )
}

/// Float `(min, max)` of a fused activation, TFLM's `CalculateActivationRange`:
/// RELU `[0, f32::MAX]`, RELU6 `[0, 6]`, RELU_N1_TO_1 `[-1, 1]`, anything else
/// `[-f32::MAX, f32::MAX]` (so infinities are clamped to the finite range).
pub fn activation_range_f32(activation: FusedActivation) -> (f32, f32) {
    match activation {
        FusedActivation::Relu => (0.0, f32::MAX),
        FusedActivation::Relu6 => (0.0, 6.0),
        FusedActivation::ReluN1To1 => (-1.0, 1.0),
        FusedActivation::None | FusedActivation::Tanh | FusedActivation::SignBit => {
            (f32::MIN, f32::MAX)
        }
    }
}
