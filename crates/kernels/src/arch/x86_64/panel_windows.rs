//! The panel GEMM ([`super::panel`]) for conv windows, reading the operand
//! rows straight from a widened row buffer.
//!
//! For each output row, the input rows its windows read are widened to
//! `i16` with the input offset added (padding written as 0) into a stack
//! buffer, once: every window row of every pixel is then a contiguous run of
//! that buffer, so nothing is copied per pixel (adjacent windows overlap and
//! share the widened inputs). A window is cut into segments that are
//! contiguous in the buffer: its rows (`KW * C_in` elements) without
//! horizontal dilation, else its taps (`C_in` elements). Each segment is
//! padded to an even length so that a pair of elements never straddles two
//! segments; the weights of the padding elements are 0, so the buffer
//! element read there is multiplied by 0.

use core::arch::x86_64::{
    __m256i, _mm256_add_epi16, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_madd_epi16,
    _mm256_set1_epi16, _mm256_set1_epi32, _mm256_setzero_si256, _mm256_storeu_si256,
    _mm_loadu_si128,
};
use core::mem::MaybeUninit;

use super::panel::{
    pack, prepare_stages, store, GroupStage, LANES, MAX_PANEL_GROUPS, PANEL_VECTORS, PIXELS,
};
use super::requantize::{pack16, requantize, StageConstants};
use crate::optimized::gemm::{FilterLayout, Gemm};
use crate::optimized::window::Windows;
use crate::KernelError;

/// Elements of the largest row buffer (32 KiB).
pub(super) const MAX_ROW_BUFFER: usize = 16 * 1024;
/// Elements of slack after the rows: pair reads at an odd segment's end and
/// the widening's 16-element stores may reach past the last row.
const SLACK: usize = 16;
/// Most segments of one window.
const MAX_SEGMENTS: usize = 64;

const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "windowed panel operand",
};

/// How a window is cut into contiguous runs of the row buffer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Segments {
    /// Segments per window.
    count: usize,
    /// Elements per segment.
    len: usize,
    /// Pairs per segment (`len` rounded up to even, halved).
    pairs: usize,
    /// Elements per buffer row (`span * C_in`).
    row: usize,
}

impl Segments {
    /// The segments of `w`'s windows, and the buffer elements one output
    /// row needs, or `None` if they exceed the limits.
    pub(super) fn of(w: &Windows) -> Option<(Self, usize)> {
        let channels = w.input.depth;
        let last_x = w
            .output_width
            .checked_sub(1)?
            .checked_mul(w.geometry.stride_width)?;
        let last_tap = w
            .filter_width
            .checked_sub(1)?
            .checked_mul(w.geometry.dilation_width)?;
        let span = last_x.checked_add(last_tap)?.checked_add(1)?;
        let row = span.checked_mul(channels)?;
        let (count, len) = if w.geometry.dilation_width == 1 {
            (w.filter_height, w.filter_width.checked_mul(channels)?)
        } else {
            (w.filter_height.checked_mul(w.filter_width)?, channels)
        };
        let elements = row.checked_mul(w.filter_height)?.checked_add(SLACK)?;
        let fits = count <= MAX_SEGMENTS && count > 0 && len > 0 && elements <= MAX_ROW_BUFFER;
        fits.then_some((
            Self {
                count,
                len,
                pairs: len.div_ceil(2),
                row,
            },
            elements,
        ))
    }

    /// Pairs of the padded window.
    pub(super) fn total_pairs(&self) -> usize {
        self.count * self.pairs
    }

    /// Buffer offset of segment `s` from a window's corner.
    fn offset(&self, w: &Windows, s: usize) -> usize {
        if w.geometry.dilation_width == 1 {
            s * self.row
        } else {
            let (fy, fx) = (s / w.filter_width, s % w.filter_width);
            fy * self.row + fx * w.geometry.dilation_width * w.input.depth
        }
    }

    /// The filter-row index of element `e` of the padded window, or `None`
    /// for padding.
    fn element(&self, e: usize) -> Option<usize> {
        let (s, i) = (e / (2 * self.pairs), e % (2 * self.pairs));
        (i < self.len).then_some(s * self.len + i)
    }
}

/// Runs the windowed panel kernel on `g` (a conv over `input` with
/// `windows`), with `buffer` of at least the elements [`Segments::of`]
/// gives.
#[target_feature(enable = "avx2")]
pub(super) fn panel_windows(
    g: &Gemm<'_>,
    input: &[i8],
    windows: &Windows,
    buffer: &mut [i16],
    output: &mut [i8],
) -> Result<(), KernelError> {
    let (segments, elements) = Segments::of(windows).ok_or(INTERNAL)?;
    let channels = g.channels;
    let groups = channels.div_ceil(LANES);
    let pairs = segments.total_pairs();
    let in_depth = windows.input.depth;
    if buffer.len() < elements
        || pairs == 0
        || pairs > PANEL_VECTORS
        || windows.taps() * in_depth != g.depth
    {
        return Err(INTERNAL);
    }
    let mut offsets = [0usize; MAX_SEGMENTS];
    for (s, o) in offsets.iter_mut().enumerate().take(segments.count) {
        *o = segments.offset(windows, s);
    }
    // Every pair read is `buffer[corner + offsets[s] + 2 * jj ..+ 2]` with
    // `corner <= (OW - 1) * stride * C_in`, `2 * jj + 2 <= len + 1`; the
    // farthest segment ends inside the rows, so the reads stay within the
    // rows plus the slack.
    let step = windows.geometry.stride_width * in_depth;
    let last_corner = windows.output_width.saturating_sub(1) * step;
    let reach = offsets
        .iter()
        .take(segments.count)
        .max()
        .copied()
        .unwrap_or(0)
        + last_corner
        + 2 * segments.pairs;
    if reach > buffer.len() {
        return Err(INTERNAL);
    }
    let offset = _mm256_set1_epi16(i16::try_from(g.input_offset).map_err(|_| INTERNAL)?);
    let constants = StageConstants::new(&g.stage);
    let fit = (PANEL_VECTORS / pairs).min(MAX_PANEL_GROUPS);
    let per_panel = if groups <= fit {
        groups
    } else {
        (fit & !1).max(1)
    };
    let mut storage = [MaybeUninit::<__m256i>::uninit(); PANEL_VECTORS];
    let mut stage_storage = [MaybeUninit::<GroupStage>::uninit(); MAX_PANEL_GROUPS];
    let out_row = windows.output_width * channels;
    let mut first_group = 0;
    while first_group < groups {
        let panel_groups = per_panel.min(groups - first_group);
        let panel = if segments.len % 2 == 0 {
            // Unpadded segments: the filter's own order.
            pack(g, first_group, panel_groups, pairs, &mut storage)?
        } else {
            pack_segmented(g, &segments, first_group, panel_groups, &mut storage)?
        };
        let stages = prepare_stages(g, first_group, panel_groups, &mut stage_storage)?;
        let mut rows = output.chunks_exact_mut(out_row.max(1));
        for batch in 0..windows.input.batches {
            for oy in 0..windows.output_height {
                let out = rows.next().ok_or(INTERNAL)?;
                fill(windows, input, batch, oy, &segments, offset, buffer)?;
                let mut ox = 0;
                while ox < windows.output_width {
                    let count = PIXELS.min(windows.output_width - ox);
                    // Missing pixels of a last block repeat the last one.
                    let corners: [usize; PIXELS] =
                        core::array::from_fn(|p| (ox + p.min(count - 1)) * step);
                    let mut group = 0;
                    while group < panel_groups {
                        let c = (first_group + group) * LANES;
                        let w0 = panel
                            .get(group * pairs..(group + 1) * pairs)
                            .ok_or(INTERNAL)?;
                        let s0 = stages.get(group).ok_or(INTERNAL)?;
                        let second = (
                            panel.get((group + 1) * pairs..(group + 2) * pairs),
                            stages.get(group + 1),
                        );
                        if let (Some(w1), Some(s1)) = second {
                            // SAFETY: every read is inside `buffer` (the
                            // reach check above).
                            let mut acc = [[_mm256_setzero_si256(); 2]; PIXELS];
                            let (ws, cs, os) = ([w0, w1], &corners, &offsets);
                            unsafe {
                                match count {
                                    1 => acc[..1].copy_from_slice(&block::<1, 2>(
                                        buffer, cs, os, &segments, ws,
                                    )),
                                    2 => acc[..2].copy_from_slice(&block::<2, 2>(
                                        buffer, cs, os, &segments, ws,
                                    )),
                                    _ => acc = block::<PIXELS, 2>(buffer, cs, os, &segments, ws),
                                }
                            }
                            for (p, [a0, a1]) in acc.iter().enumerate().take(count) {
                                let lo = requantize(
                                    _mm256_add_epi32(*a0, s0.bias),
                                    &s0.scale,
                                    &constants,
                                );
                                let hi = requantize(
                                    _mm256_add_epi32(*a1, s1.bias),
                                    &s1.scale,
                                    &constants,
                                );
                                store(out, (ox + p) * channels, channels, c, 16, pack16(lo, hi));
                            }
                            group += 2;
                        } else {
                            // SAFETY: as above.
                            let mut acc = [[_mm256_setzero_si256(); 1]; PIXELS];
                            let (ws, cs, os) = ([w0], &corners, &offsets);
                            unsafe {
                                match count {
                                    1 => acc[..1].copy_from_slice(&block::<1, 1>(
                                        buffer, cs, os, &segments, ws,
                                    )),
                                    2 => acc[..2].copy_from_slice(&block::<2, 1>(
                                        buffer, cs, os, &segments, ws,
                                    )),
                                    _ => acc = block::<PIXELS, 1>(buffer, cs, os, &segments, ws),
                                }
                            }
                            let zero = _mm256_setzero_si256();
                            for (p, [a0]) in acc.iter().enumerate().take(count) {
                                let lo = requantize(
                                    _mm256_add_epi32(*a0, s0.bias),
                                    &s0.scale,
                                    &constants,
                                );
                                store(out, (ox + p) * channels, channels, c, 8, pack16(lo, zero));
                            }
                            group += 1;
                        }
                    }
                    ox += count;
                }
            }
        }
        first_group += panel_groups;
    }
    Ok(())
}

/// The accumulators `[pixel][group]` of four pixels (window corners
/// `corners`) by `G` groups of eight channels (`w[g]`: `[pair]` weights).
///
/// # Safety
///
/// `corners[p] + offsets[s] + 2 * segments.pairs <= buffer.len()` for every
/// pixel and segment.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn block<const P: usize, const G: usize>(
    buffer: &[i16],
    corners: &[usize; PIXELS],
    offsets: &[usize; MAX_SEGMENTS],
    segments: &Segments,
    w: [&[__m256i]; G],
) -> [[__m256i; G]; P] {
    let zero = _mm256_setzero_si256();
    let mut acc = [[zero; G]; P];
    let seg_pairs = segments.pairs;
    if w.iter().any(|wg| wg.len() < segments.count * seg_pairs) {
        return acc;
    }
    let base = buffer.as_ptr();
    for (s, &off) in offsets.iter().enumerate().take(segments.count) {
        let rows: [*const i16; P] =
            core::array::from_fn(|p| base.wrapping_add(corners[p.min(PIXELS - 1)] + off));
        let first = s * seg_pairs;
        for jj in 0..seg_pairs {
            let at = 2 * jj;
            // SAFETY: `corner + off + 2 * jj + 2 <= buffer.len()` (caller);
            // unaligned 4-byte reads of two `i16`.
            let x: [i32; P] =
                core::array::from_fn(|p| unsafe { rows[p].add(at).cast::<i32>().read_unaligned() });
            let weights: [__m256i; G] = core::array::from_fn(|g| w[g][first + jj]);
            for (acc_p, &xp) in acc.iter_mut().zip(&x) {
                let xv = _mm256_set1_epi32(xp);
                for (a, &wv) in acc_p.iter_mut().zip(&weights) {
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(xv, wv));
                }
            }
        }
    }
    acc
}

/// Widens the input rows output row `oy` of `batch` reads into `buffer`
/// (`KH` rows of `segments.row` elements): `x + offset`, padding 0.
#[target_feature(enable = "avx2")]
fn fill(
    w: &Windows,
    input: &[i8],
    batch: usize,
    oy: usize,
    segments: &Segments,
    offset: __m256i,
    buffer: &mut [i16],
) -> Result<(), KernelError> {
    let channels = w.input.depth;
    let span = segments.row / channels.max(1);
    let pad = w.geometry.padding_width;
    // Buffer column `j` holds input column `j - pad`.
    let lo = pad.min(span);
    let hi = (w.input.width + pad).min(span).max(lo);
    let rows = w.filter_height;
    if rows * segments.row + SLACK > buffer.len() {
        return Err(INTERNAL);
    }
    for fy in 0..rows {
        let start = fy * segments.row;
        let iy = (oy * w.geometry.stride_height + fy * w.geometry.dilation_height)
            .checked_sub(w.geometry.padding_height)
            .filter(|&iy| iy < w.input.height);
        let Some(iy) = iy else {
            buffer
                .get_mut(start..start + segments.row)
                .ok_or(INTERNAL)?
                .fill(0);
            continue;
        };
        let (left, middle) = (lo * channels, (hi - lo) * channels);
        buffer.get_mut(start..start + left).ok_or(INTERNAL)?.fill(0);
        if middle > 0 {
            let at = ((batch * w.input.height + iy) * w.input.width + (lo - pad)) * channels;
            let src = input.get(at..at + middle).ok_or(INTERNAL)?;
            let dst = buffer
                .get_mut(start + left..start + left + middle + SLACK)
                .ok_or(INTERNAL)?;
            widen(src, dst, offset);
        }
        buffer
            .get_mut(start + left + middle..start + segments.row)
            .ok_or(INTERNAL)?
            .fill(0);
    }
    Ok(())
}

/// `dst[..src.len()] = src + offset`, 16 at a time (the last chunk through
/// a buffer), writing at most 15 elements past; `dst` has `src.len() + 16`.
#[inline]
#[target_feature(enable = "avx2")]
fn widen(src: &[i8], dst: &mut [i16], offset: __m256i) {
    let mut chunks = dst.chunks_exact_mut(16);
    let mut from = src.chunks_exact(16);
    for (s, d) in (&mut from).zip(&mut chunks) {
        // SAFETY: `s` has 16 readable bytes and `d` 16 writable elements;
        // no alignment needed.
        unsafe {
            let v = _mm256_add_epi16(
                _mm256_cvtepi8_epi16(_mm_loadu_si128(s.as_ptr().cast())),
                offset,
            );
            _mm256_storeu_si256(d.as_mut_ptr().cast(), v);
        }
    }
    let tail = from.remainder();
    if !tail.is_empty() {
        if let Some(d) = chunks.next() {
            let mut buf = [0i8; 16];
            buf.iter_mut().zip(tail).for_each(|(b, &s)| *b = s);
            // SAFETY: as above, from the 16-byte buffer.
            unsafe {
                let v = _mm256_add_epi16(
                    _mm256_cvtepi8_epi16(_mm_loadu_si128(buf.as_ptr().cast())),
                    offset,
                );
                _mm256_storeu_si256(d.as_mut_ptr().cast(), v);
            }
        }
    }
}

/// Longest padded window whose groups are packed through padded rows (the
/// transposing packer); longer ones are packed element by element.
const MAX_PADDED_ROW: usize = 128;

/// Repacks groups `first..first + count` for windows whose segments have
/// an odd length: the padded pair `(s, jj)` holds filter-row elements
/// `s * len + 2 * jj` and `+ 1` (0 past the segment's end).
#[target_feature(enable = "avx2")]
fn pack_segmented<'s>(
    g: &Gemm<'_>,
    segments: &Segments,
    first: usize,
    count: usize,
    storage: &'s mut [MaybeUninit<__m256i>],
) -> Result<&'s [__m256i], KernelError> {
    let pairs = segments.total_pairs();
    let used = count.checked_mul(pairs).ok_or(INTERNAL)?;
    let slots = storage.get_mut(..used).ok_or(INTERNAL)?;
    let weight = |c: usize, k: usize| -> i8 {
        if c >= g.channels || k >= g.depth {
            return 0;
        }
        let at = match g.filter_layout {
            FilterLayout::RowMajor => c * g.depth + k,
            FilterLayout::ColumnMajor => k * g.channels + c,
        };
        g.filter.get(at).copied().unwrap_or(0)
    };
    let padded_len = 2 * pairs;
    let mut written = 0;
    if padded_len <= MAX_PADDED_ROW {
        // Each channel's window laid out padded (the gaps stay 0), then the
        // transposing packer.
        let mut padded = [[0i8; MAX_PADDED_ROW]; LANES];
        for (k, group_slots) in slots.chunks_exact_mut(pairs.max(1)).enumerate() {
            let c0 = (first + k) * LANES;
            for (lane, row) in padded.iter_mut().enumerate() {
                let c = c0 + lane;
                for s in 0..segments.count {
                    let start = s * 2 * segments.pairs;
                    let dst = row.get_mut(start..start + segments.len).unwrap_or_default();
                    match g.filter_layout {
                        FilterLayout::RowMajor if c < g.channels => {
                            let at = c * g.depth + s * segments.len;
                            let src = g.filter.get(at..at + segments.len).unwrap_or_default();
                            dst.iter_mut().zip(src).for_each(|(d, &w)| *d = w);
                        }
                        _ => {
                            for (i, d) in dst.iter_mut().enumerate() {
                                *d = weight(c, s * segments.len + i);
                            }
                        }
                    }
                }
            }
            let rows: [(&[i8], usize); LANES] =
                core::array::from_fn(|lane| (&padded[lane][..], padded_len));
            written += super::panel::transpose_pack(rows, group_slots);
        }
    } else {
        for (k, group_slots) in slots.chunks_exact_mut(pairs.max(1)).enumerate() {
            let c0 = (first + k) * LANES;
            for (j, slot) in group_slots.iter_mut().enumerate() {
                let mut lanes = [0i16; 16];
                for (lane, pair) in lanes.chunks_exact_mut(2).enumerate() {
                    for (e, v) in pair.iter_mut().enumerate() {
                        if let Some(k) = segments.element(2 * j + e) {
                            *v = i16::from(weight(c0 + lane, k));
                        }
                    }
                }
                slot.write(bytemuck::cast(lanes));
                written += 1;
            }
        }
    }
    let init = storage.get(..used).ok_or(INTERNAL)?;
    if written != used {
        return Err(INTERNAL);
    }
    // SAFETY: the loops wrote every one of the `used` slots (`written`
    // counts them); `MaybeUninit<T>` has `T`'s layout.
    Ok(unsafe { core::slice::from_raw_parts(init.as_ptr().cast::<__m256i>(), used) })
}
