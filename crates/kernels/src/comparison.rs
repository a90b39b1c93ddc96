//! EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL of two
//! broadcast inputs into bool bytes, as TFLM's `comparisons.h`: stored
//! values compared for float32, int32, int64 and bool; int8 compared after
//! TFLM's rescaling of each input (offset, shift left by 8, multiply by the
//! input's own scale as a multiplier below one).

use bytemuck::{Pod, Zeroable};

use crate::broadcast::BroadcastShape;
use crate::fixed_point::multiply_by_quantized_multiplier_smaller_than_one_exp;
use crate::pairwise::broadcast_apply;
use crate::quantization::quantize_multiplier_smaller_than_one_exp;
use crate::KernelError;

/// Which comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Comparison {
    /// `x == y`.
    Equal,
    /// `x != y`.
    NotEqual,
    /// `x > y`.
    Greater,
    /// `x >= y`.
    GreaterEqual,
    /// `x < y`.
    Less,
    /// `x <= y`.
    LessEqual,
}

impl Comparison {
    /// `x OP y`, as C++ evaluates it (false with a NaN, but `!=`).
    #[inline]
    pub fn holds<T: PartialOrd>(self, x: T, y: T) -> bool {
        match self {
            Self::Equal => x == y,
            Self::NotEqual => x != y,
            Self::Greater => x > y,
            Self::GreaterEqual => x >= y,
            Self::Less => x < y,
            Self::LessEqual => x <= y,
        }
    }
}

/// `a OP b` of stored values into bool bytes, broadcast by `shape`.
pub fn compare<T: Copy + PartialOrd>(
    op: Comparison,
    shape: &BroadcastShape,
    a: &[T],
    b: &[T],
    output: &mut [u8],
) -> Result<(), KernelError> {
    broadcast_apply(shape, a, b, output, |x, y| u8::from(op.holds(x, y)))
}

/// Bool bytes compared as bools (any non-zero byte is true).
pub fn compare_bool(
    op: Comparison,
    shape: &BroadcastShape,
    a: &[u8],
    b: &[u8],
    output: &mut [u8],
) -> Result<(), KernelError> {
    broadcast_apply(shape, a, b, output, |x, y| {
        u8::from(op.holds(x != 0, y != 0))
    })
}

/// TFLM's int8 comparison parameters (left shift 8).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ComparisonQuant {
    /// Negated zero point of input 1.
    pub input1_offset: i32,
    /// Input 1's scale as a multiplier below one.
    pub input1_multiplier: i32,
    /// Its shift (`<= 0`).
    pub input1_shift: i32,
    /// Negated zero point of input 2.
    pub input2_offset: i32,
    /// Input 2's scale as a multiplier below one.
    pub input2_multiplier: i32,
    /// Its shift (`<= 0`).
    pub input2_shift: i32,
}

/// Left shift applied to offset inputs before rescaling.
const LEFT_SHIFT: i32 = 8;

impl ComparisonQuant {
    /// TFLM's prepare from the inputs' scales and zero points; `None` when a
    /// scale is not in `(0, 1)` (where TFLM's `QuantizeMultiplierSmallerThanOneExp`
    /// aborts).
    pub fn new(scale1: f32, zero1: i32, scale2: f32, zero2: i32) -> Option<Self> {
        let (input1_multiplier, input1_shift) =
            quantize_multiplier_smaller_than_one_exp(f64::from(scale1))?;
        let (input2_multiplier, input2_shift) =
            quantize_multiplier_smaller_than_one_exp(f64::from(scale2))?;
        Some(Self {
            input1_offset: zero1.wrapping_neg(),
            input1_multiplier,
            input1_shift,
            input2_offset: zero2.wrapping_neg(),
            input2_multiplier,
            input2_shift,
        })
    }

    fn scaled(x: i8, offset: i32, multiplier: i32, shift: i32) -> i32 {
        let value = offset.wrapping_add(i32::from(x));
        multiply_by_quantized_multiplier_smaller_than_one_exp(
            value.wrapping_mul(1 << LEFT_SHIFT),
            multiplier,
            shift,
        )
    }
}

/// Int8 `a OP b` after TFLM's rescaling, broadcast by `shape`.
pub fn compare_int8(
    op: Comparison,
    q: &ComparisonQuant,
    shape: &BroadcastShape,
    a: &[i8],
    b: &[i8],
    output: &mut [u8],
) -> Result<(), KernelError> {
    broadcast_apply(shape, a, b, output, |x, y| {
        let x = ComparisonQuant::scaled(x, q.input1_offset, q.input1_multiplier, q.input1_shift);
        let y = ComparisonQuant::scaled(y, q.input2_offset, q.input2_multiplier, q.input2_shift);
        u8::from(op.holds(x, y))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_of_each_kind() {
        let shape = BroadcastShape::new(&[4], &[1], &[4]).unwrap();
        let mut out = [9u8; 4];
        compare(
            Comparison::GreaterEqual,
            &shape,
            &[1.0f32, 2.0, f32::NAN, 3.0],
            &[2.0],
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [0, 1, 0, 1]);
        compare(
            Comparison::NotEqual,
            &shape,
            &[1.0f32, 2.0, f32::NAN, 3.0],
            &[2.0],
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [1, 0, 1, 1]);
        // Same real values in different quantizations compare equal.
        let q = ComparisonQuant::new(0.5, 0, 0.25, 10).unwrap();
        compare_int8(
            Comparison::Equal,
            &q,
            &shape,
            &[2, 3, -4, 0],
            &[14],
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [1, 0, 0, 0]);
        assert!(ComparisonQuant::new(1.5, 0, 0.5, 0).is_none());
        compare_bool(Comparison::Equal, &shape, &[0, 1, 2, 0], &[5], &mut out).unwrap();
        assert_eq!(out, [0, 1, 1, 0]);
    }
}
