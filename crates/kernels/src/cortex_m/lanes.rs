//! The inner loops of the Cortex-M kernels, over packed lanes: on cores with
//! the Arm DSP extension they run `SXTB16`/`SMLAD`-class instructions
//! ([`crate::arch::arm_dsp`]); elsewhere the portable definitions below,
//! which compute the same integers (every sum wraps modulo 2^32 in both).
//!
//! # The column layout
//!
//! A conv's im2col *columns* hold, for two output pixels A and B, the
//! window's input values plus the input offset as int16 (exact: an int8
//! plus minus an int8 zero point lies in [-255, 255]), interleaved in
//! blocks of four window positions: `A0 A2 A1 A3 B0 B2 B1 B3`, then the
//! next four. That is the order in which `SXTB16` and `SXTB16 ROR #8` widen
//! four int8 filter values (even lanes, then odd lanes), so one `SMLAD`
//! multiplies two of them with no repacking. The last `window % 4`
//! positions follow as `A B` pairs.
//!
//! On cores with Helium (MVE, [`crate::arch::arm_mve`]) the columns are
//! instead A's window then B's, in window order: `VLDRB.S16` widens the
//! filter values in that order. The size is the same (two int16 per window
//! position), so state prepared for one layout serves the other.

/// Where window position `j` of pixel `pixel` (0 = A, 1 = B) lies in the
/// columns of a window of `window` positions (see the module docs).
#[cfg(not(microlite_arm_mve))]
#[inline(always)]
pub(super) fn column_index(j: usize, pixel: usize, window: usize) -> usize {
    let blocked = window & !3;
    if j < blocked {
        (j & !3) * 2 + pixel * 4 + [0, 2, 1, 3][j & 3]
    } else {
        blocked * 2 + (j - blocked) * 2 + pixel
    }
}

/// Int16 elements in the columns of a window of `window` positions.
pub(super) fn columns_len(window: usize) -> usize {
    window.saturating_mul(2)
}

/// Writes `values[k] + offset` for window positions `start + k` of
/// `pixel` into `columns`, or zeros when `values` is `None` (a tap in the
/// padding: there the reference adds nothing, and `x + offset` with the
/// padding value is 0). `count` positions in all: whole blocks of four a
/// word pair at a time, positions before the first and after the last
/// whole block one by one.
#[cfg(not(microlite_arm_mve))]
#[inline(always)]
pub(super) fn write_columns(
    columns: &mut [i16],
    window: usize,
    pixel: usize,
    start: usize,
    count: usize,
    values: Option<&[i8]>,
    offset: i16,
) {
    let end = start.saturating_add(count).min(window);
    let blocked = window & !3;
    // Whole blocks: positions first..last, both multiples of 4.
    let first = start.next_multiple_of(4).min(end);
    let last = first.max(end.min(blocked) & !3);
    let one_by_one = |columns: &mut [i16], from: usize, to: usize| {
        for j in from..to {
            let value = match values {
                Some(values) => i16::from(values.get(j - start).copied().unwrap_or(0)) + offset,
                None => 0,
            };
            if let Some(dst) = columns.get_mut(column_index(j, pixel, window)) {
                *dst = value;
            }
        }
    };
    one_by_one(columns, start, first);
    if last > first {
        if let Ok(words) = bytemuck::try_cast_slice_mut::<i16, u32>(columns) {
            // Block b's four words start at word 4b: positions first..last
            // are words first..last.
            let words = words.get_mut(first..last).unwrap_or(&mut []);
            match values.and_then(|v| v.get(first - start..last - start)) {
                Some(run) => widen_blocks(words, pixel, run, offset),
                None => {
                    for block in words.chunks_exact_mut(4) {
                        if let Some(pair) = block.get_mut(2 * pixel..2 * pixel + 2) {
                            pair.fill(0);
                        }
                    }
                }
            }
        } else {
            // Columns are 4-byte aligned by construction.
            one_by_one(columns, first, last);
        }
    }
    one_by_one(columns, last, end);
}

/// A conv window whose taps all lie in the image, without groups or
/// horizontal dilation: `rows` runs of `row_len` contiguous input values,
/// the first at input index `start`, each `row_step` after the last.
#[derive(Debug, Clone, Copy)]
pub(super) struct InteriorWindow {
    pub(super) start: usize,
    pub(super) row_step: usize,
    pub(super) rows: usize,
    pub(super) row_len: usize,
}

/// The columns of `pixel` for an interior window (`None`: nothing is
/// written, `false` returned, and the caller gathers tap by tap): each row
/// run widened whole blocks at a time when the runs are (a row length
/// that is a multiple of four), else the rows gathered into `staging`
/// (one window of int8) and widened from there. Returns whether it wrote
/// the window: `false` also when `input` or `staging` is too short.
#[inline(never)]
pub(super) fn write_interior_columns(
    columns: &mut [i16],
    window: usize,
    pixel: usize,
    staging: &mut [i8],
    input: &[i8],
    interior: Option<InteriorWindow>,
    offset: i16,
) -> bool {
    let Some(w) = interior else {
        return false;
    };
    let last = w
        .rows
        .checked_sub(1)
        .and_then(|r| r.checked_mul(w.row_step))
        .and_then(|r| r.checked_add(w.start))
        .and_then(|r| r.checked_add(w.row_len));
    if last.is_none_or(|last| last > input.len()) || w.rows * w.row_len != window {
        return false;
    }
    let runs = (0..w.rows).filter_map(|r| {
        input
            .get(w.start + r * w.row_step..)
            .map(|x| &x[..w.row_len.min(x.len())])
    });
    #[cfg(not(microlite_arm_mve))]
    if w.row_len % 4 == 0 {
        if let Ok(words) = bytemuck::try_cast_slice_mut::<i16, u32>(columns) {
            // Positions j..j + row_len are words j..j + row_len (blocks of
            // four positions, four words each).
            for (words, run) in words.chunks_exact_mut(w.row_len).zip(runs) {
                widen_blocks(words, pixel, run, offset);
            }
            return true;
        }
    }
    let Some(staging) = staging.get_mut(..window) else {
        return false;
    };
    for (to, run) in staging.chunks_exact_mut(w.row_len.max(1)).zip(runs) {
        if to.len() == run.len() {
            to.copy_from_slice(run);
        }
    }
    write_columns(columns, window, pixel, 0, window, Some(staging), offset);
    true
}

/// Whole blocks of `values` plus `offset` into the column words of
/// `pixel` (the definition of `crate::arch::arm_dsp::widen_blocks`).
#[cfg(not(microlite_arm_dsp))]
#[inline(always)]
fn widen_blocks(words: &mut [u32], pixel: usize, values: &[i8], offset: i16) {
    for (block, x) in words.chunks_exact_mut(4).zip(values.chunks_exact(4)) {
        let (even, odd) = widen_block(
            u32::from_le_bytes([x[0] as u8, x[1] as u8, x[2] as u8, x[3] as u8]),
            offset,
        );
        if let Some(pair) = block.get_mut(2 * pixel..2 * pixel + 2) {
            pair[0] = even;
            pair[1] = odd;
        }
    }
}

/// Whole blocks of `values` plus `offset` into the column words of
/// `pixel`: [`crate::arch::arm_dsp::widen_blocks`].
#[cfg(all(microlite_arm_dsp, not(microlite_arm_mve)))]
#[inline(always)]
fn widen_blocks(words: &mut [u32], pixel: usize, values: &[i8], offset: i16) {
    crate::arch::arm_dsp::widen_blocks(words, pixel, values, offset);
}

/// [`write_columns`] in the Helium layout: a vector loop per run.
#[cfg(microlite_arm_mve)]
#[inline(always)]
pub(super) fn write_columns(
    columns: &mut [i16],
    window: usize,
    pixel: usize,
    start: usize,
    count: usize,
    values: Option<&[i8]>,
    offset: i16,
) {
    let end = start.saturating_add(count).min(window);
    let base = pixel.saturating_mul(window);
    let Some(dst) = columns.get_mut(base + start..base + end.max(start)) else {
        return;
    };
    match values {
        Some(values) if values.len() >= dst.len() => {
            crate::arch::arm_mve::widen_run(dst, values, offset);
        }
        Some(values) => {
            for (k, d) in dst.iter_mut().enumerate() {
                *d = i16::from(values.get(k).copied().unwrap_or(0)) + offset;
            }
        }
        None => dst.fill(0),
    }
}

/// Four int8 values (a little-endian word) plus `offset`, as the two
/// column words of a block: `x0 | x2 << 16` and `x1 | x3 << 16`.
#[cfg(not(microlite_arm_dsp))]
#[inline(always)]
fn widen_block(word: u32, offset: i16) -> (u32, u32) {
    let lane = |k: u32| (i16::from((word >> (8 * k)) as u8 as i8) + offset) as u16 as u32;
    (lane(0) | lane(2) << 16, lane(1) | lane(3) << 16)
}

/// The four dot products of pixels A, B (in `columns`, laid out as in the
/// module docs for a window of `row_a.len()` positions) with filter rows
/// `row_a`, `row_b`: `[A·a, A·b, B·a, B·b]`, each added to its `start`.
#[cfg(not(microlite_arm_mve))]
#[inline(always)]
pub(super) fn dot_2x2(columns: &[i16], row_a: &[i8], row_b: &[i8], start: [i32; 4]) -> [i32; 4] {
    let window = row_a.len().min(row_b.len());
    let blocked = window & !3;
    let (blocks, tail) = columns.split_at(columns.len().min(blocked * 2));
    let mut acc = dot_blocks(blocks, &row_a[..blocked], &row_b[..blocked], start);
    for ((pair, &a), &b) in tail
        .chunks_exact(2)
        .zip(&row_a[blocked..])
        .zip(&row_b[blocked..])
    {
        let (xa, xb) = (i32::from(pair[0]), i32::from(pair[1]));
        let (a, b) = (i32::from(a), i32::from(b));
        acc[0] = acc[0].wrapping_add(xa * a);
        acc[1] = acc[1].wrapping_add(xa * b);
        acc[2] = acc[2].wrapping_add(xb * a);
        acc[3] = acc[3].wrapping_add(xb * b);
    }
    acc
}

/// [`dot_2x2`] in the Helium layout: one tail-predicated vector loop.
#[cfg(microlite_arm_mve)]
#[inline(always)]
pub(super) fn dot_2x2(columns: &[i16], row_a: &[i8], row_b: &[i8], start: [i32; 4]) -> [i32; 4] {
    let window = row_a.len().min(row_b.len());
    let (column_a, rest) = columns.split_at(columns.len().min(window));
    let column_b = rest.get(..window).unwrap_or(rest);
    crate::arch::arm_mve::dot_2x2(column_a, column_b, row_a, row_b, start)
}

/// [`dot_2x2`] over whole blocks (the portable definition).
#[cfg(not(microlite_arm_dsp))]
#[inline(always)]
fn dot_blocks(blocks: &[i16], row_a: &[i8], row_b: &[i8], acc: [i32; 4]) -> [i32; 4] {
    dot_blocks_portable(blocks, row_a, row_b, acc)
}

/// [`dot_2x2`] over whole blocks, in plain Rust.
#[cfg(not(microlite_arm_mve))]
#[inline(always)]
fn dot_blocks_portable(blocks: &[i16], row_a: &[i8], row_b: &[i8], mut acc: [i32; 4]) -> [i32; 4] {
    for ((x, a), b) in blocks
        .chunks_exact(8)
        .zip(row_a.chunks_exact(4))
        .zip(row_b.chunks_exact(4))
    {
        // Block order: x[0..4] = A0 A2 A1 A3, x[4..8] = B0 B2 B1 B3.
        for (lane, k) in [0usize, 2, 1, 3].into_iter().enumerate() {
            let (xa, xb) = (i32::from(x[lane]), i32::from(x[4 + lane]));
            let (wa, wb) = (i32::from(a[k]), i32::from(b[k]));
            acc[0] = acc[0].wrapping_add(xa * wa);
            acc[1] = acc[1].wrapping_add(xa * wb);
            acc[2] = acc[2].wrapping_add(xb * wa);
            acc[3] = acc[3].wrapping_add(xb * wb);
        }
    }
    acc
}

/// [`dot_2x2`] over whole blocks, in one DSP loop
/// ([`crate::arch::arm_dsp::dot_2x2_blocks`]).
#[cfg(all(microlite_arm_dsp, not(microlite_arm_mve)))]
#[inline(always)]
fn dot_blocks(blocks: &[i16], row_a: &[i8], row_b: &[i8], acc: [i32; 4]) -> [i32; 4] {
    let Ok(words) = bytemuck::try_cast_slice::<i16, u32>(blocks) else {
        // Columns are 4-byte aligned by construction.
        return dot_blocks_portable(blocks, row_a, row_b, acc);
    };
    crate::arch::arm_dsp::dot_2x2_blocks(
        words,
        bytemuck::cast_slice(row_a),
        bytemuck::cast_slice(row_b),
        acc,
    )
}

/// The input pixels of up to `Taps::MAX` depthwise filter taps.
#[cfg(microlite_arm_dsp)]
pub(super) use crate::arch::arm_dsp::TapPointers as Taps;

/// Taps one [`Taps`] holds.
#[cfg(not(microlite_arm_dsp))]
const TAPS_MAX: usize = 16;

/// The input pixels of up to [`Taps::MAX`] depthwise filter taps.
#[cfg(not(microlite_arm_dsp))]
pub(super) struct Taps<'a> {
    rows: [&'a [i8]; TAPS_MAX],
    count: usize,
}

#[cfg(not(microlite_arm_dsp))]
impl<'a> Taps<'a> {
    /// Taps one set holds.
    pub(super) const MAX: usize = TAPS_MAX;

    /// The first [`Self::MAX`] of `rows`.
    #[inline(always)]
    pub(super) fn new(rows: &[&'a [i8]]) -> Self {
        let mut all: [&'a [i8]; TAPS_MAX] = [&[]; TAPS_MAX];
        let mut count = 0;
        for (slot, row) in all.iter_mut().zip(rows) {
            *slot = row;
            count += 1;
        }
        Self { rows: all, count }
    }

    /// Sets the taps to `rows` (the first [`Self::MAX`]).
    #[inline(always)]
    pub(super) fn set_rows(&mut self, rows: &[&'a [i8]]) {
        *self = Self::new(rows);
    }

    /// Sets the taps to the `offsets` taps of `input` from `base`; holds
    /// no taps (and returns `false`) when one of them does not lie within
    /// `input`.
    #[inline(always)]
    pub(super) fn set_interior(
        &mut self,
        input: &'a [i8],
        base: usize,
        offsets: &TapOffsets,
    ) -> bool {
        self.count = 0;
        for (slot, &offset) in self.rows.iter_mut().zip(&offsets.offsets[..offsets.count]) {
            let Some(row) = base
                .checked_add(offset)
                .and_then(|start| input.get(start..start.checked_add(offsets.len)?))
            else {
                self.count = 0;
                return false;
            };
            *slot = row;
            self.count += 1;
        }
        true
    }
}

/// Where the taps of an interior depthwise pixel read: offsets from the
/// pixel's first tap, each tap `len` values long.
#[cfg(not(microlite_arm_dsp))]
#[derive(Debug, Clone, Copy)]
pub(super) struct TapOffsets {
    offsets: [usize; TAPS_MAX],
    count: usize,
    len: usize,
}

#[cfg(not(microlite_arm_dsp))]
impl TapOffsets {
    /// The first [`Taps::MAX`] of `offsets`, `len` values each; `None`
    /// when a tap's end overflows.
    pub(super) fn new(offsets: &[usize], len: usize) -> Option<Self> {
        let mut all = [0; TAPS_MAX];
        let mut count = 0;
        for (slot, &offset) in all.iter_mut().zip(offsets) {
            offset.checked_add(len)?;
            *slot = offset;
            count += 1;
        }
        Some(Self {
            offsets: all,
            count,
            len,
        })
    }
}

#[cfg(microlite_arm_dsp)]
pub(super) use crate::arch::arm_dsp::TapOffsets;

/// Channels the depthwise loop takes at a time: eight with Helium, else
/// four.
pub(super) const DEPTHWISE_LANES: usize = if cfg!(microlite_arm_mve) { 8 } else { 4 };

/// Adds `sum over taps t of input_t[c + k] * weights[t * stride + k]` to
/// `acc[k]` for `k < DEPTHWISE_LANES`; does nothing unless every tap has
/// channels `c..c + DEPTHWISE_LANES` and `weights` holds every tap's
/// values (the definition of `crate::arch::arm_dsp::depthwise_mac_4` and
/// `crate::arch::arm_mve::depthwise_mac_8`).
#[cfg(not(microlite_arm_dsp))]
#[inline(always)]
pub(super) fn depthwise_mac(
    mut acc: [i32; DEPTHWISE_LANES],
    taps: &Taps<'_>,
    c: usize,
    weights: &[i8],
    stride: usize,
) -> [i32; DEPTHWISE_LANES] {
    let rows = &taps.rows[..taps.count];
    let width = DEPTHWISE_LANES;
    let in_bounds = rows.iter().enumerate().all(|(t, row)| {
        row.len() >= c.saturating_add(width)
            && t.saturating_mul(stride).saturating_add(width) <= weights.len()
    });
    if !in_bounds {
        return acc;
    }
    for (t, row) in rows.iter().enumerate() {
        let x = &row[c..c + width];
        let w = &weights[t * stride..t * stride + width];
        for ((a, &x), &w) in acc.iter_mut().zip(x).zip(w) {
            *a = a.wrapping_add(i32::from(x) * i32::from(w));
        }
    }
    acc
}

/// Words of widened depthwise filter values
/// ([`widen_depthwise_filter`]) for `depth` channels and `taps` taps.
pub(super) fn widened_depthwise_filter_len(depth: usize, taps: usize) -> usize {
    (depth / 4).saturating_mul(taps).saturating_mul(2)
}

/// The filter values of a depthwise conv with depth multiplier 1
/// (`filter[t * depth + c]`) widened for [`depthwise_sums`]: for each
/// whole group `g` of four channels and each tap `t`, word
/// `2 (g * taps + t)` holds channels `4g` and `4g + 2` as int16 (low,
/// high) and the next word channels `4g + 1` and `4g + 3`.
pub(super) fn widen_depthwise_filter(filter: &[i8], taps: usize, depth: usize, wide: &mut [u32]) {
    let pair = |a: i8, b: i8| u32::from(a as i16 as u16) | u32::from(b as i16 as u16) << 16;
    let mut words = wide.chunks_exact_mut(2);
    for g in 0..depth / 4 {
        for t in 0..taps {
            let (Some(w), Some(out)) = (
                filter.get(t * depth + 4 * g..t * depth + 4 * g + 4),
                words.next(),
            ) else {
                return;
            };
            out[0] = pair(w[0], w[2]);
            out[1] = pair(w[1], w[3]);
        }
    }
}

/// The sums of one output pixel of a depthwise conv with depth multiplier
/// 1 over whole groups of four channels: `acc[c] = start[c] + sum over
/// taps t of input_t[c] * w_t[c]`, the filter values from
/// [`widen_depthwise_filter`]. Returns the groups done (the groups that
/// `acc`, `start`, every tap and `wide` hold), the definition of
/// `crate::arch::arm_dsp::depthwise_sums_4`.
#[cfg(not(microlite_arm_dsp))]
pub(super) fn depthwise_sums(
    taps: &Taps<'_>,
    wide: &[u32],
    start: &[i32],
    acc: &mut [i32],
) -> usize {
    let rows = &taps.rows[..taps.count];
    let min_len = rows.iter().map(|r| r.len()).min().unwrap_or(0);
    let per_group = rows.len() * 2;
    if per_group == 0 {
        return 0;
    }
    let groups = (acc.len() / 4)
        .min(start.len() / 4)
        .min(min_len / 4)
        .min(wide.len() / per_group);
    let half =
        |word: u32, high: bool| i32::from((if high { word >> 16 } else { word }) as u16 as i16);
    for g in 0..groups {
        for k in 0..4 {
            let mut sum = start[4 * g + k];
            for (t, row) in rows.iter().enumerate() {
                let word = wide[(g * rows.len() + t) * 2 + (k & 1)];
                let w = half(word, k >= 2);
                sum = sum.wrapping_add(i32::from(row[4 * g + k]) * w);
            }
            acc[4 * g + k] = sum;
        }
    }
    groups
}

/// [`depthwise_sums`] on DSP cores: `crate::arch::arm_dsp::depthwise_sums_4`.
#[cfg(all(microlite_arm_dsp, not(microlite_arm_mve)))]
#[inline(always)]
pub(super) fn depthwise_sums(
    taps: &Taps<'_>,
    wide: &[u32],
    start: &[i32],
    acc: &mut [i32],
) -> usize {
    crate::arch::arm_dsp::depthwise_sums_4(taps, wide, start, acc)
}

/// Adds `sum over taps t of input_t[c] * weights[t * stride + k]` to
/// `acc[k]` for `k < 4` (four output channels of input channel `c` of a
/// depthwise conv with a depth multiplier); does nothing unless every tap
/// has channel `c` and `weights` holds every tap's four values (the
/// definition of `crate::arch::arm_dsp::depthwise_broadcast_mac_4`).
#[cfg(not(microlite_arm_dsp))]
#[inline(always)]
pub(super) fn depthwise_broadcast_mac_4(
    mut acc: [i32; 4],
    taps: &Taps<'_>,
    c: usize,
    weights: &[i8],
    stride: usize,
) -> [i32; 4] {
    let rows = &taps.rows[..taps.count];
    let in_bounds = !rows.is_empty()
        && rows.iter().enumerate().all(|(t, row)| {
            row.len() > c && t.saturating_mul(stride).saturating_add(4) <= weights.len()
        });
    if !in_bounds {
        return acc;
    }
    for (t, row) in rows.iter().enumerate() {
        let x = i32::from(row[c]);
        for (a, &w) in acc.iter_mut().zip(&weights[t * stride..t * stride + 4]) {
            *a = a.wrapping_add(x * i32::from(w));
        }
    }
    acc
}

#[cfg(microlite_arm_dsp)]
pub(super) use crate::arch::arm_dsp::depthwise_broadcast_mac_4;

#[cfg(all(microlite_arm_dsp, not(microlite_arm_mve)))]
pub(super) use crate::arch::arm_dsp::depthwise_mac_4 as depthwise_mac;

#[cfg(microlite_arm_mve)]
pub(super) use crate::arch::arm_mve::depthwise_mac_8 as depthwise_mac;

/// The dot products of one input row `x` (plus `offset`, as int16) with
/// two filter rows, added to `acc`: `[x·a, x·b]` (a FULLY_CONNECTED pair of
/// output units), over `min` of the three lengths.
#[inline(always)]
pub(super) fn fc_dot_2(
    x: &[i8],
    offset: i16,
    row_a: &[i8],
    row_b: &[i8],
    acc: [i32; 2],
) -> [i32; 2] {
    let n = x.len().min(row_a.len()).min(row_b.len());
    let blocked = fc_blocked(n);
    let mut acc = fc_dot_2_blocks(
        &x[..blocked],
        offset,
        &row_a[..blocked],
        &row_b[..blocked],
        acc,
    );
    for ((&x, &a), &b) in x[blocked..n]
        .iter()
        .zip(&row_a[blocked..n])
        .zip(&row_b[blocked..n])
    {
        let x = i32::from(x) + i32::from(offset);
        acc[0] = acc[0].wrapping_add(x * i32::from(a));
        acc[1] = acc[1].wrapping_add(x * i32::from(b));
    }
    acc
}

/// The positions [`fc_dot_2_blocks`] takes of `n`: whole blocks of four on
/// DSP cores, none elsewhere (the plain loop does them all).
#[inline(always)]
fn fc_blocked(n: usize) -> usize {
    if cfg!(all(microlite_arm_dsp, not(microlite_arm_mve))) {
        n & !3
    } else {
        0
    }
}

/// [`fc_dot_2`] over whole blocks of four, in one DSP loop.
#[cfg(all(microlite_arm_dsp, not(microlite_arm_mve)))]
#[inline(always)]
fn fc_dot_2_blocks(x: &[i8], offset: i16, row_a: &[i8], row_b: &[i8], acc: [i32; 2]) -> [i32; 2] {
    crate::arch::arm_dsp::fc_dot_2_blocks(x, offset, row_a, row_b, acc)
}

/// Nothing: without the DSP extension the plain loop covers every position.
#[cfg(not(all(microlite_arm_dsp, not(microlite_arm_mve))))]
#[inline(always)]
fn fc_dot_2_blocks(_: &[i8], _: i16, _: &[i8], _: &[i8], acc: [i32; 2]) -> [i32; 2] {
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_index_is_a_bijection_onto_the_columns() {
        for window in 0..13 {
            let mut seen = [false; 26];
            for pixel in 0..2 {
                for j in 0..window {
                    let at = column_index(j, pixel, window);
                    assert!(at < columns_len(window));
                    assert!(!seen[at], "window {window}: {j}/{pixel} collides");
                    seen[at] = true;
                }
            }
        }
    }

    #[test]
    fn dot_2x2_is_four_plain_dot_products() {
        for window in 0..11usize {
            let xa: [i8; 10] =
                core::array::from_fn(|k| (k as i8).wrapping_mul(37).wrapping_sub(100));
            let xb: [i8; 10] = core::array::from_fn(|k| (k as i8).wrapping_mul(91).wrapping_add(5));
            let ra: [i8; 10] = core::array::from_fn(|k| (k as i8).wrapping_mul(53).wrapping_sub(7));
            let rb: [i8; 10] =
                core::array::from_fn(|k| 127i8.wrapping_sub((k as i8).wrapping_mul(29)));
            let offset = 128i16;
            let mut columns = [0i16; 20];
            write_columns(
                &mut columns,
                window,
                0,
                0,
                window,
                Some(&xa[..window]),
                offset,
            );
            write_columns(
                &mut columns,
                window,
                1,
                0,
                window,
                Some(&xb[..window]),
                offset,
            );
            let plain = |x: &[i8], w: &[i8]| -> i32 {
                x.iter()
                    .zip(w)
                    .map(|(&x, &w)| (i32::from(x) + 128) * i32::from(w))
                    .sum()
            };
            let got = dot_2x2(
                &columns[..columns_len(window)],
                &ra[..window],
                &rb[..window],
                [1, 2, 3, 4],
            );
            let want = [
                1 + plain(&xa[..window], &ra[..window]),
                2 + plain(&xa[..window], &rb[..window]),
                3 + plain(&xb[..window], &ra[..window]),
                4 + plain(&xb[..window], &rb[..window]),
            ];
            assert_eq!(got, want, "window {window}");
        }
    }
}
