//! Optimized 16x8 DEPTHWISE_CONV_2D, bit-exact with
//! [`crate::depthwise_conv::depthwise_conv_per_channel_16x8`].
//!
//! Per output pixel, the output channels are taken in blocks of
//! `CHANNELS` (64); for each in-image tap, the block's products `input *
//! weight` are added element-wise into `i32` accumulators (AVX2, or a loop
//! the compiler vectorizes; with depth multiplier 1 the inputs and weights
//! of a block are contiguous), which are widened into `i64` sums every
//! `TAPS_PER_FLUSH` (256) taps, before they could wrap. The sums are exact, as
//! the reference's (16x8 has no zero points), and go through the
//! reference's output stage.

use super::Backend;
use crate::conv::{
    check_window_shapes, for_each_tap, Bias16x8, ConvGeometry, ConvQuantParamsI8, NhwcShape,
};
use crate::depthwise_conv::{self as reference, check_depthwise_shapes};
use crate::KernelError;

/// Output channels accumulated at a time (on the stack).
const CHANNELS: usize = 64;

/// Taps summed in `i32` before widening: each product is at most 2^22 in
/// magnitude, so 256 of them stay within 2^30.
const TAPS_PER_FLUSH: usize = 256;

/// `acc[k] += x[k] * w[k]`, on `backend`.
fn mac(backend: Backend, acc: &mut [i32], x: &[i16], w: &[i8]) {
    #[cfg(target_arch = "x86_64")]
    if let Backend::Avx2(token) = backend {
        return crate::arch::x86_64::mac_16x8(token, acc, x, w);
    }
    let _ = backend;
    for ((a, &xv), &wv) in acc.iter_mut().zip(x).zip(w) {
        *a = a.wrapping_add(i32::from(xv) * i32::from(wv));
    }
}

/// [`reference::depthwise_conv_per_channel_16x8`] on `backend`: same
/// arguments, same result bits, same errors; no scratch. The reference and
/// bare-metal backends run the reference kernel.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_per_channel_16x8(
    backend: Backend,
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i16],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i64]>,
    output_shape: NhwcShape,
    output: &mut [i16],
) -> Result<(), KernelError> {
    let backend = super::backend::effective(backend);
    if matches!(
        backend,
        Backend::Reference | Backend::Compact | Backend::CortexM
    ) {
        return reference::depthwise_conv_per_channel_16x8(
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
        );
    }
    check_window_shapes(
        geometry,
        &input_shape,
        input.len(),
        &filter_shape,
        filter.len(),
        &output_shape,
        output.len(),
        bias.map(<[i64]>::len),
    )?;
    check_depthwise_shapes(depth_multiplier, &input_shape, &filter_shape, &output_shape)?;
    quant.check(output_shape.depth)?;
    if output.is_empty() {
        return Ok(());
    }
    let bias = match bias {
        Some(b) => Bias16x8::Int64(b),
        None => Bias16x8::None,
    };
    // Non-zero: the output is not empty.
    let multiplier = depth_multiplier.max(1);
    let output_depth = output_shape.depth;
    let index_error = KernelError::SizeOverflow {
        what: "input index",
    };
    let mut narrow = [0i32; CHANNELS];
    let mut wide = [0i64; CHANNELS];
    let mut pixels = output.chunks_exact_mut(output_depth);
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                for (block, outs) in pixel.chunks_mut(CHANNELS).enumerate() {
                    let first = block * CHANNELS;
                    let len = outs.len();
                    let narrow = narrow.get_mut(..len).unwrap_or_default();
                    let wide = wide.get_mut(..len).unwrap_or_default();
                    narrow.fill(0);
                    wide.fill(0);
                    let mut taps = 0;
                    for_each_tap(
                        geometry,
                        &input_shape,
                        filter_shape.height,
                        filter_shape.width,
                        (b, out_y, out_x),
                        |input_pixel, tap| {
                            let w_start = tap * output_depth + first;
                            let w = filter.get(w_start..w_start + len).ok_or(
                                KernelError::SizeOverflow {
                                    what: "filter index",
                                },
                            )?;
                            if multiplier == 1 {
                                let x_start = input_pixel + first;
                                let x = input.get(x_start..x_start + len).ok_or(index_error)?;
                                mac(backend, narrow, x, w);
                            } else {
                                for (k, (a, &wv)) in narrow.iter_mut().zip(w).enumerate() {
                                    let in_c = (first + k) / multiplier;
                                    let &xv = input.get(input_pixel + in_c).ok_or(index_error)?;
                                    *a = a.wrapping_add(i32::from(xv) * i32::from(wv));
                                }
                            }
                            taps += 1;
                            if taps == TAPS_PER_FLUSH {
                                taps = 0;
                                for (s, a) in wide.iter_mut().zip(narrow.iter_mut()) {
                                    *s = s.wrapping_add(i64::from(*a));
                                    *a = 0;
                                }
                            }
                            Ok::<(), KernelError>(())
                        },
                    )?;
                    for (k, ((out, &s), &a)) in outs
                        .iter_mut()
                        .zip(wide.iter())
                        .zip(narrow.iter())
                        .enumerate()
                    {
                        *out = bias.finish(s.wrapping_add(i64::from(a)), quant, first + k);
                    }
                }
            }
        }
    }
    Ok(())
}
