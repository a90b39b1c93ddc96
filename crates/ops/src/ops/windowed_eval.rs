//! How CONV_2D and DEPTHWISE_CONV_2D evaluate alike: their kernel runs once
//! on the whole problem or, when the op was granted its input's memory, once
//! per band of output rows ([`super::row_streaming`]). Int8 first widens the
//! per-channel shifts into scratch.

use microlite_kernels::conv::{ConvGeometry, ConvQuantParamsI8, NhwcShape};

use super::conv_common::{as_i8, split_row_buffer, ConvParams};
use super::row_streaming::{stream_rows, RowProblem};
use crate::context::EvalContext;
use crate::error::OpError;
use crate::per_channel::PerChannelTables;

/// One kernel call: the whole problem, or one band of output rows with the
/// input rows it reads.
pub struct WindowCall<'a, T> {
    /// Window geometry (the band's top padding when streaming).
    pub geometry: ConvGeometry,
    /// Shape of `input`.
    pub input_shape: NhwcShape,
    /// The input (rows).
    pub input: &'a [T],
    /// Shape of `output`.
    pub output_shape: NhwcShape,
    /// Where the kernel writes.
    pub output: &'a mut [T],
}

impl<'a, T> WindowCall<'a, T> {
    fn whole(p: &ConvParams, input: &'a [T], output: &'a mut [T]) -> Self {
        Self {
            geometry: p.geometry(),
            input_shape: p.input_shape(),
            input,
            output_shape: p.output_shape(),
            output,
        }
    }

    fn band(p: &ConvParams, band: RowProblem<'a, T>) -> Self {
        let (geometry, input_shape, output_shape) = p.row_problem(&band.window, band.output_rows);
        Self {
            geometry,
            input_shape,
            input: band.input,
            output_shape,
            output: band.output,
        }
    }
}

/// The sub-problem of a band evaluation ([`EvalContext::band`]): the
/// output rows asked for, from the input rows their windows read.
fn band_call<'a, T: bytemuck::Pod>(
    p: &ConvParams,
    rows: core::ops::Range<usize>,
    input: &'a [T],
    output: &'a mut [T],
) -> WindowCall<'a, T> {
    let window = p.rows().window(rows.clone());
    WindowCall::band(
        p,
        RowProblem {
            window,
            input,
            output_rows: rows.len(),
            output,
        },
    )
}

/// Runs a float32 `kernel` over the output: once, band by band in place, or
/// on the one band asked for.
pub fn eval_f32(
    ctx: &mut EvalContext<'_>,
    p: &ConvParams,
    mut kernel: impl FnMut(WindowCall<'_, f32>) -> Result<(), OpError>,
) -> Result<(), OpError> {
    if let Some(rows) = ctx.band() {
        let input = ctx.input::<f32>(0)?;
        return kernel(band_call(p, rows, input, ctx.output::<f32>()?));
    }
    if let Some((region, row)) = ctx.in_place::<f32, f32>()? {
        return stream_rows(&p.rows(), region, row, |band| {
            kernel(WindowCall::band(p, band))
        });
    }
    let input = ctx.input::<f32>(0)?;
    kernel(WindowCall::whole(p, input, ctx.output::<f32>()?))
}

/// Runs an int8 `kernel` over the output: once, band by band in place, or
/// on the one band asked for. The kernel also gets the quantization (per-channel tables from `extra`,
/// shifts widened into scratch) and the rest of the scratch.
pub fn eval_i8(
    ctx: &mut EvalContext<'_>,
    p: &ConvParams,
    extra: &[u8],
    mut kernel: impl FnMut(WindowCall<'_, i8>, &ConvQuantParamsI8<'_>, &mut [i8]) -> Result<(), OpError>,
) -> Result<(), OpError> {
    let tables = PerChannelTables::view(extra, p.channels())?;
    if let Some((region, scratch)) = ctx.in_place::<i8, u8>()? {
        let (shifts, rest) = tables.widen_shifts(scratch)?;
        let quant = p.quant(tables.multipliers, shifts);
        let (row, kernel_scratch) = split_row_buffer(rest, p.row_buffer_len())?;
        return stream_rows(&p.rows(), region, row, |band| {
            kernel(WindowCall::band(p, band), &quant, &mut *kernel_scratch)
        });
    }
    let input = ctx.input::<i8>(0)?;
    let band = ctx.band();
    let (output, scratch) = ctx.output_and_scratch::<i8, u8>()?;
    let (shifts, rest) = tables.widen_shifts(scratch)?;
    let quant = p.quant(tables.multipliers, shifts);
    let call = match band {
        Some(rows) => band_call(p, rows, input, output),
        None => WindowCall::whole(p, input, output),
    };
    kernel(call, &quant, as_i8(rest)?)
}

/// Runs a 16x8 `kernel` once on the whole problem (16x8 convs do not
/// stream rows), with the quantization (per-channel tables from `extra`,
/// shifts widened into scratch) and the rest of the scratch.
pub fn eval_i16(
    ctx: &mut EvalContext<'_>,
    p: &ConvParams,
    extra: &[u8],
    kernel: impl FnOnce(WindowCall<'_, i16>, &ConvQuantParamsI8<'_>, &mut [i16]) -> Result<(), OpError>,
) -> Result<(), OpError> {
    let tables = PerChannelTables::view(extra, p.channels())?;
    let input = ctx.input::<i16>(0)?;
    let (output, scratch) = ctx.output_and_scratch::<i16, u8>()?;
    let (shifts, rest) = tables.widen_shifts(scratch)?;
    let quant = p.quant(tables.multipliers, shifts);
    // The kernel's scratch: whole int16 elements (4-byte aligned after the
    // shifts).
    let whole = rest.len() - rest.len() % 2;
    let rest = bytemuck::try_cast_slice_mut(rest.get_mut(..whole).unwrap_or_default())
        .map_err(|_| OpError::Internal("scratch as int16"))?;
    kernel(WindowCall::whole(p, input, output), &quant, rest)
}
