//! Quantized RSQRT, as TFLM: per element, `1 / sqrt(x - input_offset)` as
//! a fixed-point multiplier (the one L2_NORMALIZATION uses, scaled by
//! 2^20 to keep it an integer), then rescaled by `1 / (sqrt(input_scale) ·
//! output_scale)`. A zero difference gives the type's maximum; a negative
//! one is refused at invoke, as TFLM's eval refuses it.

use bytemuck::{Pod, Zeroable};
use num_traits::Float;

use crate::fixed_point::multiply_by_quantized_multiplier;
use crate::l2_normalization::inv_sqrt_multiplier;
use crate::quantization::quantize_multiplier;
use crate::quantize::QuantizedInt;
use crate::KernelError;

/// Bits the per-element inverse square root is scaled up by.
const INTEGER_SHIFT: i32 = 20;

/// Quantized RSQRT parameters, from [`RsqrtQuantParams::new`].
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct RsqrtQuantParams {
    /// Input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Multiplier of `1 / (sqrt(input_scale) · output_scale)`.
    pub multiplier: i32,
    /// Its shift (positive: left).
    pub shift: i32,
}

impl RsqrtQuantParams {
    /// TFLM's prepare: `sqrt(input_scale) · output_scale` in `f32`, its
    /// reciprocal in `f64`.
    pub fn new(input_scale: f32, input_zero: i32, output_scale: f32, output_zero: i32) -> Self {
        let denominator = Float::sqrt(input_scale) * output_scale;
        let (multiplier, shift) = quantize_multiplier(1.0 / f64::from(denominator));
        Self {
            input_offset: input_zero,
            output_offset: output_zero,
            multiplier,
            shift,
        }
    }
}

/// Quantized RSQRT of `input` into `output` (int8, or int16 with zero
/// points 0). Elements are written in order up to the first one below the
/// input zero point, which is reported.
pub fn rsqrt_quantized<T: QuantizedInt>(
    p: &RsqrtQuantParams,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    crate::check_len("output", input.len(), output.len())?;
    for (position, (o, &x)) in output.iter_mut().zip(input).enumerate() {
        let value = x.to_i32().wrapping_sub(p.input_offset);
        if value < 0 {
            return Err(KernelError::InvalidValue {
                what: "rsqrt input below its zero point (a negative real value)",
                position,
            });
        }
        *o = if value == 0 {
            T::from_i32_truncating(T::MAX)
        } else {
            let (inv_multiplier, inv_shift) = inv_sqrt_multiplier(value);
            let scaled =
                multiply_by_quantized_multiplier(1, inv_multiplier, inv_shift + INTEGER_SHIFT);
            let rescaled =
                multiply_by_quantized_multiplier(scaled, p.multiplier, p.shift - INTEGER_SHIFT);
            let output = i64::from(rescaled) + i64::from(p.output_offset);
            T::from_i32_truncating(output.clamp(T::MIN.into(), T::MAX.into()) as i32)
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_square_roots_of_small_integers() {
        // Input scale 1 and output scale 1/64: 1/sqrt(4) = 0.5 -> 32.
        let p = RsqrtQuantParams::new(1.0, 0, 1.0 / 64.0, 0);
        let mut out = [0i8; 4];
        rsqrt_quantized(&p, &[0i8, 1, 4, 16], &mut out).unwrap();
        assert_eq!(out, [127, 64, 32, 16]);
        assert!(matches!(
            rsqrt_quantized(&p, &[-1i8], &mut [0]),
            Err(KernelError::InvalidValue { position: 0, .. })
        ));
    }
}
