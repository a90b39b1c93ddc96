//! PRELU, `x >= 0 ? x : x · alpha`, as TFLM: float32 directly; int8 with
//! two output rescalings, `input scale / output scale` for the
//! non-negative side and `input scale · alpha scale / output scale` for the
//! product side.

use bytemuck::{Pod, Zeroable};

use crate::activation::clamp_i32;
use crate::fixed_point::multiply_by_quantized_multiplier;
use crate::quantization::quantize_multiplier;

/// Float PRELU of one element: `x >= 0 ? x : x * alpha` (NaN stays NaN).
#[inline]
pub fn prelu_f32(x: f32, alpha: f32) -> f32 {
    if x >= 0.0 {
        x
    } else {
        x * alpha
    }
}

/// TFLM's precomputed int8 PRELU arithmetic.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct QuantizedPrelu {
    /// Minus the input zero point.
    pub input_offset: i32,
    /// Minus the alpha zero point.
    pub alpha_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Multiplier of `input scale / output scale` (non-negative inputs).
    pub identity_multiplier: i32,
    /// Its exponent.
    pub identity_shift: i32,
    /// Multiplier of `input scale · alpha scale / output scale` (negative
    /// inputs).
    pub alpha_multiplier: i32,
    /// Its exponent.
    pub alpha_shift: i32,
}

impl QuantizedPrelu {
    /// The arithmetic for the input, alpha and output quantization
    /// (`(scale, zero point)` each); the ratios are computed in f64 as TFLM
    /// does.
    pub fn new(input: (f32, i32), alpha: (f32, i32), output: (f32, i32)) -> Self {
        let (input_scale, output_scale) = (f64::from(input.0), f64::from(output.0));
        let (identity_multiplier, identity_shift) = quantize_multiplier(input_scale / output_scale);
        let (alpha_multiplier, alpha_shift) =
            quantize_multiplier(input_scale * f64::from(alpha.0) / output_scale);
        Self {
            input_offset: input.1.wrapping_neg(),
            alpha_offset: alpha.1.wrapping_neg(),
            output_offset: output.1,
            identity_multiplier,
            identity_shift,
            alpha_multiplier,
            alpha_shift,
        }
    }

    /// The int8 PRELU of a stored input and alpha value.
    #[inline]
    pub fn apply(&self, x: i8, alpha: i8) -> i8 {
        // The clamp keeps the value within int8.
        clamp_i32(
            self.unclamped(i32::from(x), alpha),
            i32::from(i8::MIN),
            i32::from(i8::MAX),
        ) as i8
    }

    /// The 16x8 PRELU (int16 input and output, int8 alpha) of a stored
    /// input and alpha value.
    #[inline]
    pub fn apply_i16(&self, x: i16, alpha: i8) -> i16 {
        // The clamp keeps the value within int16.
        clamp_i32(
            self.unclamped(i32::from(x), alpha),
            i32::from(i16::MIN),
            i32::from(i16::MAX),
        ) as i16
    }

    /// The output before the clamp to the output type.
    #[inline]
    fn unclamped(&self, x: i32, alpha: i8) -> i32 {
        let input = self.input_offset.wrapping_add(x);
        let scaled = if input >= 0 {
            multiply_by_quantized_multiplier(input, self.identity_multiplier, self.identity_shift)
        } else {
            let alpha = self.alpha_offset.wrapping_add(i32::from(alpha));
            multiply_by_quantized_multiplier(
                input.wrapping_mul(alpha),
                self.alpha_multiplier,
                self.alpha_shift,
            )
        };
        scaled.wrapping_add(self.output_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float() {
        assert_eq!(prelu_f32(2.0, 0.5), 2.0);
        assert_eq!(prelu_f32(-2.0, 0.25), -0.5);
        assert!(prelu_f32(f32::NAN, 0.5).is_nan());
    }

    #[test]
    fn int8_slopes() {
        // Input and output scale 0.1, alpha scale 0.01 (zero points 0):
        // -1.0 · 0.5 = -0.5.
        let p = QuantizedPrelu::new((0.1, 0), (0.01, 0), (0.1, 0));
        assert_eq!(p.apply(-10, 50), -5);
        assert_eq!(p.apply(12, 50), 12);
        assert_eq!(p.apply(127, -128), 127);
    }
}
