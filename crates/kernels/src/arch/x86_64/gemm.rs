//! AVX2 dot-product GEMM (`optimized::gemm`) for filter rows of up to
//! [`MAX_DOT_DEPTH`] elements: blocks of two pixels by four channels (or one
//! pixel by eight), 16 products per `vpmaddwd`, horizontal sums at the end.
//!
//! The operand row of each pixel (its im2col patch) is widened to `i16` and
//! offset (`x + input_offset` fits `i16`; padding becomes 0) once per pixel
//! into a stack buffer, then streamed against every filter row, which is read
//! in place and widened on the fly.
//! `_mm256_madd_epi16` sums pairs of exact 32-bit products and the lanes are
//! summed with wrapping 32-bit adds, so the result equals the reference's
//! wrapping sum.

use core::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_and_si256, _mm256_cvtepi8_epi16, _mm256_hadd_epi32,
    _mm256_loadu_si256, _mm256_madd_epi16, _mm256_permute2x128_si256, _mm256_set1_epi16,
    _mm256_setzero_si256, _mm_loadl_epi64, _mm_loadu_si128,
};
use core::arch::x86_64::{
    _mm256_castsi256_si128, _mm256_cmpeq_epi16, _mm256_extracti128_si256, _mm256_packs_epi32,
    _mm256_set1_epi32, _mm_packs_epi16, _mm_shuffle_epi32, _mm_storel_epi64,
};

use super::operand_row::ROW_SLACK;
use super::operand_rows::{window_buffer_len, OperandRows};
use super::requantize::{
    channel_lanes, narrow, requantize, scale_lanes, LaneChannels, LaneScale, StageConstants,
};
use super::Avx2;
use crate::optimized::gemm::{Gemm, Source};
use crate::optimized::output_stage::Scales;
use crate::optimized::window::Origin;
use crate::KernelError;

/// Longest filter row this kernel takes (its two widened rows live on the
/// stack: 16 KiB).
pub(crate) const MAX_DOT_DEPTH: usize = 4096;

/// Lane masks: `MASK[r..r + 16]` keeps the last `r` of 16 lanes.
static MASK: [i16; 32] = {
    let mut m = [0i16; 32];
    let mut i = 16;
    while i < 32 {
        m[i] = -1;
        i += 1;
    }
    m
};

const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "dot-product kernel operand",
};

/// Whether [`gemm`] takes `gemm`.
pub(crate) fn dot_fits(gemm: &Gemm<'_>) -> bool {
    gemm.depth <= MAX_DOT_DEPTH
        && i16::try_from(gemm.input_offset).is_ok()
        && gemm.stage.vectorizable()
}

/// Runs `gemm` with AVX2. Requires [`dot_fits`]; returns an error otherwise.
pub(crate) fn gemm(token: Avx2, gemm: &Gemm<'_>, output: &mut [i8]) -> Result<(), KernelError> {
    gemm.check(output.len())?;
    if !dot_fits(gemm) {
        return Err(INTERNAL);
    }
    // Conv windows read from a small buffer of padded input rows when they
    // fit it (see `OperandRows`); others are built tap by tap.
    let need = match gemm.source {
        Source::Matrix(_) => 0,
        Source::Windows { windows, .. } | Source::Patches { windows, .. } => {
            window_buffer_len(&windows).unwrap_or(usize::MAX)
        }
    };
    if need == 0 || need > WINDOW_BUFFER {
        // Matrix rows, or windows built tap by tap.
        return by_depth(token, gemm, &mut [], output);
    }
    let mut window = [0i8; WINDOW_BUFFER];
    by_depth(
        token,
        gemm,
        window.get_mut(..need).unwrap_or_default(),
        output,
    )
}

/// Dispatches on the depth class (the rows' length).
fn by_depth(
    _token: Avx2,
    gemm: &Gemm<'_>,
    window: &mut [i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    let single_row = matches!(gemm.source, Source::Matrix(_)) && gemm.pixels == 1;
    // SAFETY (all): the `Avx2` token proves the CPU supports AVX2.
    if single_row {
        return if gemm.depth <= 128 {
            unsafe { matrix_row_avx2::<{ 128 + ROW_SLACK }>(gemm, output) }
        } else if gemm.depth <= 1024 {
            unsafe { matrix_row_avx2::<{ 1024 + ROW_SLACK }>(gemm, output) }
        } else {
            unsafe { matrix_row_avx2::<{ MAX_DOT_DEPTH + ROW_SLACK }>(gemm, output) }
        };
    }
    if gemm.depth <= 128 {
        unsafe { gemm_avx2::<{ 128 + ROW_SLACK }>(gemm, window, output) }
    } else if gemm.depth <= 256 {
        unsafe { gemm_avx2::<{ 256 + ROW_SLACK }>(gemm, window, output) }
    } else if gemm.depth <= 1024 {
        unsafe { gemm_avx2::<{ 1024 + ROW_SLACK }>(gemm, window, output) }
    } else {
        unsafe { gemm_avx2::<{ MAX_DOT_DEPTH + ROW_SLACK }>(gemm, window, output) }
    }
}

/// Bytes of the padded-rows buffer of conv windows.
const WINDOW_BUFFER: usize = 2048;

/// The kernel with stack row buffers of `N >= depth + ROW_SLACK` elements.
#[target_feature(enable = "avx2")]
fn gemm_avx2<const N: usize>(
    g: &Gemm<'_>,
    window: &mut [i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    let (channels, depth) = (g.channels, g.depth);
    if channels == 0 {
        return Ok(());
    }
    let offset = _mm256_set1_epi16(i16::try_from(g.input_offset).map_err(|_| INTERNAL)?);
    let constants = StageConstants::new(&g.stage);
    if depth + ROW_SLACK > N {
        return Err(INTERNAL);
    }
    // The widened rows of two pixels (elements past the depth are only ever
    // multiplied by zero weights or masked off).
    let mut wide = [[0i16; N]; 2];
    let mut rows = OperandRows::new(g, offset, window);
    let mut origins = g.origins();
    let matrix = matches!(g.source, Source::Matrix(_));
    let mut first = 0;
    while first < g.pixels {
        let pair = g.pixels - first >= 2;
        for (i, row) in wide.iter_mut().enumerate().take(1 + usize::from(pair)) {
            if matrix {
                let origin = origins.next().unwrap_or_default();
                super::operand_row::widen_operand_row(g, first + i, origin, offset, row)?;
            } else {
                rows.next(row)?;
            }
        }
        let [wide_a, wide_b] = &wide;
        let (xa, xb) = (&wide_a[..], &wide_b[..]);
        let out_rows = output
            .get_mut(first * channels..(first + 1 + usize::from(pair)) * channels)
            .ok_or(INTERNAL)?;
        let (row_a, row_b) = out_rows.split_at_mut(channels);
        let filter_row = |c: usize| g.filter.get(c * depth..(c + 1) * depth).unwrap_or(&[]);
        let mut oc = 0;
        if pair {
            while oc + 4 <= channels {
                let rows = g.filter.get(oc * depth..(oc + 4) * depth).ok_or(INTERNAL)?;
                let sums = dot_block::<2>([xa, xb], rows, depth);
                let (a, b) = narrow(finish(g, sums, oc, LaneChannels::FourTwice, &constants));
                store(row_a, oc, &a);
                store(row_b, oc, &b);
                oc += 4;
            }
        } else {
            while oc + 8 <= channels {
                let rows = g.filter.get(oc * depth..(oc + 8) * depth).ok_or(INTERNAL)?;
                let sums = dot_block::<1>([xa], rows, depth);
                let v = finish(g, sums, oc, LaneChannels::Eight, &constants);
                store8(row_a, oc, v);
                oc += 8;
            }
        }
        while oc < channels {
            let acc = block::<2, 1>([xa, xb], [filter_row(oc)], depth);
            let bias = g.bias.and_then(|b| b.get(oc)).copied().unwrap_or(0);
            if let Some(out) = row_a.get_mut(oc) {
                *out = g.stage.apply(hsum(acc[0][0]).wrapping_add(bias), oc);
            }
            if let Some(out) = row_b.get_mut(oc) {
                *out = g.stage.apply(hsum(acc[1][0]).wrapping_add(bias), oc);
            }
            oc += 1;
        }
        first += 1 + usize::from(pair);
    }
    Ok(())
}

/// A single matrix row (batch-1 FULLY_CONNECTED) with a stack row buffer of
/// `N >= depth + ROW_SLACK` elements: the row is widened once, then each
/// block of eight channels is summed, requantized and stored.
#[target_feature(enable = "avx2")]
fn matrix_row_avx2<const N: usize>(g: &Gemm<'_>, output: &mut [i8]) -> Result<(), KernelError> {
    let (channels, depth) = (g.channels, g.depth);
    let offset = _mm256_set1_epi16(i16::try_from(g.input_offset).map_err(|_| INTERNAL)?);
    let constants = StageConstants::new(&g.stage);
    if depth + ROW_SLACK > N || output.len() != channels {
        return Err(INTERNAL);
    }
    let mut wide = [0i16; N];
    super::operand_row::widen_operand_row(g, 0, Origin::default(), offset, &mut wide)?;
    let x = &wide[..];
    let per_tensor = match g.stage.scales {
        Scales::PerTensor { multiplier, shift } => Some(LaneScale::new(
            _mm256_set1_epi32(multiplier),
            _mm256_set1_epi32(shift),
        )),
        Scales::PerChannel { .. } => None,
    };
    let mut oc = 0;
    while oc + 8 <= channels {
        let rows = g.filter.get(oc * depth..(oc + 8) * depth).ok_or(INTERNAL)?;
        let sums = _mm256_add_epi32(
            dot8(x, rows, depth),
            channel_lanes(g.bias, 0, oc, LaneChannels::Eight),
        );
        let scale = match per_tensor {
            Some(scale) => scale,
            None => {
                let (multiplier, shift) = scale_lanes(&g.stage, oc, LaneChannels::Eight);
                LaneScale::new(multiplier, shift)
            }
        };
        store8(output, oc, requantize(sums, &scale, &constants));
        oc += 8;
    }
    while oc < channels {
        let row = g.filter.get(oc * depth..(oc + 1) * depth).unwrap_or(&[]);
        let acc = block::<1, 1>([x], [row], depth);
        let bias = g.bias.and_then(|b| b.get(oc)).copied().unwrap_or(0);
        if let Some(out) = output.get_mut(oc) {
            *out = g.stage.apply(hsum(acc[0][0]).wrapping_add(bias), oc);
        }
        oc += 1;
    }
    Ok(())
}

/// [`dot_block`] for one row: the sums of the widened row `x` (at least
/// `depth` rounded up to 16 elements) against the eight filter rows in `rows`
/// (`8 * depth` elements), lane `o` for row `o`.
#[inline]
#[target_feature(enable = "avx2")]
fn dot8(x: &[i16], rows: &[i8], depth: usize) -> __m256i {
    if depth < 16 || x.len() < depth.div_ceil(16) * 16 || rows.len() != 8 * depth {
        return dot_block::<1>([x], rows, depth);
    }
    let mut acc = [_mm256_setzero_si256(); 8];
    let (xp, w) = (x.as_ptr(), rows.as_ptr());
    let full = depth - depth % 16;
    let mut k = 0;
    while k < full {
        // SAFETY: `k + 16 <= full <= depth`: inside `x` and inside each row
        // (`o * depth + k + 16 <= 8 * depth`).
        let xv = unsafe { load16(xp.add(k)) };
        for (o, a) in acc.iter_mut().enumerate() {
            // SAFETY: as above.
            let wv = unsafe { widen(w.add(o * depth + k)) };
            *a = _mm256_add_epi32(*a, _mm256_madd_epi16(xv, wv));
        }
        k += 16;
    }
    if full < depth {
        // The last 16 elements again, the lanes already summed masked off.
        let start = depth - 16;
        // SAFETY: `MASK` has 32 elements and `depth - full <= 15`.
        let keep = unsafe { _mm256_loadu_si256(MASK.as_ptr().add(depth - full).cast()) };
        // SAFETY: `start + 16 == depth` is inside `x`.
        let xv = _mm256_and_si256(unsafe { load16(xp.add(start)) }, keep);
        for (o, a) in acc.iter_mut().enumerate() {
            // SAFETY: `o * depth + start + 16 <= 8 * depth`.
            let wv = unsafe { widen(w.add(o * depth + start)) };
            *a = _mm256_add_epi32(*a, _mm256_madd_epi16(xv, wv));
        }
    }
    reduce8(acc)
}

/// The sums of `P` widened rows `x` (each at least `depth` rounded up to 16
/// elements) against the `8 / P` consecutive filter rows in `rows` (`8 / P
/// * depth` elements), reduced: lane `p * (8 / P) + o` is pixel `p` against
/// row `o` (zeros if the lengths are off).
#[inline]
#[target_feature(enable = "avx2")]
fn dot_block<const P: usize>(x: [&[i16]; P], rows: &[i8], depth: usize) -> __m256i {
    let zero = _mm256_setzero_si256();
    let mut acc = [zero; 8];
    let per = 8 / P;
    let padded = depth.div_ceil(16) * 16;
    if P == 0 || x.iter().any(|r| r.len() < padded.max(16)) || rows.len() != per * depth {
        return zero;
    }
    if depth < 16 {
        // Short rows: zero-padded weights cancel the lanes past the depth.
        // SAFETY: `MASK` has 32 elements and `16 - depth <= 15`; its window
        // keeps the last `16 - depth` lanes, the comparison the first `depth`.
        let tail = unsafe { _mm256_loadu_si256(MASK.as_ptr().add(16 - depth).cast()) };
        let keep = _mm256_cmpeq_epi16(tail, zero);
        for o in 0..per {
            let wv = match rows.get(o * depth..o * depth + 16) {
                // SAFETY: the slice has 16 readable bytes; lanes past the
                // row (the next rows' weights) are masked off.
                Some(w16) => _mm256_and_si256(unsafe { widen(w16.as_ptr()) }, keep),
                None => {
                    let mut buf = [0i8; 16];
                    let row = rows.get(o * depth..(o + 1) * depth).unwrap_or(&[]);
                    buf.iter_mut().zip(row).for_each(|(d, &s)| *d = s);
                    // SAFETY: `buf` has 16 bytes.
                    unsafe { widen(buf.as_ptr()) }
                }
            };
            for (p, xp) in x.iter().enumerate() {
                // SAFETY: `xp` has at least 16 elements (checked above).
                let xv = unsafe { load16(xp.as_ptr()) };
                if let Some(a) = acc.get_mut(p * per + o) {
                    *a = _mm256_madd_epi16(xv, wv);
                }
            }
        }
        return reduce8(acc);
    }
    let w = rows.as_ptr();
    let full = depth - depth % 16;
    let mut k = 0;
    while k < full {
        // SAFETY: `k + 16 <= full <= depth`: inside every `x` and inside each
        // row (`o * depth + k + 16 <= per * depth`).
        let xv: [__m256i; P] = core::array::from_fn(|p| unsafe { load16(x[p].as_ptr().add(k)) });
        for o in 0..per {
            // SAFETY: as above.
            let wv = unsafe { widen(w.add(o * depth + k)) };
            for (p, &xp) in xv.iter().enumerate() {
                if let Some(a) = acc.get_mut(p * per + o) {
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(xp, wv));
                }
            }
        }
        k += 16;
    }
    let rest = depth - full;
    if rest > 0 {
        // The last 16 elements again, with the lanes already summed masked
        // off (`depth >= 16`).
        let start = depth - 16;
        // SAFETY: `MASK` has 32 elements and `rest <= 15`.
        let keep = unsafe { _mm256_loadu_si256(MASK.as_ptr().add(rest).cast()) };
        // SAFETY: `start + 16 == depth` is inside every `x`.
        let xv: [__m256i; P] = core::array::from_fn(|p| {
            _mm256_and_si256(unsafe { load16(x[p].as_ptr().add(start)) }, keep)
        });
        for o in 0..per {
            // SAFETY: `o * depth + start + 16 <= per * depth`.
            let wv = unsafe { widen(w.add(o * depth + start)) };
            for (p, &xp) in xv.iter().enumerate() {
                if let Some(a) = acc.get_mut(p * per + o) {
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(xp, wv));
                }
            }
        }
    }
    reduce8(acc)
}

/// Stores eight lanes already inside int8 to `row[at..at + 8]`.
#[inline]
#[target_feature(enable = "avx2")]
fn store8(row: &mut [i8], at: usize, v: __m256i) {
    let words = _mm256_packs_epi32(v, v);
    let bytes = _mm_packs_epi16(
        _mm256_castsi256_si128(words),
        _mm256_extracti128_si256::<1>(words),
    );
    // `bytes` = lanes 0..4, 0..4, 4..8, 4..8: pick 0..4 then 4..8.
    let ordered = _mm_shuffle_epi32::<0b00_00_10_00>(bytes);
    if let Some(dst) = row.get_mut(at..at + 8) {
        // SAFETY: `dst` has 8 writable bytes; `movq` writes exactly 8.
        unsafe { _mm_storel_epi64(dst.as_mut_ptr().cast(), ordered) };
    }
}

/// Writes `bytes` to `row[at..at + 4]` (in range by construction).
#[inline]
fn store(row: &mut [i8], at: usize, bytes: &[i8; 4]) {
    if let Some(dst) = row.get_mut(at..at + 4) {
        dst.copy_from_slice(bytes);
    }
}

/// Adds the bias and runs the output stage on eight reduced sums of channels
/// starting at `oc`, laid out as `layout`.
#[inline]
#[target_feature(enable = "avx2")]
fn finish(
    g: &Gemm<'_>,
    sums: __m256i,
    oc: usize,
    layout: LaneChannels,
    constants: &StageConstants,
) -> __m256i {
    let bias = channel_lanes(g.bias, 0, oc, layout);
    let (multiplier, shift) = scale_lanes(&g.stage, oc, layout);
    requantize(
        _mm256_add_epi32(sums, bias),
        &LaneScale::new(multiplier, shift),
        constants,
    )
}

/// Horizontal sums of eight accumulators, in order, as one vector.
#[inline]
#[target_feature(enable = "avx2")]
fn reduce8(a: [__m256i; 8]) -> __m256i {
    let h01 = _mm256_hadd_epi32(a[0], a[1]);
    let h23 = _mm256_hadd_epi32(a[2], a[3]);
    let h45 = _mm256_hadd_epi32(a[4], a[5]);
    let h67 = _mm256_hadd_epi32(a[6], a[7]);
    // [s0 s1 s2 s3 | s0' s1' s2' s3'] with primes the upper-half partial sums.
    let q0 = _mm256_hadd_epi32(h01, h23);
    let q1 = _mm256_hadd_epi32(h45, h67);
    _mm256_add_epi32(
        _mm256_permute2x128_si256::<0x20>(q0, q1),
        _mm256_permute2x128_si256::<0x31>(q0, q1),
    )
}

/// Wrapping sum of the eight lanes of `v`.
#[inline]
#[target_feature(enable = "avx2")]
fn hsum(v: __m256i) -> i32 {
    let lanes: [i32; 8] = bytemuck::cast(v);
    lanes.iter().fold(0i32, |acc, &x| acc.wrapping_add(x))
}

/// Loads 16 int8 at `p`, widened to `i16`.
///
/// # Safety
///
/// `p..p + 16` must be readable.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen(p: *const i8) -> __m256i {
    // SAFETY: the caller guarantees 16 readable bytes; no alignment needed.
    _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(p.cast()) })
}

/// Loads 16 i16 at `p`.
///
/// # Safety
///
/// `p..p + 16` must be readable.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load16(p: *const i16) -> __m256i {
    // SAFETY: the caller guarantees 16 readable i16; no alignment needed.
    unsafe { _mm256_loadu_si256(p.cast()) }
}

/// The per-lane accumulators `[pixel][channel]` of a `P x O` block: the
/// widened rows `x` (at least `depth` rounded up to 16 elements) against the
/// filter rows `w` (exactly `depth` elements each; other lengths give zeros).
#[inline]
#[target_feature(enable = "avx2")]
fn block<const P: usize, const O: usize>(
    x: [&[i16]; P],
    w: [&[i8]; O],
    depth: usize,
) -> [[__m256i; O]; P] {
    let zero = _mm256_setzero_si256();
    let mut acc = [[zero; O]; P];
    let padded = depth.div_ceil(16) * 16;
    if x.iter().any(|r| r.len() < padded) || w.iter().any(|r| r.len() != depth) {
        return acc;
    }
    let full = depth - depth % 16;
    let mut k = 0;
    while k < full {
        let mut xv = [zero; P];
        for (v, row) in xv.iter_mut().zip(&x) {
            // SAFETY: `k + 16 <= full <= padded <= row.len()`.
            *v = unsafe { load16(row.as_ptr().add(k)) };
        }
        for (o, row) in w.iter().enumerate() {
            // SAFETY: `k + 16 <= full <= depth == row.len()`.
            let wv = unsafe { widen(row.as_ptr().add(k)) };
            for (acc_p, &xp) in acc.iter_mut().zip(&xv) {
                acc_p[o] = _mm256_add_epi32(acc_p[o], _mm256_madd_epi16(xp, wv));
            }
        }
        k += 16;
    }
    let rest = depth - full;
    if rest > 0 {
        let mut xv = [zero; P];
        let mut wv = [zero; O];
        if depth >= 16 {
            // Reload the last 16 elements and mask off the lanes already summed.
            let start = depth - 16;
            // SAFETY: `MASK` has 32 elements and `rest <= 15`.
            let keep = unsafe { _mm256_loadu_si256(MASK.as_ptr().add(rest).cast()) };
            for (v, row) in xv.iter_mut().zip(&x) {
                // SAFETY: `start + 16 == depth <= row.len()`.
                *v = _mm256_and_si256(unsafe { load16(row.as_ptr().add(start)) }, keep);
            }
            for (v, row) in wv.iter_mut().zip(&w) {
                // SAFETY: `start + 16 == depth == row.len()`.
                *v = unsafe { widen(row.as_ptr().add(start)) };
            }
        } else {
            // A row shorter than 16: zero-padded weights cancel the lanes of
            // `x` past the depth.
            for (v, row) in xv.iter_mut().zip(&x) {
                // SAFETY: `16 == padded <= row.len()`.
                *v = unsafe { load16(row.as_ptr()) };
            }
            for (v, row) in wv.iter_mut().zip(&w) {
                *v = if depth == 8 {
                    // SAFETY: `row` has 8 bytes; `_mm_loadl_epi64` reads
                    // exactly 8 (unaligned) and zeroes the upper lanes.
                    _mm256_cvtepi8_epi16(unsafe { _mm_loadl_epi64(row.as_ptr().cast()) })
                } else {
                    let mut buf = [0i8; 16];
                    buf.iter_mut().zip(row.iter()).for_each(|(d, &s)| *d = s);
                    // SAFETY: `buf` has 16 bytes.
                    unsafe { widen(buf.as_ptr()) }
                };
            }
        }
        for (acc_p, &xp) in acc.iter_mut().zip(&xv) {
            for (a, &wp) in acc_p.iter_mut().zip(&wv) {
                *a = _mm256_add_epi32(*a, _mm256_madd_epi16(xp, wp));
            }
        }
    }
    acc
}
