//! In-place execution of windowed ops (CONV_2D, DEPTHWISE_CONV_2D,
//! AVERAGE_POOL_2D, MAX_POOL_2D; batch 1): the output overwrites its dying
//! input, computed one output row at a time.
//!
//! A chunk of output rows `r..r + g` is computed into a row buffer (scratch)
//! by the ordinary kernel, run on the sub-problem "input rows `y0..y1`, top
//! padding adjusted, `g` output rows": every output pixel sees exactly the
//! taps, in the same order, as in the whole problem, so its bits are
//! identical. Then the chunk is copied to its place, which may overwrite
//! input rows no later output row reads. For kernels with a per-call setup
//! (the optimized int8 ones) chunks hold about [`CHUNK_PIXELS`] output
//! pixels (at most a quarter of the rows); plain loops stream single rows,
//! the least scratch.
//!
//! # The lead
//!
//! Let `Ri`, `Ro` be the byte sizes of one input row and one output row,
//! `s` the vertical stride, `p` the top padding, `IH` the input height and
//! `lo(k) = min(IH, max(0, k·s − p))` the first input row output row `k`
//! (and every later one: `lo` never decreases) reads. With the output
//! starting `d` bytes before the input, copying row `r` writes up to byte
//! `(r + 1)·Ro − d` (relative to the input's start), and rows `r + 1..`
//! still need input bytes from `lo(r + 1)·Ri` on. So the copy is safe for
//! every row exactly when
//!
//! ```text
//! d >= lead = max over k in 1..OH of ( k·Ro − lo(k)·Ri )
//! ```
//!
//! (the last row has no later reader; with one output row any `d` works, and
//! the lead is floored at minus the input's size, below which nothing
//! overlaps). `k·Ro − lo(k)·Ri` is linear in `k` between the breakpoints
//! of `lo` (`k·s = p` and `k·s − p = IH`), so the maximum lies at an end of
//! one of the three pieces: [`Rows::lead_bytes`] evaluates those at most six
//! `k`, O(1) for any shape. A negative lead (strided windows read faster than
//! they write) lets the output start after the input. Chunks copy only at
//! chunk boundaries `k`, a subset of `1..OH`, so the one-row lead covers
//! every chunk size.

use core::ops::Range;

use bytemuck::Pod;
use microlite_kernels::optimized::Backend;

use crate::context::InPlaceRegion;
use crate::error::OpError;
use crate::kernel::InPlaceOffer;

/// Output pixels a streamed chunk aims for when kernel calls have a setup
/// cost (repacking weights, folding biases): each chunk is one kernel call.
/// 128 is the knee measured on the shared models: against 32, vww01 runs
/// about 7% faster for 2.7% more arena, and 256 buys 2% more speed for 4%
/// more arena.
pub const CHUNK_PIXELS: usize = 128;

/// Output pixels a streamed chunk aims for with the microcontroller kernels
/// (`Compact`, `CortexM`): their per-call setup (weight sums per output
/// channel for the compact conv and both depthwise kernels) costs about one
/// output pixel, so 32 keeps it near 3% with a small row buffer.
pub const COMPACT_CHUNK_PIXELS: usize = 32;

/// Output pixels an int8 streamed chunk aims for with `backend`'s kernels.
pub fn chunk_pixels(backend: Backend) -> usize {
    if matches!(backend, Backend::Compact | Backend::CortexM) {
        COMPACT_CHUNK_PIXELS
    } else {
        CHUNK_PIXELS
    }
}

/// The vertical geometry of a batch-1 windowed op, rows measured in
/// elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows {
    /// Input rows.
    pub input_height: usize,
    /// Elements per input row (width × channels).
    pub input_row: usize,
    /// Output rows.
    pub output_height: usize,
    /// Elements per output row.
    pub output_row: usize,
    /// Output pixels per row.
    pub output_width: usize,
    /// Output pixels a chunk aims for (1: single rows).
    pub chunk_pixels: usize,
    /// Vertical stride.
    pub stride: usize,
    /// Padding rows above the input.
    pub padding: usize,
    /// Window height in taps.
    pub filter_height: usize,
    /// Vertical dilation.
    pub dilation: usize,
}

/// The input rows a run of output rows reads, and the top padding of its
/// sub-problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowWindow {
    /// Input rows the output rows read (clipped to the input).
    pub rows: Range<usize>,
    /// Padding rows above `rows` in the sub-problem.
    pub padding: usize,
}

impl Rows {
    /// The window of output rows `out` (non-empty).
    pub fn window(&self, out: Range<usize>) -> RowWindow {
        let start = out.start.saturating_mul(self.stride);
        let (first, padding) = match start.checked_sub(self.padding) {
            Some(first) => (first.min(self.input_height), 0),
            None => (0, self.padding - start),
        };
        let reach = self
            .filter_height
            .saturating_sub(1)
            .saturating_mul(self.dilation);
        // One past the last un-padded row the last window touches.
        let end = out
            .end
            .saturating_sub(1)
            .saturating_mul(self.stride)
            .saturating_add(reach)
            .saturating_add(1)
            .saturating_sub(self.padding)
            .clamp(first, self.input_height);
        RowWindow {
            rows: first..end,
            padding,
        }
    }

    /// Output rows per streamed chunk: about `chunk_pixels` pixels, at most
    /// a quarter of the rows, at least one.
    pub fn chunk_rows(&self) -> usize {
        self.chunk_pixels
            .div_ceil(self.output_width.max(1))
            .min(self.output_height / 4)
            .max(1)
    }

    /// The chunks of output rows, in order: `0..g`, `g..2g`, ... (the last
    /// shorter), with `g` = [`Rows::chunk_rows`].
    pub fn chunks(&self) -> impl Iterator<Item = Range<usize>> {
        let (height, step) = (self.output_height, self.chunk_rows());
        (0..height)
            .step_by(step)
            .map(move |start| start..start.saturating_add(step).min(height))
    }

    /// The most input rows one chunk's window reads.
    pub fn max_window_rows(&self) -> usize {
        self.chunks()
            .map(|chunk| self.window(chunk).rows.len())
            .max()
            .unwrap_or(0)
    }

    /// Whether windows of consecutive output rows never share input rows
    /// (the stride covers the dilated filter): chunks then read disjoint
    /// input rows, and an input computed band by band is computed once.
    pub fn windows_disjoint(&self) -> bool {
        let reach = self
            .filter_height
            .saturating_sub(1)
            .saturating_mul(self.dilation)
            .saturating_add(1);
        self.stride >= reach
    }

    /// The least lead (see the module docs) for elements of `element_size`
    /// bytes, or `None` on overflow.
    pub fn lead_bytes(&self, element_size: usize) -> Option<i64> {
        let wide = |v: usize| i64::try_from(v).ok();
        let size = wide(element_size)?;
        let in_row = wide(self.input_row)?.checked_mul(size)?;
        let out_row = wide(self.output_row)?.checked_mul(size)?;
        let in_height = wide(self.input_height)?;
        let stride = self.stride.max(1);
        let floor = in_height.checked_mul(in_row)?.checked_neg()?;
        let Some(last) = self.output_height.checked_sub(1) else {
            return Some(floor);
        };
        let first = 1;
        let pad = wide(self.padding)?;
        let wide_stride = wide(stride)?;
        let lo = |k: usize| -> Option<i64> {
            Some(
                wide(k)?
                    .checked_mul(wide_stride)?
                    .checked_sub(pad)?
                    .clamp(0, in_height),
            )
        };
        let excess = |k: usize| -> Option<i64> {
            wide(k)?
                .checked_mul(out_row)?
                .checked_sub(lo(k)?.checked_mul(in_row)?)
        };
        // Breakpoints of lo: the last k with k·s <= p, and with k·s - p <= IH
        // (divisions in usize: one instruction on 32-bit cores).
        let a = self.padding / stride;
        let b = self.padding.checked_add(self.input_height)? / stride;
        let mut lead = floor;
        for k in [first, last, a, a.saturating_add(1), b, b.saturating_add(1)] {
            if (first..=last).contains(&k) {
                lead = lead.max(excess(k)?);
            }
        }
        Some(lead)
    }

    /// Elements of the row buffer: one chunk of output rows.
    pub fn buffer_len(&self) -> Option<usize> {
        self.output_row.checked_mul(self.chunk_rows())
    }

    /// The in-place offer for elements of `element_size` bytes: input 0,
    /// the least lead, and one chunk of output rows of extra scratch.
    pub fn offer(&self, element_size: usize) -> Option<InPlaceOffer> {
        let buffer_bytes = self.buffer_len()?.checked_mul(element_size)?;
        Some(InPlaceOffer {
            inputs: 1,
            lead_bytes: i32::try_from(self.lead_bytes(element_size)?).ok()?,
            scratch_bytes: u32::try_from(buffer_bytes).ok()?,
        })
    }
}

/// One chunk's sub-problem, handed to the kernel.
pub struct RowProblem<'a, T> {
    /// The input rows the chunk reads, and the sub-problem's top padding.
    pub window: RowWindow,
    /// Those input rows.
    pub input: &'a [T],
    /// Output rows in the chunk.
    pub output_rows: usize,
    /// Where the kernel writes the chunk's output rows.
    pub output: &'a mut [T],
}

/// Compute the whole output in place, chunk by chunk: `compute` runs the
/// kernel on each chunk's sub-problem into `row_buffer` (at least
/// [`Rows::buffer_len`] long), then the chunk is copied into the output's
/// place in `region`. Each copy is checked not to reach input bytes a later
/// row still reads.
pub fn stream_rows<T: Pod>(
    rows: &Rows,
    region: InPlaceRegion<'_, T>,
    row_buffer: &mut [T],
    mut compute: impl FnMut(RowProblem<'_, T>) -> Result<(), OpError>,
) -> Result<(), OpError> {
    let InPlaceRegion {
        data,
        input,
        output,
    } = region;
    let (in_row, out_row) = (rows.input_row, rows.output_row);
    let sizes_ok = in_row.checked_mul(rows.input_height) == Some(input.len())
        && out_row.checked_mul(rows.output_height) == Some(output.len());
    if !sizes_ok {
        return Err(OpError::Internal("in-place row shapes"));
    }
    let chunk = rows.chunk_rows();
    let mut row = 0;
    while row < rows.output_height {
        let count = chunk.min(rows.output_height - row);
        let len = count * out_row;
        let buffer = row_buffer
            .get_mut(..len)
            .ok_or(OpError::Internal("in-place row buffer"))?;
        let window = rows.window(row..row + count);
        let first = input.start + window.rows.start * in_row;
        let end = input.start + window.rows.end * in_row;
        let problem = RowProblem {
            input: data
                .get(first..end)
                .ok_or(OpError::Internal("in-place input rows"))?,
            window,
            output_rows: count,
            output: &mut *buffer,
        };
        compute(problem)?;
        let at = output.start + row * out_row;
        let next = row + count;
        if next < rows.output_height {
            // Input rows from the next row's window on must survive.
            let needed = input.start + rows.window(next..next + 1).rows.start * in_row;
            let clear = at + len <= needed || at >= input.end;
            if !clear {
                return Err(OpError::Internal("in-place row would overwrite live input"));
            }
        }
        data.get_mut(at..at + len)
            .ok_or(OpError::Internal("in-place output row"))?
            .copy_from_slice(buffer);
        row = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::vec;

    /// Replays the streaming with the output starting `d` bytes before the
    /// input (element size 1) in chunks of `g` rows: a chunk reads its
    /// window's input rows, then its output rows are written. True if no
    /// read sees a byte already overwritten.
    fn safe(rows: &Rows, d: i64, g: usize) -> bool {
        let (in_row, out_row) = (rows.input_row as i64, rows.output_row as i64);
        let in_len = rows.input_height as i64 * in_row;
        let mut clobbered = vec![false; in_len as usize];
        let mut r = 0;
        while r < rows.output_height {
            let n = g.min(rows.output_height - r);
            let window = rows.window(r..r + n);
            let read = window.rows.start as i64 * in_row..window.rows.end as i64 * in_row;
            if read.clone().any(|b| clobbered[b as usize]) {
                return false;
            }
            let start = r as i64 * out_row - d;
            for b in start.max(0)..(start + n as i64 * out_row).min(in_len) {
                clobbered[b as usize] = true;
            }
            r += n;
        }
        true
    }

    fn rows() -> impl Strategy<Value = Rows> {
        (
            1usize..12,
            1usize..5,
            1usize..6,
            1usize..4,
            1usize..3,
            0usize..4,
            1usize..6,
        )
            .prop_map(|(ih, in_row, fh, stride, dilation, pad, out_row)| {
                let reach = (fh - 1) * dilation;
                // Output rows as SAME/VALID-like geometry would give, at
                // least one, with the padding capped so windows touch input.
                let pad = pad.min(reach);
                let span = (ih + 2 * pad).saturating_sub(reach).max(1);
                Rows {
                    input_height: ih,
                    input_row: in_row,
                    output_height: span.div_ceil(stride),
                    output_row: out_row,
                    output_width: 1,
                    chunk_pixels: 1,
                    stride,
                    padding: pad,
                    filter_height: fh,
                    dilation,
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: if cfg!(miri) { 4 } else { 1000 },
            failure_persistence: None,
            ..ProptestConfig::default()
        })]
        /// The lead is exactly the smallest displacement from which every
        /// larger one (up to where the output lies wholly before the input)
        /// is safe, and it is safe for chunks of several rows too.
        #[test]
        fn lead_is_the_least_safe_displacement(rows in rows()) {
            let lead = rows.lead_bytes(1).unwrap();
            let in_len = (rows.input_height * rows.input_row) as i64;
            let out_len = (rows.output_height * rows.output_row) as i64;
            prop_assert!(lead >= -in_len);
            // Safe from the lead up to full separation, for one-row chunks
            // and larger ones.
            for g in 1..=4 {
                for d in lead..=out_len.max(lead) {
                    prop_assert!(safe(&rows, d, g), "unsafe at d = {} >= lead {}, g {}", d, lead, g);
                }
            }
            // One byte less is unsafe with one-row chunks, unless the lead
            // is the floor.
            if lead > -in_len {
                prop_assert!(!safe(&rows, lead - 1, 1), "lead {} is not the least", lead);
            }
        }
    }

    #[test]
    fn windows_clip_to_the_input_and_adjust_the_padding() {
        let rows = Rows {
            input_height: 5,
            input_row: 1,
            output_height: 5,
            output_row: 1,
            output_width: 1,
            chunk_pixels: 1,
            stride: 1,
            padding: 1,
            filter_height: 3,
            dilation: 1,
        };
        let window = |rows: std::ops::Range<usize>, padding| RowWindow { rows, padding };
        assert_eq!(rows.window(0..1), window(0..2, 1));
        assert_eq!(rows.window(2..3), window(1..4, 0));
        assert_eq!(rows.window(4..5), window(3..5, 0));
        // A chunk reads the union of its rows' windows.
        assert_eq!(rows.window(1..4), window(0..5, 0));
        assert_eq!(rows.window(0..2), window(0..3, 1));
        assert_eq!(rows.chunk_rows(), 1);
        // 3x3 SAME stride 1 on equal rows: one row of lead.
        assert_eq!(rows.lead_bytes(4), Some(4));
    }
}
