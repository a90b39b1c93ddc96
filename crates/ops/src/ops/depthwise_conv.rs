//! DEPTHWISE_CONV_2D: int8 per-channel (TFLM's `DepthwiseConvPerChannel`),
//! 16x8 (int16 activations, int8 weights, int64 bias) and float32, any depth
//! multiplier. Int8 and 16x8 run the optimized kernels of the active backend
//! (same bits; scratch for the widened per-channel shifts).
//! With batch 1 it offers to run in place, row by row
//! ([`super::row_streaming`]).

use microlite_kernels::optimized::depthwise_16x8::depthwise_conv_per_channel_16x8;
use microlite_kernels::optimized::depthwise_conv::{
    depthwise_conv_per_channel_i8, depthwise_scratch_len,
};
use microlite_kernels::optimized::float_conv::depthwise_conv_f32;

use super::conv_common::{fill_conv, prepare_conv, ConvParams, WindowOptions, FLOAT, INT16, INT8};
use super::row_streaming::Rows;
use super::windowed_eval::{eval_f32, eval_i16, eval_i8};
use crate::activation::clamping_activation;
use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::type_set::{self, covers, TypeSet, ALL, FLOAT32};

crate::registry::declare_ops! {
    /// DEPTHWISE_CONV_2D.
    depthwise_conv_2d => DepthwiseConv2d, DEPTHWISE_CONV_2D,
        "int8 (per-channel weights), int16 (16x8: int8 weights, int64 bias), float32",
        versions 1..=3,
        int8 depthwise_conv_2d_int8 => DepthwiseConv2d<{ crate::type_set::INT8 }>;
}

/// DEPTHWISE_CONV_2D.
///
/// `TYPES` ([`crate::type_set`]) selects the types whose code is linked.
pub struct DepthwiseConv2d<const TYPES: TypeSet = ALL>;

impl<const TYPES: TypeSet> Kernel for DepthwiseConv2d<TYPES> {
    type Params = ConvParams;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<ConvParams>, OpError> {
        let o = ctx
            .operator()
            .raw()
            .builtin_options_as_depthwise_conv2d_options()
            .ok_or(OpError::MissingOptions)?;
        let options = WindowOptions {
            padding: o.padding(),
            stride_w: o.stride_w(),
            stride_h: o.stride_h(),
            dilation_w: o.dilation_w_factor(),
            dilation_h: o.dilation_h_factor(),
            activation: clamping_activation(o.fused_activation_function())?,
        };
        let (mut params, extra_bytes) = prepare_conv::<TYPES>(ctx, &options, 3, false)?;
        let filter = ctx.input(1)?;
        if params.kind == INT16 && params.int32_accumulator != 0 {
            // TFLM's 16x8 depthwise reads its bias as int64 only.
            if let Some(bias) = ctx.optional_input(2) {
                return Err(OpError::UnsupportedType {
                    tensor: bias.index(),
                    dtype: bias.dtype(),
                });
            }
        }
        if params.filter[0] != 1 {
            return Err(OpError::ShapeMismatch {
                tensor: filter.index(),
                what: "depthwise filter dimension 0 must be 1",
            });
        }
        let (in_c, out_c) = (params.input[3], params.output[3]);
        if in_c == 0 || out_c % in_c != 0 {
            return Err(OpError::ShapeMismatch {
                tensor: filter.index(),
                what: "output channels are not a multiple of input channels",
            });
        }
        let multiplier = out_c / in_c;
        if i64::from(o.depth_multiplier()) != i64::from(multiplier) {
            return Err(OpError::UnsupportedOption {
                field: "depth_multiplier",
                value: i64::from(o.depth_multiplier()),
            });
        }
        params.depth_multiplier = multiplier;
        // Scratch: the widened per-channel shifts, then the kernel's own
        // (the compact kernel's accumulators; int8 only).
        let kernel_scratch = if params.kind == INT8 {
            depthwise_scratch_len(ctx.backend(), in_c as usize, &params.filter_shape())
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

    fn rows(p: &ConvParams) -> Option<Rows> {
        p.band_rows()
    }

    fn eval(ctx: &mut EvalContext<'_>, p: &ConvParams, extra: &[u8]) -> Result<(), OpError> {
        let filter_shape = p.filter_shape();
        let multiplier = p.depth_multiplier as usize;
        if covers(TYPES, FLOAT32) && p.kind == FLOAT {
            let limits = p.float_params();
            let filter = ctx.input::<f32>(1)?;
            let bias = ctx.optional_input::<f32>(2)?;
            let backend = ctx.backend();
            return eval_f32(ctx, p, |call| {
                depthwise_conv_f32(
                    backend,
                    &call.geometry,
                    multiplier,
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
            let bias = ctx.optional_input::<i64>(2)?;
            let backend = ctx.backend();
            return eval_i16(ctx, p, extra, |call, quant, _| {
                depthwise_conv_per_channel_16x8(
                    backend,
                    &call.geometry,
                    multiplier,
                    quant,
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
        let backend = ctx.backend();
        let filter = ctx.input::<i8>(1)?;
        let bias = ctx.optional_input::<i32>(2)?;
        eval_i8(ctx, p, extra, |call, quant, kernel_scratch| {
            depthwise_conv_per_channel_i8(
                backend,
                &call.geometry,
                multiplier,
                quant,
                call.input_shape,
                call.input,
                filter_shape,
                filter,
                bias,
                call.output_shape,
                call.output,
                &mut *kernel_scratch,
            )
            .map_err(OpError::from)
        })
    }
}
