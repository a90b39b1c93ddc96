//! Optimized int8 FULLY_CONNECTED, bit-exact with
//! [`crate::fully_connected`].

use super::gemm::{input_offset_fits_i16, FilterLayout, Gemm, Source};
use super::output_stage::{OutputStage, Scales};
use super::{run_gemm, Backend};
use crate::conv::Bias16x8;
use crate::fully_connected::{
    self as reference, FullyConnectedParams16x8, FullyConnectedParamsI8,
    FullyConnectedPerChannelParamsI8, FullyConnectedShape,
};
use crate::KernelError;

/// Whether the fast kernels cover this shape and these slices (anything else
/// goes to the reference kernel, which also reports errors).
fn fast_path_fits(
    shape: FullyConnectedShape,
    input_offset: i32,
    input: &[i8],
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &[i8],
) -> bool {
    let size = |a: usize, b: usize| a.checked_mul(b);
    shape.input_depth > 0
        && shape.output_depth > 0
        && input_offset_fits_i16(input_offset)
        && size(shape.batches, shape.input_depth) == Some(input.len())
        && size(shape.output_depth, shape.input_depth) == Some(filter.len())
        && size(shape.batches, shape.output_depth) == Some(output.len())
        && bias.is_none_or(|b| b.len() == shape.output_depth)
}

fn gemm<'a>(
    shape: FullyConnectedShape,
    input_offset: i32,
    input: &'a [i8],
    filter: &'a [i8],
    bias: Option<&'a [i32]>,
    stage: OutputStage<'a>,
) -> Gemm<'a> {
    Gemm {
        source: Source::Matrix(input),
        pixels: shape.batches,
        depth: shape.input_depth,
        channels: shape.output_depth,
        input_offset,
        filter,
        filter_layout: FilterLayout::RowMajor,
        bias,
        stage,
    }
}

/// [`reference::fully_connected_i8`] on `backend`: same arguments, same
/// result bits, same errors.
pub fn fully_connected_i8(
    backend: Backend,
    params: &FullyConnectedParamsI8,
    shape: FullyConnectedShape,
    input: &[i8],
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    // The reference kernel is already a plain loop: the compact backend
    // runs it; the Cortex-M one has its own for spec-conformant weights.
    let backend = super::backend::effective(backend);
    if backend == Backend::CortexM && params.filter_offset == 0 {
        let multipliers = [params.output_multiplier];
        let shifts = [params.output_shift];
        let quant = crate::conv::ConvQuantParamsI8 {
            input_offset: params.input_offset,
            output_offset: params.output_offset,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: params.activation_min,
            activation_max: params.activation_max,
        };
        if crate::cortex_m::fully_connected_i8(shape, &quant, input, filter, bias, output) {
            return Ok(());
        }
    }
    let fast = !matches!(
        backend,
        Backend::Reference | Backend::Compact | Backend::CortexM
    ) && params.filter_offset == 0
        && fast_path_fits(shape, params.input_offset, input, filter, bias, output);
    if !fast {
        return reference::fully_connected_i8(params, shape, input, filter, bias, output);
    }
    let stage = OutputStage {
        scales: Scales::PerTensor {
            multiplier: params.output_multiplier,
            shift: params.output_shift,
        },
        output_offset: params.output_offset,
        activation_min: params.activation_min,
        activation_max: params.activation_max,
    };
    let problem = gemm(shape, params.input_offset, input, filter, bias, stage);
    run_gemm(backend, &problem, &mut [], output)
}

/// [`reference::fully_connected_per_channel_i8`] on `backend`: same
/// arguments, same result bits, same errors.
pub fn fully_connected_per_channel_i8(
    backend: Backend,
    params: &FullyConnectedPerChannelParamsI8<'_>,
    shape: FullyConnectedShape,
    input: &[i8],
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &mut [i8],
) -> Result<(), KernelError> {
    let backend = super::backend::effective(backend);
    if backend == Backend::CortexM {
        let quant = crate::conv::ConvQuantParamsI8 {
            input_offset: params.input_offset,
            output_offset: params.output_offset,
            output_multipliers: params.output_multipliers,
            output_shifts: params.output_shifts,
            activation_min: params.activation_min,
            activation_max: params.activation_max,
        };
        if params.output_multipliers.len() == shape.output_depth
            && crate::cortex_m::fully_connected_i8(shape, &quant, input, filter, bias, output)
        {
            return Ok(());
        }
    }
    let fast = !matches!(
        backend,
        Backend::Reference | Backend::Compact | Backend::CortexM
    ) && params.output_multipliers.len() == shape.output_depth
        && params.output_shifts.len() == shape.output_depth
        && fast_path_fits(shape, params.input_offset, input, filter, bias, output);
    if !fast {
        return reference::fully_connected_per_channel_i8(
            params, shape, input, filter, bias, output,
        );
    }
    let stage = OutputStage {
        scales: Scales::PerChannel {
            multipliers: params.output_multipliers,
            shifts: params.output_shifts,
        },
        output_offset: params.output_offset,
        activation_min: params.activation_min,
        activation_max: params.activation_max,
    };
    let problem = gemm(shape, params.input_offset, input, filter, bias, stage);
    run_gemm(backend, &problem, &mut [], output)
}

/// [`reference::fully_connected_16x8`] on `backend`: same arguments, same
/// result bits, same errors. With input offset 0 (symmetric int16, as the
/// converter writes) each unit is the exact dot product of the 16x8 conv
/// kernels (AVX2 or `i32` blocks); otherwise, and on the reference and
/// bare-metal backends, the reference kernel.
pub fn fully_connected_16x8(
    backend: Backend,
    params: &FullyConnectedParams16x8<'_>,
    shape: FullyConnectedShape,
    input: &[i16],
    filter: &[i8],
    bias: Bias16x8<'_>,
    output: &mut [i16],
) -> Result<(), KernelError> {
    let backend = super::backend::effective(backend);
    let fast = params.input_offset == 0
        && !matches!(
            backend,
            Backend::Reference | Backend::Compact | Backend::CortexM
        );
    if !fast {
        return reference::fully_connected_16x8(params, shape, input, filter, bias, output);
    }
    reference::fully_connected_16x8_with(params, shape, input, filter, bias, output, |x, w| {
        super::conv_16x8::dot(backend, x, w)
    })
}
