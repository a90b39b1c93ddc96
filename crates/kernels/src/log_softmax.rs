//! LOG_SOFTMAX over the last axis: float32, and int8 → int8 with TFLM's
//! fixed output quantization (scale 16/256, zero point 127).
//!
//! The int8 path is TFLM's reference one: differences from the row maximum
//! are rescaled to Q5.26, exponentiated and summed in Q12.19 (as SOFTMAX
//! does), the sum's logarithm is taken in fixed point (Q5.26), and each
//! output is the rescaled difference minus that logarithm, in steps of 1/16.

use bytemuck::{Pod, Zeroable};
use num_traits::Float;

use crate::fixed_point::{
    multiply_by_quantized_multiplier, rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
};
use crate::gemmlowp_fixed::{
    exp_on_negative_values, one_over_one_plus_x_for_x_in_0_1, rescale, rounding_half_sum,
    saturating_rounding_multiply_by_pot,
};
use crate::quantization::quantize_multiplier_smaller_than_one_exp;
use crate::softmax::{input_params, rows};
use crate::KernelError;

/// Integer bits of the rescaled differences and of the logarithm (Q5.26).
const INPUT_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (Q12.19).
const ACCUMULATION_INTEGER_BITS: i32 = 12;
/// Integer bits of the output before the final downcast.
const OUTPUT_INTEGER_BITS: i32 = 4;

/// The output scale TFLM requires of an int8 LOG_SOFTMAX.
pub const OUTPUT_SCALE: f32 = 16.0 / 256.0;
/// The output zero point TFLM requires of an int8 LOG_SOFTMAX.
pub const OUTPUT_ZERO_POINT: i32 = 127;

/// Parameters of an int8 LOG_SOFTMAX, from [`prepare_log_softmax_int8`].
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct LogSoftmaxParams {
    /// Multiplier of the input scale, scaled to Q5.26.
    pub input_multiplier: i32,
    /// Left shift that accompanies `input_multiplier`.
    pub input_left_shift: i32,
    /// Multiplier of the inverse of the input rescaling.
    pub reverse_scaling_divisor: i32,
    /// Right shift that accompanies `reverse_scaling_divisor` (>= 0).
    pub reverse_scaling_right_shift: i32,
    /// Differences from the row maximum below this are treated as `-inf`.
    pub diff_min: i32,
}

/// TFLM's `PreprocessLogSoftmaxScalingExp` (beta 1) and input radius for an
/// int8 LOG_SOFTMAX; the output must be quantized with scale 16/256 and zero
/// point 127.
pub fn prepare_log_softmax_int8(
    input_scale: f32,
    output_scale: f32,
    output_zero_point: i32,
) -> Result<LogSoftmaxParams, KernelError> {
    if output_scale != OUTPUT_SCALE || output_zero_point != OUTPUT_ZERO_POINT {
        return Err(KernelError::OutputQuantization {
            expected_scale: OUTPUT_SCALE,
            expected_zero_point: OUTPUT_ZERO_POINT,
            scale: output_scale,
            zero_point: output_zero_point,
        });
    }
    let scaling = input_params(1.0, input_scale)?;
    // TFLM's `(1 << (31 - left_shift)) / double(multiplier)`: an int shift,
    // which overflows for a zero left shift (refused here).
    let shift = u32::try_from(31 - scaling.input_left_shift)
        .ok()
        .filter(|&s| s < 31)
        .ok_or(KernelError::MultiplierOutOfRange {
            what: "log_softmax input scale * 2^26",
            value: input_scale,
            range: "above 2^-26",
        })?;
    let divisor = f64::from(1u32 << shift) / f64::from(scaling.input_multiplier);
    let (reverse_scaling_divisor, reverse_left_shift) = quantize_multiplier_smaller_than_one_exp(
        divisor,
    )
    .ok_or(KernelError::MultiplierOutOfRange {
        what: "log_softmax reverse scaling divisor",
        value: divisor as f32,
        range: "(0, 1)",
    })?;
    Ok(LogSoftmaxParams {
        input_multiplier: scaling.input_multiplier,
        input_left_shift: scaling.input_left_shift,
        reverse_scaling_divisor,
        reverse_scaling_right_shift: -reverse_left_shift,
        diff_min: scaling.diff_min,
    })
}

/// Float LOG_SOFTMAX over rows of `depth` elements:
/// `x - max - log(sum(exp(x - max)))`.
pub fn log_softmax_f32(depth: usize, input: &[f32], output: &mut [f32]) -> Result<(), KernelError> {
    rows(depth, input.len(), output.len())?;
    for (row_in, row_out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let max = row_in.iter().copied().fold(f32::MIN, f32::max);
        let sum: f32 = row_in.iter().map(|&x| Float::exp(x - max)).sum();
        let log_sum = Float::ln(sum);
        for (o, &x) in row_out.iter_mut().zip(row_in) {
            *o = x - max - log_sum;
        }
    }
    Ok(())
}

/// Int8 LOG_SOFTMAX over rows of `depth` elements (at most
/// [`crate::softmax::MAX_QUANTIZED_DEPTH`], beyond which the Q12.19 sum can
/// wrap around).
pub fn log_softmax_int8(
    params: &LogSoftmaxParams,
    depth: usize,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    rows(depth, input.len(), output.len())?;
    let rescaled = |diff: i32| {
        multiply_by_quantized_multiplier(diff, params.input_multiplier, params.input_left_shift)
    };
    for (row_in, row_out) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let max_in_row = i32::from(row_in.iter().copied().max().unwrap_or(i8::MIN));
        let mut sum_of_exps = 0i32;
        for &x in row_in {
            let diff = i32::from(x) - max_in_row;
            if diff >= params.diff_min {
                let e = exp_on_negative_values(rescaled(diff), INPUT_INTEGER_BITS);
                sum_of_exps = sum_of_exps.wrapping_add(rescale(e, 0, ACCUMULATION_INTEGER_BITS));
            }
        }
        let log_sum = log_x_for_x_at_least_one(sum_of_exps, ACCUMULATION_INTEGER_BITS);
        // The smallest difference whose output is above the int8 floor.
        let adjusted_diff_min = (params.diff_min - 1).max(multiply_by_quantized_multiplier(
            log_sum.wrapping_add(i32::MIN),
            params.reverse_scaling_divisor,
            -params.reverse_scaling_right_shift,
        ));
        for (o, &x) in row_out.iter_mut().zip(row_in) {
            let diff = i32::from(x) - max_in_row;
            *o = if diff > adjusted_diff_min {
                let q = rounding_divide_by_pot(
                    rescaled(diff).wrapping_sub(log_sum),
                    31 - INPUT_INTEGER_BITS - OUTPUT_INTEGER_BITS,
                );
                q.saturating_add(127).clamp(-128, 127) as i8
            } else {
                i8::MIN
            };
        }
    }
    Ok(())
}

/// `log(x)` in Q5.26 for `x >= 1` given in `Q(input_integer_bits)`
/// (gemmlowp-style, as TFLM's `log_x_for_x_greater_than_or_equal_to_1`
/// with five output integer bits): `x = 2^k · r` with `r` in
/// `[sqrt(1/2), 1)`, `log(x) = k·log(2) + log(r)`, and `log(r)` from a
/// rational approximation around `2^(-1/4)`.
fn log_x_for_x_at_least_one(x: i32, input_integer_bits: i32) -> i32 {
    /// Integer bits of the accumulation (one above the output's).
    const ACCUM_BITS: i32 = INPUT_INTEGER_BITS + 1;
    // Constants in Q0.
    const LOG_2: i32 = 1_488_522_236;
    const SQRT_SQRT_HALF: i32 = 1_805_811_301;
    const SQRT_HALF: i32 = 1_518_500_250;
    const ONE_QUARTER: i32 = 536_870_912;
    const ALPHA_N: i32 = 117_049_297;
    const ALPHA_D: i32 = 127_690_142;
    const ALPHA_I: i32 = 1_057_819_769;
    const ALPHA_F: i32 = 638_450_708;
    let mul = saturating_rounding_doubling_high_mul;
    let pot = saturating_rounding_multiply_by_pot;
    let shifted_quarter = rescale(ONE_QUARTER, 0, ACCUM_BITS);

    // x read as Q0; its binary exponent is found from the leading zeros.
    let z_a = x;
    let z_a_headroom_plus_1 = z_a.leading_zeros() as i32;
    let r_a = pot(mul(pot(z_a, z_a_headroom_plus_1 - 1), SQRT_HALF), 1);
    let z_a_pow_2_adj = pot(input_integer_bits - z_a_headroom_plus_1, 31 - ACCUM_BITS)
        .saturating_add(shifted_quarter);
    // The same with x premultiplied by sqrt(1/2).
    let z_b = mul(z_a, SQRT_HALF);
    let z_b_headroom = z_b.leading_zeros() as i32 - 1;
    let r_b = pot(z_a, z_b_headroom);
    let z_b_pow_2_adj =
        pot(input_integer_bits - z_b_headroom, 31 - ACCUM_BITS).saturating_sub(shifted_quarter);

    let r = r_a.min(r_b);
    let z_pow_2_adj = z_a_pow_2_adj.max(z_b_pow_2_adj);

    let p = rounding_half_sum(r, SQRT_SQRT_HALF);
    let q = r.wrapping_sub(SQRT_SQRT_HALF).wrapping_mul(2);
    let common_sq = mul(q, q);
    let num = mul(q, r).wrapping_add(mul(mul(q, common_sq), ALPHA_N));
    let denom_minus_one = mul(
        p,
        ALPHA_I
            .wrapping_add(q)
            .wrapping_add(mul(ALPHA_D, common_sq)),
    )
    .wrapping_add(mul(ALPHA_F, q));
    let recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
    let num_scaled = rescale(num, 0, ACCUM_BITS);
    rescale(
        mul(z_pow_2_adj, LOG_2).wrapping_add(mul(num_scaled, recip_denom)),
        ACCUM_BITS,
        INPUT_INTEGER_BITS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `log(x)` for x from 1 to 4095 (Q12.19) is within 2^-20 of the truth.
    #[test]
    fn fixed_point_log_is_close_to_ln() {
        for k in 1..4096i32 {
            let x = k << 19;
            let got = f64::from(log_x_for_x_at_least_one(x, 12)) / f64::from(1 << 26);
            let want = f64::from(k).ln();
            assert!((got - want).abs() < 1e-6, "log({k}) = {got}, want {want}");
        }
    }

    #[test]
    fn refuses_other_output_quantization() {
        assert!(matches!(
            prepare_log_softmax_int8(0.1, 1.0 / 256.0, -128),
            Err(KernelError::OutputQuantization { .. })
        ));
        assert!(prepare_log_softmax_int8(0.1, OUTPUT_SCALE, OUTPUT_ZERO_POINT).is_ok());
    }

    #[test]
    fn uniform_row_is_minus_log_depth() {
        let params = prepare_log_softmax_int8(0.1, OUTPUT_SCALE, OUTPUT_ZERO_POINT).unwrap();
        let input = [5i8; 8];
        let mut output = [0i8; 8];
        log_softmax_int8(&params, 8, &input, &mut output).unwrap();
        // log(1/8) = -2.079; in steps of 1/16 from 127 ~ 127 - 33 = 94.
        assert!(output.iter().all(|&o| o == output[0]));
        assert!((i32::from(output[0]) - 94).abs() <= 1, "{output:?}");
    }
}
