//! AVX2 int8 ADD and SUB of two inputs of the same shape (no broadcasting),
//! 16 elements per step, bit for bit as the reference
//! (`elementwise::add_int8` / `sub_int8`).
//!
//! Each input is offset, shifted left, and rescaled with the doubling high
//! multiply and rounding divide of [`rescale`]; the two are added (or
//! subtracted) with wrapping 32-bit arithmetic and rescaled to the output,
//! offset and clamped by [`requantize`], exactly the reference's steps.

use core::arch::x86_64::{
    __m128i, __m256i, _mm256_add_epi32, _mm256_castsi256_si128, _mm256_cvtepi8_epi32,
    _mm256_extracti128_si256, _mm256_packs_epi32, _mm256_permute4x64_epi64, _mm256_set1_epi32,
    _mm256_sub_epi32, _mm_loadu_si128, _mm_packs_epi16, _mm_srli_si128, _mm_storeu_si128,
};

use super::requantize::{requantize, rescale, LaneScale, StageConstants};
use super::Avx2;
use crate::elementwise::AddSubQuantParams;

/// Elements per step.
const STEP: usize = 16;

/// The exponent of the reference's rounding divide for a rescaling shift
/// (`-shift` clamped to `0..=63`), if the vector code takes it (`0..=31`).
fn right_shift(shift: i32) -> Option<i32> {
    let exponent = shift.checked_neg().unwrap_or(i32::MAX).clamp(0, 63);
    (exponent <= 31).then_some(exponent)
}

/// The left shift the reference applies (`x * (1 << s)` with the shift taken
/// modulo 32 and negative shifts as 0).
fn left_shift(shift: i32) -> i32 {
    shift.max(0) & 31
}

/// Whether [`add_sub_int8`] takes these parameters: every rounding divide
/// by at most `2^31`.
pub(crate) fn add_sub_fits(q: &AddSubQuantParams) -> bool {
    right_shift(q.input1_shift).is_some()
        && right_shift(q.input2_shift).is_some()
        && right_shift(q.output_shift).is_some()
}

/// `out = a + b` (or `a - b` when `SUBTRACT`) with TFLM's int8 rescaling.
/// Returns `false`, touching nothing, when the lengths differ or
/// [`add_sub_fits`] fails.
pub(crate) fn add_sub_int8<const SUBTRACT: bool>(
    _token: Avx2,
    q: &AddSubQuantParams,
    a: &[i8],
    b: &[i8],
    out: &mut [i8],
) -> bool {
    if a.len() != out.len() || b.len() != out.len() || !add_sub_fits(q) {
        return false;
    }
    // SAFETY: the `Avx2` token proves the CPU supports AVX2.
    unsafe { add_sub_avx2::<SUBTRACT>(q, a, b, out) };
    true
}

/// The lane constants of one ADD / SUB.
struct Constants {
    offset1: __m256i,
    offset2: __m256i,
    scale1: LaneScale,
    scale2: LaneScale,
    output: LaneScale,
    stage: StageConstants,
}

impl Constants {
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new(q: &AddSubQuantParams) -> Self {
        let splat = _mm256_set1_epi32;
        let left = splat(left_shift(q.left_shift));
        let right = |shift: i32| splat(right_shift(shift).unwrap_or(0));
        Self {
            offset1: splat(q.input1_offset),
            offset2: splat(q.input2_offset),
            scale1: LaneScale::with_shifts(splat(q.input1_multiplier), left, right(q.input1_shift)),
            scale2: LaneScale::with_shifts(splat(q.input2_multiplier), left, right(q.input2_shift)),
            output: LaneScale::with_shifts(
                splat(q.output_multiplier),
                splat(0),
                right(q.output_shift),
            ),
            stage: StageConstants::from_parts(q.output_offset, q.activation_min, q.activation_max),
        }
    }

    /// Eight outputs (as `i32` lanes, clamped) from eight widened inputs each.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn combine<const SUBTRACT: bool>(&self, x: __m256i, y: __m256i) -> __m256i {
        let x = rescale(_mm256_add_epi32(x, self.offset1), &self.scale1);
        let y = rescale(_mm256_add_epi32(y, self.offset2), &self.scale2);
        let raw = if SUBTRACT {
            _mm256_sub_epi32(x, y)
        } else {
            _mm256_add_epi32(x, y)
        };
        requantize(raw, &self.output, &self.stage)
    }

    /// Sixteen outputs from sixteen elements of each input.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn step<const SUBTRACT: bool>(&self, a: __m128i, b: __m128i) -> __m128i {
        let low = self.combine::<SUBTRACT>(_mm256_cvtepi8_epi32(a), _mm256_cvtepi8_epi32(b));
        let high = self.combine::<SUBTRACT>(
            _mm256_cvtepi8_epi32(_mm_srli_si128::<8>(a)),
            _mm256_cvtepi8_epi32(_mm_srli_si128::<8>(b)),
        );
        // Saturating packs: the clamp to int8 of the reference. The 32->16
        // pack interleaves 128-bit halves; the permute restores the order.
        let words = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(low, high));
        _mm_packs_epi16(
            _mm256_castsi256_si128(words),
            _mm256_extracti128_si256::<1>(words),
        )
    }
}

#[target_feature(enable = "avx2")]
fn add_sub_avx2<const SUBTRACT: bool>(q: &AddSubQuantParams, a: &[i8], b: &[i8], out: &mut [i8]) {
    let k = Constants::new(q);
    let n = out.len().min(a.len()).min(b.len());
    let full = n - n % STEP;
    let mut i = 0;
    while i < full {
        // SAFETY: `i + 16 <= full <= n`, and `a`, `b` and `out` hold at least
        // `n` elements; unaligned loads and stores.
        unsafe {
            let va = _mm_loadu_si128(a.as_ptr().add(i).cast());
            let vb = _mm_loadu_si128(b.as_ptr().add(i).cast());
            _mm_storeu_si128(out.as_mut_ptr().add(i).cast(), k.step::<SUBTRACT>(va, vb));
        }
        i += STEP;
    }
    if full < n {
        let mut buffers = [[0i8; STEP]; 3];
        let [ba, bb, bo] = &mut buffers;
        for (buffer, source) in [(&mut *ba, a), (&mut *bb, b)] {
            let tail = source.get(full..n).unwrap_or(&[]);
            buffer.iter_mut().zip(tail).for_each(|(d, &s)| *d = s);
        }
        // SAFETY: the buffers hold 16 bytes each; unaligned loads and store.
        unsafe {
            let va = _mm_loadu_si128(ba.as_ptr().cast());
            let vb = _mm_loadu_si128(bb.as_ptr().cast());
            _mm_storeu_si128(bo.as_mut_ptr().cast(), k.step::<SUBTRACT>(va, vb));
        }
        let dst = out.get_mut(full..n).unwrap_or(&mut []);
        dst.iter_mut().zip(bo.iter()).for_each(|(d, &s)| *d = s);
    }
}
