//! The int8 "GEMM" shared by FULLY_CONNECTED and CONV_2D: every output is
//! `stage(bias[c] + sum_k (x_p[k] + input_offset) * filter[c][k])`, where the
//! row `x_p` of output pixel `p` is a matrix row (fully connected), the taps
//! of a conv window read in place (direct conv), or a patch copied into
//! scratch (im2col).
//!
//! The filter is read as the model stores it, `[channels][depth]` with
//! `depth = KH * KW * C_in` for conv, so no weights are copied or repacked.
//!
//! Exactness: the reference sums the same products in a different order.
//! Wrapping int32 addition is associative and commutative, so any order gives
//! the same bits; the SIMD kernels multiply `x + input_offset` (an `i16`, see
//! [`input_offset_fits_i16`]) by the weight with exact 16x16->32 products.

use super::output_stage::OutputStage;
use super::window::{Origin, Origins, Windows};
use crate::KernelError;

/// Whether `x + input_offset` fits in `i16` for every int8 `x`, which the
/// 16-bit SIMD products need.
pub(crate) fn input_offset_fits_i16(input_offset: i32) -> bool {
    let low = i32::from(i16::MIN) - i32::from(i8::MIN);
    let high = i32::from(i16::MAX) - i32::from(i8::MAX);
    (low..=high).contains(&input_offset)
}

/// The int8 value that stands for real 0 (the input zero point), used for
/// padding in im2col patches; `None` when it is not an int8.
pub(crate) fn padding_value(input_offset: i32) -> Option<i8> {
    input_offset
        .checked_neg()
        .and_then(|v| i8::try_from(v).ok())
}

/// Where the operand rows come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// Row `p` is `matrix[p * depth..(p + 1) * depth]`.
    Matrix(&'a [i8]),
    /// Row `p` is the conv window of output pixel `p`, read tap by tap in
    /// place; each tap is a run of `input.depth` channels.
    Windows {
        /// The NHWC input.
        input: &'a [i8],
        /// Window geometry.
        windows: Windows,
    },
    /// Row `p` is the conv window of output pixel `p` copied into scratch
    /// (padding filled with the input zero point).
    Patches {
        /// The NHWC input.
        input: &'a [i8],
        /// Window geometry.
        windows: Windows,
        /// Value of padded elements.
        padding: i8,
    },
}

/// One GEMM problem.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gemm<'a> {
    /// Operand rows.
    pub source: Source<'a>,
    /// Number of rows (output pixels or fully connected batches).
    pub pixels: usize,
    /// Length of a filter row.
    pub depth: usize,
    /// Number of output channels (filter rows).
    pub channels: usize,
    /// Negated input zero point.
    pub input_offset: i32,
    /// The weights, laid out as `filter_layout` says.
    pub filter: &'a [i8],
    /// How `filter` is laid out.
    pub filter_layout: FilterLayout,
    /// Optional `[channels]` bias.
    pub bias: Option<&'a [i32]>,
    /// Output stage.
    pub stage: OutputStage<'a>,
}

/// Layout of a GEMM's weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FilterLayout {
    /// `[channels][depth]`: conv and fully connected filters. Every kernel
    /// takes it.
    RowMajor,
    /// `[depth][channels]`: a depthwise filter over a one-channel input
    /// (depth multiplier = channels), which is a conv with `C_in = 1`. Only
    /// the panel kernels take it.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    ColumnMajor,
}

pub(crate) const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "optimized kernel operand",
};

impl Gemm<'_> {
    /// Checks the slices against the dimensions and that the filter is
    /// row-major (the dot-product kernels rely on it).
    pub fn check(&self, output_len: usize) -> Result<(), KernelError> {
        if self.filter_layout != FilterLayout::RowMajor {
            return Err(INTERNAL);
        }
        self.check_sizes(output_len)
    }

    /// Checks the slices against the dimensions, for any filter layout.
    pub fn check_sizes(&self, output_len: usize) -> Result<(), KernelError> {
        let filter_len = self.channels.checked_mul(self.depth).ok_or(INTERNAL)?;

        let output_size = self.pixels.checked_mul(self.channels).ok_or(INTERNAL)?;
        let matrix_ok = match self.source {
            Source::Matrix(m) => Some(m.len()) == self.pixels.checked_mul(self.depth),
            Source::Windows { .. } => true,
            Source::Patches { .. } => true,
        };
        let bias_ok = self.bias.is_none_or(|b| b.len() == self.channels);
        let scales_ok = self.stage.covers(self.channels);
        if self.filter.len() == filter_len
            && output_len == output_size
            && matrix_ok
            && bias_ok
            && scales_ok
        {
            Ok(())
        } else {
            Err(INTERNAL)
        }
    }

    /// The window origins of pixels 0, 1, 2, ... ([`Origins::none`] for
    /// matrix rows).
    pub fn origins(&self) -> Origins {
        match self.source {
            Source::Matrix(_) => Origins::none(),
            Source::Windows { windows, .. } | Source::Patches { windows, .. } => windows.origins(),
        }
    }

    /// Copies the operand row of the im2col pixel at `origin` into `patch`
    /// (`depth` elements; padding is the input zero point).
    pub fn fill_patch(&self, origin: Origin, patch: &mut [i8]) -> Result<(), KernelError> {
        match self.source {
            Source::Patches {
                input,
                windows,
                padding,
            } => fill_patch(input, &windows, origin, padding, patch),
            _ => Err(INTERNAL),
        }
    }
}

/// Copies the window at `origin` into `patch` (`KH * KW * C_in`
/// elements, tap-major like a filter row), writing `padding` for taps outside
/// the input. A window row entirely inside the input with no horizontal
/// dilation is one contiguous run and is copied at once.
fn fill_patch(
    input: &[i8],
    windows: &Windows,
    origin: Origin,
    padding: i8,
    patch: &mut [i8],
) -> Result<(), KernelError> {
    let depth = windows.input.depth;
    let row_len = windows.filter_width * depth;
    let last_fx = windows.filter_width.saturating_sub(1);
    let mut rows = patch.chunks_exact_mut(row_len.max(1));
    for fy in 0..windows.filter_height {
        let row = rows.next().ok_or(INTERNAL)?;
        let first = windows.tap_offset(origin, fy, 0);
        let contiguous = windows.geometry.dilation_width == 1
            && first.is_some()
            && windows.tap_offset(origin, fy, last_fx).is_some();
        if let (true, Some(start)) = (contiguous, first) {
            let src = input.get(start..start + row_len).ok_or(INTERNAL)?;
            row.copy_from_slice(src);
            continue;
        }
        for (fx, run) in row.chunks_exact_mut(depth.max(1)).enumerate() {
            match windows.tap_offset(origin, fy, fx) {
                Some(start) => {
                    let src = input.get(start..start + depth).ok_or(INTERNAL)?;
                    run.copy_from_slice(src);
                }
                None => run.fill(padding),
            }
        }
    }
    Ok(())
}
