//! Optimized int8 and 16x8 TRANSPOSE_CONV, bit-exact with
//! [`crate::transpose_conv::transpose_conv_i8`] and
//! [`crate::transpose_conv::transpose_conv_16x8`].
//!
//! The filter is `[C_out, KH, KW, C_in]` and the input NHWC, so the
//! contribution of one input pixel through tap `(ky, kx)` to output channel
//! `oc` is the dot product of the pixel's `C_in` inputs with the filter row
//! `[oc, ky, kx, ..]`, both contiguous: each is computed exactly (the 16x8
//! dot product, AVX2 or portable; int8 inputs are widened to `i16` with the
//! input offset added) and added into the same accumulator scratch as the
//! reference, followed by the reference's output stage.
//!
//! Exactness: the reference adds wrapping int32 (int8) or int64 (16x8)
//! products into the accumulators in its scatter order. Wrapping addition is
//! associative and commutative, so adding exact partial sums in any order
//! gives the same bits (for int8: the exact `i64` dot product truncated to
//! `i32` is the wrapping sum of its products).

use super::conv_16x8::dot;
use super::gemm::input_offset_fits_i16;
use super::Backend;
use crate::conv::{ConvQuantParamsI8, NhwcShape};
use crate::transpose_conv::{
    self as reference, check, check_coordinates, finish_16x8, finish_i8, Bias16, TransposeGeometry,
};
use crate::KernelError;

/// Input channels of an int8 pixel widened at a time (on the stack).
const WIDE_CHUNK: usize = 256;

/// Scratch elements (`i32` for int8, `i64` for 16x8) the optimized
/// TRANSPOSE_CONV needs on any backend: one accumulator per output element,
/// as [`reference::transpose_conv_scratch_len`].
pub fn transpose_conv_scratch_len(_backend: Backend, output_shape: &NhwcShape) -> Option<usize> {
    reference::transpose_conv_scratch_len(output_shape)
}

/// Whether `backend` runs the reference kernel.
fn runs_reference(backend: Backend) -> bool {
    matches!(
        backend,
        Backend::Reference | Backend::Compact | Backend::CortexM
    )
}

/// The accumulators `scratch[..n]`, or the reference's error.
fn accumulators<T>(scratch: &mut [T], n: usize) -> Result<&mut [T], KernelError> {
    let available = scratch.len();
    scratch.get_mut(..n).ok_or(KernelError::LengthMismatch {
        buffer: "scratch",
        expected: n,
        actual: available,
    })
}

/// Calls `f(input_pixel, output_pixel, tap)` (pixel indices in the input
/// and the output, tap `ky * KW + kx`) for every input pixel and every
/// filter tap whose output position lies inside the output, the taps of
/// each input pixel in a row.
fn scatter_pixels(
    g: &TransposeGeometry,
    input: &NhwcShape,
    filter: &NhwcShape,
    output: &NhwcShape,
    mut f: impl FnMut(usize, usize, usize),
) {
    let mut input_pixel = 0;
    for b in 0..input.batches {
        for in_y in 0..input.height {
            for in_x in 0..input.width {
                for fy in 0..filter.height {
                    let Some(out_y) = (in_y * g.stride_height + fy).checked_sub(g.padding_height)
                    else {
                        continue;
                    };
                    if out_y >= output.height {
                        continue;
                    }
                    for fx in 0..filter.width {
                        let Some(out_x) = (in_x * g.stride_width + fx).checked_sub(g.padding_width)
                        else {
                            continue;
                        };
                        if out_x >= output.width {
                            continue;
                        }
                        let output_pixel = (b * output.height + out_y) * output.width + out_x;
                        f(input_pixel, output_pixel, fy * filter.width + fx);
                    }
                }
                input_pixel += 1;
            }
        }
    }
}

/// Adds `dot(x, filter[oc, tap, first_channel..][..x.len()])` into
/// `out_row[oc]` for every output channel `oc`, with `x` the pixel's
/// inputs of channels `first_channel..`.
#[allow(clippy::too_many_arguments)]
fn add_tap<A: Copy>(
    backend: Backend,
    x: &[i16],
    first_channel: usize,
    filter: &[i8],
    filter_shape: &NhwcShape,
    tap: usize,
    out_row: &mut [A],
    add: impl Fn(A, i64) -> A,
) {
    let c_in = filter_shape.depth;
    let row_len = filter_shape.height * filter_shape.width * c_in;
    let start = tap * c_in + first_channel;
    if row_len == 0 {
        return;
    }
    for (a, rows) in out_row.iter_mut().zip(filter.chunks_exact(row_len)) {
        if let Some(w) = rows.get(start..start + x.len()) {
            *a = add(*a, dot(backend, x, w));
        }
    }
}

/// [`reference::transpose_conv_i8`] on `backend`, with `scratch` of at
/// least [`transpose_conv_scratch_len`] elements: same arguments, same
/// result bits, same errors. The reference and bare-metal backends, and
/// input offsets whose offset inputs do not fit `i16`, run the reference
/// kernel.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv_i8(
    backend: Backend,
    g: &TransposeGeometry,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i8],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i32]>,
    output_shape: NhwcShape,
    output: &mut [i8],
    scratch: &mut [i32],
) -> Result<(), KernelError> {
    let backend = super::backend::effective(backend);
    if runs_reference(backend) || !input_offset_fits_i16(quant.input_offset) {
        return reference::transpose_conv_i8(
            g,
            quant,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output,
            scratch,
        );
    }
    let n = check(
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.map(<[i32]>::len),
        (&output_shape, output.len()),
    )?;
    check_coordinates(g, &input_shape, &filter_shape)?;
    quant.check(output_shape.depth)?;
    let acc = accumulators(scratch, n)?;
    acc.fill(0);
    let (c_in, c_out) = (input_shape.depth, output_shape.depth);
    // The offset inputs fit `i16` (checked above).
    let offset = quant.input_offset;
    let mut wide = [0i16; WIDE_CHUNK];
    let mut first = 0;
    while first < c_in {
        let len = WIDE_CHUNK.min(c_in - first);
        let x = wide.get_mut(..len).unwrap_or_default();
        // The taps of each input pixel, with the chunk widened once.
        let mut last_pixel = usize::MAX;
        let mut ok = true;
        scatter_pixels(
            g,
            &input_shape,
            &filter_shape,
            &output_shape,
            |input_pixel, output_pixel, tap| {
                if input_pixel != last_pixel {
                    last_pixel = input_pixel;
                    let begin = input_pixel * c_in + first;
                    match input.get(begin..begin + len) {
                        Some(from) => {
                            for (to, &v) in x.iter_mut().zip(from) {
                                *to = (i32::from(v) + offset) as i16;
                            }
                        }
                        None => ok = false,
                    }
                }
                let begin = output_pixel * c_out;
                if let Some(out_row) = acc.get_mut(begin..begin + c_out) {
                    add_tap(
                        backend,
                        x,
                        first,
                        filter,
                        &filter_shape,
                        tap,
                        out_row,
                        |a, d| a.wrapping_add(d as i32),
                    );
                }
            },
        );
        if !ok {
            return Err(KernelError::SizeOverflow {
                what: "input index",
            });
        }
        first += len;
    }
    finish_i8(quant, bias, c_out, acc, output);
    Ok(())
}

/// [`reference::transpose_conv_16x8`] on `backend`, with `scratch` of at
/// least [`transpose_conv_scratch_len`] elements: same arguments, same
/// result bits, same errors. The reference and bare-metal backends run the
/// reference kernel.
#[allow(clippy::too_many_arguments)]
pub fn transpose_conv_16x8(
    backend: Backend,
    g: &TransposeGeometry,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i16],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Bias16<'_>,
    output_shape: NhwcShape,
    output: &mut [i16],
    scratch: &mut [i64],
) -> Result<(), KernelError> {
    let backend = super::backend::effective(backend);
    if runs_reference(backend) {
        return reference::transpose_conv_16x8(
            g,
            quant,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            output,
            scratch,
        );
    }
    let n = check(
        (&input_shape, input.len()),
        (&filter_shape, filter.len()),
        bias.elements(),
        (&output_shape, output.len()),
    )?;
    check_coordinates(g, &input_shape, &filter_shape)?;
    quant.check(output_shape.depth)?;
    let acc = accumulators(scratch, n)?;
    acc.fill(0);
    let (c_in, c_out) = (input_shape.depth, output_shape.depth);
    let mut ok = true;
    scatter_pixels(
        g,
        &input_shape,
        &filter_shape,
        &output_shape,
        |input_pixel, output_pixel, tap| {
            let begin = input_pixel * c_in;
            let Some(x) = input.get(begin..begin + c_in) else {
                ok = false;
                return;
            };
            let begin = output_pixel * c_out;
            if let Some(out_row) = acc.get_mut(begin..begin + c_out) {
                add_tap(
                    backend,
                    x,
                    0,
                    filter,
                    &filter_shape,
                    tap,
                    out_row,
                    i64::wrapping_add,
                );
            }
        },
    );
    if !ok {
        return Err(KernelError::SizeOverflow {
            what: "input index",
        });
    }
    finish_16x8(quant, bias, c_out, acc, output);
    Ok(())
}
