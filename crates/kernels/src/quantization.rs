//! Prepare-time quantization arithmetic, bit-exact with TFLM.
//!
//! Converting real scales into the integer `(multiplier, shift)` pairs that the
//! fixed-point kernels consume ([`quantize_multiplier`]), the exact
//! floating-point sequences TFLM uses to form the effective conv / fully
//! connected scales, and the quantized bounds of fused activations.

use crate::activation::FusedActivation;
use crate::binary64::F64;
use crate::KernelError;

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
/// Computed with integers ([`F64`]), no floating-point operation.
pub fn quantize_multiplier(real: f64) -> (i32, i32) {
    quantize_multiplier_exact(F64::from_f64(real))
}

/// [`quantize_multiplier`] of an exact binary64 value.
pub fn quantize_multiplier_exact(real: F64) -> (i32, i32) {
    if real.is_zero() {
        return (0, 0);
    }
    let (fraction, mut shift) = real.frexp();
    // |fraction| in [0.5, 1): the product lies in [2^30, 2^31] in magnitude.
    let mut q_fixed = fraction.scale(31).round_half_away().unwrap_or(0);
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
    quantize_multiplier_smaller_than_one(F64::from_f64(real)).filter(|_| !real.is_nan())
}

/// [`quantize_multiplier_smaller_than_one_exp`] of an exact value.
pub fn quantize_multiplier_smaller_than_one(real: F64) -> Option<(i32, i32)> {
    if !(real > F64::ZERO && real < F64::from_i64(1)) {
        return None;
    }
    let (multiplier, shift) = quantize_multiplier_exact(real);
    (shift <= 0).then_some((multiplier, shift))
}

/// [`quantize_multiplier`] for a multiplier greater than one; returns
/// `(multiplier, left_shift)` with `left_shift >= 0`.
///
/// TFLM's `QuantizeMultiplierGreaterThanOne`, which aborts when the
/// preconditions fail; here `None` is returned instead.
pub fn quantize_multiplier_greater_than_one(real: f64) -> Option<(i32, i32)> {
    if !real.is_finite() {
        return None;
    }
    quantize_multiplier_above_one(F64::from_f64(real))
}

/// [`quantize_multiplier_greater_than_one`] of an exact value.
pub fn quantize_multiplier_above_one(real: F64) -> Option<(i32, i32)> {
    if real <= F64::from_i64(1) {
        return None;
    }
    let (multiplier, shift) = quantize_multiplier_exact(real);
    (shift >= 0).then_some((multiplier, shift))
}

/// `a * b / c` with each `f32` widened to binary64 and each step rounded
/// as a C++ `double` expression rounds it.
pub fn product_over(a: f32, b: f32, c: f32) -> F64 {
    F64::from_f32(a) * F64::from_f32(b) / F64::from_f32(c)
}

/// Effective output scale of a per-tensor conv / fully connected layer,
/// `input_scale * filter_scale / output_scale`, computed exactly as TFLM's
/// `GetQuantizedConvolutionMultipler`: every scale is widened to `f64`
/// first (an `f32` product differs in the last bit for some scales, which
/// moves outputs that sit near a rounding tie by one step).
pub fn conv_effective_scale(input_scale: f32, filter_scale: f32, output_scale: f32) -> f64 {
    product_over(input_scale, filter_scale, output_scale).to_f64()
}

/// Effective output scale of one channel, computed exactly as TFLM's
/// `PopulateConvolutionQuantizationParams` (CONV_2D, DEPTHWISE_CONV_2D) and the
/// per-channel branch of FULLY_CONNECTED: every scale is widened to `f64`
/// first, then `input * filter / output` in double precision.
pub fn per_channel_effective_scale(input_scale: f32, filter_scale: f32, output_scale: f32) -> f64 {
    product_over(input_scale, filter_scale, output_scale).to_f64()
}

/// [`quantize_multiplier`] of `numerator / denominator` in double precision
/// (TFLM's `static_cast<double>(a) / static_cast<double>(b)`).
pub fn ratio_multiplier(numerator: f32, denominator: f32) -> (i32, i32) {
    quantize_multiplier_exact(F64::from_f32(numerator) / F64::from_f32(denominator))
}

/// [`quantize_multiplier`] of [`per_channel_effective_scale`], without the
/// detour through `f64`.
pub fn per_channel_multiplier(
    input_scale: f32,
    filter_scale: f32,
    output_scale: f32,
) -> (i32, i32) {
    ChannelMultipliers::new(input_scale, output_scale).of(filter_scale)
}

/// [`per_channel_multiplier`] for the many channels of one layer: the
/// input and output scales decoded once, and for normal `f32` scales a
/// fused integer computation (one 24 x 24 bit multiply, an 8-digit long
/// division, the two roundings) with the same result as the `f64` one.
#[derive(Debug, Clone, Copy)]
pub struct ChannelMultipliers {
    input: F64,
    output: F64,
    /// Significands and exponents of normal input and output scales.
    fast: Option<(NormalF32, NormalF32)>,
}

/// A normal, positive `f32`: `significand * 2^exponent`, the significand in
/// `[2^23, 2^24)`.
#[derive(Debug, Clone, Copy)]
struct NormalF32 {
    significand: u32,
    exponent: i32,
}

impl NormalF32 {
    fn of(x: f32) -> Option<Self> {
        let bits = x.to_bits();
        let biased = (bits >> 23) as i32;
        // Sign bit clear and exponent neither 0 (zero, subnormal) nor 255.
        (1..255).contains(&biased).then(|| Self {
            significand: (bits & 0x7f_ffff) | 0x80_0000,
            exponent: biased - 150,
        })
    }
}

impl ChannelMultipliers {
    /// The layer's input and output scales.
    pub fn new(input_scale: f32, output_scale: f32) -> Self {
        Self {
            input: F64::from_f32(input_scale),
            output: F64::from_f32(output_scale),
            fast: NormalF32::of(input_scale).zip(NormalF32::of(output_scale)),
        }
    }

    /// `(multiplier, shift)` of `input_scale * filter_scale / output_scale`.
    pub fn of(&self, filter_scale: f32) -> (i32, i32) {
        match (self.fast, NormalF32::of(filter_scale)) {
            (Some((input, output)), Some(filter)) => fused_multiplier(input, filter, output),
            _ => quantize_multiplier_exact(self.input * F64::from_f32(filter_scale) / self.output),
        }
    }
}

/// `quantize_multiplier(f64(a) * f64(b) / f64(c))` for normal positive
/// scales, with integers only.
///
/// The product of two 24-bit significands is exact (48 bits), as in
/// `double`. The quotient `p * 2^32 / c` has 55 to 57 bits; rounding it to
/// 53 bits (ties to even, the remainder as a sticky bit) gives the `double`
/// quotient exactly. `frexp` and `round(fraction * 2^31)` then take its top
/// 31 bits, rounding half away from zero, as `QuantizeMultiplier` does.
fn fused_multiplier(a: NormalF32, b: NormalF32, c: NormalF32) -> (i32, i32) {
    let product = u64::from(a.significand) * u64::from(b.significand);
    let divisor = c.significand;
    // Long division of product * 2^32 by the 24-bit divisor, one byte at a
    // time: the top 24 bits first (quotient digit 0 or 1, as the divisor is
    // at least 2^23), then the product's low 3 bytes and 4 zero bytes.
    let top = (product >> 24) as u32;
    let first = top / divisor;
    let mut remainder = top - first * divisor;
    let mut quotient = u64::from(first);
    let low = product as u32;
    for i in 0..7 {
        let byte = if i < 3 {
            (low >> (16 - 8 * i)) & 0xff
        } else {
            0
        };
        let current = (remainder << 8) | byte;
        let digit = current / divisor;
        remainder = current - digit * divisor;
        quotient = (quotient << 8) | u64::from(digit);
    }
    // Round to 53 bits.
    let bits = 64 - quotient.leading_zeros();
    let mut shift = bits - 53;
    let mut kept = quotient >> shift;
    let rest = quotient & ((1u64 << shift) - 1);
    let half = 1u64 << (shift - 1);
    if rest > half || (rest == half && (remainder != 0 || kept & 1 == 1)) {
        kept += 1;
        if kept >> 53 != 0 {
            kept >>= 1;
            shift += 1;
        }
    }
    // value = kept * 2^exponent with kept in [2^52, 2^53).
    let exponent = a.exponent + b.exponent - c.exponent - 32 + shift as i32;
    // frexp: fraction = kept / 2^53, shift = exponent + 53; then
    // round(fraction * 2^31) = round(kept / 2^22), half away from zero.
    let mut multiplier = (kept + (1 << 21)) >> 22;
    let mut left_shift = exponent + 53;
    if multiplier == 1 << 31 {
        multiplier >>= 1;
        left_shift += 1;
    }
    if left_shift < -31 {
        return (0, 0);
    }
    (multiplier as i32, left_shift)
}

/// TFLM's `GetQuantizedConvolutionMultipler` with its checks: validates the
/// bias scale (when there is a bias) against `input_scale * filter_scale`
/// (computed in `f64`), requires a non-negative product, and returns
/// [`conv_effective_scale`].
///
/// This is what TFLM uses for per-tensor int8 FULLY_CONNECTED. Scales must
/// be finite (ops check them first).
pub fn quantized_convolution_multiplier(
    input_scale: f32,
    filter_scale: f32,
    bias_scale: Option<f32>,
    output_scale: f32,
) -> Result<f64, KernelError> {
    let input_product_scale = F64::from_f32(input_scale) * F64::from_f32(filter_scale);
    if let Some(bias_scale) = bias_scale {
        let scale_diff = (input_product_scale - F64::from_f32(bias_scale)).abs();
        // A zero output scale makes TFLM's quotient infinite or NaN: rejected.
        let close_enough = !F64::from_f32(output_scale).is_zero()
            && scale_diff / F64::from_f32(output_scale) <= F64::from_f64(0.02);
        if !close_enough {
            return Err(KernelError::BiasScaleMismatch {
                input_product_scale: input_product_scale.to_f64() as f32,
                bias_scale,
                output_scale,
            });
        }
    }
    if input_product_scale.is_negative() {
        return Err(KernelError::NegativeProductScale {
            input_scale,
            filter_scale,
        });
    }
    Ok((input_product_scale / F64::from_f32(output_scale)).to_f64())
}

/// Quantizes one real activation bound like TFLM's kernel_util `Quantize`:
/// `zero_point + (int32)round(value / scale)` with the division and the
/// rounding in `f32`.
fn quantize_activation_bound(value: f32, scale: f32, zero_point: i32) -> Result<i32, KernelError> {
    // 2^31 as f32; TFLM compares against (float)INT32_MAX, which is 2^31 and
    // would make the conversion undefined, so that value is rejected here.
    const TWO_POW_31: f32 = 2_147_483_648.0;
    let error = KernelError::ActivationBoundOutOfRange {
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
) -> Result<(i32, i32), KernelError> {
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
) -> Result<(i32, i32), KernelError> {
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
) -> Result<(i32, i32), KernelError> {
    activation_range_quantized(
        activation,
        scale,
        zero_point,
        i32::from(i16::MIN),
        i32::from(i16::MAX),
    )
}

/// Int32 `(min, max)` of a fused activation on unquantized int32 tensors,
/// TFLM's `CalculateActivationRange<int32_t>`: RELU `[0, i32::MAX]`, RELU6
/// `[0, 6]`, RELU_N1_TO_1 `[-1, 1]`, anything else the whole range.
pub fn activation_range_i32(activation: FusedActivation) -> (i32, i32) {
    match activation {
        FusedActivation::Relu => (0, i32::MAX),
        FusedActivation::Relu6 => (0, 6),
        FusedActivation::ReluN1To1 => (-1, 1),
        FusedActivation::None | FusedActivation::Tanh | FusedActivation::SignBit => {
            (i32::MIN, i32::MAX)
        }
    }
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
