//! DIV as TFLM computes it: float32 `x / y` clamped to the fused
//! activation, int32 truncating division clamped likewise, and int8 through
//! a fixed-point reciprocal of the divisor (TFLM's `DivElementwise`).

use bytemuck::{Pod, Zeroable};

use crate::activation::{clamp_f32, clamp_i32, FusedActivation};
use crate::fixed_point::{
    multiply_by_quantized_multiplier_greater_than_one,
    multiply_by_quantized_multiplier_smaller_than_one_exp,
};
use crate::gemmlowp_fixed::reciprocal;
use crate::quantization::quantize_multiplier;

/// `x / y` clamped to `[min, max]` as TFLM's `ActivationFunctionWithMinMax`
/// (a zero divisor gives an infinity, clamped to the finite range).
#[inline]
pub fn div_f32(x: f32, y: f32, min: f32, max: f32) -> f32 {
    clamp_f32(x / y, min, max)
}

/// `x / y` rounded toward zero and clamped to `[min, max]`; 0 for a zero
/// divisor (TFLM's behaviour is undefined there: callers refuse it) and
/// wrapping for `i32::MIN / -1`.
#[inline]
pub fn div_i32(x: i32, y: i32, min: i32, max: i32) -> i32 {
    if y == 0 {
        return clamp_i32(0, min, max);
    }
    clamp_i32(x.wrapping_div(y), min, max)
}

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

/// TFLM's `CountLeadingSignBits` of an `int32_t`: the number of bits after
/// the sign bit equal to it (31 for 0 and -1).
#[inline]
pub fn count_leading_sign_bits(x: i32) -> i32 {
    let magnitude_bits = if x < 0 { !x } else { x };
    magnitude_bits.leading_zeros() as i32 - 1
}

/// TFLM's precomputed int8 DIV arithmetic.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct QuantizedDiv {
    /// Minus input 1's zero point.
    pub input1_offset: i32,
    /// Minus input 2's zero point.
    pub input2_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// The rescaling multiplier of `input1 scale / (input2 scale · output
    /// scale)`.
    pub output_multiplier: i32,
    /// Its exponent.
    pub output_shift: i32,
    /// Smallest output value (the fused activation's).
    pub min: i32,
    /// Largest output value.
    pub max: i32,
}

impl QuantizedDiv {
    /// The arithmetic for inputs of scales `s1`, `s2` and zero points `zp1`,
    /// `zp2`, an output of scale `so` and zero point `zpo`, clamped to
    /// `[min, max]`. The ratio `s1 / (s2 · so)` is computed in f32, as TFLM
    /// does, before its conversion to a multiplier.
    #[allow(clippy::too_many_arguments)] // the three tensors' quantization and the clamp
    pub fn new(
        s1: f32,
        zp1: i32,
        s2: f32,
        zp2: i32,
        so: f32,
        zpo: i32,
        min: i32,
        max: i32,
    ) -> Self {
        let (output_multiplier, output_shift) = quantize_multiplier(f64::from(s1 / (s2 * so)));
        Self {
            input1_offset: zp1.wrapping_neg(),
            input2_offset: zp2.wrapping_neg(),
            output_offset: zpo,
            output_multiplier,
            output_shift,
            min,
            max,
        }
    }

    /// Whether the stored divisor `y` is the real zero (TFLM's behaviour is
    /// undefined there).
    #[inline]
    pub fn divides_by_zero(&self, y: i32) -> bool {
        self.input2_offset.wrapping_add(y) == 0
    }

    /// The quantized `x / y` of two stored values; the output zero point
    /// for a zero divisor (see [`Self::divides_by_zero`]).
    #[inline]
    pub fn apply(&self, x: i32, y: i32) -> i32 {
        let mut numerator = self.input1_offset.wrapping_add(x);
        let mut denominator = self.input2_offset.wrapping_add(y);
        if denominator == 0 {
            return clamp_i32(self.output_offset, self.min, self.max);
        }
        if denominator < 0 {
            numerator = numerator.wrapping_neg();
            denominator = denominator.wrapping_neg();
        }
        let (inverse, reciprocal_shift) = reciprocal(denominator, 31);
        let headroom = count_leading_sign_bits(numerator);
        let unscaled =
            multiply_by_quantized_multiplier_greater_than_one(numerator, inverse, headroom);
        let total_shift = self
            .output_shift
            .wrapping_sub(reciprocal_shift)
            .wrapping_sub(headroom);
        let result =
            self.output_offset
                .wrapping_add(multiply_by_quantized_multiplier_smaller_than_one_exp(
                    unscaled,
                    self.output_multiplier,
                    total_shift,
                ));
        clamp_i32(result, self.min, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_and_int32() {
        assert_eq!(div_f32(3.0, 2.0, f32::MIN, f32::MAX), 1.5);
        assert_eq!(div_f32(1.0, 0.0, f32::MIN, f32::MAX), f32::MAX);
        assert_eq!(div_f32(-3.0, 2.0, 0.0, 6.0), 0.0);
        assert_eq!(div_i32(-7, 2, i32::MIN, i32::MAX), -3);
        assert_eq!(div_i32(i32::MIN, -1, i32::MIN, i32::MAX), i32::MIN);
        assert_eq!(div_i32(5, 0, i32::MIN, i32::MAX), 0);
    }

    #[test]
    fn leading_sign_bits() {
        assert_eq!(count_leading_sign_bits(0), 31);
        assert_eq!(count_leading_sign_bits(-1), 31);
        assert_eq!(count_leading_sign_bits(1), 30);
        assert_eq!(count_leading_sign_bits(-2), 30);
        assert_eq!(count_leading_sign_bits(i32::MIN), 0);
        assert_eq!(count_leading_sign_bits(i32::MAX), 0);
    }

    #[test]
    fn int8_quotients_are_close_to_the_real_ones() {
        // Scales 0.1 / (0.05 · 0.02): x=30 (3.0), y=-40 (-2.0): -1.5 → -75.
        let p = QuantizedDiv::new(0.1, 0, 0.05, 0, 0.02, 0, -128, 127);
        assert_eq!(p.apply(30, -40), -75);
        assert_eq!(p.apply(0, 7), 0);
        assert!(p.divides_by_zero(0));
        assert_eq!(p.apply(5, 0), 0);
    }
}
