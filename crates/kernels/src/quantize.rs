//! QUANTIZE reference kernels: float → integer (TFLM's `AffineQuantize`) and
//! integer → integer rescaling (TFLM's `Requantize`).

use crate::fixed_point::multiply_by_quantized_multiplier;
use crate::quantization::{ratio_multiplier, round_half_away_from_zero_f32};
use crate::{check_len, KernelError};

/// Integer storage types of quantized tensors (`i8`, `u8`, `i16`, `i32`).
pub trait QuantizedInt: Copy {
    /// Smallest representable value, widened to `i32`.
    const MIN: i32;
    /// Largest representable value, widened to `i32`.
    const MAX: i32;
    /// Widens to `i32`.
    fn to_i32(self) -> i32;
    /// Narrows an `i32` that is already within `[MIN, MAX]`; values outside
    /// are truncated like a C++ `static_cast`.
    fn from_i32_truncating(value: i32) -> Self;
    /// Narrows an `i32`, clamped to `[MIN, MAX]` first.
    #[inline]
    fn saturating_from_i32(value: i32) -> Self {
        Self::from_i32_truncating(value.clamp(Self::MIN, Self::MAX))
    }
}

macro_rules! impl_quantized_int {
    ($($t:ty),*) => {$(
        impl QuantizedInt for $t {
            const MIN: i32 = <$t>::MIN as i32;
            const MAX: i32 = <$t>::MAX as i32;
            #[inline]
            fn to_i32(self) -> i32 {
                i32::from(self)
            }
            #[inline]
            fn from_i32_truncating(value: i32) -> Self {
                value as $t
            }
        }
    )*};
}

impl_quantized_int!(i8, u8, i16, i32);

/// Parameters of float → integer quantization: the output tensor's scale and
/// zero point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AffineQuantizeParams {
    /// Output scale.
    pub scale: f32,
    /// Output zero point.
    pub zero_point: i32,
}

/// Quantizes one float like TFLM's `AffineQuantize`:
/// `clamp((int32)round(value / scale) + zero_point, T::MIN, T::MAX)`, with the
/// division and the rounding (half away from zero) in `f32`.
///
/// Where the C++ conversion to `int32_t` is undefined (NaN, or
/// `|value / scale| >= 2^31`) this saturates (NaN → 0), as Cortex-M's `VCVT`
/// does, and the zero-point addition saturates instead of wrapping. TFLM
/// built for x86 instead turns those inputs into `T::MIN`.
#[inline]
pub fn affine_quantize_value<T: QuantizedInt>(params: &AffineQuantizeParams, value: f32) -> T {
    let rounded = round_half_away_from_zero_f32(value / params.scale) as i32;
    let unclamped = rounded.saturating_add(params.zero_point);
    T::from_i32_truncating(unclamped.max(T::MIN).min(T::MAX))
}

/// Float32 → integer QUANTIZE (`output[i] = affine_quantize_value(input[i])`).
pub fn affine_quantize<T: QuantizedInt>(
    params: &AffineQuantizeParams,
    input: &[f32],
    output: &mut [T],
) -> Result<(), KernelError> {
    check_len("output", input.len(), output.len())?;
    for (out, &value) in output.iter_mut().zip(input) {
        *out = affine_quantize_value(params, value);
    }
    Ok(())
}

/// Parameters of integer → integer requantization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequantizeParams {
    /// Quantized multiplier of `input_scale / output_scale`.
    pub multiplier: i32,
    /// Shift of `input_scale / output_scale` (positive = left).
    pub shift: i32,
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
}

impl RequantizeParams {
    /// Prepares requantization from scales and zero points as TFLM's QUANTIZE
    /// prepare does: effective scale `f64(input_scale) / f64(output_scale)`,
    /// converted with [`quantize_multiplier`].
    pub fn new(
        input_scale: f32,
        input_zero_point: i32,
        output_scale: f32,
        output_zero_point: i32,
    ) -> Self {
        let (multiplier, shift) = ratio_multiplier(input_scale, output_scale);
        Self {
            multiplier,
            shift,
            input_zero_point,
            output_zero_point,
        }
    }
}

/// Rescales one value like TFLM's `Requantize`:
/// `clamp(MultiplyByQuantizedMultiplier(x - in_zp, m, s) + out_zp)`, in
/// wrapping int32 arithmetic.
///
/// TFLM's int8↔uint8 fast path (XOR with 0x80 when the scales are equal and
/// the zero points differ by 128) gives the same result as this formula, so
/// it needs no special case.
#[inline]
pub fn requantize_value<I: QuantizedInt, O: QuantizedInt>(params: &RequantizeParams, x: I) -> O {
    let centered = x.to_i32().wrapping_sub(params.input_zero_point);
    let scaled = multiply_by_quantized_multiplier(centered, params.multiplier, params.shift)
        .wrapping_add(params.output_zero_point);
    O::from_i32_truncating(scaled.min(O::MAX).max(O::MIN))
}

/// Integer → integer QUANTIZE (`output[i] = requantize_value(input[i])`).
pub fn requantize<I: QuantizedInt, O: QuantizedInt>(
    params: &RequantizeParams,
    input: &[I],
    output: &mut [O],
) -> Result<(), KernelError> {
    check_len("output", input.len(), output.len())?;
    for (out, &x) in output.iter_mut().zip(input) {
        *out = requantize_value(params, x);
    }
    Ok(())
}
