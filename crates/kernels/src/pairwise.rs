//! Elementwise ops of two broadcast inputs that compute on the stored
//! values, with no requantization: MAXIMUM and MINIMUM (any numeric type,
//! TFLM's comparisons, NaN handling included), LOGICAL_AND / LOGICAL_OR of
//! bool bytes, and float FLOOR_DIV / FLOOR_MOD.

use num_traits::Float;

use crate::broadcast::BroadcastShape;
use crate::KernelError;

/// `f(a[i], b[j])` into every output element, `i` and `j` the broadcast
/// indices of `shape`.
pub fn broadcast_apply<T: Copy, U: Copy, O>(
    shape: &BroadcastShape,
    a: &[T],
    b: &[U],
    output: &mut [O],
    f: impl Fn(T, U) -> O,
) -> Result<(), KernelError> {
    shape.check_lengths(a.len(), b.len(), output.len())?;
    shape.for_each(|o, i, j| {
        if let (Some(&x), Some(&y), Some(slot)) = (a.get(i), b.get(j), output.get_mut(o)) {
            *slot = f(x, y);
        }
    });
    Ok(())
}

/// TFLM's `MaximumOp`: `x > y ? x : y` (so a NaN `x` gives `y`).
#[inline]
pub fn maximum<T: PartialOrd>(x: T, y: T) -> T {
    if x > y {
        x
    } else {
        y
    }
}

/// TFLM's `MinimumOp`: `x < y ? x : y`.
#[inline]
pub fn minimum<T: PartialOrd>(x: T, y: T) -> T {
    if x < y {
        x
    } else {
        y
    }
}

/// Bool AND of bytes (non-zero: true), as 0 or 1.
#[inline]
pub fn logical_and(x: u8, y: u8) -> u8 {
    u8::from(x != 0 && y != 0)
}

/// Bool OR of bytes (non-zero: true), as 0 or 1.
#[inline]
pub fn logical_or(x: u8, y: u8) -> u8 {
    u8::from(x != 0 || y != 0)
}

/// TFLM's float `FloorDiv`: `floor(x / y)` (the op refuses zero
/// denominators before).
#[inline]
pub fn floor_div(x: f32, y: f32) -> f32 {
    Float::floor(x / y)
}

/// TFLM's float `FloorMod`: `fmod(x, y)`, moved into `y`'s sign when
/// non-zero and of the other sign.
#[inline]
pub fn floor_mod(x: f32, y: f32) -> f32 {
    let trunc = x % y;
    if trunc != 0.0 && ((y < 0.0) != (trunc < 0.0)) {
        trunc + y
    } else {
        trunc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_max_min_and_logic() {
        let shape = BroadcastShape::new(&[2, 3], &[3], &[2, 3]).unwrap();
        let a = [1i16, 5, -3, 7, 0, 2];
        let b = [2i16, 2, 2];
        let mut out = [0i16; 6];
        broadcast_apply(&shape, &a, &b, &mut out, maximum).unwrap();
        assert_eq!(out, [2, 5, 2, 7, 2, 2]);
        broadcast_apply(&shape, &a, &b, &mut out, minimum).unwrap();
        assert_eq!(out, [1, 2, -3, 2, 0, 2]);
        assert_eq!(maximum(f32::NAN, 1.0), 1.0);
        assert!(maximum(1.0, f32::NAN).is_nan());
        let mut bools = [9u8; 6];
        broadcast_apply(
            &shape,
            &[0, 1, 2, 0, 0, 1],
            &[1, 0, 1],
            &mut bools,
            logical_and,
        )
        .unwrap();
        assert_eq!(bools, [0, 0, 1, 0, 0, 1]);
        assert!(broadcast_apply(&shape, &a, &b, &mut [0i16; 5], maximum).is_err());
        assert_eq!(floor_div(7.0, -2.0), -4.0);
        assert_eq!(floor_mod(7.0, -2.0), -1.0);
        assert_eq!(floor_mod(-7.0, 2.0), 1.0);
        assert_eq!(floor_mod(6.0, 3.0), 0.0);
    }
}
