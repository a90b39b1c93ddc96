//! AVX2 dot product of int16 activations with int8 weights, exact in `i64`
//! (the 16x8 convolutions' accumulation).
//!
//! `_mm256_madd_epi16` multiplies 16 pairs and adds neighbours into eight
//! `i32` lanes: each lane gains at most `2 · 2^22 = 2^23` per step, so 64
//! steps (2^29) are summed in `i32` before the lanes are widened into the
//! `i64` total: no intermediate sum wraps, and the result is the exact sum.

use core::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_loadu_si256, _mm256_madd_epi16,
    _mm256_setzero_si256, _mm256_storeu_si256, _mm_loadu_si128,
};

use super::Avx2;

/// 16-element steps summed in `i32` lanes before widening (each lane stays
/// below 2^29).
const STEPS_PER_FLUSH: usize = 64;

/// `sum(x[k] * w[k])` over `k < min(x.len(), w.len())`, exact.
pub(crate) fn dot_16x8(_token: Avx2, x: &[i16], w: &[i8]) -> i64 {
    // SAFETY: the `Avx2` token proves the CPU supports AVX2.
    unsafe { dot_avx2(x, w) }
}

#[target_feature(enable = "avx2")]
fn lanes_sum(v: __m256i) -> i64 {
    let mut lanes = [0i32; 8];
    // SAFETY: `lanes` holds 32 writable bytes; unaligned store.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), v) };
    lanes.iter().map(|&l| i64::from(l)).sum()
}

#[target_feature(enable = "avx2")]
fn dot_avx2(x: &[i16], w: &[i8]) -> i64 {
    let n = x.len().min(w.len());
    let full = n - n % 16;
    let mut total = 0i64;
    let mut k = 0;
    while k < full {
        let end = full.min(k + 16 * STEPS_PER_FLUSH);
        let mut acc = _mm256_setzero_si256();
        while k < end {
            // SAFETY: `k + 16 <= full <= n`, and `x` and `w` hold at least
            // `n` elements; unaligned loads.
            let (xs, ws) = unsafe {
                (
                    _mm256_loadu_si256(x.as_ptr().add(k).cast()),
                    _mm256_cvtepi8_epi16(_mm_loadu_si128(w.as_ptr().add(k).cast())),
                )
            };
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xs, ws));
            k += 16;
        }
        total += lanes_sum(acc);
    }
    for (&a, &b) in x
        .get(full..n)
        .unwrap_or_default()
        .iter()
        .zip(w.get(full..n).unwrap_or_default())
    {
        total += i64::from(a) * i64::from(b);
    }
    total
}
