//! Int8 ADD and SUB of two inputs of the same shape (no broadcasting), bit
//! for bit as [`crate::elementwise::add_int8`] / [`crate::elementwise::sub_int8`]
//! with a shape that does not broadcast.
//!
//! Without index arithmetic the reference's per-element function runs in a
//! tight loop (portable), or 16 elements at a time with AVX2. Per-call cost is
//! a few lane broadcasts, so callers may split a tensor into small chunks.

use super::Backend;
use crate::elementwise::{add_sub_element, AddSubQuantParams};
use crate::fixed_point::{RightShiftScale, SmallInputScale};
use crate::KernelError;

/// Checks that `a`, `b` and `out` have the same length.
fn check_lengths(a: &[i8], b: &[i8], out: &[i8]) -> Result<(), KernelError> {
    for (buffer, len) in [("input1", a.len()), ("input2", b.len())] {
        if len != out.len() {
            return Err(KernelError::LengthMismatch {
                buffer,
                expected: out.len(),
                actual: len,
            });
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
) -> Result<(), KernelError> {
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
) -> Result<(), KernelError> {
    add_sub::<true>(backend, q, a, b, out)
}

fn add_sub<const SUBTRACT: bool>(
    backend: Backend,
    q: &AddSubQuantParams,
    a: &[i8],
    b: &[i8],
    out: &mut [i8],
) -> Result<(), KernelError> {
    check_lengths(a, b, out)?;
    #[cfg(target_arch = "x86_64")]
    if let (Backend::Avx2(token), false) = (backend, cfg!(feature = "reference-only")) {
        if crate::arch::x86_64::add_sub_int8::<SUBTRACT>(token, q, a, b, out) {
            return Ok(());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = backend;
    if let Some(short) = SmallInputs::new(q) {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = short.element::<SUBTRACT>(x, y);
        }
        return Ok(());
    }
    if let Some(hoisted) = Hoisted::new(q) {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = hoisted.element::<SUBTRACT>(q, x, y);
        }
        return Ok(());
    }
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = add_sub_element(q, x, y, SUBTRACT);
    }
    Ok(())
}

/// [`Hoisted`] for calls whose every intermediate value provably stays
/// below 2^29 in magnitude (int8 inputs plus offsets, shifted left by at
/// most 21: TFLM's int8 ADD shifts by 20), so that each scale is a
/// [`SmallInputScale`]: the same bits in fewer instructions.
struct SmallInputs {
    input1: SmallInputScale,
    input2: SmallInputScale,
    output: SmallInputScale,
    input1_offset: i32,
    input2_offset: i32,
    output_offset: i32,
    /// The left shift plus one (the doubling the scales take).
    doubling_shift: u32,
    min: i32,
    max: i32,
}

impl SmallInputs {
    fn new(q: &AddSubQuantParams) -> Option<Self> {
        let left = u32::try_from(q.left_shift).ok()?;
        let widest = |offset: i32| u64::from(offset.unsigned_abs()) + 128;
        let bound = widest(q.input1_offset).max(widest(q.input2_offset));
        // |x + offset| << left < 2^29: each scaled input is at most that
        // (the multipliers are below one), their sum or difference below
        // 2^30, so every scale sees values below 2^30.
        if left > 21 || bound << left >= 1 << 29 {
            return None;
        }
        Some(Self {
            input1: SmallInputScale::new(q.input1_multiplier, q.input1_shift)?,
            input2: SmallInputScale::new(q.input2_multiplier, q.input2_shift)?,
            output: SmallInputScale::new(q.output_multiplier, q.output_shift)?,
            input1_offset: q.input1_offset,
            input2_offset: q.input2_offset,
            output_offset: q.output_offset,
            doubling_shift: left + 1,
            min: q.activation_min,
            max: q.activation_max,
        })
    }

    /// [`add_sub_element`] of `x` and `y`.
    #[inline(always)]
    fn element<const SUBTRACT: bool>(&self, x: i8, y: i8) -> i8 {
        let a = self
            .input1
            .apply_doubled((self.input1_offset + i32::from(x)) << self.doubling_shift);
        let b = self
            .input2
            .apply_doubled((self.input2_offset + i32::from(y)) << self.doubling_shift);
        let raw = if SUBTRACT { a - b } else { a + b };
        let out = self
            .output
            .apply_doubled(raw << 1)
            .wrapping_add(self.output_offset);
        out.max(self.min)
            .min(self.max)
            .clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
    }
}

/// The per-call parts of an int8 ADD / SUB element: both inputs' and the
/// output's [`RightShiftScale`], and the inputs' left-shift factor.
struct Hoisted {
    input1: RightShiftScale,
    input2: RightShiftScale,
    output: RightShiftScale,
    /// `1 << left_shift` as TFLM's `x * (1 << left_shift)` uses it.
    factor: i32,
}

impl Hoisted {
    fn new(q: &AddSubQuantParams) -> Option<Self> {
        Some(Self {
            input1: RightShiftScale::new(q.input1_multiplier, q.input1_shift)?,
            input2: RightShiftScale::new(q.input2_multiplier, q.input2_shift)?,
            output: RightShiftScale::new(q.output_multiplier, q.output_shift)?,
            factor: 1i32.wrapping_shl(u32::try_from(q.left_shift).unwrap_or(0)),
        })
    }

    /// [`add_sub_element`] of `x` and `y`.
    #[inline(always)]
    fn element<const SUBTRACT: bool>(&self, q: &AddSubQuantParams, x: i8, y: i8) -> i8 {
        let a = self.input1.apply(
            q.input1_offset
                .wrapping_add(i32::from(x))
                .wrapping_mul(self.factor),
        );
        let b = self.input2.apply(
            q.input2_offset
                .wrapping_add(i32::from(y))
                .wrapping_mul(self.factor),
        );
        let raw = if SUBTRACT {
            a.wrapping_sub(b)
        } else {
            a.wrapping_add(b)
        };
        let out = self.output.apply(raw).wrapping_add(q.output_offset);
        out.max(q.activation_min)
            .min(q.activation_max)
            .clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
    }
}
