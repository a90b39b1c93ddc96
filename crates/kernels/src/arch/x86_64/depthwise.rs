//! AVX2 driver of the int8 depthwise conv (`optimized::depthwise`): per
//! output pixel, 16 (then 8) channels at a time, two taps per `vpmaddwd`.
//!
//! The inputs of two taps (widened, offset) and their weights are interleaved
//! so that each 32-bit lane receives `x0 * w0 + x1 * w1` of one channel:
//! exact products, summed with wrapping 32-bit adds like the reference.

use core::arch::x86_64::{
    __m128i, __m256i, _mm256_add_epi16, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_madd_epi16,
    _mm256_permute2x128_si256, _mm256_set1_epi16, _mm256_set_m128i, _mm256_setzero_si256,
    _mm256_unpackhi_epi16, _mm256_unpacklo_epi16, _mm_add_epi16, _mm_add_epi32, _mm_cvtepi8_epi16,
    _mm_loadl_epi64, _mm_loadu_si128, _mm_madd_epi16, _mm_set1_epi16, _mm_setzero_si128,
    _mm_unpackhi_epi16, _mm_unpacklo_epi16,
};

use super::depthwise_interior::{Interior, MAX_GROUPS};
use super::requantize::{
    channel_lanes, narrow, requantize, scale_lanes, LaneChannels, LaneScale, StageConstants,
};
use super::Avx2;
use crate::optimized::depthwise::Depthwise;
use crate::KernelError;

/// Runs `dw` with AVX2 (the caller checked `dw.stage.vectorizable()`, a
/// depth multiplier of 1 and that the input offset fits `i16`).
pub(crate) fn depthwise_conv(
    _token: Avx2,
    dw: &Depthwise<'_>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    dw.check(output.len())?;
    if dw.depth_multiplier != 1 {
        return Err(KernelError::InvalidParameter {
            what: "depth multiplier (the AVX2 depthwise kernel takes 1)",
            value: dw.depth_multiplier,
        });
    }
    let offset = i16::try_from(dw.input_offset).map_err(|_| KernelError::InvalidParameter {
        what: "input offset (must fit i16 for the AVX2 kernels)",
        value: 0,
    })?;
    // SAFETY: the `Avx2` token proves the CPU supports AVX2.
    unsafe { depthwise_avx2(dw, offset, output) }
}

#[target_feature(enable = "avx2")]
fn depthwise_avx2(dw: &Depthwise<'_>, offset: i16, output: &mut [i8]) -> Result<(), KernelError> {
    let channels = dw.channels();
    if channels == 0 {
        return Ok(());
    }
    let constants = StageConstants::new(&dw.stage);
    // Bias and scale lanes of every group of eight channels, computed once
    // (for up to `MAX_GROUPS` groups; more are computed per pixel).
    let mut biases = [_mm256_setzero_si256(); MAX_GROUPS];
    let mut scales = [LaneScale::zero(); MAX_GROUPS];
    let tabled = channels / 8 <= MAX_GROUPS;
    if tabled {
        for (group, (bias, scale)) in biases
            .iter_mut()
            .zip(scales.iter_mut())
            .enumerate()
            .take(channels / 8)
        {
            (*bias, *scale) = channel_stage(dw, group * 8);
        }
    }
    let stage_of = |c: usize| {
        if tabled {
            biases.get(c / 8).copied().zip(scales.get(c / 8).copied())
        } else {
            None
        }
    };
    let offset16 = _mm256_set1_epi16(offset);
    let offset8 = _mm_set1_epi16(offset);
    let mut interior = dw.interior_taps()?;
    let fast = if tabled {
        Interior::new(dw, interior.taps())
    } else {
        None
    };
    let vector_channels = channels / 8 * 8;
    let mut border = Depthwise::empty_taps();
    for (out_row, origin) in output.chunks_exact_mut(channels).zip(dw.windows.origins()) {
        if let (Some(fast), Some(base)) = (&fast, dw.interior_base(origin, &interior)) {
            let window = dw.input.get(base..).unwrap_or(&[]);
            if fast.pixel(window, &scales, &constants, out_row) == vector_channels {
                remainder(dw, window, interior.taps(), vector_channels, out_row);
                continue;
            }
        }
        let pixel_taps = dw.taps_of(origin, &mut interior, &mut border)?;
        let taps = pixel_taps.taps();
        // Offsetting the input instead of every tap keeps the PixelTaps
        // invariant in the form `x + C_in <= input.len()`.
        let input = dw
            .input
            .get(pixel_taps.base..)
            .ok_or(KernelError::SizeOverflow {
                what: "depthwise input",
            })?;
        let mut c = 0;
        while c + 16 <= channels {
            let (low, high) = accumulate16(dw, input, taps, c, offset16);
            finish8(dw, low, c, stage_of(c), &constants, out_row);
            finish8(dw, high, c + 8, stage_of(c + 8), &constants, out_row);
            c += 16;
        }
        if c + 8 <= channels {
            let acc = accumulate8(dw, input, taps, c, offset8);
            finish8(dw, acc, c, stage_of(c), &constants, out_row);
            c += 8;
        }
        remainder(dw, input, taps, c, out_row);
    }
    Ok(())
}

/// Channels `from..` of one pixel, one at a time: `input` starts at the
/// taps' base.
#[inline]
fn remainder(
    dw: &Depthwise<'_>,
    input: &[i8],
    taps: &[(usize, usize)],
    from: usize,
    out_row: &mut [i8],
) {
    for (ch, out) in out_row.iter_mut().enumerate().skip(from) {
        let mut acc = dw.bias.and_then(|b| b.get(ch)).copied().unwrap_or(0);
        for &(x, w) in taps {
            let xv = input.get(x + ch).copied().unwrap_or(0);
            let wv = dw.filter.get(w + ch).copied().unwrap_or(0);
            let xv = i32::from(xv).wrapping_add(dw.input_offset);
            acc = acc.wrapping_add(xv.wrapping_mul(i32::from(wv)));
        }
        *out = dw.stage.apply(acc, ch);
    }
}

/// Bias lanes and scale constants of channels `c..c + 8`.
#[inline]
#[target_feature(enable = "avx2")]
fn channel_stage(dw: &Depthwise<'_>, c: usize) -> (__m256i, LaneScale) {
    let bias = channel_lanes(dw.bias, 0, c, LaneChannels::Eight);
    let (multiplier, shift) = scale_lanes(&dw.stage, c, LaneChannels::Eight);
    (bias, LaneScale::new(multiplier, shift))
}

/// Adds the bias of channels `c..c + 8`, requantizes and stores them, with
/// the stage lanes from `stage` or computed here.
#[inline]
#[target_feature(enable = "avx2")]
fn finish8(
    dw: &Depthwise<'_>,
    acc: __m256i,
    c: usize,
    stage: Option<(__m256i, LaneScale)>,
    constants: &StageConstants,
    out_row: &mut [i8],
) {
    let (bias, scale) = match stage {
        Some(entry) => entry,
        None => channel_stage(dw, c),
    };
    let v = requantize(_mm256_add_epi32(acc, bias), &scale, constants);
    let (a, b) = narrow(v);
    if let Some(dst) = out_row.get_mut(c..c + 8) {
        let (lo, hi) = dst.split_at_mut(4);
        lo.copy_from_slice(&a);
        hi.copy_from_slice(&b);
    }
}

/// Loads 16 int8 at `p`, widened to `i16`, plus `offset`.
///
/// # Safety
///
/// `p..p + 16` must be readable.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen16(p: *const i8, offset: __m256i) -> __m256i {
    // SAFETY: the caller guarantees 16 readable bytes; no alignment needed.
    _mm256_add_epi16(
        _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(p.cast()) }),
        offset,
    )
}

/// Loads 8 int8 at `p`, widened to `i16`, plus `offset`.
///
/// # Safety
///
/// `p..p + 8` must be readable.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen8(p: *const i8, offset: __m128i) -> __m128i {
    // SAFETY: the caller guarantees 8 readable bytes; `_mm_loadl_epi64`
    // reads exactly 8 bytes, unaligned.
    _mm_add_epi16(
        _mm_cvtepi8_epi16(unsafe { _mm_loadl_epi64(p.cast()) }),
        offset,
    )
}

/// Sums over `taps` for channels `c..c + 16`: (channels `c..c + 8`,
/// channels `c + 8..c + 16`).
///
/// `input` is the depthwise input from the taps' base on. Requires
/// `c + 16 <= channels`; with the `PixelTaps` invariant (`x + channels <=
/// input.len()`, `w + channels <= filter.len()`, depth multiplier 1) every
/// load is in range.
#[inline]
#[target_feature(enable = "avx2")]
fn accumulate16(
    dw: &Depthwise<'_>,
    input: &[i8],
    taps: &[(usize, usize)],
    c: usize,
    offset: __m256i,
) -> (__m256i, __m256i) {
    let zero = _mm256_setzero_si256();
    let (mut low, mut high) = (zero, zero);
    if c + 16 > dw.channels() {
        return (zero, zero);
    }
    let input = input.as_ptr();
    let filter = dw.filter.as_ptr();
    let mut pairs = taps.chunks_exact(2);
    for pair in &mut pairs {
        if let [(x0, w0), (x1, w1)] = *pair {
            // SAFETY: see the function's requirements.
            let (xa, xb, wa, wb) = unsafe {
                (
                    widen16(input.add(x0 + c), offset),
                    widen16(input.add(x1 + c), offset),
                    widen16(filter.add(w0 + c), zero),
                    widen16(filter.add(w1 + c), zero),
                )
            };
            low = _mm256_add_epi32(
                low,
                _mm256_madd_epi16(_mm256_unpacklo_epi16(xa, xb), _mm256_unpacklo_epi16(wa, wb)),
            );
            high = _mm256_add_epi32(
                high,
                _mm256_madd_epi16(_mm256_unpackhi_epi16(xa, xb), _mm256_unpackhi_epi16(wa, wb)),
            );
        }
    }
    if let [(x0, w0)] = *pairs.remainder() {
        // SAFETY: see the function's requirements.
        let (xa, wa) = unsafe {
            (
                widen16(input.add(x0 + c), offset),
                widen16(filter.add(w0 + c), zero),
            )
        };
        low = _mm256_add_epi32(
            low,
            _mm256_madd_epi16(
                _mm256_unpacklo_epi16(xa, zero),
                _mm256_unpacklo_epi16(wa, zero),
            ),
        );
        high = _mm256_add_epi32(
            high,
            _mm256_madd_epi16(
                _mm256_unpackhi_epi16(xa, zero),
                _mm256_unpackhi_epi16(wa, zero),
            ),
        );
    }
    // The unpacks work per 128-bit half: low = [c0..4 | c8..12],
    // high = [c4..8 | c12..16].
    (
        _mm256_permute2x128_si256::<0x20>(low, high),
        _mm256_permute2x128_si256::<0x31>(low, high),
    )
}

/// Sums over `taps` for channels `c..c + 8`. Requires `c + 8 <= channels`
/// (see [`accumulate16`]).
#[inline]
#[target_feature(enable = "avx2")]
fn accumulate8(
    dw: &Depthwise<'_>,
    input: &[i8],
    taps: &[(usize, usize)],
    c: usize,
    offset: __m128i,
) -> __m256i {
    let zero = _mm_setzero_si128();
    let (mut low, mut high) = (zero, zero);
    if c + 8 > dw.channels() {
        return _mm256_setzero_si256();
    }
    let input = input.as_ptr();
    let filter = dw.filter.as_ptr();
    let mut pairs = taps.chunks_exact(2);
    for pair in &mut pairs {
        if let [(x0, w0), (x1, w1)] = *pair {
            // SAFETY: see the function's requirements.
            let (xa, xb, wa, wb) = unsafe {
                (
                    widen8(input.add(x0 + c), offset),
                    widen8(input.add(x1 + c), offset),
                    widen8(filter.add(w0 + c), zero),
                    widen8(filter.add(w1 + c), zero),
                )
            };
            low = _mm_add_epi32(
                low,
                _mm_madd_epi16(_mm_unpacklo_epi16(xa, xb), _mm_unpacklo_epi16(wa, wb)),
            );
            high = _mm_add_epi32(
                high,
                _mm_madd_epi16(_mm_unpackhi_epi16(xa, xb), _mm_unpackhi_epi16(wa, wb)),
            );
        }
    }
    if let [(x0, w0)] = *pairs.remainder() {
        // SAFETY: see the function's requirements.
        let (xa, wa) = unsafe {
            (
                widen8(input.add(x0 + c), offset),
                widen8(filter.add(w0 + c), zero),
            )
        };
        low = _mm_add_epi32(
            low,
            _mm_madd_epi16(_mm_unpacklo_epi16(xa, zero), _mm_unpacklo_epi16(wa, zero)),
        );
        high = _mm_add_epi32(
            high,
            _mm_madd_epi16(_mm_unpackhi_epi16(xa, zero), _mm_unpackhi_epi16(wa, zero)),
        );
    }
    _mm256_set_m128i(high, low)
}
