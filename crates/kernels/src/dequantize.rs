//! DEQUANTIZE reference kernel: integer → float32, as TFLM's `Dequantize`.

use crate::quantize::QuantizedInt;
use crate::{check_len, KernelError};

/// Parameters of dequantization: the input tensor's scale and zero point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DequantizeParams {
    /// Input scale.
    pub scale: f32,
    /// Input zero point.
    pub zero_point: i32,
}

/// Dequantizes one value like TFLM: `(float)((double)scale * (x - zero_point))`,
/// the subtraction in (wrapping) int32 and the product in `f64`, rounded once
/// to `f32`.
#[inline]
pub fn dequantize_value<T: QuantizedInt>(params: &DequantizeParams, x: T) -> f32 {
    let centered = x.to_i32().wrapping_sub(params.zero_point);
    (f64::from(params.scale) * f64::from(centered)) as f32
}

/// Integer → float32 DEQUANTIZE (`output[i] = dequantize_value(input[i])`).
pub fn dequantize<T: QuantizedInt>(
    params: &DequantizeParams,
    input: &[T],
    output: &mut [f32],
) -> Result<(), KernelError> {
    check_len("output", input.len(), output.len())?;
    for (out, &x) in output.iter_mut().zip(input) {
        *out = dequantize_value(params, x);
    }
    Ok(())
}
