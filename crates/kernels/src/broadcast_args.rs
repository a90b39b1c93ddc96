//! BROADCAST_ARGS: the shape two shapes broadcast to (TFLM's
//! `reference_ops::BroadcastArgs`).

use crate::KernelError;

/// Writes into `output` (its length is the broadcast rank) the broadcast of
/// shapes `a` and `b`, right-aligned: where one extent is 1 the other's,
/// else both must be equal ([`KernelError::InvalidValue`] at the output
/// position otherwise; TFLM aborts there). A missing leading extent counts
/// as one. Extents are read as TFLM reads them, truncated to 32 bits, then
/// widened to `T`.
pub fn broadcast_args<T: Copy + Into<i64> + From<i32>>(
    a: &[T],
    b: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let n = output.len();
    let extent = |shape: &[T], back: usize| -> i32 {
        shape
            .len()
            .checked_sub(1 + back)
            .and_then(|k| shape.get(k))
            .map_or(1, |&v| v.into() as i32)
    };
    for back in 0..n {
        let (x, y) = (extent(a, back), extent(b, back));
        let value = if x == 1 {
            y
        } else if y == 1 || x == y {
            x
        } else {
            return Err(KernelError::InvalidValue {
                what: "BROADCAST_ARGS extents neither equal nor 1",
                position: n - 1 - back,
            });
        };
        if let Some(out) = output.get_mut(n - 1 - back) {
            *out = T::from(value);
        }
    }
    Ok(())
}
