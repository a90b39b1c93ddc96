//! L2_NORMALIZATION over the last axis, as TFLM: float32 divides each row
//! by `max(sqrt(sum of squares), 1e-6)`; int8 computes the row's inverse
//! square root in fixed point (TFLM's `GetInvSqrtQuantizedMultiplierExp`,
//! five Newton-Raphson steps) and writes the result at scale 1/128.

use crate::fixed_point::{multiply_by_quantized_multiplier, saturating_rounding_doubling_high_mul};
use crate::gemmlowp_fixed::{rescale, saturating_rounding_multiply_by_pot};
use crate::KernelError;
use num_traits::Float;

/// TFLM's float epsilon.
const EPSILON: f32 = 1e-6;

/// Float L2 normalization of `depth`-element rows.
pub fn l2_normalize_f32(
    depth: usize,
    input: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    check(depth, input.len(), output.len())?;
    for (row, out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let squared = row.iter().fold(0f32, |acc, &v| acc + v * v);
        let norm = Float::sqrt(squared);
        // std::max(norm, epsilon): a NaN norm stays NaN.
        let norm = if norm < EPSILON { EPSILON } else { norm };
        for (o, &v) in out.iter_mut().zip(row) {
            *o = v / norm;
        }
    }
    Ok(())
}

/// Rows of `depth > 0` elements, input and output of one length.
fn check(depth: usize, input: usize, output: usize) -> Result<(), KernelError> {
    if depth == 0 || !input.is_multiple_of(depth) {
        return Err(KernelError::LengthMismatch {
            buffer: "input",
            expected: depth,
            actual: input,
        });
    }
    crate::check_len("output", input, output)
}

/// `(multiplier, left_shift)` of `1 / sqrt(input)` as TFLM's
/// `GetInvSqrtQuantizedMultiplierExp(input, kReverseShift)`; inputs of 0
/// and 1 give `(i32::MAX, 0)`.
pub fn inv_sqrt_multiplier(input: i32) -> (i32, i32) {
    if input <= 1 {
        return (i32::MAX, 0);
    }
    let mut input = input;
    let mut shift = 11;
    while input >= 1 << 29 {
        input /= 4;
        shift += 1;
    }
    let max_left_shift_bits = (input as u32).leading_zeros() as i32 - 1;
    let left_shift_bit_pairs = max_left_shift_bits / 2 - 1;
    shift -= left_shift_bit_pairs;
    input = input.wrapping_shl(2 * left_shift_bit_pairs as u32);
    // Q3 fixed point (3 integer bits); products of two Q3 values are Q6.
    let mul = saturating_rounding_doubling_high_mul;
    let fixed_input = input >> 1;
    let half_input = saturating_rounding_multiply_by_pot(fixed_input, -1);
    let half_three = (1 << 28) + (1 << 27);
    let mut x: i32 = 1 << 28;
    for _ in 0..5 {
        let x3 = rescale(mul(mul(x, x), x), 9, 3);
        x = rescale(mul(half_three, x).wrapping_sub(mul(half_input, x3)), 6, 3);
    }
    // Times sqrt(2)/2 in Q0.
    let mut multiplier = mul(x, 1_518_500_250);
    if shift < 0 {
        multiplier = multiplier.wrapping_shl((-shift) as u32);
        shift = 0;
    }
    (multiplier, -shift)
}

/// Int8 L2 normalization of `depth`-element rows around `zero_point`;
/// outputs are at scale 1/128, zero point 0.
pub fn l2_normalize_i8(
    depth: usize,
    zero_point: i32,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    check(depth, input.len(), output.len())?;
    for (row, out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let squared = row.iter().fold(0i32, |acc, &v| {
            let d = i32::from(v).wrapping_sub(zero_point);
            acc.wrapping_add(d.wrapping_mul(d))
        });
        let (multiplier, shift) = inv_sqrt_multiplier(squared);
        for (o, &v) in out.iter_mut().zip(row) {
            let d = i32::from(v).wrapping_sub(zero_point);
            let scaled = multiply_by_quantized_multiplier(d, multiplier, shift.wrapping_add(7));
            // The clamp keeps the value within int8.
            *o = scaled.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_rows_have_unit_norm() {
        let mut out = [0f32; 4];
        l2_normalize_f32(2, &[3.0, 4.0, 0.0, 0.0], &mut out).unwrap();
        assert_eq!(out, [0.6, 0.8, 0.0, 0.0]);
        assert!(l2_normalize_f32(3, &[1.0; 4], &mut out).is_err());
    }

    #[test]
    fn inverse_square_roots() {
        for input in [2, 100, 16_129, 1 << 20, 1 << 29, i32::MAX] {
            let (m, s) = inv_sqrt_multiplier(input);
            let got = f64::from(m) * 2f64.powi(s - 31);
            let want = 1.0 / f64::from(input).sqrt();
            assert!((got / want - 1.0).abs() < 1e-5, "{input}: {got} vs {want}");
        }
        assert_eq!(inv_sqrt_multiplier(0), (i32::MAX, 0));
    }

    #[test]
    fn int8_rows_at_scale_1_128() {
        // (30, 40) / 50 = (0.6, 0.8) → 76.8, 102.4 → 77, 102.
        let mut out = [0i8; 2];
        l2_normalize_i8(2, 0, &[30, 40], &mut out).unwrap();
        assert_eq!(out, [77, 102]);
    }
}
