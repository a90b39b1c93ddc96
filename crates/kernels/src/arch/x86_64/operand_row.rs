//! Builds the widened operand row of one pixel for the AVX2 GEMM kernels:
//! `wide[k] = x[k] + input_offset` as `i16`, with 0 for padding taps, read
//! straight from the input (no intermediate patch copy).

use core::arch::x86_64::{
    __m256i, _mm256_add_epi16, _mm256_cvtepi8_epi16, _mm256_setzero_si256, _mm256_storeu_si256,
    _mm_loadu_si128,
};

use crate::optimized::gemm::{Gemm, Source};
use crate::optimized::window::{Origin, Windows};
use crate::KernelError;

/// Extra elements a row buffer needs past the depth: runs are written 16
/// elements at a time and may spill (later runs overwrite the spill).
pub(super) const ROW_SLACK: usize = 16;

const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "operand row",
};

/// Writes the operand row of `pixel` (window origin `origin`) into
/// `wide[..g.depth]` (elements past
/// the depth, up to `ROW_SLACK` of them, receive arbitrary values). Requires
/// `wide.len() >= g.depth + ROW_SLACK`.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn widen_operand_row(
    g: &Gemm<'_>,
    pixel: usize,
    origin: Origin,
    offset: __m256i,
    wide: &mut [i16],
) -> Result<(), KernelError> {
    if wide.len() < g.depth + ROW_SLACK {
        return Err(INTERNAL);
    }
    match g.source {
        Source::Matrix(matrix) => widen_run(matrix, pixel * g.depth, g.depth, offset, wide, 0),
        Source::Windows { input, windows } | Source::Patches { input, windows, .. } => {
            widen_window(input, &windows, origin, offset, wide)
        }
    }
}

/// The window at `origin`: one run per window row when the row lies inside
/// the input (no horizontal dilation), else one run per tap.
#[inline]
#[target_feature(enable = "avx2")]
fn widen_window(
    input: &[i8],
    windows: &Windows,
    origin: Origin,
    offset: __m256i,
    wide: &mut [i16],
) -> Result<(), KernelError> {
    let depth = windows.input.depth;
    let row_len = windows.filter_width * depth;
    if row_len <= 16 && windows.geometry.dilation_width == 1 {
        if let Some(base) = windows.inside_offset(origin) {
            // The whole window is inside and each window row is one run of
            // at most 16 elements: one load per row.
            let row_step = windows.relative_offset(1, 0);
            let last = base + (windows.filter_height - 1) * row_step;
            let fits_input = last + 16 <= input.len();
            let fits_row = (windows.filter_height - 1) * row_len + 16 <= wide.len();
            if fits_input && fits_row {
                let from = input.as_ptr().wrapping_add(base);
                let to = wide.as_mut_ptr();
                for fy in 0..windows.filter_height {
                    // SAFETY: `base + fy * row_step + 16 <= last + 16 <=
                    // input.len()` and `fy * row_len + 16 <= wide.len()`.
                    unsafe {
                        let bytes = _mm_loadu_si128(from.add(fy * row_step).cast());
                        let v = _mm256_add_epi16(_mm256_cvtepi8_epi16(bytes), offset);
                        _mm256_storeu_si256(to.add(fy * row_len).cast(), v);
                    }
                }
                return Ok(());
            }
        }
    }
    let last_fx = windows.filter_width.saturating_sub(1);
    for fy in 0..windows.filter_height {
        let row_at = fy * row_len;
        let first = windows.tap_offset(origin, fy, 0);
        let contiguous = windows.geometry.dilation_width == 1
            && first.is_some()
            && windows.tap_offset(origin, fy, last_fx).is_some();
        if let (true, Some(start)) = (contiguous, first) {
            widen_run(input, start, row_len, offset, wide, row_at)?;
            continue;
        }
        for fx in 0..windows.filter_width {
            let at = row_at + fx * depth;
            match windows.tap_offset(origin, fy, fx) {
                Some(start) => widen_run(input, start, depth, offset, wide, at)?,
                None => zero_run(depth, wide, at)?,
            }
        }
    }
    Ok(())
}

/// `wide[at..at + len] = src[start..start + len] + offset`, 16 at a time
/// (writing up to 15 elements past `at + len`).
#[inline]
#[target_feature(enable = "avx2")]
fn widen_run(
    src: &[i8],
    start: usize,
    len: usize,
    offset: __m256i,
    wide: &mut [i16],
    at: usize,
) -> Result<(), KernelError> {
    let chunks = len.div_ceil(16);
    if start.checked_add(len).is_none_or(|end| end > src.len())
        || at
            .checked_add(chunks * 16)
            .is_none_or(|end| end > wide.len())
    {
        return Err(INTERNAL);
    }
    // Chunks whose 16 source bytes all lie inside `src` are loaded directly;
    // only a chunk at the very end of `src` goes through a buffer.
    let direct = if start + chunks * 16 <= src.len() {
        chunks
    } else {
        len / 16
    };
    let from = src.as_ptr().wrapping_add(start);
    let to = wide.as_mut_ptr().wrapping_add(at);
    for k in 0..direct {
        // SAFETY: `start + 16 * (k + 1) <= src.len()` and
        // `at + 16 * (k + 1) <= wide.len()` (checked above).
        unsafe {
            let bytes = _mm_loadu_si128(from.add(16 * k).cast());
            let v = _mm256_add_epi16(_mm256_cvtepi8_epi16(bytes), offset);
            _mm256_storeu_si256(to.add(16 * k).cast(), v);
        }
    }
    if direct < chunks {
        let mut buf = [0i8; 16];
        let tail = src.get(start + 16 * direct..start + len).unwrap_or(&[]);
        buf.iter_mut().zip(tail).for_each(|(d, &s)| *d = s);
        // SAFETY: `buf` has 16 bytes; `at + 16 * chunks <= wide.len()`.
        unsafe {
            let bytes = _mm_loadu_si128(buf.as_ptr().cast());
            let v = _mm256_add_epi16(_mm256_cvtepi8_epi16(bytes), offset);
            _mm256_storeu_si256(to.add(16 * direct).cast(), v);
        }
    }
    Ok(())
}

/// `wide[at..at + len] = 0`, 16 at a time (writing up to 15 zeros past).
#[inline]
#[target_feature(enable = "avx2")]
fn zero_run(len: usize, wide: &mut [i16], at: usize) -> Result<(), KernelError> {
    let dst = wide
        .get_mut(at..at + len.div_ceil(16) * 16)
        .ok_or(INTERNAL)?;
    for out in dst.chunks_exact_mut(16) {
        store16(out, _mm256_setzero_si256());
    }
    Ok(())
}

/// Stores 16 i16 lanes into `out` (16 elements).
#[inline]
#[target_feature(enable = "avx2")]
fn store16(out: &mut [i16], v: __m256i) {
    if out.len() >= 16 {
        // SAFETY: `out` has at least 16 writable i16; no alignment needed.
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), v) };
    }
}
