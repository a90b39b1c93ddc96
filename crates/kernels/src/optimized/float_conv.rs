//! Float32 CONV_2D and DEPTHWISE_CONV_2D with the output channels innermost,
//! bit-identical to [`crate::conv::conv_f32`] and
//! [`crate::depthwise_conv::depthwise_conv_f32`].
//!
//! The reference sums each output on its own: `0 + x0·w0 + x1·w1 + ...` over
//! the in-image taps (and, for CONV_2D, each tap's input channels), then adds
//! the bias and clamps. Here every in-image tap, in the same order, adds its
//! products to a row of per-channel accumulators. Each output still sees the
//! same float operations in the same order (Rust never fuses a multiply and
//! an add), so its bits are the reference's; the channels only give the CPU
//! independent additions to overlap and, where the weights of neighbouring
//! channels are contiguous (depthwise), vectors.

use super::Backend;
use crate::activation::clamp_f32;
use crate::conv::{
    self as conv_reference, check_window_shapes, for_each_tap, ConvGeometry, ConvParamsF32,
    NhwcShape,
};
use crate::depthwise_conv::{self as depthwise_reference, check_depthwise_shapes};
use crate::KernelError;

/// Output channels accumulated per pass over the taps (a fixed-size array,
/// so the accumulators stay in registers).
const LANES: usize = 8;

const INTERNAL: KernelError = KernelError::SizeOverflow {
    what: "float conv operand",
};

/// [`conv_reference::conv_f32`] on `backend`: same arguments, same result
/// bits, same errors. Grouped convs run the reference.
#[allow(clippy::too_many_arguments)]
pub fn conv_f32(
    backend: Backend,
    geometry: &ConvGeometry,
    params: &ConvParamsF32,
    input_shape: NhwcShape,
    input: &[f32],
    filter_shape: NhwcShape,
    filter: &[f32],
    bias: Option<&[f32]>,
    output_shape: NhwcShape,
    output: &mut [f32],
) -> Result<(), KernelError> {
    let fast = backend != Backend::Reference
        && filter_shape.depth == input_shape.depth
        && filter_shape.batches == output_shape.depth
        && filter_shape.depth > 0
        && check_window_shapes(
            geometry,
            &input_shape,
            input.len(),
            &filter_shape,
            filter.len(),
            &output_shape,
            output.len(),
            bias.map(<[f32]>::len),
        )
        .is_ok();
    if !fast {
        return conv_reference::conv_f32(
            geometry,
            params,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output,
        );
    }
    let depth = input_shape.depth;
    let row_len = filter_shape.height * filter_shape.width * depth;
    let pass = |origin, c0: usize, n: usize, lanes: &mut [f32; LANES]| {
        for_each_tap(
            geometry,
            &input_shape,
            filter_shape.height,
            filter_shape.width,
            origin,
            |input_pixel, tap| {
                let xs = input
                    .get(input_pixel..input_pixel + depth)
                    .ok_or(INTERNAL)?;
                let rows = filter.chunks_exact(row_len).skip(c0).take(n);
                let taps = rows.map(|row| row.get(tap * depth..(tap + 1) * depth));
                for (a, weights) in lanes.iter_mut().zip(taps) {
                    let weights = weights.ok_or(INTERNAL)?;
                    for (&x, &w) in xs.iter().zip(weights) {
                        *a += x * w;
                    }
                }
                Ok(())
            },
        )
    };
    by_pixel_and_lanes(params, output_shape, bias, output, pass)
}

/// [`depthwise_reference::depthwise_conv_f32`] on `backend`: same
/// arguments, same result bits, same errors.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_f32(
    backend: Backend,
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    params: &ConvParamsF32,
    input_shape: NhwcShape,
    input: &[f32],
    filter_shape: NhwcShape,
    filter: &[f32],
    bias: Option<&[f32]>,
    output_shape: NhwcShape,
    output: &mut [f32],
) -> Result<(), KernelError> {
    let fast = backend != Backend::Reference
        && depth_multiplier > 0
        && check_window_shapes(
            geometry,
            &input_shape,
            input.len(),
            &filter_shape,
            filter.len(),
            &output_shape,
            output.len(),
            bias.map(<[f32]>::len),
        )
        .is_ok()
        && check_depthwise_shapes(depth_multiplier, &input_shape, &filter_shape, &output_shape)
            .is_ok();
    if !fast {
        return depthwise_reference::depthwise_conv_f32(
            geometry,
            depth_multiplier,
            params,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output,
        );
    }
    let channels = output_shape.depth;
    let in_depth = input_shape.depth;
    let pass = |origin, c0: usize, n: usize, lanes: &mut [f32; LANES]| {
        for_each_tap(
            geometry,
            &input_shape,
            filter_shape.height,
            filter_shape.width,
            origin,
            |input_pixel, tap| {
                let start = tap * channels + c0;
                let weights = filter.get(start..start + n).ok_or(INTERNAL)?;
                if depth_multiplier == 1 {
                    let start = input_pixel + c0;
                    let xs = input.get(start..start + n).ok_or(INTERNAL)?;
                    for ((a, &x), &w) in lanes.iter_mut().zip(xs).zip(weights) {
                        *a += x * w;
                    }
                } else if in_depth == 1 {
                    let x = *input.get(input_pixel).ok_or(INTERNAL)?;
                    for (a, &w) in lanes.iter_mut().zip(weights) {
                        *a += x * w;
                    }
                } else {
                    // Output channel c reads input channel c / multiplier.
                    for (j, (a, &w)) in lanes.iter_mut().zip(weights).enumerate() {
                        let x = input
                            .get(input_pixel + (c0 + j) / depth_multiplier)
                            .ok_or(INTERNAL)?;
                        *a += x * w;
                    }
                }
                Ok(())
            },
        )
    };
    by_pixel_and_lanes(params, output_shape, bias, output, pass)
}

/// Runs `pass(origin, c0, n, lanes)` for every output pixel and every run
/// of `n <= LANES` channels starting at `c0` (lanes start at 0; only the
/// first `n` count), then adds the bias and clamps, as the reference does.
fn by_pixel_and_lanes(
    params: &ConvParamsF32,
    output_shape: NhwcShape,
    bias: Option<&[f32]>,
    output: &mut [f32],
    mut pass: impl FnMut(
        (usize, usize, usize),
        usize,
        usize,
        &mut [f32; LANES],
    ) -> Result<(), KernelError>,
) -> Result<(), KernelError> {
    let channels = output_shape.depth;
    if channels == 0 {
        return Ok(());
    }
    let mut pixels = output.chunks_exact_mut(channels);
    for b in 0..output_shape.batches {
        for out_y in 0..output_shape.height {
            for out_x in 0..output_shape.width {
                let pixel = pixels.next().ok_or(INTERNAL)?;
                for (run, out) in pixel.chunks_mut(LANES).enumerate() {
                    let c0 = run * LANES;
                    let mut lanes = [0.0f32; LANES];
                    pass((b, out_y, out_x), c0, out.len(), &mut lanes)?;
                    for (j, (o, &a)) in out.iter_mut().zip(lanes.iter()).enumerate() {
                        let bias_value = bias.and_then(|b| b.get(c0 + j)).copied().unwrap_or(0.0);
                        *o =
                            clamp_f32(a + bias_value, params.activation_min, params.activation_max);
                    }
                }
            }
        }
    }
    Ok(())
}
