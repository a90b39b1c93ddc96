//! CONV_2D: int8 (per-channel or per-tensor weights, TFLM's
//! `ConvPerChannel`), 16x8 (int16 activations, int8 weights, int64 or int32
//! bias), grouped when input channels are a multiple of the filter's, and
//! float32. Int8 runs the optimized kernels of the active
//! backend (same bits; scratch for the widened per-channel shifts and
//! im2col patches). With batch 1 it offers to run in place, row by row
//! ([`super::row_streaming`]).

use microlite_kernels::conv::Bias16x8;
use microlite_kernels::optimized::conv::{conv_per_channel_i8, conv_scratch_len};
use microlite_kernels::optimized::conv_16x8::{conv_16x8_scratch_len, conv_per_channel_16x8};
use microlite_kernels::optimized::float_conv::conv_f32;

use super::conv_common::{fill_conv, prepare_conv, ConvParams, WindowOptions, FLOAT, INT16, INT8};
use super::row_streaming::Rows;
use super::windowed_eval::{eval_f32, eval_i16, eval_i8};
use crate::activation::clamping_activation;
use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::type_set::{self, covers, TypeSet, ALL, FLOAT32};

crate::registry::declare_ops! {
    /// CONV_2D.
    conv_2d => Conv2d, CONV_2D,
        "int8 (per-channel weights), int16 (16x8: int8 weights, int64 or int32 bias), float32",
        versions 1..=8,
        int8 conv_2d_int8 => Conv2d<{ crate::type_set::INT8 }>;
}

/// CONV_2D.
///
/// `TYPES` ([`crate::type_set`]) selects the types whose code is linked.
pub struct Conv2d<const TYPES: TypeSet = ALL>;

impl<const TYPES: TypeSet> Kernel for Conv2d<TYPES> {
    type Params = ConvParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ConvParams>, OpError> {
        let o = ctx
            .operator()
            .raw()
            .builtin_options_as_conv2d_options()
            .ok_or(OpError::MissingOptions)?;
        let options = WindowOptions {
            padding: o.padding(),
            stride_w: o.stride_w(),
            stride_h: o.stride_h(),
            dilation_w: o.dilation_w_factor(),
            dilation_h: o.dilation_h_factor(),
            activation: clamping_activation(o.fused_activation_function())?,
        };
        let int32_bias = o.quantized_bias_type() == microlite_model::schema::TensorType::INT32;
        let (params, extra_bytes) = prepare_conv::<TYPES>(ctx, &options, 0, int32_bias)?;
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
        // need it; one int16 patch for 16x8).
        let kernel_scratch = match params.kind {
            INT8 => conv_scratch_len(ctx.backend(), &params.filter_shape()),
            INT16 => conv_16x8_scratch_len(ctx.backend(), &params.filter_shape())
                .checked_mul(2)
                .ok_or(OpError::SizeOverflow { what: "scratch" })?,
            _ => 0,
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

    fn rows(p: &ConvParams) -> Option<Rows> {
        p.band_rows()
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ConvParams, extra: &[u8]) -> Result<(), OpError> {
        let filter_shape = p.filter_shape();
        if covers(TYPES, FLOAT32) && p.kind == FLOAT {
            let limits = p.float_params();
            let filter = ctx.input::<f32>(1)?;
            let bias = ctx.optional_input::<f32>(2)?;
            let backend = ctx.backend();
            return eval_f32(ctx, p, |call| {
                conv_f32(
                    backend,
                    &call.geometry,
                    &limits,
                    call.input_shape,
                    call.input,
                    filter_shape,
                    filter,
                    bias,
                    call.output_shape,
                    call.output,
                )
                .map_err(OpError::from)
            });
        }
        if covers(TYPES, type_set::INT16) && p.kind == INT16 {
            let filter = ctx.input::<i8>(1)?;
            let bias = match (p.has_bias != 0, p.int32_accumulator != 0) {
                (false, false) => Bias16x8::None,
                (false, true) => Bias16x8::NoneInt32Accumulator,
                (true, false) => Bias16x8::Int64(ctx.input::<i64>(2)?),
                (true, true) => Bias16x8::Int32(ctx.input::<i32>(2)?),
            };
            let backend = ctx.backend();
            return eval_i16(ctx, p, extra, |call, quant, scratch| {
                conv_per_channel_16x8(
                    backend,
                    &call.geometry,
                    quant,
                    call.input_shape,
                    call.input,
                    filter_shape,
                    filter,
                    bias,
                    call.output_shape,
                    call.output,
                    scratch,
                )
                .map_err(OpError::from)
            });
        }
        let backend = ctx.backend();
        let filter = ctx.input::<i8>(1)?;
        let bias = ctx.optional_input::<i32>(2)?;
        eval_i8(ctx, p, extra, |call, quant, scratch| {
            conv_per_channel_i8(
                backend,
                &call.geometry,
                quant,
                call.input_shape,
                call.input,
                filter_shape,
                filter,
                bias,
                call.output_shape,
                call.output,
                scratch,
            )
            .map_err(OpError::from)
        })
    }
}
