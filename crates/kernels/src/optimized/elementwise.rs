//! Int8 ADD and SUB of two inputs of the same shape (no broadcasting), bit
//! for bit as [`crate::elementwise::add_int8`] / [`crate::elementwise::sub_int8`]
//! with a shape that does not broadcast.
//!
//! Without index arithmetic the reference's per-element function runs in a
//! tight loop (portable), or 16 elements at a time with AVX2. Per-call cost is
//! a few lane broadcasts, so callers may split a tensor into small chunks.

use super::Backend;
use crate::broadcast::BroadcastError;
use crate::elementwise::{add_sub_element, AddSubQuantParams, ElementwiseError};

/// Checks that `a`, `b` and `out` have the same length.
fn check_lengths(a: &[i8], b: &[i8], out: &[i8]) -> Result<(), ElementwiseError> {
    for (buffer, len) in [("input1", a.len()), ("input2", b.len())] {
        if len != out.len() {
            return Err(ElementwiseError::Broadcast(
                BroadcastError::LengthMismatch {
                    buffer,
                    expected: out.len(),
                    found: len,
                },
            ));
        }
    }
    Ok(())
}

/// `out[i] = a[i] + b[i]` with TFLM's int8 ADD rescaling (`q` from
/// [`crate::elementwise::prepare_add_int8`]) on `backend`. The three slices
/// must have equal lengths.
pub fn add_int8_same_shape(
    backend: Backend,
    q: &AddSubQuantParams,
    a: &[i8],
    b: &[i8],
    out: &mut [i8],
) -> Result<(), ElementwiseError> {
    add_sub::<false>(backend, q, a, b, out)
}

/// `out[i] = a[i] - b[i]` with TFLM's int8 SUB rescaling (`q` from
/// [`crate::elementwise::prepare_sub_int8`]) on `backend`. The three slices
/// must have equal lengths.
pub fn sub_int8_same_shape(
    backend: Backend,
    q: &AddSubQuantParams,
    a: &[i8],
    b: &[i8],
    out: &mut [i8],
) -> Result<(), ElementwiseError> {
    add_sub::<true>(backend, q, a, b, out)
}

fn add_sub<const SUBTRACT: bool>(
    backend: Backend,
    q: &AddSubQuantParams,
    a: &[i8],
    b: &[i8],
    out: &mut [i8],
) -> Result<(), ElementwiseError> {
    check_lengths(a, b, out)?;
    #[cfg(target_arch = "x86_64")]
    if let (Backend::Avx2(token), false) = (backend, cfg!(feature = "reference-only")) {
        if crate::arch::x86_64::add_sub_int8::<SUBTRACT>(token, q, a, b, out) {
            return Ok(());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = backend;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = add_sub_element(q, x, y, SUBTRACT);
    }
    Ok(())
}
