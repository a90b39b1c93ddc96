//! AVX2 multiply-accumulate of int16 activations by int8 weights into `i32`
//! lanes, element by element (the 16x8 depthwise conv's per-channel sums).
//!
//! Each product is exact in `i32` (at most 2^22 in magnitude); the callers
//! bound the number of products added into one accumulator so that the sums
//! do not wrap either.

use core::arch::x86_64::{
    _mm256_add_epi32, _mm256_cvtepi16_epi32, _mm256_cvtepi8_epi32, _mm256_loadu_si256,
    _mm256_mullo_epi32, _mm256_storeu_si256, _mm_loadl_epi64, _mm_loadu_si128,
};

use super::Avx2;

/// `acc[k] += x[k] * w[k]` for `k < min(acc.len(), x.len(), w.len())`.
pub(crate) fn mac_16x8(_token: Avx2, acc: &mut [i32], x: &[i16], w: &[i8]) {
    // SAFETY: the `Avx2` token proves the CPU supports AVX2.
    unsafe { mac_avx2(acc, x, w) }
}

#[target_feature(enable = "avx2")]
fn mac_avx2(acc: &mut [i32], x: &[i16], w: &[i8]) {
    let n = acc.len().min(x.len()).min(w.len());
    let full = n - n % 8;
    let mut k = 0;
    while k < full {
        // SAFETY: `k + 8 <= full <= n`, and `acc`, `x` and `w` hold at least
        // `n` elements: the loads read 8 `i32`, 8 `i16` and 8 `i8` (unaligned)
        // inside them, and the store writes the 8 `i32` just read.
        unsafe {
            let a = _mm256_loadu_si256(acc.as_ptr().add(k).cast());
            let xs = _mm256_cvtepi16_epi32(_mm_loadu_si128(x.as_ptr().add(k).cast()));
            let ws = _mm256_cvtepi8_epi32(_mm_loadl_epi64(w.as_ptr().add(k).cast()));
            let sum = _mm256_add_epi32(a, _mm256_mullo_epi32(xs, ws));
            _mm256_storeu_si256(acc.as_mut_ptr().add(k).cast(), sum);
        }
        k += 8;
    }
    let tail = acc.get_mut(full..n).unwrap_or_default();
    for ((a, &xv), &wv) in tail
        .iter_mut()
        .zip(x.get(full..n).unwrap_or_default())
        .zip(w.get(full..n).unwrap_or_default())
    {
        *a = a.wrapping_add(i32::from(xv) * i32::from(wv));
    }
}
