//! The int8 depthwise conv problem shared by the portable and SIMD kernels:
//! for each output pixel, the in-image taps as (input offset, filter offset)
//! pairs, the starts of channel-contiguous runs of `C_in` input and `C_out`
//! weight elements.

use super::gemm::{FilterLayout, Gemm, Source};
use super::output_stage::OutputStage;
use super::window::{Origin, Windows};
use crate::KernelError;

/// Most filter taps the depthwise kernels take (their tap lists are fixed
/// arrays); larger filters run the reference kernel.
pub(crate) const MAX_TAPS: usize = 25;

/// One depthwise conv.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Depthwise<'a> {
    /// Window geometry (`windows.input.depth` is `C_in`).
    pub windows: Windows,
    /// Output channels per input channel (`C_out = C_in * depth_multiplier`;
    /// output channel `c` reads input channel `c / depth_multiplier`).
    pub depth_multiplier: usize,
    /// NHWC input.
    pub input: &'a [i8],
    /// `[KH * KW][channels]` weights.
    pub filter: &'a [i8],
    /// Optional `[channels]` bias.
    pub bias: Option<&'a [i32]>,
    /// Negated input zero point.
    pub input_offset: i32,
    /// Output stage.
    pub stage: OutputStage<'a>,
    /// Number of output pixels (`N * OH * OW`).
    pub pixels: usize,
}

/// The in-image taps of one output pixel, as offsets from a base.
///
/// Invariant (checked when built): every `(x, w)` satisfies
/// `base + x + C_in <= input.len()` and `w + C_out <= filter.len()`.
#[derive(Debug)]
pub(crate) struct PixelTaps {
    taps: [(usize, usize); MAX_TAPS],
    len: usize,
    /// Added to every input offset.
    pub base: usize,
}

impl PixelTaps {
    /// `(input offset - base, filter offset)` of each in-image tap.
    pub fn taps(&self) -> &[(usize, usize)] {
        self.taps.get(..self.len).unwrap_or(&[])
    }
}

/// The taps of windows entirely inside the input, relative to tap `(0, 0)`
/// and in filter order, with the largest relative input offset.
#[derive(Debug)]
pub(crate) struct InteriorTaps {
    taps: PixelTaps,
    max_relative: usize,
}

const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "optimized depthwise operand",
};

impl<'a> Depthwise<'a> {
    /// Output channel count (`C_in * depth_multiplier`).
    pub fn channels(&self) -> usize {
        self.windows.input.depth * self.depth_multiplier
    }

    /// The same computation as a GEMM when the input has one channel: a conv
    /// with `C_in = 1` whose `[KH * KW][C_out]` filter is column-major.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub fn as_single_channel_gemm(&self) -> Option<Gemm<'a>> {
        (self.windows.input.depth == 1).then_some(Gemm {
            source: Source::Windows {
                input: self.input,
                windows: self.windows,
            },
            pixels: self.pixels,
            depth: self.windows.taps(),
            channels: self.channels(),
            input_offset: self.input_offset,
            filter: self.filter,
            filter_layout: FilterLayout::ColumnMajor,
            bias: self.bias,
            stage: self.stage,
        })
    }

    /// Checks the slices against the dimensions (the kernels rely on it).
    pub fn check(&self, output_len: usize) -> Result<(), KernelError> {
        let channels = self.channels();
        let filter_len = self.windows.taps().checked_mul(channels);
        let output_size = self.pixels.checked_mul(channels);
        let ok = self.windows.taps() <= MAX_TAPS
            && self.depth_multiplier > 0
            && self.windows.input.depth.checked_mul(self.depth_multiplier) == Some(channels)
            && filter_len == Some(self.filter.len())
            && output_size == Some(output_len)
            && self.bias.is_none_or(|b| b.len() == channels)
            && self.stage.covers(channels);
        if ok {
            Ok(())
        } else {
            Err(INTERNAL)
        }
    }

    /// The relative taps shared by every output pixel whose window lies
    /// entirely inside the input.
    pub fn interior_taps(&self) -> Result<InteriorTaps, KernelError> {
        let w = &self.windows;
        let channels = self.channels();
        let mut taps = PixelTaps {
            taps: [(0, 0); MAX_TAPS],
            len: 0,
            base: 0,
        };
        let mut max_relative = 0;
        for fy in 0..w.filter_height {
            for fx in 0..w.filter_width {
                let x = w.relative_offset(fy, fx);
                let wo = (fy * w.filter_width + fx) * channels;
                if wo
                    .checked_add(channels)
                    .is_none_or(|end| end > self.filter.len())
                {
                    return Err(INTERNAL);
                }
                let slot = taps.taps.get_mut(taps.len).ok_or(INTERNAL)?;
                *slot = (x, wo);
                taps.len += 1;
                max_relative = max_relative.max(x);
            }
        }
        Ok(InteriorTaps { taps, max_relative })
    }

    /// The in-image taps of the output pixel at `origin`: `interior` rebased
    /// when the window lies inside the input, else computed tap by tap into
    /// `scratch`.
    pub fn taps_of<'t>(
        &self,
        origin: Origin,
        interior: &'t mut InteriorTaps,
        scratch: &'t mut PixelTaps,
    ) -> Result<&'t PixelTaps, KernelError> {
        match self.interior_base(origin, interior) {
            Some(base) => {
                interior.taps.base = base;
                Ok(&interior.taps)
            }
            None => {
                self.pixel_taps(origin, scratch)?;
                Ok(scratch)
            }
        }
    }

    /// The input offset of tap `(0, 0)` of the window at `origin` when the
    /// window lies inside the input (every `base + x` of `interior` then
    /// satisfies the [`PixelTaps`] invariant), else `None`.
    #[inline]
    pub fn interior_base(&self, origin: Origin, interior: &InteriorTaps) -> Option<usize> {
        let in_depth = self.windows.input.depth;
        self.windows.inside_offset(origin).filter(|&base| {
            base.checked_add(interior.max_relative)
                .and_then(|v| v.checked_add(in_depth))
                .is_some_and(|end| end <= self.input.len())
        })
    }

    /// An empty tap list (a buffer for [`Depthwise::taps_of`]).
    pub fn empty_taps() -> PixelTaps {
        PixelTaps {
            taps: [(0, 0); MAX_TAPS],
            len: 0,
            base: 0,
        }
    }

    /// Writes the in-image taps of the output pixel at `origin`, tap by tap,
    /// into `out`.
    fn pixel_taps(&self, origin: Origin, out: &mut PixelTaps) -> Result<(), KernelError> {
        let (in_depth, channels) = (self.windows.input.depth, self.channels());
        let w = &self.windows;
        out.len = 0;
        out.base = 0;
        for fy in 0..w.filter_height {
            for fx in 0..w.filter_width {
                let Some(x) = w.tap_offset(origin, fy, fx) else {
                    continue;
                };
                let wo = (fy * w.filter_width + fx) * channels;
                let fits = |start: usize, run: usize, len: usize| {
                    start.checked_add(run).is_some_and(|end| end <= len)
                };
                if !fits(x, in_depth, self.input.len()) || !fits(wo, channels, self.filter.len()) {
                    return Err(INTERNAL);
                }
                let slot = out.taps.get_mut(out.len).ok_or(INTERNAL)?;
                *slot = (x, wo);
                out.len += 1;
            }
        }
        Ok(())
    }
}
