//! Naive ADD, SUB and MUL with NumPy broadcasting: each output element's
//! input elements found from its multi-index, and TFLM's int8
//! and int16 arithmetic written from its definition.

use super::{divide_by_pot, doubling_high_mul, multiply_by_quantized_multiplier, wrap32};

/// The broadcast output shape of `a` and `b` (right-aligned; each pair of
/// extents equal or one of them 1), or `None` when they do not broadcast.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let extent = |d: &[usize], k: usize| {
        (k + d.len())
            .checked_sub(rank)
            .map_or(1, |i| d.get(i).copied().unwrap_or(1))
    };
    (0..rank)
        .map(|k| match (extent(a, k), extent(b, k)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// For every output element (row-major over `out`), the flat indices of the
/// `a` and `b` elements it combines.
pub fn broadcast_pairs(out: &[usize], a: &[usize], b: &[usize]) -> Vec<(usize, usize)> {
    let n: usize = out.iter().product();
    let index_in = |dims: &[usize], coords: &[usize]| {
        let skip = coords.len() - dims.len();
        dims.iter()
            .zip(&coords[skip..])
            .fold(0, |flat, (&d, &c)| flat * d + if d == 1 { 0 } else { c })
    };
    (0..n)
        .map(|flat| {
            let mut coords = vec![0; out.len()];
            let mut rest = flat;
            for (c, &d) in coords.iter_mut().zip(out).rev() {
                *c = rest % d;
                rest /= d;
            }
            (index_in(a, &coords), index_in(b, &coords))
        })
        .collect()
}

/// TFLM's `MultiplyByQuantizedMultiplierSmallerThanOneExp`: high-multiply,
/// then divide by `2^-shift`.
fn multiply_below_one(x: i32, m: i32, shift: i32) -> i32 {
    divide_by_pot(doubling_high_mul(x, m), -shift)
}

/// Quantized (int8 or int16) ADD (or SUB) of one pair of stored values,
/// from the prepared parameters: offset, shift left (wrapping), rescale each
/// input, add (or subtract), rescale to the output, offset, clamp to the
/// activation range. The caller truncates to the storage type.
pub fn add_sub_quantized(
    p: &microlite_kernels::elementwise::AddSubQuantParams,
    x: i32,
    y: i32,
    subtract: bool,
) -> i32 {
    let scale = |v: i32, offset: i32, m: i32, s: i32| {
        let shifted = wrap32((i128::from(v) + i128::from(offset)) << p.left_shift.clamp(0, 31));
        multiply_below_one(shifted, m, s)
    };
    let a = i128::from(scale(
        x,
        p.input1_offset,
        p.input1_multiplier,
        p.input1_shift,
    ));
    let b = i128::from(scale(
        y,
        p.input2_offset,
        p.input2_multiplier,
        p.input2_shift,
    ));
    let raw = wrap32(if subtract { a - b } else { a + b });
    let out = multiply_below_one(raw, p.output_multiplier, p.output_shift);
    wrap32(i128::from(out) + i128::from(p.output_offset))
        .max(p.activation_min)
        .min(p.activation_max)
}

/// Quantized MUL of one pair of stored values: offset both, multiply
/// (wrapping int32), rescale, offset, clamp to the activation range. The
/// caller truncates.
pub fn mul_quantized(p: &microlite_kernels::elementwise::MulQuantParams, x: i32, y: i32) -> i32 {
    let a = i128::from(x) + i128::from(p.input1_offset);
    let b = i128::from(y) + i128::from(p.input2_offset);
    let scaled =
        multiply_by_quantized_multiplier(wrap32(a * b), p.output_multiplier, p.output_shift);
    wrap32(i128::from(scaled) + i128::from(p.output_offset))
        .max(p.activation_min)
        .min(p.activation_max)
}

/// Quantized SQUARED_DIFFERENCE of one pair, from the prepared parameters:
/// offset and shift each input (wrapping), rescale, subtract, square
/// (wrapping int32), rescale to the output, offset, clamp.
pub fn squared_difference(
    p: &microlite_kernels::squared_difference::QuantizedSquaredDifference,
    x: i32,
    y: i32,
) -> i32 {
    let scale = |v: i32, offset: i32, m: i32, s: i32| {
        let shifted = wrap32((i128::from(v) + i128::from(offset)) << p.left_shift.clamp(0, 31));
        multiply_below_one(shifted, m, s)
    };
    let a = i128::from(scale(
        x,
        p.input1_offset,
        p.input1_multiplier,
        p.input1_shift,
    ));
    let b = i128::from(scale(
        y,
        p.input2_offset,
        p.input2_multiplier,
        p.input2_shift,
    ));
    let diff = i128::from(wrap32(a - b));
    let squared = wrap32(diff * diff);
    let out = multiply_by_quantized_multiplier(squared, p.output_multiplier, p.output_shift);
    wrap32(i128::from(out) + i128::from(p.output_offset))
        .max(p.min)
        .min(p.max)
}
