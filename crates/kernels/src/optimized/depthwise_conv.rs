//! Optimized int8 DEPTHWISE_CONV_2D, bit-exact with
//! [`crate::depthwise_conv::depthwise_conv_per_channel_i8`].

use super::depthwise::Depthwise;
use super::gemm::input_offset_fits_i16;
use super::output_stage::OutputStage;
use super::window::Windows;
use super::{depthwise_covered, run_depthwise, Backend};
use crate::conv::{check_window_shapes, ConvGeometry, ConvQuantParamsI8, NhwcShape};
use crate::depthwise_conv as reference;
use crate::KernelError;

/// Scratch bytes [`depthwise_conv_per_channel_i8`] needs on `backend`: [`crate::compact::depthwise_scratch_len`] for
/// [`Backend::Compact`], [`crate::cortex_m::depthwise_scratch_len`] for
/// [`Backend::CortexM`] (one of the two always runs on bare-metal targets),
/// none for the others. With less scratch (another backend active at prepare) or an
/// input offset it does not take ([`crate::compact::supports_input_offset`]),
/// the compact backend runs the reference kernel (on bare-metal targets:
/// returns an error instead, so that the reference kernel is not linked).
pub fn depthwise_scratch_len(
    backend: Backend,
    input_depth: usize,
    filter_shape: &NhwcShape,
) -> usize {
    if cfg!(feature = "reference-only") {
        return 0;
    }
    match super::backend::effective(backend) {
        Backend::Compact => crate::compact::depthwise_scratch_len(input_depth, filter_shape),
        Backend::CortexM => crate::cortex_m::depthwise_scratch_len(input_depth, filter_shape),
        _ => 0,
    }
}

/// [`reference::depthwise_conv_per_channel_i8`] on `backend`, with
/// `scratch` of [`depthwise_scratch_len`] bytes: same
/// arguments, same result bits, same errors. The fast kernels cover filters
/// of up to 25 taps and one-channel inputs of any window size (a GEMM on
/// AVX2); other cases run the reference kernel.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_per_channel_i8(
    backend: Backend,
    geometry: &ConvGeometry,
    depth_multiplier: usize,
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
    let channels = input_shape.depth;
    if backend == Backend::Compact
        && (bare_metal
            || offset_fits
                && scratch.len() >= crate::compact::depthwise_scratch_len(channels, &filter_shape))
    {
        return crate::compact::depthwise_conv_per_channel_i8(
            geometry,
            depth_multiplier,
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
            || offset_fits
                && scratch.len() >= crate::cortex_m::depthwise_scratch_len(channels, &filter_shape))
    {
        return crate::cortex_m::depthwise_conv_per_channel_i8(
            geometry,
            depth_multiplier,
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
            depth_multiplier,
            quant,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output.len(),
        )
    };
    match problem {
        Some(problem) if depthwise_covered(&problem) => run_depthwise(backend, &problem, output),
        _ => reference::depthwise_conv_per_channel_i8(
            geometry,
            depth_multiplier,
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

/// The problem of a depthwise conv (multiplier 1) the fast kernels cover, or
/// `None`.
#[allow(clippy::too_many_arguments)]
fn fast_problem<'a>(
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    quant: &ConvQuantParamsI8<'a>,
    input_shape: NhwcShape,
    input: &'a [i8],
    filter_shape: NhwcShape,
    filter: &'a [i8],
    bias: Option<&'a [i32]>,
    output_shape: NhwcShape,
    output_len: usize,
) -> Option<Depthwise<'a>> {
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
    let plain = filter_shape.batches == 1
        && depth_multiplier > 0
        && input_shape.depth.checked_mul(depth_multiplier) == Some(channels)
        && filter_shape.depth == channels
        && quant.output_multipliers.len() == channels
        && quant.output_shifts.len() == channels
        && input_offset_fits_i16(quant.input_offset)
        && output_len > 0;
    if !plain {
        return None;
    }
    Some(Depthwise {
        windows: Windows::new(*geometry, input_shape, &filter_shape, &output_shape),
        depth_multiplier,
        input,
        filter,
        bias,
        input_offset: quant.input_offset,
        stage: OutputStage::per_channel(quant),
        pixels: output_shape.batches * output_shape.height * output_shape.width,
    })
}
