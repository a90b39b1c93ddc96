//! Optimized int8 CONV_2D, bit-exact with [`crate::conv::conv_per_channel_i8`].

use super::gemm::{input_offset_fits_i16, padding_value, FilterLayout, Gemm, Source};
use super::output_stage::OutputStage;
use super::window::Windows;
use super::{run_gemm, Backend};
use crate::conv::{
    self as reference, check_window_shapes, ConvGeometry, ConvQuantParamsI8, NhwcShape,
};
use crate::KernelError;

/// Input depths that are multiples of this are read in place; others are
/// copied into im2col patches (unless the filter is 1x1).
const IN_PLACE_DEPTH_MULTIPLE: usize = 16;

/// Whether a conv with this filter (`[C_out, KH, KW, C_in]`) is computed from
/// im2col patches rather than in place: several taps whose runs of `C_in`
/// inputs are too short for the in-place kernels.
fn uses_im2col(filter_shape: &NhwcShape) -> bool {
    let taps = filter_shape.height.saturating_mul(filter_shape.width);
    taps > 1 && !filter_shape.depth.is_multiple_of(IN_PLACE_DEPTH_MULTIPLE)
}

/// Scratch bytes [`conv_per_channel_i8`] needs for a filter of shape
/// `filter_shape` (`[C_out, KH, KW, C_in]`) to run on `backend`:
/// [`crate::compact::conv_scratch_len`] for [`Backend::Compact`],
/// [`crate::cortex_m::conv_scratch_len`] for [`Backend::CortexM`] (one of
/// the two always runs on bare-metal targets; prepared state written ahead
/// of time for a microcontroller is sized for it), else one im2col patch of `KH * KW * C_in`
/// bytes when the filter has several taps and an input depth that is not a
/// multiple of 16, else 0. With less scratch (prepared for another backend), or an input offset the microcontroller kernels do not take
/// ([`crate::compact::supports_input_offset`]), they run the reference
/// kernel (on bare-metal targets: return an error instead, so that the
/// reference kernel is not linked). 0 with the crate feature
/// `reference-only`.
pub fn conv_scratch_len(backend: Backend, filter_shape: &NhwcShape) -> usize {
    if cfg!(feature = "reference-only") {
        return 0;
    }
    match super::backend::effective(backend) {
        Backend::Compact => crate::compact::conv_scratch_len(filter_shape),
        Backend::CortexM => crate::cortex_m::conv_scratch_len(filter_shape),
        _ => im2col_len(filter_shape),
    }
}

/// Bytes of the im2col patch of a filter that [`uses_im2col`], else 0.
fn im2col_len(filter_shape: &NhwcShape) -> usize {
    if !uses_im2col(filter_shape) {
        return 0;
    }
    filter_shape
        .height
        .saturating_mul(filter_shape.width)
        .saturating_mul(filter_shape.depth)
}

/// [`reference::conv_per_channel_i8`] on `backend`, with `scratch` of at least
/// [`conv_scratch_len`] bytes:
/// same arguments, same result bits, same errors.
#[allow(clippy::too_many_arguments)]
pub fn conv_per_channel_i8(
    backend: Backend,
    geometry: &ConvGeometry,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i8],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i32]>,
    output_shape: NhwcShape,
    output: &mut [i8],
    scratch: &mut [i8],
) -> Result<(), KernelError> {
    let backend = super::backend::effective(backend);
    let bare_metal = cfg!(target_os = "none");
    let offset_fits = crate::compact::supports_input_offset(quant.input_offset);
    if backend == Backend::Compact
        && (bare_metal
            || offset_fits && scratch.len() >= crate::compact::conv_scratch_len(&filter_shape))
    {
        return crate::compact::conv_per_channel_i8(
            geometry,
            quant,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output,
            bytemuck::cast_slice_mut(scratch),
        );
    }
    if backend == Backend::CortexM
        && (bare_metal
            || offset_fits && scratch.len() >= crate::cortex_m::conv_scratch_len(&filter_shape))
    {
        return crate::cortex_m::conv_per_channel_i8(
            geometry,
            quant,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output,
            bytemuck::cast_slice_mut(scratch),
        );
    }
    let problem = if backend == Backend::Reference {
        None
    } else {
        fast_problem(
            geometry,
            quant,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output.len(),
            scratch.len(),
        )
    };
    match problem {
        Some(problem) => run_gemm(backend, &problem, scratch, output),
        None => reference::conv_per_channel_i8(
            geometry,
            quant,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output,
        ),
    }
}

/// The GEMM of a conv the fast kernels cover, or `None`.
#[allow(clippy::too_many_arguments)]
fn fast_problem<'a>(
    geometry: &ConvGeometry,
    quant: &ConvQuantParamsI8<'a>,
    input_shape: NhwcShape,
    input: &'a [i8],
    filter_shape: NhwcShape,
    filter: &'a [i8],
    bias: Option<&'a [i32]>,
    output_shape: NhwcShape,
    output_len: usize,
    scratch_len: usize,
) -> Option<Gemm<'a>> {
    check_window_shapes(
        geometry,
        &input_shape,
        input.len(),
        &filter_shape,
        filter.len(),
        &output_shape,
        output_len,
        bias.map(<[i32]>::len),
    )
    .ok()?;
    let channels = output_shape.depth;
    let plain = filter_shape.batches == channels
        && filter_shape.depth == input_shape.depth
        && quant.output_multipliers.len() == channels
        && quant.output_shifts.len() == channels
        && input_offset_fits_i16(quant.input_offset)
        && output_len > 0
        && !filter.is_empty();
    if !plain {
        return None;
    }
    let windows = Windows::new(*geometry, input_shape, &filter_shape, &output_shape);
    let pointwise = filter_shape.height == 1
        && filter_shape.width == 1
        && geometry.stride_height == 1
        && geometry.stride_width == 1
        && geometry.padding_height == 0
        && geometry.padding_width == 0
        && output_shape.height == input_shape.height
        && output_shape.width == input_shape.width;
    let source = if pointwise {
        // A 1x1 conv with unit strides and no padding: the operand rows are
        // the input pixels, one after another.
        Source::Matrix(input)
    } else if uses_im2col(&filter_shape) {
        if scratch_len < im2col_len(&filter_shape) {
            return None;
        }
        Source::Patches {
            input,
            windows,
            padding: padding_value(quant.input_offset)?,
        }
    } else {
        Source::Windows { input, windows }
    };
    Some(Gemm {
        source,
        pixels: output_shape.batches * output_shape.height * output_shape.width,
        depth: filter_shape.height * filter_shape.width * filter_shape.depth,
        channels,
        input_offset: quant.input_offset,
        filter,
        filter_layout: FilterLayout::RowMajor,
        bias,
        stage: OutputStage::per_channel(quant),
    })
}
