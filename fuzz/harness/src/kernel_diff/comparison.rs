//! The comparisons (`microlite_kernels::comparison`) against the naive
//! broadcast and TFLM's int8 rescaling written from its definition.

use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::comparison::{
    compare, compare_bool, compare_int8, Comparison, ComparisonQuant,
};

use super::elementwise::shapes;
use super::{float_value, mismatch, multiplier_and_shift, Mismatch};
use crate::decisions::Decisions;
use crate::naive::elementwise::{broadcast_pairs, broadcast_shape};
use crate::naive::{divide_by_pot, doubling_high_mul};

const OPS: [Comparison; 6] = [
    Comparison::Equal,
    Comparison::NotEqual,
    Comparison::Greater,
    Comparison::GreaterEqual,
    Comparison::Less,
    Comparison::LessEqual,
];

/// The C++ comparison of `x` and `y`.
fn naive<T: PartialOrd>(op: Comparison, x: T, y: T) -> bool {
    match op {
        Comparison::Equal => x == y,
        Comparison::NotEqual => x != y,
        Comparison::Greater => x > y,
        Comparison::GreaterEqual => x >= y,
        Comparison::Less => x < y,
        _ => x <= y,
    }
}

/// TFLM's rescaled int8 input: `(offset + x) * 256`, then the high multiply
/// and rounding divide of `MultiplyByQuantizedMultiplierSmallerThanOneExp`.
fn rescaled(x: i8, offset: i32, multiplier: i32, shift: i32) -> i32 {
    let shifted = (offset + i32::from(x)) * 256;
    divide_by_pot(doubling_high_mul(shifted, multiplier), -shift)
}

pub(super) fn comparison(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (a_dims, b_dims) = shapes(d);
    let Some(out_dims) = broadcast_shape(&a_dims, &b_dims) else {
        return Ok(());
    };
    let shape = match BroadcastShape::new(&a_dims, &b_dims, &out_dims) {
        Ok(shape) => shape,
        Err(e) => return mismatch("comparison", format!("{a_dims:?} {b_dims:?}: {e}")),
    };
    let op = OPS[d.below(OPS.len())];
    let count = |dims: &[usize]| dims.iter().product::<usize>();
    let pairs = broadcast_pairs(&out_dims, &a_dims, &b_dims);
    let mut out = vec![7u8; pairs.len()];
    let check = |got: &[u8], want: &dyn Fn(usize, usize) -> bool| -> Result<(), Mismatch> {
        for (&(i, j), &g) in pairs.iter().zip(got) {
            if g != u8::from(want(i, j)) {
                return mismatch("comparison", format!("{op:?} at ({i}, {j}): got {g}"));
            }
        }
        Ok(())
    };
    match d.u8() % 3 {
        0 => {
            let a: Vec<f32> = (0..count(&a_dims)).map(|_| float_value(d)).collect();
            let b: Vec<f32> = (0..count(&b_dims)).map(|_| float_value(d)).collect();
            if compare(op, &shape, &a, &b, &mut out).is_err() {
                return mismatch("comparison f32", "rejected matching lengths".into());
            }
            check(&out, &|i, j| naive(op, a[i], b[j]))
        }
        1 => {
            let a: Vec<u8> = (0..count(&a_dims)).map(|_| d.u8() % 3).collect();
            let b: Vec<u8> = (0..count(&b_dims)).map(|_| d.u8() % 3).collect();
            if compare_bool(op, &shape, &a, &b, &mut out).is_err() {
                return mismatch("comparison bool", "rejected matching lengths".into());
            }
            check(&out, &|i, j| naive(op, a[i] != 0, b[j] != 0))
        }
        _ => {
            let (m1, s1) = multiplier_and_shift(d);
            let (m2, s2) = multiplier_and_shift(d);
            // TFLM's multipliers below one: shifts <= 0.
            let q = ComparisonQuant {
                input1_offset: d.in_range(-127, 128),
                input1_multiplier: m1,
                input1_shift: s1.min(0),
                input2_offset: d.in_range(-127, 128),
                input2_multiplier: m2,
                input2_shift: s2.min(0),
            };
            let a: Vec<i8> = (0..count(&a_dims)).map(|_| d.u8() as i8).collect();
            let b: Vec<i8> = (0..count(&b_dims)).map(|_| d.u8() as i8).collect();
            if compare_int8(op, &q, &shape, &a, &b, &mut out).is_err() {
                return mismatch("comparison int8", "rejected matching lengths".into());
            }
            check(&out, &|i, j| {
                let x = rescaled(a[i], q.input1_offset, q.input1_multiplier, q.input1_shift);
                let y = rescaled(b[j], q.input2_offset, q.input2_multiplier, q.input2_shift);
                naive(op, x, y)
            })
        }
    }
}
