//! Output size and padding of windowed operators (conv, depthwise conv,
//! pooling), as TFLite's `ComputeOutSize` / `ComputePaddingHeightWidth`.

/// Padding scheme of a windowed operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Padding {
    /// Output size `ceil(in / stride)`, zero padding split evenly (extra at the end).
    Same,
    /// No padding; only windows fully inside the input.
    Valid,
}

/// Padding of both spatial axes plus the resulting output size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaddingValues {
    /// Output height.
    pub output_height: usize,
    /// Output width.
    pub output_width: usize,
    /// Padding rows before the first input row (the kernels' `padding_height`).
    pub height: usize,
    /// Padding columns before the first input column (the kernels' `padding_width`).
    pub width: usize,
    /// Extra padding row after the input (`total % 2`; unused by the kernels).
    pub height_offset: usize,
    /// Extra padding column after the input (`total % 2`; unused by the kernels).
    pub width_offset: usize,
}

/// `(filter_size - 1) * dilation + 1` as i64, or `None` on invalid input.
fn effective_filter_size(filter_size: usize, dilation: usize) -> Option<isize> {
    if filter_size == 0 || dilation == 0 {
        return None;
    }
    let size = (filter_size - 1).checked_mul(dilation)?.checked_add(1)?;
    isize::try_from(size).ok()
}

/// Output size along one axis, as TFLite's `ComputeOutSize`:
/// SAME: `(in + stride - 1) / stride`; VALID: `(in + stride - effective_filter)
/// / stride` with C (truncating) division.
///
/// Returns `None` for a zero stride, dilation or filter size (TFLite returns
/// 0 for a zero stride), on overflow, or when the VALID size would be
/// negative (filter larger than the input by at least a stride).
pub fn compute_output_size(
    padding: Padding,
    image_size: usize,
    filter_size: usize,
    stride: usize,
    dilation: usize,
) -> Option<usize> {
    let effective = effective_filter_size(filter_size, dilation)?;
    let image = isize::try_from(image_size).ok()?;
    let stride = isize::try_from(stride).ok().filter(|&s| s > 0)?;
    let numerator = match padding {
        Padding::Same => image.checked_add(stride)?.checked_sub(1)?,
        Padding::Valid => image.checked_add(stride)?.checked_sub(effective)?,
    };
    // `/` truncates toward zero like C; isize keeps it one instruction on
    // 32-bit cores.
    usize::try_from(numerator / stride).ok()
}

/// Padding before the input along one axis and the odd remainder after it, as
/// TFLite's `ComputePaddingWithOffset`: `total = max(0, (out - 1) * stride +
/// effective_filter - in)`, returned as `(total / 2, total % 2)`.
///
/// Returns `None` for a zero dilation or filter size, or on overflow.
pub fn compute_padding_with_offset(
    stride: usize,
    dilation: usize,
    in_size: usize,
    filter_size: usize,
    out_size: usize,
) -> Option<(usize, usize)> {
    let effective = effective_filter_size(filter_size, dilation)?;
    let stride = isize::try_from(stride).ok()?;
    let in_size = isize::try_from(in_size).ok()?;
    let out_size = isize::try_from(out_size).ok()?;
    let total = out_size
        .checked_sub(1)?
        .checked_mul(stride)?
        .checked_add(effective)?
        .checked_sub(in_size)?
        .max(0);
    Some((
        usize::try_from(total / 2).ok()?,
        usize::try_from(total % 2).ok()?,
    ))
}

/// Padding before the input along one axis (TFLite's `ComputePadding`).
pub fn compute_padding(
    stride: usize,
    dilation: usize,
    in_size: usize,
    filter_size: usize,
    out_size: usize,
) -> Option<usize> {
    compute_padding_with_offset(stride, dilation, in_size, filter_size, out_size)
        .map(|(padding, _)| padding)
}

/// Output size and padding of both spatial axes, as TFLite's
/// `ComputePaddingHeightWidth`.
///
/// Note that TFLite computes the padding even for [`Padding::Valid`], where it
/// is 0 for every well-formed input.
#[allow(clippy::too_many_arguments)]
pub fn compute_padding_height_width(
    padding: Padding,
    stride_height: usize,
    stride_width: usize,
    dilation_height: usize,
    dilation_width: usize,
    in_height: usize,
    in_width: usize,
    filter_height: usize,
    filter_width: usize,
) -> Option<PaddingValues> {
    let output_width = compute_output_size(
        padding,
        in_width,
        filter_width,
        stride_width,
        dilation_width,
    )?;
    let output_height = compute_output_size(
        padding,
        in_height,
        filter_height,
        stride_height,
        dilation_height,
    )?;
    let (height, height_offset) = compute_padding_with_offset(
        stride_height,
        dilation_height,
        in_height,
        filter_height,
        output_height,
    )?;
    let (width, width_offset) = compute_padding_with_offset(
        stride_width,
        dilation_width,
        in_width,
        filter_width,
        output_width,
    )?;
    Some(PaddingValues {
        output_height,
        output_width,
        height,
        width,
        height_offset,
        width_offset,
    })
}
