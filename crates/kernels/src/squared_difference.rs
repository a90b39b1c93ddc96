//! SQUARED_DIFFERENCE, `(x - y)^2`, as TFLM computes it: plainly for
//! float32 and int32 (the int32 product wraps), and for int8/int16 by
//! rescaling both inputs to a common scale, squaring the integer difference
//! and requantizing to the output.

use bytemuck::{Pod, Zeroable};

use crate::fixed_point::{
    multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_smaller_than_one_exp,
};
use crate::quantization::{quantize_multiplier, quantize_multiplier_smaller_than_one_exp};

/// `(x - y)^2` in float32.
#[inline]
pub fn squared_difference_f32(x: f32, y: f32) -> f32 {
    let d = x - y;
    d * d
}

/// `(x - y)^2` in int32, wrapping on overflow (TFLM's C++ arithmetic in
/// practice).
#[inline]
pub fn squared_difference_i32(x: i32, y: i32) -> i32 {
    let d = x.wrapping_sub(y);
    d.wrapping_mul(d)
}

/// One input's or the output's affine quantization.
#[derive(Debug, Clone, Copy)]
pub struct Affine {
    /// The scale (checked finite and positive by the caller).
    pub scale: f32,
    /// The zero point.
    pub zero_point: i32,
}

/// TFLM's precomputed SQUARED_DIFFERENCE arithmetic for int8 and int16.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct QuantizedSquaredDifference {
    /// Minus input 1's zero point.
    pub input1_offset: i32,
    /// Minus input 2's zero point.
    pub input2_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Left shift of the offset inputs (7 for int8, 0 for int16).
    pub left_shift: i32,
    /// Input 1's rescaling multiplier (below one).
    pub input1_multiplier: i32,
    /// Input 1's rescaling exponent (`<= 0`).
    pub input1_shift: i32,
    /// Input 2's rescaling multiplier (below one).
    pub input2_multiplier: i32,
    /// Input 2's rescaling exponent (`<= 0`).
    pub input2_shift: i32,
    /// The squared difference's rescaling multiplier.
    pub output_multiplier: i32,
    /// The squared difference's rescaling exponent.
    pub output_shift: i32,
    /// Smallest output value.
    pub min: i32,
    /// Largest output value.
    pub max: i32,
}

impl QuantizedSquaredDifference {
    /// The arithmetic for inputs and output of the given quantization,
    /// `left_shift` 7 for int8 and 0 for int16, outputs clamped to
    /// `[min, max]`. Each input is scaled by `its scale / (2 · max input
    /// scale)` and the squared difference by `(2 · max input scale)^2 /
    /// (2^(2·left_shift) · output scale)`, computed in f64 as TFLM does.
    /// `None` when a multiplier cannot be represented (TFLM aborts).
    pub fn new(
        input1: Affine,
        input2: Affine,
        output: Affine,
        left_shift: i32,
        min: i32,
        max: i32,
    ) -> Option<Self> {
        let twice_max_input_scale = 2.0 * f64::from(input1.scale.max(input2.scale));
        let real_input1 = f64::from(input1.scale) / twice_max_input_scale;
        let real_input2 = f64::from(input2.scale) / twice_max_input_scale;
        // `(1 << 2·left_shift) * scale` is a float product in the C++ source,
        // exact because the factor is a power of two.
        let denominator = f64::from(exact_pow2_f32(2 * left_shift)? * output.scale);
        let real_output = twice_max_input_scale * twice_max_input_scale / denominator;
        if !real_output.is_finite() {
            return None;
        }
        let (input1_multiplier, input1_shift) =
            quantize_multiplier_smaller_than_one_exp(real_input1)?;
        let (input2_multiplier, input2_shift) =
            quantize_multiplier_smaller_than_one_exp(real_input2)?;
        let (output_multiplier, output_shift) = quantize_multiplier(real_output);
        Some(Self {
            input1_offset: input1.zero_point.checked_neg()?,
            input2_offset: input2.zero_point.checked_neg()?,
            output_offset: output.zero_point,
            left_shift,
            input1_multiplier,
            input1_shift,
            input2_multiplier,
            input2_shift,
            output_multiplier,
            output_shift,
            min,
            max,
        })
    }

    /// The quantized `(x - y)^2` of two stored values.
    #[inline]
    pub fn apply(&self, x: i32, y: i32) -> i32 {
        let shifted1 = self
            .input1_offset
            .wrapping_add(x)
            .wrapping_shl(self.left_shift as u32);
        let shifted2 = self
            .input2_offset
            .wrapping_add(y)
            .wrapping_shl(self.left_shift as u32);
        let scaled1 = multiply_by_quantized_multiplier_smaller_than_one_exp(
            shifted1,
            self.input1_multiplier,
            self.input1_shift,
        );
        let scaled2 = multiply_by_quantized_multiplier_smaller_than_one_exp(
            shifted2,
            self.input2_multiplier,
            self.input2_shift,
        );
        let diff = scaled1.wrapping_sub(scaled2);
        let raw = multiply_by_quantized_multiplier(
            diff.wrapping_mul(diff),
            self.output_multiplier,
            self.output_shift,
        )
        .wrapping_add(self.output_offset);
        raw.clamp(self.min, self.max)
    }
}

/// `2^exponent` as f32 for `0 <= exponent < 31`, as C++ `1 << exponent`.
fn exact_pow2_f32(exponent: i32) -> Option<f32> {
    let bits = u32::try_from(exponent).ok().filter(|&e| e < 31)?;
    Some((1u32 << bits) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_and_int32() {
        assert_eq!(squared_difference_f32(1.5, -0.5), 4.0);
        assert_eq!(squared_difference_i32(-3, 4), 49);
        assert_eq!(squared_difference_i32(i32::MIN, 0), 0);
    }

    #[test]
    fn int8_equal_scales_square_the_real_difference() {
        // Inputs of scale 0.1, output of scale 0.01 (zero points 0): 0.3 and
        // -0.2 differ by 0.5, squared 0.25, stored 25.
        let q = Affine {
            scale: 0.1,
            zero_point: 0,
        };
        let out = Affine {
            scale: 0.01,
            zero_point: 0,
        };
        let p = QuantizedSquaredDifference::new(q, q, out, 7, -128, 127).unwrap();
        assert_eq!(p.apply(3, -2), 25);
        assert_eq!(p.apply(127, -128), 127);
    }

    #[test]
    fn unrepresentable_multipliers_are_refused() {
        let q = Affine {
            scale: 0.1,
            zero_point: 0,
        };
        let tiny = Affine {
            scale: f32::MIN_POSITIVE,
            zero_point: 0,
        };
        assert!(QuantizedSquaredDifference::new(q, q, q, 40, -128, 127).is_none());
        assert!(QuantizedSquaredDifference::new(tiny, tiny, tiny, 7, -128, 127).is_some());
    }
}
