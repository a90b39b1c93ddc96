//! AVX2 "panel" GEMM (`optimized::gemm`) with the output channels in the
//! lanes, for problems with enough pixels to amortize repacking the weights.
//!
//! At each call the weights of a panel of output channels are repacked into
//! vectors of eight channels by two consecutive row elements, widened to
//! `i16` (`[group][pair]`), and each pixel's offset operand row is widened
//! once into a stack row (padding taps become 0). For each pair `j` of row
//! elements the pixel's two inputs `(x[2j], x[2j+1])` are broadcast to every
//! 32-bit lane and `vpmaddwd` against a weight vector adds
//! `x[2j] * w[c][2j] + x[2j+1] * w[c][2j+1]` (exact products) to channel
//! `c`'s lane with wrapping 32-bit adds, as the reference sums. No horizontal
//! sums: the accumulators come out in channel order for the output stage.
//! Blocks are four pixels by sixteen channels (or eight for a last odd
//! group).
//!
//! The repacked panel lives in an uninitialized stack array (at most 16 KiB)
//! of which exactly the entries the packing writes are read; the rows are a
//! zeroed stack array sized by the depth class.

use core::arch::x86_64::{
    __m128i, __m256i, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_madd_epi16, _mm256_set1_epi16,
    _mm256_set1_epi32, _mm256_setzero_si256, _mm_and_si128, _mm_loadu_si128, _mm_setzero_si128,
    _mm_storel_epi64, _mm_storeu_si128, _mm_unpackhi_epi16, _mm_unpackhi_epi32, _mm_unpackhi_epi64,
    _mm_unpacklo_epi16, _mm_unpacklo_epi32, _mm_unpacklo_epi64, _mm_unpacklo_epi8,
};
use core::mem::MaybeUninit;

use super::operand_row::ROW_SLACK;
use super::operand_rows::{window_buffer_len, OperandRows, MAX_WINDOW_BUFFER};
use super::panel_windows::{panel_windows, Segments, MAX_ROW_BUFFER};
use super::requantize::{
    channel_lanes, pack16, requantize, scale_lanes, LaneChannels, LaneScale, StageConstants,
};
use super::Avx2;
use crate::optimized::gemm::{FilterLayout, Gemm, Source};
use crate::KernelError;

/// Pixels per block.
pub(super) const PIXELS: usize = 4;
/// Channels per weight vector.
pub(super) const LANES: usize = 8;
/// Repacked weight vectors per panel (16 KiB).
pub(super) const PANEL_VECTORS: usize = 512;
/// Longest filter row (its pairs must fit one group into the panel).
pub(crate) const MAX_PANEL_DEPTH: usize = 2 * PANEL_VECTORS;

const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "panel kernel operand",
};

/// Whether [`gemm_panel`] can run `gemm` (any filter layout) with at least
/// two groups of eight channels per panel (or all of them): longer rows
/// would split the channels into many panels, each refilling the rows.
pub(crate) fn panel_fits(gemm: &Gemm<'_>) -> bool {
    let pairs = gemm.depth.div_ceil(2);
    let groups = gemm.channels.div_ceil(LANES);
    gemm.depth > 0
        && gemm.depth <= MAX_PANEL_DEPTH
        && (groups <= 1 || 2 * pairs <= PANEL_VECTORS)
        && gemm.channels > 0
        && i16::try_from(gemm.input_offset).is_ok()
        && gemm.stage.vectorizable()
}

/// Runs `gemm` with the panel kernel. Requires [`panel_fits`]; returns an
/// error otherwise.
pub(crate) fn gemm_panel(
    _token: Avx2,
    gemm: &Gemm<'_>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    gemm.check_sizes(output.len())?;
    if !panel_fits(gemm) {
        return Err(INTERNAL);
    }
    match gemm.source {
        Source::Windows { input, windows } | Source::Patches { input, windows, .. } => {
            let segments = Segments::of(&windows).filter(|(s, _)| {
                s.total_pairs() <= PANEL_VECTORS
                    && windows.taps() * windows.input.depth == gemm.depth
            });
            if let Some((_, elements)) = segments {
                // SAFETY (both): the `Avx2` token proves the CPU supports
                // AVX2.
                return unsafe {
                    if elements <= SMALL_ROW_BUFFER / 4 {
                        let mut buffer = [0i16; SMALL_ROW_BUFFER / 4];
                        panel_windows(gemm, input, &windows, &mut buffer, output)
                    } else if elements <= SMALL_ROW_BUFFER {
                        let mut buffer = [0i16; SMALL_ROW_BUFFER];
                        panel_windows(gemm, input, &windows, &mut buffer, output)
                    } else {
                        let mut buffer = [0i16; MAX_ROW_BUFFER];
                        panel_windows(gemm, input, &windows, &mut buffer, output)
                    }
                };
            }
        }
        Source::Matrix(_) => {}
    }
    let window = match gemm.source {
        Source::Matrix(_) => 0,
        Source::Windows { windows, .. } | Source::Patches { windows, .. } => {
            window_buffer_len(&windows).unwrap_or(usize::MAX)
        }
    };
    // SAFETY (all): the `Avx2` token proves the CPU supports AVX2.
    unsafe {
        if window == 0 {
            by_depth(gemm, &mut [], output)
        } else if window <= SMALL_WINDOW_BUFFER {
            let mut buffer = [0i8; SMALL_WINDOW_BUFFER];
            let buffer = buffer.get_mut(..window).unwrap_or_default();
            by_depth(gemm, buffer, output)
        } else {
            let mut buffer = [0i8; MAX_WINDOW_BUFFER];
            by_depth(gemm, &mut buffer, output)
        }
    }
}

/// Elements of the widened row buffer for most convs.
const SMALL_ROW_BUFFER: usize = 4096;

/// Bytes of the window buffer for most convs.
const SMALL_WINDOW_BUFFER: usize = 2048;

/// Dispatches on the depth class (the rows' length).
#[target_feature(enable = "avx2")]
fn by_depth(g: &Gemm<'_>, buffer: &mut [i8], output: &mut [i8]) -> Result<(), KernelError> {
    if g.depth <= 64 {
        panel_avx2::<{ (64 + ROW_SLACK) / 2 }>(g, buffer, output)
    } else if g.depth <= 256 {
        panel_avx2::<{ (256 + ROW_SLACK) / 2 }>(g, buffer, output)
    } else {
        panel_avx2::<{ (MAX_PANEL_DEPTH + ROW_SLACK) / 2 }>(g, buffer, output)
    }
}

/// Most groups of eight channels per panel (their output stages are
/// prepared once per panel).
pub(super) const MAX_PANEL_GROUPS: usize = 32;

/// The bias lanes and scale constants of one group of eight channels.
#[derive(Clone, Copy)]
pub(super) struct GroupStage {
    pub(super) bias: __m256i,
    pub(super) scale: LaneScale,
}

/// The kernel with rows of `2 * H >= depth + ROW_SLACK` elements, stored as
/// `i32` pairs.
#[target_feature(enable = "avx2")]
fn panel_avx2<const H: usize>(
    g: &Gemm<'_>,
    buffer: &mut [i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    let (channels, depth) = (g.channels, g.depth);
    let pairs = depth.div_ceil(2);
    let groups = channels.div_ceil(LANES);
    if 2 * H < depth + ROW_SLACK || pairs > PANEL_VECTORS || pairs == 0 {
        return Err(INTERNAL);
    }
    let offset = _mm256_set1_epi16(i16::try_from(g.input_offset).map_err(|_| INTERNAL)?);
    let constants = StageConstants::new(&g.stage);
    // Groups per panel: all of them if they fit, else an even number.
    let fit = (PANEL_VECTORS / pairs).min(MAX_PANEL_GROUPS);
    let per_panel = if groups <= fit {
        groups
    } else {
        (fit & !1).max(1)
    };
    let mut storage = [MaybeUninit::<__m256i>::uninit(); PANEL_VECTORS];
    let mut stage_storage = [MaybeUninit::<GroupStage>::uninit(); MAX_PANEL_GROUPS];
    let mut rows = [[0i32; H]; PIXELS];
    let mut first_group = 0;
    while first_group < groups {
        let panel_groups = per_panel.min(groups - first_group);
        let panel = pack(g, first_group, panel_groups, pairs, &mut storage)?;
        let stages = prepare_stages(g, first_group, panel_groups, &mut stage_storage)?;
        let mut operand = OperandRows::new(g, offset, &mut *buffer);
        let mut first = 0;
        while first < g.pixels {
            let count = PIXELS.min(g.pixels - first);
            for row in rows.iter_mut().take(count) {
                let wide: &mut [i16] = bytemuck::cast_slice_mut(row.as_mut_slice());
                operand.next(wide)?;
                if depth % 2 == 1 {
                    // The last pair's second element meets zero weights;
                    // keep it a plain 0 rather than the row builder's spill.
                    if let Some(x) = wide.get_mut(depth) {
                        *x = 0;
                    }
                }
            }
            let mut group = 0;
            while group < panel_groups {
                let c = (first_group + group) * LANES;
                let w0 = panel
                    .get(group * pairs..(group + 1) * pairs)
                    .ok_or(INTERNAL)?;
                let s0 = stages.get(group).ok_or(INTERNAL)?;
                if let (Some(w1), Some(s1)) = (
                    panel.get((group + 1) * pairs..(group + 2) * pairs),
                    stages.get(group + 1),
                ) {
                    let acc = block2(&rows, w0, w1);
                    for (i, [a0, a1]) in acc.iter().enumerate().take(count) {
                        let lo = requantize(_mm256_add_epi32(*a0, s0.bias), &s0.scale, &constants);
                        let hi = requantize(_mm256_add_epi32(*a1, s1.bias), &s1.scale, &constants);
                        store(
                            output,
                            (first + i) * channels,
                            channels,
                            c,
                            16,
                            pack16(lo, hi),
                        );
                    }
                    group += 2;
                } else {
                    let acc = block1(&rows, w0);
                    let zero = _mm256_setzero_si256();
                    for (i, a0) in acc.iter().enumerate().take(count) {
                        let lo = requantize(_mm256_add_epi32(*a0, s0.bias), &s0.scale, &constants);
                        store(
                            output,
                            (first + i) * channels,
                            channels,
                            c,
                            8,
                            pack16(lo, zero),
                        );
                    }
                    group += 1;
                }
            }
            first += count;
        }
        first_group += panel_groups;
    }
    Ok(())
}

/// The output stages of groups `first..first + count` (`count <=
/// MAX_PANEL_GROUPS`), written into `storage`.
#[target_feature(enable = "avx2")]
pub(super) fn prepare_stages<'s>(
    g: &Gemm<'_>,
    first: usize,
    count: usize,
    storage: &'s mut [MaybeUninit<GroupStage>; MAX_PANEL_GROUPS],
) -> Result<&'s [GroupStage], KernelError> {
    let slots = storage.get_mut(..count).ok_or(INTERNAL)?;
    for (k, slot) in slots.iter_mut().enumerate() {
        let (bias, scale) = stage_lanes(g, (first + k) * LANES);
        slot.write(GroupStage { bias, scale });
    }
    let init = storage.get(..count).ok_or(INTERNAL)?;
    // SAFETY: the loop above wrote every one of the `count` slots;
    // `MaybeUninit<T>` has `T`'s layout.
    Ok(unsafe { core::slice::from_raw_parts(init.as_ptr().cast::<GroupStage>(), count) })
}

/// The accumulators `[pixel][group]` of four pixels by two groups of eight
/// channels.
#[inline]
#[target_feature(enable = "avx2")]
fn block2<const H: usize>(
    rows: &[[i32; H]; PIXELS],
    w0: &[__m256i],
    w1: &[__m256i],
) -> [[__m256i; 2]; PIXELS] {
    let zero = _mm256_setzero_si256();
    let mut acc = [[zero; 2]; PIXELS];
    for (j, (&a, &b)) in w0.iter().zip(w1).enumerate().take(H) {
        for (acc_p, row) in acc.iter_mut().zip(rows) {
            let x = _mm256_set1_epi32(row[j]);
            acc_p[0] = _mm256_add_epi32(acc_p[0], _mm256_madd_epi16(x, a));
            acc_p[1] = _mm256_add_epi32(acc_p[1], _mm256_madd_epi16(x, b));
        }
    }
    acc
}

/// The accumulators of four pixels by one group of eight channels.
#[inline]
#[target_feature(enable = "avx2")]
fn block1<const H: usize>(rows: &[[i32; H]; PIXELS], w0: &[__m256i]) -> [__m256i; PIXELS] {
    let zero = _mm256_setzero_si256();
    let mut acc = [zero; PIXELS];
    for (j, &a) in w0.iter().enumerate().take(H) {
        for (acc_p, row) in acc.iter_mut().zip(rows) {
            let x = _mm256_set1_epi32(row[j]);
            *acc_p = _mm256_add_epi32(*acc_p, _mm256_madd_epi16(x, a));
        }
    }
    acc
}

/// Bias lanes and scale constants of channels `c..c + 8` (zeros past the
/// channel count).
#[inline]
#[target_feature(enable = "avx2")]
fn stage_lanes(g: &Gemm<'_>, c: usize) -> (__m256i, LaneScale) {
    if c + LANES <= g.channels {
        let bias = channel_lanes(g.bias, 0, c, LaneChannels::Eight);
        let (multiplier, shift) = scale_lanes(&g.stage, c, LaneChannels::Eight);
        return (bias, LaneScale::new(multiplier, shift));
    }
    let mut bias = [0i32; LANES];
    let mut multiplier = [0i32; LANES];
    let mut shift = [0i32; LANES];
    for lane in 0..g.channels.saturating_sub(c).min(LANES) {
        let channel = c + lane;
        bias[lane] = g.bias.and_then(|b| b.get(channel)).copied().unwrap_or(0);
        (multiplier[lane], shift[lane]) = g.stage.scale(channel);
    }
    (
        bytemuck::cast(bias),
        LaneScale::new(bytemuck::cast(multiplier), bytemuck::cast(shift)),
    )
}

/// Stores the first `width` (8 or 16) of `bytes` at channel `c` of the
/// output row starting at `row` (`channels` long), fewer past its end.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn store(
    output: &mut [i8],
    row: usize,
    channels: usize,
    c: usize,
    width: usize,
    bytes: __m128i,
) {
    let n = width.min(channels.saturating_sub(c));
    let Some(dst) = output.get_mut(row + c..row + c + n) else {
        return;
    };
    if n == 16 {
        // SAFETY: `dst` has 16 writable bytes; no alignment needed.
        unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), bytes) };
    } else if n == 8 {
        // SAFETY: `dst` has 8 writable bytes; `movq` writes exactly 8.
        unsafe { _mm_storel_epi64(dst.as_mut_ptr().cast(), bytes) };
    } else {
        let all: [i8; 16] = bytemuck::cast(bytes);
        dst.iter_mut().zip(all).for_each(|(d, s)| *d = s);
    }
}

/// Repacks groups `first..first + count` of eight channels into `storage`,
/// `[group][pair]`, each vector holding `(w[c][2j], w[c][2j + 1])` as `i16`
/// for the group's eight channels (zeros past the depth or the channel
/// count). Returns the `count * pairs` initialized vectors.
#[target_feature(enable = "avx2")]
pub(super) fn pack<'s>(
    g: &Gemm<'_>,
    first: usize,
    count: usize,
    pairs: usize,
    storage: &'s mut [MaybeUninit<__m256i>],
) -> Result<&'s [__m256i], KernelError> {
    let used = count.checked_mul(pairs).ok_or(INTERNAL)?;
    let slots = storage.get_mut(..used).ok_or(INTERNAL)?;
    let mut written = 0;
    for (k, group_slots) in slots.chunks_exact_mut(pairs.max(1)).enumerate() {
        let c0 = (first + k) * LANES;
        written += match g.filter_layout {
            FilterLayout::RowMajor => pack_row_major(g, c0, group_slots),
            FilterLayout::ColumnMajor => pack_column_major(g, c0, group_slots),
        };
    }
    if written != used {
        return Err(INTERNAL);
    }
    let init = storage.get(..used).ok_or(INTERNAL)?;
    // SAFETY: `pack_row_major` / `pack_column_major` wrote every one of
    // the `used` slots (each returns the number it wrote, one per slot of
    // its group, and they add up to `used`); `MaybeUninit<T>` has `T`'s
    // layout.
    Ok(unsafe { core::slice::from_raw_parts(init.as_ptr().cast::<__m256i>(), used) })
}

/// Keeps the first `n` of 16 bytes: `KEEP[16 - n..32 - n]`.
static KEEP: [i8; 32] = {
    let mut m = [0i8; 32];
    let mut i = 0;
    while i < 16 {
        m[i] = -1;
        i += 1;
    }
    m
};

/// The 16 bytes of a row's elements `at..at + 16`, zero past its `len`
/// elements. `row` starts at the row and may run past it (into memory that
/// is read but masked off), which saves the copy through a buffer.
#[inline]
#[target_feature(enable = "avx2")]
fn load16_padded(row: &[i8], len: usize, at: usize) -> __m128i {
    let valid = len.saturating_sub(at).min(16);
    match row.get(at..at + 16) {
        Some(s) => {
            // SAFETY: the slice has 16 readable bytes; no alignment needed.
            let v = unsafe { _mm_loadu_si128(s.as_ptr().cast()) };
            if valid == 16 {
                v
            } else {
                let keep = KEEP.get(16 - valid..32 - valid).unwrap_or(&[0; 16]);
                // SAFETY: `keep` has 16 readable bytes.
                _mm_and_si128(v, unsafe { _mm_loadu_si128(keep.as_ptr().cast()) })
            }
        }
        None => {
            let mut buf = [0i8; 16];
            let tail = row.get(at..at + valid).unwrap_or(&[]);
            buf.iter_mut().zip(tail).for_each(|(d, &s)| *d = s);
            bytemuck::cast(buf)
        }
    }
}

/// Packs the group of channels `c0..c0 + 8` of a `[channels][depth]`
/// filter into `slots` (one per pair); returns how many it wrote.
#[target_feature(enable = "avx2")]
fn pack_row_major(g: &Gemm<'_>, c0: usize, slots: &mut [MaybeUninit<__m256i>]) -> usize {
    let depth = g.depth;
    // Each row runs on to the filter's end (read, then masked off).
    let filter_row = |i: usize| {
        let c = c0 + i;
        match g.filter.get(c * depth..) {
            Some(rest) if c < g.channels && rest.len() >= depth => (rest, depth),
            _ => (&[][..], 0),
        }
    };
    transpose_pack(core::array::from_fn(filter_row), slots)
}

/// Packs eight rows (channels) into `slots`: slot `j` holds
/// `(row[c][2j], row[c][2j + 1])` as `i16` for the eight rows `c`, each row
/// given as a slice from its start and its length (elements past the length
/// read as 0). Returns how many slots it wrote (all of them).
#[target_feature(enable = "avx2")]
pub(super) fn transpose_pack(
    rows: [(&[i8], usize); LANES],
    slots: &mut [MaybeUninit<__m256i>],
) -> usize {
    let mut written = 0;
    let mut k = 0;
    let depth = 2 * slots.len();
    while k < depth {
        // Eight rows of 16 elements = eight pairs (16-bit units) each; an
        // 8x8 transpose of 16-bit units gives, per pair, the eight channels.
        let r: [__m128i; LANES] = core::array::from_fn(|i| load16_padded(rows[i].0, rows[i].1, k));
        let t0 = _mm_unpacklo_epi16(r[0], r[1]);
        let t1 = _mm_unpackhi_epi16(r[0], r[1]);
        let t2 = _mm_unpacklo_epi16(r[2], r[3]);
        let t3 = _mm_unpackhi_epi16(r[2], r[3]);
        let t4 = _mm_unpacklo_epi16(r[4], r[5]);
        let t5 = _mm_unpackhi_epi16(r[4], r[5]);
        let t6 = _mm_unpacklo_epi16(r[6], r[7]);
        let t7 = _mm_unpackhi_epi16(r[6], r[7]);
        let u0 = _mm_unpacklo_epi32(t0, t2);
        let u1 = _mm_unpackhi_epi32(t0, t2);
        let u2 = _mm_unpacklo_epi32(t1, t3);
        let u3 = _mm_unpackhi_epi32(t1, t3);
        let u4 = _mm_unpacklo_epi32(t4, t6);
        let u5 = _mm_unpackhi_epi32(t4, t6);
        let u6 = _mm_unpacklo_epi32(t5, t7);
        let u7 = _mm_unpackhi_epi32(t5, t7);
        let v = [
            _mm_unpacklo_epi64(u0, u4),
            _mm_unpackhi_epi64(u0, u4),
            _mm_unpacklo_epi64(u1, u5),
            _mm_unpackhi_epi64(u1, u5),
            _mm_unpacklo_epi64(u2, u6),
            _mm_unpackhi_epi64(u2, u6),
            _mm_unpacklo_epi64(u3, u7),
            _mm_unpackhi_epi64(u3, u7),
        ];
        let first_pair = k / 2;
        for (slot, &pair) in slots.iter_mut().skip(first_pair).zip(&v) {
            slot.write(_mm256_cvtepi8_epi16(pair));
            written += 1;
        }
        k += 16;
    }
    written
}

/// Packs the group of channels `c0..c0 + 8` of a `[depth][channels]`
/// filter into `slots` (one per pair); returns how many it wrote.
#[target_feature(enable = "avx2")]
fn pack_column_major(g: &Gemm<'_>, c0: usize, slots: &mut [MaybeUninit<__m256i>]) -> usize {
    let (depth, channels) = (g.depth, g.channels);
    let run = |k: usize| {
        if k >= depth {
            return _mm_setzero_si128();
        }
        let row = g
            .filter
            .get(k * channels..(k + 1) * channels)
            .unwrap_or(&[]);
        let mut buf = [0i8; 16];
        let part = row.get(c0..).unwrap_or(&[]);
        buf.iter_mut()
            .take(LANES)
            .zip(part)
            .for_each(|(d, &s)| *d = s);
        bytemuck::cast(buf)
    };
    let mut written = 0;
    for (j, slot) in slots.iter_mut().enumerate() {
        let pair = _mm_unpacklo_epi8(run(2 * j), run(2 * j + 1));
        slot.write(_mm256_cvtepi8_epi16(pair));
        written += 1;
    }
    written
}
