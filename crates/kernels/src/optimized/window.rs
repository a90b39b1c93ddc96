//! Where the filter taps of one output pixel fall in the NHWC input.

use crate::conv::{ConvGeometry, NhwcShape};

/// The window geometry of a conv or depthwise conv whose shapes passed
/// `check_window_shapes` (so no coordinate computed here overflows).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Windows {
    /// Stride, dilation and padding.
    pub geometry: ConvGeometry,
    /// Input shape.
    pub input: NhwcShape,
    /// Filter height.
    pub filter_height: usize,
    /// Filter width.
    pub filter_width: usize,
    /// Output height.
    pub output_height: usize,
    /// Output width.
    pub output_width: usize,
}

/// The unpadded window origin of one output pixel.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Origin {
    /// Batch index.
    batch: usize,
    /// `out_y * stride_height` (before subtracting the padding).
    row: usize,
    /// `out_x * stride_width` (before subtracting the padding).
    column: usize,
}

/// The window origins of output pixels 0, 1, 2, ... in order, computed
/// incrementally (no divisions).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origins {
    next: Origin,
    row_end: usize,
    column_end: usize,
    stride_height: usize,
    stride_width: usize,
}

impl Origins {
    /// Origins of rows that are not windows (fully connected rows): always
    /// the default origin.
    pub fn none() -> Self {
        Self {
            next: Origin::default(),
            row_end: usize::MAX,
            column_end: usize::MAX,
            stride_height: 0,
            stride_width: 0,
        }
    }
}

impl Iterator for Origins {
    type Item = Origin;

    #[inline]
    fn next(&mut self) -> Option<Origin> {
        let current = self.next;
        let n = &mut self.next;
        n.column += self.stride_width;
        if n.column >= self.column_end {
            n.column = 0;
            n.row += self.stride_height;
            if n.row >= self.row_end {
                n.row = 0;
                n.batch += 1;
            }
        }
        Some(current)
    }
}

impl Windows {
    /// The windows of a conv or depthwise conv with these shapes (already
    /// through `check_window_shapes`).
    pub fn new(
        geometry: ConvGeometry,
        input: NhwcShape,
        filter: &NhwcShape,
        output: &NhwcShape,
    ) -> Self {
        Self {
            geometry,
            input,
            filter_height: filter.height,
            filter_width: filter.width,
            output_height: output.height,
            output_width: output.width,
        }
    }

    /// Copies the input rows the windows of output row `oy` of `batch` read,
    /// from (padded) column `first` on for `columns` columns, into
    /// `filter_height` rows of `buffer` starting `row_stride` bytes apart;
    /// padding columns and rows read as `zero_point`. Buffer column `j` holds
    /// input column `first + j - padding_width`. `None` when a slice falls
    /// short (callers size them from this geometry).
    #[allow(clippy::too_many_arguments)]
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub fn fill_padded_rows(
        &self,
        input: &[i8],
        batch: usize,
        oy: usize,
        (first, columns): (usize, usize),
        zero_point: i8,
        row_stride: usize,
        buffer: &mut [i8],
    ) -> Option<()> {
        let channels = self.input.depth;
        let pad = self.geometry.padding_width;
        let lo = pad.saturating_sub(first).min(columns);
        let hi = (self.input.width + pad)
            .saturating_sub(first)
            .min(columns)
            .max(lo);
        for fy in 0..self.filter_height {
            let start = fy * row_stride;
            let dst = buffer.get_mut(start..start + columns * channels)?;
            let iy = (oy * self.geometry.stride_height + fy * self.geometry.dilation_height)
                .checked_sub(self.geometry.padding_height)
                .filter(|&iy| iy < self.input.height);
            let Some(iy) = iy else {
                dst.fill(zero_point);
                continue;
            };
            let (left, rest) = dst.split_at_mut(lo * channels);
            let (middle, right) = rest.split_at_mut((hi - lo) * channels);
            left.fill(zero_point);
            right.fill(zero_point);
            if hi > lo {
                let ix = first + lo - pad;
                let at = ((batch * self.input.height + iy) * self.input.width + ix) * channels;
                middle.copy_from_slice(input.get(at..at + middle.len())?);
            }
        }
        Some(())
    }

    /// The window origins of output pixels 0, 1, 2, ...
    pub fn origins(&self) -> Origins {
        Origins {
            next: Origin::default(),
            row_end: self
                .output_height
                .saturating_mul(self.geometry.stride_height),
            column_end: self.output_width.saturating_mul(self.geometry.stride_width),
            stride_height: self.geometry.stride_height,
            stride_width: self.geometry.stride_width,
        }
    }

    /// Number of taps of a filter (`filter_height * filter_width`).
    pub fn taps(&self) -> usize {
        self.filter_height * self.filter_width
    }

    /// Offset of channel 0 of the input pixel under tap `(fy, fx)` of the
    /// window at `origin`, or `None` when the tap lies in the padding.
    #[inline]
    pub fn tap_offset(&self, origin: Origin, fy: usize, fx: usize) -> Option<usize> {
        let in_y = (origin.row + fy * self.geometry.dilation_height)
            .checked_sub(self.geometry.padding_height)?;
        let in_x = (origin.column + fx * self.geometry.dilation_width)
            .checked_sub(self.geometry.padding_width)?;
        if in_y >= self.input.height || in_x >= self.input.width {
            return None;
        }
        Some(
            ((origin.batch * self.input.height + in_y) * self.input.width + in_x)
                * self.input.depth,
        )
    }

    /// Offset of tap `(0, 0)` of the window at `origin` when every tap lies
    /// inside the input (then tap `(fy, fx)` is at this offset plus
    /// [`Windows::relative_offset`]), else `None`.
    #[inline]
    pub fn inside_offset(&self, origin: Origin) -> Option<usize> {
        let last_fy = self.filter_height.checked_sub(1)?;
        let last_fx = self.filter_width.checked_sub(1)?;
        self.tap_offset(origin, last_fy, last_fx)?;
        self.tap_offset(origin, 0, 0)
    }

    /// Offset of tap `(fy, fx)` relative to tap `(0, 0)` for windows entirely
    /// inside the input.
    #[inline]
    pub fn relative_offset(&self, fy: usize, fx: usize) -> usize {
        (fy * self.geometry.dilation_height * self.input.width + fx * self.geometry.dilation_width)
            * self.input.depth
    }
}
