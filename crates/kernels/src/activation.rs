//! Fused activation functions and TFLM's output clamping.

/// Activation fused into an operator's output (kernel-level mirror of the
/// schema's `ActivationFunctionType`; the ops crate maps one to the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FusedActivation {
    /// No activation.
    #[default]
    None,
    /// `max(x, 0)`.
    Relu,
    /// `clamp(x, -1, 1)`.
    ReluN1To1,
    /// `clamp(x, 0, 6)`.
    Relu6,
    /// Hyperbolic tangent (not applied by the kernels in this crate).
    Tanh,
    /// Sign bit (not applied by the kernels in this crate).
    SignBit,
}

/// Clamps a float like TFLM's `ActivationFunctionWithMinMax`:
/// `std::min(std::max(x, min), max)`.
///
/// Follows the C++ comparison semantics exactly: NaN passes through unchanged,
/// and if `min > max` the result is `max`.
#[inline]
pub fn clamp_f32(x: f32, min: f32, max: f32) -> f32 {
    // std::max(a, b) is `(a < b) ? b : a`.
    let lower_bounded = if x < min { min } else { x };
    // std::min(a, b) is `(b < a) ? b : a`.
    if max < lower_bounded {
        max
    } else {
        lower_bounded
    }
}

/// Clamps an integer like TFLM's quantized kernels:
/// `std::min(std::max(x, min), max)`.
///
/// Unlike `Ord::clamp` this never panics; if `min > max` the result is `max`.
#[inline]
pub fn clamp_i32(x: i32, min: i32, max: i32) -> i32 {
    x.max(min).min(max)
}

/// Output stage of TFLM's int8 conv / fully connected kernels: rescales an
/// int32 accumulator with [`multiply_by_quantized_multiplier`], adds the
/// output zero point, clamps to `[activation_min, activation_max]` and narrows
/// to `i8`.
///
/// The addition wraps like the C++ `int32_t` addition does in practice; the
/// narrowing truncates like `static_cast<int8_t>` (only relevant if the
/// activation range lies outside `[-128, 127]`, which TFLM never produces).
///
/// [`multiply_by_quantized_multiplier`]: crate::fixed_point::multiply_by_quantized_multiplier
#[inline]
pub fn quantized_output_i8(
    acc: i32,
    multiplier: i32,
    shift: i32,
    output_offset: i32,
    activation_min: i32,
    activation_max: i32,
) -> i8 {
    let scaled = crate::fixed_point::multiply_by_quantized_multiplier(acc, multiplier, shift);
    clamp_i32(
        scaled.wrapping_add(output_offset),
        activation_min,
        activation_max,
    ) as i8
}
