//! AVX2 depthwise conv with depth multiplier 1 (`optimized::depthwise`).
//!
//! For each output row, the input rows its windows read are copied into a
//! stack buffer with the padding filled with the input zero point, so every
//! window lies inside the buffer and every tap is a fixed offset from the
//! window's corner. The input offset is folded into the bias,
//! `sum_t (x_t + offset) * w_t = sum_t x_t * w_t + offset * sum_t w_t`
//! (exact in wrapping `i32`); a padding tap reads the zero point
//! `x = -offset` and so adds exactly 0, as the reference's skipped tap.
//!
//! Channels sit in the lanes, 16 at a time: for each pair of taps the
//! widened inputs of the two taps are interleaved and `vpmaddwd` against the
//! interleaved weights adds `x0 * w0 + x1 * w1` (exact products) to each
//! channel's lane, with wrapping 32-bit sums like the reference. A last group
//! of 8 channels is computed for two output pixels at once (one per 128-bit
//! half); channels past the last group of 8 one at a time.
//!
//! Per call: the folded biases; per output row and 16 channels: the
//! interleaved weights and the scale constants. Nothing is kept between
//! calls, so callers may run one output row per call.

use core::arch::x86_64::{
    __m128i, __m256i, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_cvtepi8_epi32,
    _mm256_madd_epi16, _mm256_mullo_epi32, _mm256_permute2x128_si256, _mm256_set1_epi32,
    _mm256_setzero_si256, _mm256_unpackhi_epi16, _mm256_unpacklo_epi16, _mm_loadl_epi64,
    _mm_loadu_si128, _mm_storel_epi64, _mm_storeu_si128, _mm_unpackhi_epi64, _mm_unpacklo_epi64,
};

use super::requantize::{
    channel_lanes, pack16, requantize, scale_lanes, LaneChannels, LaneScale, StageConstants,
};
use super::Avx2;
use crate::optimized::depthwise::{Depthwise, MAX_TAPS};
use crate::KernelError;

/// Channels per vector chunk.
const CHUNK: usize = 16;
/// Most tap pairs.
const MAX_PAIRS: usize = MAX_TAPS.div_ceil(2);
/// Groups of eight channels whose folded biases are computed once per call
/// (more are computed per output row).
const BIAS_GROUPS: usize = 32;
/// Bytes of the largest row buffer.
const MAX_BUFFER: usize = 16 * 1024;

const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "AVX2 depthwise operand",
};

/// The input zero point (`-input_offset`) when it is an int8 value, which
/// the padding of the row buffer needs.
fn zero_point(dw: &Depthwise<'_>) -> Option<i8> {
    dw.input_offset
        .checked_neg()
        .and_then(|v| i8::try_from(v).ok())
}

/// The row buffer's layout: `filter_height` rows of `width` padded input
/// pixels, for `tile` output pixels of one output row.
#[derive(Debug, Clone, Copy)]
struct BufferLayout {
    /// Output pixels per buffer fill.
    tile: usize,
    /// Bytes per buffer row (`width * channels`).
    row: usize,
}

/// Input pixels the windows of `n >= 1` adjacent output pixels span.
fn span(dw: &Depthwise<'_>, n: usize) -> Option<usize> {
    let w = &dw.windows;
    let last_x = (n - 1).checked_mul(w.geometry.stride_width)?;
    let last_tap = w
        .filter_width
        .checked_sub(1)?
        .checked_mul(w.geometry.dilation_width)?;
    last_x.checked_add(last_tap)?.checked_add(1)
}

/// The largest tile of output pixels whose buffer fits [`MAX_BUFFER`], or
/// `None` when not even one window fits.
fn buffer_layout(dw: &Depthwise<'_>) -> Option<BufferLayout> {
    let w = &dw.windows;
    let channels = dw.channels();
    let per_pixel_row = channels.checked_mul(w.filter_height)?;
    let fits = |n: usize| {
        span(dw, n)
            .and_then(|s| s.checked_mul(per_pixel_row))
            .is_some_and(|bytes| bytes <= MAX_BUFFER)
    };
    if w.output_width == 0 || !fits(1) {
        return None;
    }
    // Grow geometrically, then settle by bisection (spans are monotone).
    let (mut good, mut bad) = (1usize, None::<usize>);
    while bad.is_none() && good < w.output_width {
        let next = (good * 2).min(w.output_width);
        if fits(next) {
            good = next;
        } else {
            bad = Some(next);
        }
    }
    if let Some(mut bad) = bad {
        while bad - good > 1 {
            let mid = good + (bad - good) / 2;
            if fits(mid) {
                good = mid;
            } else {
                bad = mid;
            }
        }
    }
    Some(BufferLayout {
        tile: good,
        row: span(dw, good)?.checked_mul(channels)?,
    })
}

/// Whether [`depthwise_conv`] takes `dw`: depth multiplier 1, at least 8
/// channels, an int8 zero point, at most `MAX_TAPS` taps, one window's rows
/// within the buffer, and an output stage the vector code handles.
pub(crate) fn depthwise_fits(dw: &Depthwise<'_>) -> bool {
    dw.depth_multiplier == 1
        && dw.channels() >= 8
        && dw.windows.taps() <= MAX_TAPS
        && zero_point(dw).is_some()
        && dw.stage.vectorizable()
        && buffer_layout(dw).is_some()
}

/// Runs `dw` with AVX2. Requires [`depthwise_fits`]; returns an error
/// otherwise.
pub(crate) fn depthwise_conv(
    _token: Avx2,
    dw: &Depthwise<'_>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    dw.check(output.len())?;
    if !depthwise_fits(dw) {
        return Err(INTERNAL);
    }
    let zero_point = zero_point(dw).ok_or(INTERNAL)?;
    let layout = buffer_layout(dw).ok_or(INTERNAL)?;
    let bytes = layout
        .row
        .checked_mul(dw.windows.filter_height)
        .ok_or(INTERNAL)?;
    // SAFETY (all): the `Avx2` token proves the CPU supports AVX2.
    unsafe {
        // The buffer's size class (each call fills what it reads).
        if bytes <= 2048 {
            with_taps(dw, zero_point, layout, &mut [0; 2048], output)
        } else if bytes <= 4096 {
            with_taps(dw, zero_point, layout, &mut [0; 4096], output)
        } else if bytes <= 8192 {
            with_taps(dw, zero_point, layout, &mut [0; 8192], output)
        } else {
            with_taps(dw, zero_point, layout, &mut [0; MAX_BUFFER], output)
        }
    }
}

/// Dispatches on the tap count (3x3 windows get an unrolled kernel).
#[target_feature(enable = "avx2")]
fn with_taps(
    dw: &Depthwise<'_>,
    zero_point: i8,
    layout: BufferLayout,
    buffer: &mut [i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    if dw.windows.taps() == 9 {
        depthwise_avx2::<9>(dw, zero_point, layout, buffer, output)
    } else {
        depthwise_avx2::<0>(dw, zero_point, layout, buffer, output)
    }
}

/// Loads 16 int8 at `p`, widened to `i16`.
///
/// # Safety
///
/// `p..p + 16` must be readable.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen16(p: *const i8) -> __m256i {
    // SAFETY: the caller guarantees 16 readable bytes; no alignment needed.
    _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(p.cast()) })
}

/// Loads 8 int8 at `a` and 8 at `b`, widened to `i16` (`a`'s in the low
/// half).
///
/// # Safety
///
/// `a..a + 8` and `b..b + 8` must be readable.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen8x2(a: *const i8, b: *const i8) -> __m256i {
    // SAFETY: the caller guarantees 8 readable bytes at each;
    // `_mm_loadl_epi64` reads exactly 8 bytes, unaligned. (Not
    // `_mm_loadh_pd`: Rust defines it as a dereference of `*const f64`, which
    // requires 8-byte alignment; Miri reports that as undefined behaviour.)
    let bytes: __m128i =
        unsafe { _mm_unpacklo_epi64(_mm_loadl_epi64(a.cast()), _mm_loadl_epi64(b.cast())) };
    _mm256_cvtepi8_epi16(bytes)
}

/// The folded bias lanes (`bias + offset * sum_t w_t`) of channels
/// `c..c + 8`. Requires `c + 8 <= channels` and `taps * channels <=
/// filter.len()` (returns zeros otherwise).
#[inline]
#[target_feature(enable = "avx2")]
fn folded_bias(dw: &Depthwise<'_>, taps: usize, c: usize) -> __m256i {
    let channels = dw.channels();
    let mut sum = _mm256_setzero_si256();
    if c + 8 > channels || taps * channels > dw.filter.len() {
        return sum;
    }
    let filter = dw.filter.as_ptr();
    for t in 0..taps {
        // SAFETY: `t * channels + c + 8 <= taps * channels <= filter.len()`.
        let w = unsafe { _mm_loadl_epi64(filter.add(t * channels + c).cast()) };
        sum = _mm256_add_epi32(sum, _mm256_cvtepi8_epi32(w));
    }
    let bias = channel_lanes(dw.bias, 0, c, LaneChannels::Eight);
    _mm256_add_epi32(
        bias,
        _mm256_mullo_epi32(_mm256_set1_epi32(dw.input_offset), sum),
    )
}

/// The interleaved weights of the tap pairs of the 16 lanes at channel `c`:
/// lanes `0..8` from channels `c..c + 8` and lanes `8..16` from channels
/// `c + high..c + high + 8` (`high` is 8 for 16 channels, 0 for one group of
/// 8 channels seen by two pixels). Requires `c + high + 8 <= channels` and
/// `taps * channels <= filter.len()` (returns zeros otherwise).
#[inline]
#[target_feature(enable = "avx2")]
fn chunk_weights(
    dw: &Depthwise<'_>,
    taps: usize,
    c: usize,
    high: usize,
) -> [[__m256i; 2]; MAX_PAIRS] {
    let zero = _mm256_setzero_si256();
    let mut weights = [[zero; 2]; MAX_PAIRS];
    let channels = dw.channels();
    if c + high + 8 > channels || taps * channels > dw.filter.len() || taps > MAX_TAPS {
        return weights;
    }
    let filter = dw.filter.as_ptr();
    let weight = |t: usize| {
        if t < taps {
            let p = filter.wrapping_add(t * channels + c);
            // SAFETY: `t * channels + c + high + 8 <= taps * channels`, so
            // both runs of 8 bytes lie inside the filter (checked above).
            unsafe { widen8x2(p, p.add(high)) }
        } else {
            zero
        }
    };
    for (j, pair) in weights.iter_mut().enumerate().take(taps.div_ceil(2)) {
        let (w0, w1) = (weight(2 * j), weight(2 * j + 1));
        *pair = [_mm256_unpacklo_epi16(w0, w1), _mm256_unpackhi_epi16(w0, w1)];
    }
    weights
}

/// Everything one call shares across output rows.
struct Call<'a> {
    dw: &'a Depthwise<'a>,
    taps: usize,
    layout: BufferLayout,
    zero_point: i8,
    /// Offset of each tap from the window's corner in the buffer.
    relative: [usize; MAX_TAPS],
    /// Buffer bytes between adjacent output pixels.
    step: usize,
    constants: StageConstants,
    /// Folded biases of the first [`BIAS_GROUPS`] groups of 8 channels.
    bias: [__m256i; BIAS_GROUPS],
}

#[target_feature(enable = "avx2")]
fn depthwise_avx2<const FIXED_TAPS: usize>(
    dw: &Depthwise<'_>,
    zero_point: i8,
    layout: BufferLayout,
    buffer: &mut [i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    let w = &dw.windows;
    let channels = dw.channels();
    let taps = w.taps();
    if (FIXED_TAPS > 0 && taps != FIXED_TAPS) || taps > MAX_TAPS || channels < 8 {
        return Err(INTERNAL);
    }
    if layout
        .row
        .checked_mul(w.filter_height)
        .is_none_or(|b| b > buffer.len())
    {
        return Err(INTERNAL);
    }
    let mut call = Call {
        dw,
        taps,
        layout,
        zero_point,
        relative: [0; MAX_TAPS],
        step: w.geometry.stride_width * channels,
        constants: StageConstants::new(&dw.stage),
        bias: [_mm256_setzero_si256(); BIAS_GROUPS],
    };
    let width = w.filter_width.max(1);
    for (t, r) in call.relative.iter_mut().enumerate().take(taps) {
        let (fy, fx) = (t / width, t % width);
        *r = fy * layout.row + fx * w.geometry.dilation_width * channels;
    }
    for (g, bias) in call.bias.iter_mut().enumerate().take(channels / 8) {
        *bias = folded_bias(dw, taps, g * 8);
    }
    let row_out = w.output_width * channels;
    let mut out_rows = output.chunks_exact_mut(row_out.max(1));
    for batch in 0..w.input.batches {
        for oy in 0..w.output_height {
            let out_row = out_rows.next().ok_or(INTERNAL)?;
            let mut ox0 = 0;
            while ox0 < w.output_width {
                let ox1 = w.output_width.min(ox0 + layout.tile);
                call.fill(buffer, batch, oy, ox0, ox1)?;
                let out = out_row
                    .get_mut(ox0 * channels..ox1 * channels)
                    .ok_or(INTERNAL)?;
                call.tile::<FIXED_TAPS>(buffer, ox1 - ox0, out)?;
                ox0 = ox1;
            }
        }
    }
    Ok(())
}

impl Call<'_> {
    /// Copies the input rows the windows of output pixels `ox0..ox1` of
    /// output row `oy` read into `buffer`, the padding as the zero point.
    fn fill(
        &self,
        buffer: &mut [i8],
        batch: usize,
        oy: usize,
        ox0: usize,
        ox1: usize,
    ) -> Result<(), KernelError> {
        let w = &self.dw.windows;
        let n = span(self.dw, ox1 - ox0).ok_or(INTERNAL)?;
        let columns = (ox0 * w.geometry.stride_width, n);
        w.fill_padded_rows(
            self.dw.input,
            batch,
            oy,
            columns,
            self.zero_point,
            self.layout.row,
            buffer,
        )
        .ok_or(INTERNAL)
    }

    /// Computes `pixels` output pixels from the filled `buffer` into `out`
    /// (`pixels * channels` bytes).
    #[target_feature(enable = "avx2")]
    fn tile<const FIXED_TAPS: usize>(
        &self,
        buffer: &[i8],
        pixels: usize,
        out: &mut [i8],
    ) -> Result<(), KernelError> {
        let channels = self.dw.channels();
        let taps = if FIXED_TAPS > 0 {
            FIXED_TAPS
        } else {
            self.taps
        };
        // Every read is `buffer[p * step + relative[t] + c .. + 16]` for
        // pixel `p < pixels`, tap `t` and `c + 16 <= channels`, or 8 bytes
        // with `c + 8 <= channels`; all inside the span of the tile.
        let max_relative = self.relative.iter().take(taps).max().copied().unwrap_or(0);
        let reach = pixels
            .checked_sub(1)
            .and_then(|p| p.checked_mul(self.step))
            .and_then(|v| v.checked_add(max_relative))
            .and_then(|v| v.checked_add(channels));
        if reach.is_none_or(|r| r > buffer.len()) || out.len() != pixels * channels {
            return Err(INTERNAL);
        }
        let base = buffer.as_ptr();
        let chunks = channels / CHUNK;
        for k in 0..chunks {
            let c = k * CHUNK;
            let weights = chunk_weights(self.dw, taps, c, 8);
            let (b0, s0) = self.stage(c);
            let (b1, s1) = self.stage(c + 8);
            for (p, dst) in out.chunks_exact_mut(channels).enumerate() {
                let corner = base.wrapping_add(p * self.step + c);
                // SAFETY: `p < pixels` and `c + 16 <= channels` (see above).
                let (lo, hi) = unsafe {
                    accumulate::<FIXED_TAPS, true>(&self.relative, taps, corner, 8, &weights)
                };
                let a = requantize(_mm256_add_epi32(lo, b0), &s0, &self.constants);
                let b = requantize(_mm256_add_epi32(hi, b1), &s1, &self.constants);
                store16(dst, c, pack16(a, b));
            }
        }
        let mut done = chunks * CHUNK;
        if channels - done >= 8 {
            let c = done;
            let weights = chunk_weights(self.dw, taps, c, 0);
            let (bias, scale) = self.stage(c);
            let mut p = 0;
            while p < pixels {
                let pair = p + 1 < pixels;
                let corner = base.wrapping_add(p * self.step + c);
                // The second pixel's 8 channels, or the first's again.
                let second = if pair { self.step } else { 0 };
                // SAFETY: pixels `p` and `p + 1` (when `pair`) are inside the
                // tile and `c + 8 <= channels` (see above).
                let (lo, hi) = unsafe {
                    if second == 8 {
                        accumulate::<FIXED_TAPS, true>(&self.relative, taps, corner, 8, &weights)
                    } else {
                        accumulate::<FIXED_TAPS, false>(
                            &self.relative,
                            taps,
                            corner,
                            second,
                            &weights,
                        )
                    }
                };
                let a = requantize(_mm256_add_epi32(lo, bias), &scale, &self.constants);
                let b = requantize(_mm256_add_epi32(hi, bias), &scale, &self.constants);
                let bytes = pack16(a, b);
                store8(out, p * channels + c, bytes);
                if pair {
                    store8(
                        out,
                        (p + 1) * channels + c,
                        _mm_unpackhi_epi64(bytes, bytes),
                    );
                }
                p += 1 + usize::from(pair);
            }
            done += 8;
        }
        if done < channels {
            for (p, dst) in out.chunks_exact_mut(channels).enumerate() {
                let corner = buffer.get(p * self.step..).unwrap_or(&[]);
                self.remainder(corner, done, dst);
            }
        }
        Ok(())
    }

    /// Folded bias and scale constants of channels `c..c + 8`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn stage(&self, c: usize) -> (__m256i, LaneScale) {
        let bias = match self.bias.get(c / 8) {
            Some(&b) => b,
            None => folded_bias(self.dw, self.taps, c),
        };
        let (multiplier, shift) = scale_lanes(&self.dw.stage, c, LaneChannels::Eight);
        (bias, LaneScale::new(multiplier, shift))
    }

    /// Channels `from..` of one pixel whose window starts at `corner`, one
    /// at a time with the reference's arithmetic.
    fn remainder(&self, corner: &[i8], from: usize, dst: &mut [i8]) {
        let dw = self.dw;
        let channels = dw.channels();
        for (c, out) in dst.iter_mut().enumerate().skip(from) {
            let mut acc = dw.bias.and_then(|b| b.get(c)).copied().unwrap_or(0);
            for (t, &r) in self.relative.iter().enumerate().take(self.taps) {
                let x = corner.get(r + c).copied().unwrap_or(self.zero_point);
                let w = dw.filter.get(t * channels + c).copied().unwrap_or(0);
                let x = i32::from(x).wrapping_add(dw.input_offset);
                acc = acc.wrapping_add(x.wrapping_mul(i32::from(w)));
            }
            *out = dw.stage.apply(acc, c);
        }
    }
}

/// Sums over the taps of 16 lanes: lanes `0..8` read 8 bytes at
/// `corner + relative[t]` and lanes `8..16` 8 bytes at
/// `corner + second + relative[t]` (`second` 0 reads the same bytes again).
/// With `CONTIGUOUS`, `second` must be 8 and each tap's 16 bytes are read at
/// once. Returns the accumulators of lanes `0..8` and `8..16`.
///
/// # Safety
///
/// `corner + relative[t] .. + 8` and `corner + second + relative[t] .. + 8`
/// must be readable for every tap `t < count`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn accumulate<const FIXED_TAPS: usize, const CONTIGUOUS: bool>(
    relative: &[usize; MAX_TAPS],
    count: usize,
    corner: *const i8,
    second: usize,
    weights: &[[__m256i; 2]; MAX_PAIRS],
) -> (__m256i, __m256i) {
    let count = if FIXED_TAPS > 0 { FIXED_TAPS } else { count }.min(MAX_TAPS);
    let zero = _mm256_setzero_si256();
    let (mut lo, mut hi) = (zero, zero);
    let load = |t: usize| {
        if t < count {
            let p = corner.wrapping_add(relative[t]);
            if CONTIGUOUS && second == 8 {
                // SAFETY: the caller guarantees 8 readable bytes at `p` and
                // at `p + 8`, so 16 at `p`.
                unsafe { widen16(p) }
            } else {
                // SAFETY: the caller guarantees 8 readable bytes at both.
                unsafe { widen8x2(p, p.add(second)) }
            }
        } else {
            zero
        }
    };
    for (j, w) in weights.iter().enumerate().take(count.div_ceil(2)) {
        let (x0, x1) = (load(2 * j), load(2 * j + 1));
        lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), w[0]));
        hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), w[1]));
    }
    // The unpacks work per 128-bit half: lo = [0..4 | 8..12],
    // hi = [4..8 | 12..16].
    (
        _mm256_permute2x128_si256::<0x20>(lo, hi),
        _mm256_permute2x128_si256::<0x31>(lo, hi),
    )
}

/// Stores 16 bytes at `row[c..c + 16]` (if in range).
#[inline]
#[target_feature(enable = "avx2")]
fn store16(row: &mut [i8], c: usize, bytes: __m128i) {
    if let Some(dst) = row.get_mut(c..c + 16) {
        // SAFETY: `dst` has 16 writable bytes; no alignment needed.
        unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), bytes) };
    }
}

/// Stores the low 8 bytes at `row[at..at + 8]` (if in range).
#[inline]
#[target_feature(enable = "avx2")]
fn store8(row: &mut [i8], at: usize, bytes: __m128i) {
    if let Some(dst) = row.get_mut(at..at + 8) {
        // SAFETY: `dst` has 8 writable bytes; `movq` writes exactly 8.
        unsafe { _mm_storel_epi64(dst.as_mut_ptr().cast(), bytes) };
    }
}
