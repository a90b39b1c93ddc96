//! The widened operand rows of consecutive output pixels for the AVX2 GEMM
//! kernels: `row[k] = x[k] + input_offset` as `i16`, padding taps 0.
//!
//! * Matrix rows (fully connected, 1x1 convs) are widened straight from the
//!   input.
//! * Conv windows are read from a stack buffer holding, for the current
//!   output row, the input rows its windows read with the padding filled
//!   with the input zero point: each window row is then one contiguous run
//!   (no bounds or padding logic per pixel), widened 16 elements at a time.
//! * Anything else (a zero point outside int8, windows too wide for the
//!   buffer) goes through the general per-tap builder
//!   ([`super::operand_row::widen_operand_row`]).

use core::arch::x86_64::{
    __m256i, _mm256_add_epi16, _mm256_cvtepi8_epi16, _mm256_storeu_si256, _mm_loadu_si128,
};

use super::operand_row::{widen_operand_row, ROW_SLACK};
use crate::optimized::gemm::{Gemm, Source};
use crate::optimized::window::{Origins, Windows};
use crate::KernelError;

/// Bytes of the largest window buffer.
pub(super) const MAX_WINDOW_BUFFER: usize = 8 * 1024;

const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "operand rows",
};

/// Builds the operand rows of pixels 0, 1, 2, ... of a GEMM, in order.
pub(super) struct OperandRows<'a> {
    g: &'a Gemm<'a>,
    offset: __m256i,
    /// The next pixel.
    pixel: usize,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Matrix(&'a [i8]),
    Windows(WindowBuffer<'a>),
    General(Origins),
}

/// The window buffer of one output row and the cursor over its pixels.
struct WindowBuffer<'a> {
    input: &'a [i8],
    windows: Windows,
    zero_point: i8,
    /// Bytes per buffer row (`span * C_in`).
    row: usize,
    /// Input columns the windows of one output row span.
    span: usize,
    /// Window rows' run length in bytes (`KW * C_in`) when the window row
    /// is contiguous (no horizontal dilation), else 0.
    run: usize,
    batch: usize,
    oy: usize,
    ox: usize,
    filled: bool,
    buffer: &'a mut [i8],
}

/// Buffer bytes the windows of one output row of `w` need (rows, padding,
/// and 16 bytes of slack for the last run's widening reads).
pub(super) fn window_buffer_len(w: &Windows) -> Option<usize> {
    let span = span(w)?;
    span.checked_mul(w.input.depth)?
        .checked_mul(w.filter_height)?
        .checked_add(16)
}

/// Input columns spanned by the windows of one output row.
fn span(w: &Windows) -> Option<usize> {
    let last_x = w
        .output_width
        .checked_sub(1)?
        .checked_mul(w.geometry.stride_width)?;
    let last_tap = w
        .filter_width
        .checked_sub(1)?
        .checked_mul(w.geometry.dilation_width)?;
    last_x.checked_add(last_tap)?.checked_add(1)
}

impl<'a> OperandRows<'a> {
    /// The builder of `g`'s rows; window sources use `buffer` when their
    /// zero point is an int8 and `buffer` holds [`window_buffer_len`] bytes.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn new(g: &'a Gemm<'a>, offset: __m256i, buffer: &'a mut [i8]) -> Self {
        let kind = match g.source {
            Source::Matrix(m) => Kind::Matrix(m),
            Source::Windows { input, windows } | Source::Patches { input, windows, .. } => {
                let zero_point = g
                    .input_offset
                    .checked_neg()
                    .and_then(|v| i8::try_from(v).ok());
                let fits = window_buffer_len(&windows).is_some_and(|len| len <= buffer.len());
                match (zero_point, span(&windows), fits) {
                    (Some(zero_point), Some(span), true) => Kind::Windows(WindowBuffer {
                        input,
                        windows,
                        zero_point,
                        row: span * windows.input.depth,
                        span,
                        run: if windows.geometry.dilation_width == 1 {
                            windows.filter_width * windows.input.depth
                        } else {
                            0
                        },
                        batch: 0,
                        oy: 0,
                        ox: 0,
                        filled: false,
                        buffer,
                    }),
                    _ => Kind::General(g.origins()),
                }
            }
        };
        Self {
            g,
            offset,
            pixel: 0,
            kind,
        }
    }

    /// Writes the next pixel's row into `wide[..depth]` (elements past the
    /// depth, up to `ROW_SLACK` of them, receive arbitrary values). Requires
    /// `wide.len() >= depth + ROW_SLACK`.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) fn next(&mut self, wide: &mut [i16]) -> Result<(), KernelError> {
        let g = self.g;
        if wide.len() < g.depth + ROW_SLACK || self.pixel >= g.pixels {
            return Err(INTERNAL);
        }
        let pixel = self.pixel;
        self.pixel += 1;
        match &mut self.kind {
            Kind::Matrix(m) => {
                let start = pixel * g.depth;
                // Reading up to 15 bytes past the row (inside the matrix)
                // only fills the row's slack.
                let src = match m.get(start..start + g.depth + 15) {
                    Some(padded) => {
                        // SAFETY: `padded` has `depth + 15` bytes, `wide`
                        // `depth + 16` elements (checked above).
                        unsafe { widen_run_padded(padded, g.depth, wide, 0, self.offset) };
                        return Ok(());
                    }
                    None => m.get(start..start + g.depth).ok_or(INTERNAL)?,
                };
                // SAFETY: `src` has `depth` bytes, `wide` has `depth + 16`
                // elements (checked above).
                unsafe { widen_run(src, wide, 0, self.offset) };
                Ok(())
            }
            Kind::Windows(_) | Kind::General(_) => self.next_window(pixel, wide),
        }
    }

    /// [`OperandRows::next`] for conv windows, kept out of line so that the
    /// matrix case inlines into the GEMM loops.
    #[inline(never)]
    #[target_feature(enable = "avx2")]
    fn next_window(&mut self, pixel: usize, wide: &mut [i16]) -> Result<(), KernelError> {
        match &mut self.kind {
            Kind::Windows(b) => b.next(wide, self.offset),
            Kind::General(origins) => {
                let origin = origins.next().unwrap_or_default();
                widen_operand_row(self.g, pixel, origin, self.offset, wide)
            }
            Kind::Matrix(_) => Err(INTERNAL),
        }
    }
}

impl WindowBuffer<'_> {
    /// Copies the input rows output row `oy` of `batch` reads into the
    /// buffer, padding with the zero point.
    fn fill(&mut self) -> Result<(), KernelError> {
        self.windows
            .fill_padded_rows(
                self.input,
                self.batch,
                self.oy,
                (0, self.span),
                self.zero_point,
                self.row,
                self.buffer,
            )
            .ok_or(INTERNAL)?;
        self.filled = true;
        Ok(())
    }

    /// The next pixel's row from the buffer.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn next(&mut self, wide: &mut [i16], offset: __m256i) -> Result<(), KernelError> {
        if !self.filled {
            self.fill()?;
        }
        let w = &self.windows;
        let channels = w.input.depth;
        let first = self.ox * w.geometry.stride_width;
        let rows = w.filter_height;
        // Every run read below lies in `buffer[..rows * row]`, plus at most
        // 15 bytes of widening overreach within the 16 bytes of slack.
        if rows * self.row + 16 > self.buffer.len() {
            return Err(INTERNAL);
        }
        if self.run > 0 {
            let end = (first + w.filter_width) * channels;
            if end > self.row || wide.len() < rows * self.run + ROW_SLACK {
                return Err(INTERNAL);
            }
            for fy in 0..rows {
                let at = fy * self.row + first * channels;
                let src = self.buffer.get(at..at + self.run + 15).ok_or(INTERNAL)?;
                // SAFETY: `src` holds the run plus 15 readable bytes, `wide`
                // at least `rows * run + 16` elements (checked above).
                unsafe { widen_run_padded(src, self.run, wide, fy * self.run, offset) };
            }
        } else {
            let taps = rows * w.filter_width;
            if wide.len() < taps * channels + ROW_SLACK {
                return Err(INTERNAL);
            }
            for t in 0..taps {
                let (fy, fx) = (t / w.filter_width, t % w.filter_width);
                let at = fy * self.row + (first + fx * w.geometry.dilation_width) * channels;
                let src = self.buffer.get(at..at + channels + 15).ok_or(INTERNAL)?;
                // SAFETY: as above, for one tap's run of `C_in` bytes.
                unsafe { widen_run_padded(src, channels, wide, t * channels, offset) };
            }
        }
        self.ox += 1;
        if self.ox == w.output_width {
            self.ox = 0;
            self.oy += 1;
            self.filled = false;
            if self.oy == w.output_height {
                self.oy = 0;
                self.batch += 1;
            }
        }
        Ok(())
    }
}

/// `wide[at..at + len] = src[..len] + offset`, 16 at a time, where `src`
/// has at least `len + 15` readable bytes (writing up to 15 elements past
/// `at + len`).
///
/// # Safety
///
/// `src.len() >= len + 15` and `wide.len() >= at + len + 16`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen_run_padded(src: &[i8], len: usize, wide: &mut [i16], at: usize, offset: __m256i) {
    let from = src.as_ptr();
    let to = wide.as_mut_ptr().wrapping_add(at);
    let mut k = 0;
    while k < len {
        // SAFETY: `k < len`, so `k + 16 <= len + 15 <= src.len()` and
        // `at + k + 16 <= at + len + 16 <= wide.len()` (caller).
        unsafe {
            let bytes = _mm_loadu_si128(from.add(k).cast());
            let v = _mm256_add_epi16(_mm256_cvtepi8_epi16(bytes), offset);
            _mm256_storeu_si256(to.add(k).cast(), v);
        }
        k += 16;
    }
}

/// `wide[at..at + src.len()] = src + offset`, 16 at a time (writing up to
/// 15 elements past the end); a last chunk of fewer than 16 source bytes
/// goes through a buffer.
///
/// # Safety
///
/// `wide.len() >= at + src.len() + 16`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen_run(src: &[i8], wide: &mut [i16], at: usize, offset: __m256i) {
    let len = src.len();
    let to = wide.as_mut_ptr().wrapping_add(at);
    let full = len - len % 16;
    let mut k = 0;
    while k < full {
        // SAFETY: `k + 16 <= full <= src.len()`; `at + k + 16 <= wide.len()`.
        unsafe {
            let bytes = _mm_loadu_si128(src.as_ptr().add(k).cast());
            let v: __m256i = _mm256_add_epi16(_mm256_cvtepi8_epi16(bytes), offset);
            _mm256_storeu_si256(to.add(k).cast(), v);
        }
        k += 16;
    }
    if full < len {
        let mut buf = [0i8; 16];
        let tail = src.get(full..).unwrap_or(&[]);
        buf.iter_mut().zip(tail).for_each(|(d, &s)| *d = s);
        // SAFETY: `buf` has 16 bytes; `at + full + 16 <= at + len + 16 <=
        // wide.len()`.
        unsafe {
            let bytes = _mm_loadu_si128(buf.as_ptr().cast());
            let v = _mm256_add_epi16(_mm256_cvtepi8_epi16(bytes), offset);
            _mm256_storeu_si256(to.add(full).cast(), v);
        }
    }
}
