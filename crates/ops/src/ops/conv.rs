//! CONV_2D: int8 (per-channel or per-tensor weights, TFLM's
//! `ConvPerChannel`), grouped when input channels are a multiple of the
//! filter's, and float32. Int8 runs the optimized kernels of the active
//! backend (same bits; scratch for the widened per-channel shifts and
//! im2col patches). With batch 1 it offers to run in place, row by row
//! ([`super::row_streaming`]).

use microlite_kernels::conv::conv_f32;
use microlite_kernels::optimized::active_backend;
use microlite_kernels::optimized::conv::{conv_per_channel_i8, conv_scratch_len};

use super::conv_common::{
    as_i8, fill_conv, prepare_conv, split_row_buffer, ConvParams, WindowOptions, FLOAT, INT8,
};
use super::row_streaming::stream_rows;
use crate::activation::clamping_activation;
use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::per_channel::PerChannelTables;

/// CONV_2D.
pub struct Conv2d;

impl Kernel for Conv2d {
    type Params = ConvParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ConvParams>, OpError> {
        let o = ctx
            .operator()
            .raw()
            .builtin_options_as_conv_2_doptions()
            .ok_or(OpError::MissingOptions)?;
        let options = WindowOptions {
            padding: o.padding(),
            stride_w: o.stride_w(),
            stride_h: o.stride_h(),
            dilation_w: o.dilation_w_factor(),
            dilation_h: o.dilation_h_factor(),
            activation: clamping_activation(o.fused_activation_function())?,
        };
        let (params, extra_bytes) = prepare_conv(ctx, &options, 0)?;
        let (in_c, filter_in_c) = (params.input[3], params.filter[3]);
        // Grouped convolution: input channels split into equal groups, each
        // group feeding an equal share of the output channels.
        let grouped_ok = filter_in_c > 0
            && in_c % filter_in_c == 0
            && params.output[3] % (in_c / filter_in_c).max(1) == 0;
        if !grouped_ok {
            return Err(OpError::ShapeMismatch {
                tensor: ctx.input(1)?.index(),
                what: "input channels are not a multiple of the filter's input channels",
            });
        }
        // Scratch: the widened per-channel shifts, then the optimized
        // kernel's im2col patch (small: two filter rows; int8 filters that
        // need it).
        let kernel_scratch = if params.kind == INT8 {
            conv_scratch_len(&params.filter_shape())
        } else {
            0
        };
        let scratch_bytes = params
            .shift_scratch_bytes()?
            .checked_add(kernel_scratch)
            .ok_or(OpError::SizeOverflow { what: "scratch" })?;
        Ok(Prepared {
            params,
            needs: Needs {
                extra_bytes,
                scratch_bytes,
                in_place: params.in_place_offer(),
                ..Needs::default()
            },
        })
    }

    fn fill(
        ctx: &PrepareContext<'_>,
        params: &ConvParams,
        extra: &mut [u8],
    ) -> Result<(), OpError> {
        fill_conv(ctx, params, extra)
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ConvParams, extra: &[u8]) -> Result<(), OpError> {
        let (geometry, filter_shape) = (p.geometry(), p.filter_shape());
        let failed = |_| OpError::Internal("conv kernel rejected prepared shapes");
        if p.kind == FLOAT {
            let limits = p.float_params();
            let filter = ctx.input::<f32>(1)?;
            let bias = ctx.optional_input::<f32>(2)?;
            if let Some((region, row)) = ctx.in_place::<f32, f32>()? {
                return stream_rows(&p.rows(), region, row, |rp| {
                    let (g, input_shape, output_shape) = p.row_problem(&rp.window, rp.output_rows);
                    conv_f32(
                        &g,
                        &limits,
                        input_shape,
                        rp.input,
                        filter_shape,
                        filter,
                        bias,
                        output_shape,
                        rp.output,
                    )
                    .map_err(failed)
                });
            }
            let input = ctx.input::<f32>(0)?;
            let output = ctx.output::<f32>()?;
            return conv_f32(
                &geometry,
                &limits,
                p.input_shape(),
                input,
                filter_shape,
                filter,
                bias,
                p.output_shape(),
                output,
            )
            .map_err(failed);
        }
        let backend = active_backend();
        let tables = PerChannelTables::view(extra, p.channels())?;
        let filter = ctx.input::<i8>(1)?;
        let bias = ctx.optional_input::<i32>(2)?;
        if let Some((region, scratch)) = ctx.in_place::<i8, u8>()? {
            let (shifts, rest) = tables.widen_shifts(scratch)?;
            let quant = p.quant(tables.multipliers, shifts);
            let (row, kernel_scratch) = split_row_buffer(rest, p.row_buffer_len())?;
            return stream_rows(&p.rows(), region, row, |rp| {
                let (g, input_shape, output_shape) = p.row_problem(&rp.window, rp.output_rows);
                conv_per_channel_i8(
                    backend,
                    &g,
                    &quant,
                    input_shape,
                    rp.input,
                    filter_shape,
                    filter,
                    bias,
                    output_shape,
                    rp.output,
                    &mut *kernel_scratch,
                )
                .map_err(failed)
            });
        }
        let input = ctx.input::<i8>(0)?;
        let (output, scratch) = ctx.output_and_scratch::<i8, u8>()?;
        let (shifts, rest) = tables.widen_shifts(scratch)?;
        conv_per_channel_i8(
            backend,
            &geometry,
            &p.quant(tables.multipliers, shifts),
            p.input_shape(),
            input,
            filter_shape,
            filter,
            bias,
            p.output_shape(),
            output,
            as_i8(rest)?,
        )
        .map_err(failed)
    }
}
