//! Elementwise ops of one input, as TFLM's `elementwise.cc`, `neg.cc`,
//! `floor.cc`, `ceil.cc`, `round.cc` and `exp.cc`: float32 math
//! ([`FloatUnary`]), ABS of quantized int8 and int16 ([`AbsQuantParams`]),
//! and LOGICAL_NOT of bool bytes.
//!
//! The float functions are `libm`'s (through `num-traits`), TFLM's the C
//! library's: the same to within the float tolerance (sqrt, floor, ceil,
//! abs and negation are exact in both). ROUND is TFLM's banker's rounding
//! (`RoundToNearest`), exactly.

use bytemuck::{Pod, Zeroable};
use num_traits::Float;

use crate::fixed_point::multiply_by_quantized_multiplier;
use crate::quantization::quantize_multiplier;
use crate::KernelError;

/// A float32 function of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FloatUnary {
    /// `|x|`.
    Abs,
    /// `-x`.
    Neg,
    /// `sin x`.
    Sin,
    /// `cos x`.
    Cos,
    /// `e^x`.
    Exp,
    /// `ln x`.
    Log,
    /// `√x`.
    Sqrt,
    /// `1 / √x`.
    Rsqrt,
    /// `x²`.
    Square,
    /// `⌊x⌋`.
    Floor,
    /// `⌈x⌉`.
    Ceil,
    /// `x` rounded to the nearest integer, ties to even.
    Round,
}

impl FloatUnary {
    /// Every function, in the order of [`FloatUnary::code`].
    pub const ALL: [Self; 12] = [
        Self::Abs,
        Self::Neg,
        Self::Sin,
        Self::Cos,
        Self::Exp,
        Self::Log,
        Self::Sqrt,
        Self::Rsqrt,
        Self::Square,
        Self::Floor,
        Self::Ceil,
        Self::Round,
    ];

    /// A small code for prepared params.
    pub fn code(self) -> u32 {
        Self::ALL.iter().position(|&f| f == self).unwrap_or(0) as u32
    }

    /// The function of `code`, if any.
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.get(code as usize).copied()
    }

    /// The function at `x`.
    #[inline]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Self::Abs => x.abs(),
            Self::Neg => -x,
            Self::Sin => Float::sin(x),
            Self::Cos => Float::cos(x),
            Self::Exp => Float::exp(x),
            Self::Log => Float::ln(x),
            Self::Sqrt => Float::sqrt(x),
            Self::Rsqrt => 1.0 / Float::sqrt(x),
            Self::Square => x * x,
            Self::Floor => Float::floor(x),
            Self::Ceil => Float::ceil(x),
            Self::Round => round_half_even(x),
        }
    }
}

/// TFLM's `RoundToNearest`: the nearest integer, ties to the even one.
pub fn round_half_even(x: f32) -> f32 {
    let floor = Float::floor(x);
    let diff = x - floor;
    // |x| < 2^23 whenever diff is exactly 0.5, so the cast is exact there.
    if diff < 0.5 || (diff == 0.5 && (floor as i32) % 2 == 0) {
        floor
    } else {
        floor + 1.0
    }
}

/// `f` of every element of `input` into `output` (same length).
pub fn float_unary(f: FloatUnary, input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    crate::check_len("output", input.len(), output.len())?;
    for (out, &x) in output.iter_mut().zip(input) {
        *out = f.apply(x);
    }
    Ok(())
}

/// Quantized ABS parameters, as TFLM's prepare computes them.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct AbsQuantParams {
    /// Input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Multiplier of `input_scale / output_scale` (unused without rescale).
    pub multiplier: i32,
    /// Its shift (positive: left).
    pub shift: i32,
    /// 1 when the scales differ (then the multiplier applies).
    pub needs_rescale: u32,
}

impl AbsQuantParams {
    /// TFLM's prepare: rescale when the scales differ, with the multiplier
    /// of `f64(input_scale / output_scale)` (the quotient in `f32`).
    pub fn new(input_scale: f32, input_zero: i32, output_scale: f32, output_zero: i32) -> Self {
        let needs_rescale = input_scale != output_scale;
        let (multiplier, shift) = if needs_rescale {
            quantize_multiplier(f64::from(input_scale / output_scale))
        } else {
            (0, 0)
        };
        Self {
            input_offset: input_zero,
            output_offset: output_zero,
            multiplier,
            shift,
            needs_rescale: u32::from(needs_rescale),
        }
    }

    /// `|x - input_offset|` in the output's quantization, before the clamp.
    #[inline]
    fn value(&self, x: i32) -> i64 {
        let value = x.wrapping_sub(self.input_offset).wrapping_abs();
        let scaled = if self.needs_rescale != 0 {
            multiply_by_quantized_multiplier(value, self.multiplier, self.shift)
        } else {
            value
        };
        i64::from(scaled) + i64::from(self.output_offset)
    }
}

/// Quantized ABS of int8 elements.
pub fn abs_int8(p: &AbsQuantParams, input: &[i8], output: &mut [i8]) -> Result<(), KernelError> {
    crate::check_len("output", input.len(), output.len())?;
    for (out, &x) in output.iter_mut().zip(input) {
        *out = p
            .value(i32::from(x))
            .clamp(i64::from(i8::MIN), i64::from(i8::MAX)) as i8;
    }
    Ok(())
}

/// Quantized ABS of int16 elements (TFLM requires zero offsets).
pub fn abs_int16(p: &AbsQuantParams, input: &[i16], output: &mut [i16]) -> Result<(), KernelError> {
    crate::check_len("output", input.len(), output.len())?;
    for (out, &x) in output.iter_mut().zip(input) {
        *out = p
            .value(i32::from(x))
            .clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16;
    }
    Ok(())
}

/// ABS of unquantized int16 elements: `std::abs` then the cast back, so
/// `-32768` stays `-32768`.
pub fn abs_int16_plain(input: &[i16], output: &mut [i16]) -> Result<(), KernelError> {
    crate::check_len("output", input.len(), output.len())?;
    for (out, &x) in output.iter_mut().zip(input) {
        *out = x.wrapping_abs();
    }
    Ok(())
}

/// LOGICAL_NOT of bool bytes (any non-zero byte is true).
pub fn logical_not(input: &[u8], output: &mut [u8]) -> Result<(), KernelError> {
    crate::check_len("output", input.len(), output.len())?;
    for (out, &x) in output.iter_mut().zip(input) {
        *out = u8::from(x == 0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_bankers() {
        let cases = [
            (0.5, 0.0),
            (1.5, 2.0),
            (2.5, 2.0),
            (-0.5, -0.0),
            (-1.5, -2.0),
            (-2.5, -2.0),
            (2.4, 2.0),
            (2.6, 3.0),
            (-2.6, -3.0),
            (8_388_609.0, 8_388_609.0),
        ];
        for (x, want) in cases {
            assert_eq!(round_half_even(x), want, "{x}");
        }
        assert!(round_half_even(f32::NAN).is_nan());
    }

    #[test]
    fn quantized_abs_follows_tflm() {
        // Same scales: |x - zi| + zo, clamped.
        let p = AbsQuantParams::new(0.5, -3, 0.5, -128);
        let mut out = [0i8; 4];
        abs_int8(&p, &[-128, -3, 127, 0], &mut out).unwrap();
        assert_eq!(out, [-3, -128, 2, -125]);
        // Halving scale: value * 2 through the multiplier.
        let p = AbsQuantParams::new(0.5, 0, 0.25, 0);
        assert_eq!(p.needs_rescale, 1);
        abs_int8(&p, &[-100, 10, 50, -1], &mut out).unwrap();
        assert_eq!(out, [127, 20, 100, 2]);
        let mut out16 = [0i16; 2];
        abs_int16_plain(&[i16::MIN, -7], &mut out16).unwrap();
        assert_eq!(out16, [i16::MIN, 7]);
        let mut b = [9u8; 3];
        logical_not(&[0, 1, 2], &mut b).unwrap();
        assert_eq!(b, [1, 0, 0]);
        assert!(abs_int8(&p, &[1, 2], &mut out).is_err());
    }
}
