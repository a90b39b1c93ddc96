//! Naive, independently written definitions of the reference kernels'
//! arithmetic, the oracle of the `kernel_diff` target.
//!
//! Written from the mathematical definitions (exact wide-integer arithmetic,
//! then reduced modulo 2^32 where TFLM's int32 arithmetic wraps), never by
//! calling into `microlite-kernels` (only its plain parameter structs are
//! read).

pub mod elementwise;
pub mod softmax;
pub mod window;

/// Reduces an exact integer modulo 2^32 to two's-complement `i32`, the
/// result of C++ int32 arithmetic on the targets TFLM runs on.
pub fn wrap32(x: i128) -> i32 {
    x.rem_euclid(1 << 32) as u32 as i32
}

/// `round(a * b / 2^31)` with ties toward +infinity, saturated: gemmlowp's
/// `SaturatingRoundingDoublingHighMul`.
pub fn doubling_high_mul(a: i32, b: i32) -> i32 {
    let exact = i128::from(a) * i128::from(b);
    let q = (exact + (1 << 30)).div_euclid(1 << 31);
    q.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32
}

/// `x / 2^e` rounded to nearest, ties away from zero (`e <= 0`: identity).
pub fn divide_by_pot(x: i32, e: i32) -> i32 {
    if e <= 0 {
        return x;
    }
    let e = e.min(100) as u32;
    let magnitude = i128::from(x).abs();
    let half = 1i128 << (e - 1);
    let q = (magnitude + half) >> e;
    (if x < 0 { -q } else { q }) as i32
}

/// TFLM's double-rounding `MultiplyByQuantizedMultiplier`: multiply by
/// `2^max(shift, 0)` (wrapping; shift amounts taken modulo 32 as the shift
/// instructions do), high-multiply by `m`, divide by `2^max(-shift, 0)`.
pub fn multiply_by_quantized_multiplier(x: i32, m: i32, shift: i32) -> i32 {
    let left = if shift > 0 { shift % 32 } else { 0 };
    let scaled = wrap32(i128::from(x) << left);
    divide_by_pot(doubling_high_mul(scaled, m), -shift)
}

/// C++ `std::min(std::max(x, lo), hi)` on floats (NaN passes through).
pub fn clamp_cpp_f32(x: f32, lo: f32, hi: f32) -> f32 {
    let a = if x < lo { lo } else { x };
    if hi < a {
        hi
    } else {
        a
    }
}

/// Parameters shared by the naive int8 fully connected variants.
#[derive(Debug, Clone)]
pub struct NaiveFcI8 {
    /// Added to every input value.
    pub input_offset: i32,
    /// Added to every weight.
    pub filter_offset: i32,
    /// Added after rescaling.
    pub output_offset: i32,
    /// Per output unit (one entry repeated for per-tensor).
    pub multipliers: Vec<i32>,
    /// Per output unit.
    pub shifts: Vec<i32>,
    /// Clamp bounds.
    pub min: i32,
    /// Clamp bounds.
    pub max: i32,
}

/// Int8 fully connected: exact dot product of offset values, plus bias,
/// reduced to int32, rescaled, offset, clamped, truncated to int8.
pub fn fully_connected_i8(
    p: &NaiveFcI8,
    batches: usize,
    depth: usize,
    units: usize,
    input: &[i8],
    filter: &[i8],
    bias: Option<&[i32]>,
) -> Vec<i8> {
    let mut out = Vec::with_capacity(batches * units);
    for b in 0..batches {
        for u in 0..units {
            let mut acc: i128 = 0;
            for k in 0..depth {
                let x = i128::from(input[b * depth + k]) + i128::from(p.input_offset);
                let w = i128::from(filter[u * depth + k]) + i128::from(p.filter_offset);
                acc += x * w;
            }
            if let Some(bias) = bias {
                acc += i128::from(bias[u]);
            }
            let scaled =
                multiply_by_quantized_multiplier(wrap32(acc), p.multipliers[u], p.shifts[u]);
            let shifted = wrap32(i128::from(scaled) + i128::from(p.output_offset));
            out.push(shifted.max(p.min).min(p.max) as i8);
        }
    }
    out
}

/// Float fully connected: left-to-right `f32` sum of products from 0, plus
/// the bias (0 when absent), clamped.
#[allow(clippy::too_many_arguments)]
pub fn fully_connected_f32(
    min: f32,
    max: f32,
    batches: usize,
    depth: usize,
    units: usize,
    input: &[f32],
    filter: &[f32],
    bias: Option<&[f32]>,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(batches * units);
    for b in 0..batches {
        for u in 0..units {
            let mut total = 0.0f32;
            for k in 0..depth {
                total += input[b * depth + k] * filter[u * depth + k];
            }
            let bias_value = bias.map_or(0.0, |bias| bias[u]);
            out.push(clamp_cpp_f32(total + bias_value, min, max));
        }
    }
    out
}

/// Float → integer in `[lo, hi]`: `round(x / scale)` (ties away from zero,
/// in `f32`), converted to int32 saturating (NaN → 0), plus the zero point
/// (saturating), clamped.
pub fn quantize(x: f32, scale: f32, zero_point: i32, lo: i32, hi: i32) -> i32 {
    let q = (x / scale).round() as i32;
    q.saturating_add(zero_point).clamp(lo, hi)
}

/// Integer → float: `(scale as f64) * (x - zero_point as int32, wrapping)`,
/// rounded once to `f32`.
pub fn dequantize(x: i32, scale: f32, zero_point: i32) -> f32 {
    let centered = wrap32(i128::from(x) - i128::from(zero_point));
    (f64::from(scale) * f64::from(centered)) as f32
}

/// Integer → integer in `[lo, hi]`: rescale `x - in_zp`, add `out_zp`
/// (int32 wrapping), clamp.
pub fn requantize(x: i32, m: i32, shift: i32, in_zp: i32, out_zp: i32, lo: i32, hi: i32) -> i32 {
    let centered = wrap32(i128::from(x) - i128::from(in_zp));
    let scaled = multiply_by_quantized_multiplier(centered, m, shift);
    wrap32(i128::from(scaled) + i128::from(out_zp)).clamp(lo, hi)
}

/// `real = m * 2^(shift - 31)` with `|m|` in `[2^30, 2^31)`: scale `real`
/// by exact powers of two into `[0.5, 1)`, round the fraction times 2^31
/// half away from zero. `(0, 0)` for zero, non-finite, or shifts below -31.
pub fn quantize_multiplier(real: f64) -> (i32, i32) {
    if real == 0.0 || !real.is_finite() {
        return (0, 0);
    }
    let mut fraction = real;
    let mut shift = 0i32;
    while fraction.abs() >= 1.0 {
        fraction /= 2.0;
        shift += 1;
    }
    while fraction.abs() < 0.5 {
        fraction *= 2.0;
        shift -= 1;
    }
    let mut q = (fraction * 2_147_483_648.0).round() as i64;
    if q == 1 << 31 {
        q /= 2;
        shift += 1;
    }
    if shift < -31 {
        return (0, 0);
    }
    (q as i32, shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_definitions() {
        // 3 * 2^30 / 2^31 = 1.5 -> 2 ; -1.5 -> -1 (ties toward +inf).
        assert_eq!(doubling_high_mul(3, 1 << 30), 2);
        assert_eq!(doubling_high_mul(-3, 1 << 30), -1);
        assert_eq!(doubling_high_mul(i32::MIN, i32::MIN), i32::MAX);
        assert_eq!(divide_by_pot(5, 1), 3);
        assert_eq!(divide_by_pot(-5, 1), -3);
        assert_eq!(divide_by_pot(-4, 1), -2);
        assert_eq!(
            quantize_multiplier(0.75),
            ((0.75f64 * 2_147_483_648.0) as i32, 0)
        );
        assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
        assert_eq!(wrap32(1 << 32), 0);
        assert_eq!(wrap32(-1), -1);
    }
}
