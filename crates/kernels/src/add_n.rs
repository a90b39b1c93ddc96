//! ADD_N, the elementwise sum of several same-shaped inputs, as TFLM:
//! float32 folds from 0 in input order; int8 rescales every input to a
//! common fixed-point scale (left shift 20), sums in int32 starting from
//! the rescaled input offset (TFLM's reference starts there, not from 0)
//! and requantizes to the output.

use bytemuck::{Pod, Zeroable};

use crate::activation::clamp_i32;
use crate::fixed_point::multiply_by_quantized_multiplier_smaller_than_one_exp;
use crate::quantization::quantize_multiplier_smaller_than_one_exp;
use crate::KernelError;

/// TFLM's fixed-point left shift for int8 ADD_N.
pub const ADD_N_LEFT_SHIFT: i32 = 20;

/// Elements summed per stack block in [`add_n_i8`].
const BLOCK: usize = 64;

/// `output[i] = 0 + inputs[0][i] + inputs[1][i] + ...` in float32.
pub fn add_n_f32(inputs: &[&[f32]], output: &mut [f32]) -> Result<(), KernelError> {
    check_lengths(inputs, output.len())?;
    output.fill(0.0);
    for input in inputs {
        for (out, &x) in output.iter_mut().zip(input.iter()) {
            *out += x;
        }
    }
    Ok(())
}

/// Every input must hold `len` elements.
fn check_lengths<T>(inputs: &[&[T]], len: usize) -> Result<(), KernelError> {
    match inputs.iter().find(|input| input.len() != len) {
        Some(input) => Err(KernelError::LengthMismatch {
            buffer: "ADD_N input",
            expected: len,
            actual: input.len(),
        }),
        None => Ok(()),
    }
}

/// TFLM's precomputed int8 ADD_N arithmetic (all inputs share one
/// quantization).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct QuantizedAddN {
    /// Minus the inputs' zero point.
    pub input_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// The inputs' rescaling multiplier (of 1/2).
    pub input_multiplier: i32,
    /// Its exponent.
    pub input_shift: i32,
    /// The sum's rescaling multiplier, of `2 · input scale / (2^20 · output
    /// scale)`.
    pub output_multiplier: i32,
    /// Its exponent.
    pub output_shift: i32,
}

impl QuantizedAddN {
    /// The arithmetic for inputs of `input_scale` and `input_zero_point` and
    /// an output of `output_scale` and `output_zero_point`; `None` when the
    /// output multiplier is not below one (TFLM aborts).
    pub fn new(
        input_scale: f32,
        input_zero_point: i32,
        output_scale: f32,
        output_zero_point: i32,
    ) -> Option<Self> {
        let twice_input_scale = 2.0 * f64::from(input_scale);
        let real_input = f64::from(input_scale) / twice_input_scale;
        let real_output =
            twice_input_scale / (f64::from(1u32 << ADD_N_LEFT_SHIFT) * f64::from(output_scale));
        let (input_multiplier, input_shift) = quantize_multiplier_smaller_than_one_exp(real_input)?;
        let (output_multiplier, output_shift) =
            quantize_multiplier_smaller_than_one_exp(real_output)?;
        Some(Self {
            input_offset: input_zero_point.checked_neg()?,
            output_offset: output_zero_point,
            input_multiplier,
            input_shift,
            output_multiplier,
            output_shift,
        })
    }

    /// `value` (already offset) shifted and rescaled to the common scale.
    #[inline]
    fn scaled(&self, value: i32) -> i32 {
        multiply_by_quantized_multiplier_smaller_than_one_exp(
            value.wrapping_shl(ADD_N_LEFT_SHIFT as u32),
            self.input_multiplier,
            self.input_shift,
        )
    }

    /// The int32 sum's starting value: the rescaled input offset.
    #[inline]
    pub fn start(&self) -> i32 {
        self.scaled(self.input_offset)
    }

    /// One stored input value on the common scale.
    #[inline]
    pub fn term(&self, x: i8) -> i32 {
        self.scaled(self.input_offset.wrapping_add(i32::from(x)))
    }

    /// The int8 output of an int32 sum.
    #[inline]
    pub fn finish(&self, sum: i32) -> i8 {
        let raw = multiply_by_quantized_multiplier_smaller_than_one_exp(
            sum,
            self.output_multiplier,
            self.output_shift,
        )
        .wrapping_add(self.output_offset);
        // The clamp keeps the value within int8.
        clamp_i32(raw, i32::from(i8::MIN), i32::from(i8::MAX)) as i8
    }
}

/// Int8 ADD_N: for every element, [`QuantizedAddN::start`] plus each
/// input's [`QuantizedAddN::term`] (wrapping int32), then
/// [`QuantizedAddN::finish`].
pub fn add_n_i8(p: &QuantizedAddN, inputs: &[&[i8]], output: &mut [i8]) -> Result<(), KernelError> {
    check_lengths(inputs, output.len())?;
    let start = p.start();
    for (block, out) in output.chunks_mut(BLOCK).enumerate() {
        let mut sums = [start; BLOCK];
        let base = block * BLOCK;
        for input in inputs {
            let values = input.get(base..base + out.len()).unwrap_or_default();
            for (sum, &x) in sums.iter_mut().zip(values) {
                *sum = sum.wrapping_add(p.term(x));
            }
        }
        for (o, &sum) in out.iter_mut().zip(sums.iter()) {
            *o = p.finish(sum);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_sums_in_input_order() {
        let (a, b, c) = ([1.0f32, -0.0], [2.0f32, -0.0], [0.5f32, -0.0]);
        let mut out = [9.0f32; 2];
        add_n_f32(&[&a, &b, &c], &mut out).unwrap();
        assert_eq!(out[0], 3.5);
        // 0 + -0 + -0 + -0 is +0.
        assert!(out[1].is_sign_positive());
        assert!(add_n_f32(&[&a, &[1.0]], &mut out).is_err());
    }

    #[test]
    fn int8_sum_of_equal_scales() {
        // Inputs and output of scale 0.1, zero point 0: 0.3 + 0.4 + -0.2.
        let p = QuantizedAddN::new(0.1, 0, 0.1, 0).unwrap();
        let mut out = [0i8; 1];
        add_n_i8(&p, &[&[3], &[4], &[-2]], &mut out).unwrap();
        assert_eq!(out, [5]);
        // An output scale too small for the multiplier is refused.
        assert!(QuantizedAddN::new(1.0, 0, 1e-7, 0).is_none());
    }

    #[test]
    fn blocks_cover_long_outputs() {
        let p = QuantizedAddN::new(0.1, 0, 0.2, 0).unwrap();
        let mut a = [0i8; 150];
        for (i, x) in a.iter_mut().enumerate() {
            *x = (i % 100) as i8;
        }
        let mut out = [0i8; 150];
        add_n_i8(&p, &[&a, &a], &mut out).unwrap();
        for (o, x) in out.iter().zip(&a) {
            assert_eq!(*o, *x);
        }
    }
}
