//! Optimized 16x8 CONV_2D, bit-exact with
//! [`crate::conv::conv_per_channel_16x8`]: per output pixel, the window's
//! int16 inputs are gathered into one contiguous patch (taps outside the
//! image as zeros: 16x8 has no input offset), and each output channel is the
//! exact dot product of the patch with its filter row (AVX2, or `i32` blocks
//! that cannot wrap), then the reference's output stage.

use super::Backend;
use crate::conv::{
    self as reference, check_conv, Bias16x8, ConvGeometry, ConvQuantParamsI8, NhwcShape,
};
use crate::KernelError;

/// Products summed in `i32` before widening: each is at most 2^22 in
/// magnitude, so 256 of them stay below 2^30.
const PORTABLE_BLOCK: usize = 256;

/// Scratch elements (`i16`) [`conv_per_channel_16x8`] needs on `backend`
/// for a filter `[C_out, KH, KW, C_in]`: one patch of `KH · KW · C_in`
/// inputs on the host kernels, 0 for the reference (and the bare-metal
/// backends, which run the reference).
pub fn conv_16x8_scratch_len(backend: Backend, filter_shape: &NhwcShape) -> usize {
    match super::backend::effective(backend) {
        Backend::Reference | Backend::Compact | Backend::CortexM => 0,
        _ => filter_shape
            .height
            .saturating_mul(filter_shape.width)
            .saturating_mul(filter_shape.depth),
    }
}

/// `sum(x[k] * w[k])`, exact (also the 16x8 FULLY_CONNECTED's).
pub(crate) fn dot(backend: Backend, x: &[i16], w: &[i8]) -> i64 {
    #[cfg(target_arch = "x86_64")]
    if let Backend::Avx2(token) = backend {
        return crate::arch::x86_64::dot_16x8(token, x, w);
    }
    let _ = backend;
    x.chunks(PORTABLE_BLOCK)
        .zip(w.chunks(PORTABLE_BLOCK))
        .map(|(xs, ws)| {
            let block: i32 = xs
                .iter()
                .zip(ws)
                .map(|(&a, &b)| i32::from(a) * i32::from(b))
                .sum();
            i64::from(block)
        })
        .sum()
}

/// [`reference::conv_per_channel_16x8`] on `backend`, with `scratch` of at
/// least [`conv_16x8_scratch_len`] elements: same arguments, same result
/// bits, same errors. Grouped convolutions, less scratch and the reference
/// and bare-metal backends run the reference kernel.
#[allow(clippy::too_many_arguments)]
pub fn conv_per_channel_16x8(
    backend: Backend,
    geometry: &ConvGeometry,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i16],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Bias16x8<'_>,
    output_shape: NhwcShape,
    output: &mut [i16],
    scratch: &mut [i16],
) -> Result<(), KernelError> {
    let backend = super::backend::effective(backend);
    let patch_len = conv_16x8_scratch_len(backend, &filter_shape);
    let grouped = filter_shape.depth != input_shape.depth;
    if patch_len == 0 || grouped || scratch.len() < patch_len {
        return reference::conv_per_channel_16x8(
            geometry,
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
    check_conv(
        geometry,
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.elements(),
        (&output_shape, output.len()),
    )?;
    quant.check(output_shape.depth)?;
    if output.is_empty() {
        return Ok(());
    }
    let depth = input_shape.depth;
    let patch = scratch
        .get_mut(..patch_len)
        .ok_or(KernelError::SizeOverflow { what: "patch" })?;
    let mut pixels = output.chunks_exact_mut(output_shape.depth);
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let Some(pixel) = pixels.next() else {
                    return Ok(());
                };
                patch.fill(0);
                reference::for_each_tap(
                    geometry,
                    &input_shape,
                    filter_shape.height,
                    filter_shape.width,
                    (b, out_y, out_x),
                    |input_pixel, tap| {
                        let from = input.get(input_pixel..input_pixel + depth);
                        let to = patch.get_mut(tap * depth..(tap + 1) * depth);
                        match (from, to) {
                            (Some(from), Some(to)) => {
                                to.copy_from_slice(from);
                                Ok(())
                            }
                            _ => Err(KernelError::SizeOverflow {
                                what: "input index",
                            }),
                        }
                    },
                )?;
                for (out_c, (out, row)) in pixel
                    .iter_mut()
                    .zip(filter.chunks_exact(patch_len))
                    .enumerate()
                {
                    *out = bias.finish(dot(backend, patch, row), quant, out_c);
                }
            }
        }
    }
    Ok(())
}
