//! RESIZE_BILINEAR of NHWC tensors, as TFLM's reference: float32 with `f32`
//! source coordinates and weights, and int8 with coordinates in steps of
//! 1/1024 and an exact `i64` sum rounded half away from zero. Both take
//! `align_corners` and `half_pixel_centers`; the geometry is the one
//! RESIZE_NEAREST_NEIGHBOR prepares ([`ResizeNearestShape`]).

use num_traits::Float;

pub use crate::resize_nearest::ResizeNearestShape;
use crate::KernelError;

/// One output coordinate's two input neighbours and the position between
/// them (`lower + fraction`, the fraction outside `[0, 1]` at the edges
/// under half-pixel centres, as in TFLM).
#[derive(Debug, Clone, Copy)]
struct Sample<W> {
    lower: usize,
    upper: usize,
    /// `position - lower`: the upper neighbour's weight.
    fraction: W,
}

/// TFLM's float `ComputeInterpolationValues` for output index `value`.
fn float_sample(value: u32, scale: f32, half_pixel: bool, input_size: u32) -> Sample<f32> {
    let value = value as i32 as f32;
    let position = if half_pixel {
        (value + 0.5) * scale - 0.5
    } else {
        value * scale
    };
    // TFLM leaves `lower` unclamped above (never reached but through
    // rounding at extreme ratios, where it reads out of bounds); here it
    // stays inside the input.
    let lower = (Float::floor(position) as i32).clamp(0, (input_size as i32 - 1).max(0));
    let upper = (Float::ceil(position) as i32).min(input_size as i32 - 1);
    Sample {
        lower: lower.max(0) as usize,
        upper: upper.max(0) as usize,
        fraction: position - lower as f32,
    }
}

/// TFLM's `ComputeInterpolationValuesInteger`: positions in steps of 1/1024.
fn integer_sample(value: u32, scale_10: i64, half_pixel: bool, input_size: u32) -> Sample<i64> {
    let value = i64::from(value);
    let position = if half_pixel {
        value * scale_10 + scale_10 / 2 - (1 << 9)
    } else {
        value * scale_10
    };
    // C++ integer division truncates toward zero, as Rust's does. TFLM
    // leaves `lower` unclamped above (reached only through the rounding of
    // `scale_10` at extreme ratios, where it reads out of bounds); here it
    // stays inside the input.
    let lower = (position / 1024).clamp(0, (i64::from(input_size) - 1).max(0));
    let upper = ((position + 1023) / 1024).min(i64::from(input_size) - 1);
    Sample {
        lower: lower.max(0) as usize,
        upper: upper.max(0) as usize,
        fraction: position - 1024 * lower,
    }
}

/// Input and output lengths against `shape`; whether there is work to do.
fn check(shape: &ResizeNearestShape, input: usize, output: usize) -> Result<bool, KernelError> {
    let count = |dims: [u32; 4]| {
        dims.iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
            .ok_or(KernelError::TooLarge {
                what: "resize element count",
            })
    };
    let s = shape;
    crate::check_len(
        "input",
        count([s.batch, s.input_height, s.input_width, s.depth])?,
        input,
    )?;
    let outputs = count([s.batch, s.output_height, s.output_width, s.depth])?;
    crate::check_len("output", outputs, output)?;
    if outputs > 0 && (s.input_height == 0 || s.input_width == 0) {
        return Err(KernelError::InvalidParameter {
            what: "resize_bilinear input height and width (must be nonzero)",
            value: 0,
        });
    }
    Ok(outputs > 0)
}

/// Walks the output in order; `pixel(y, x, corners, out)` fills one pixel's
/// `depth` channels from the four input pixels (each `depth` long):
/// `[y0 x0, y1 x0, y0 x1, y1 x1]`.
fn walk<T: Copy, W: Copy>(
    shape: &ResizeNearestShape,
    input: &[T],
    output: &mut [T],
    sample_y: impl Fn(u32) -> Sample<W>,
    sample_x: impl Fn(u32) -> Sample<W>,
    mut pixel: impl FnMut(Sample<W>, Sample<W>, [&[T]; 4], &mut [T]),
) {
    let s = shape;
    let depth = s.depth as usize;
    let (height, width) = (s.input_height as usize, s.input_width as usize);
    let mut out = output.chunks_exact_mut(depth.max(1));
    for b in 0..s.batch as usize {
        for y in 0..s.output_height {
            let sy = sample_y(y);
            for x in 0..s.output_width {
                let sx = sample_x(x);
                let at = |row: usize, column: usize| {
                    let from = ((b * height + row) * width + column) * depth;
                    input.get(from..from + depth).unwrap_or(&[])
                };
                let corners = [
                    at(sy.lower, sx.lower),
                    at(sy.upper, sx.lower),
                    at(sy.lower, sx.upper),
                    at(sy.upper, sx.upper),
                ];
                if let Some(target) = out.next() {
                    pixel(sy, sx, corners, target);
                }
            }
        }
    }
}

/// Float RESIZE_BILINEAR of `input` into `output`.
pub fn resize_bilinear_f32(
    shape: &ResizeNearestShape,
    input: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    if !check(shape, input.len(), output.len())? {
        return Ok(());
    }
    let s = *shape;
    let align = s.align_corners != 0;
    let half = s.half_pixel_centers != 0;
    let scale = |input_size: u32, output_size: u32| {
        if align && output_size > 1 {
            (input_size as i32 - 1) as f32 / (output_size as i32 - 1) as f32
        } else {
            input_size as i32 as f32 / output_size as i32 as f32
        }
    };
    let height_scale = scale(s.input_height, s.output_height);
    let width_scale = scale(s.input_width, s.output_width);
    walk(
        shape,
        input,
        output,
        |y| float_sample(y, height_scale, half, s.input_height),
        |x| float_sample(x, width_scale, half, s.input_width),
        |sy, sx, [ll, lu, rl, ru], out| {
            let (wy, wx) = (sy.fraction, sx.fraction);
            for (c, o) in out.iter_mut().enumerate() {
                let v = |corner: &[f32]| corner.get(c).copied().unwrap_or(0.0);
                // TFLM's expression order: each product left to right.
                *o = v(ll) * (1.0 - wy) * (1.0 - wx)
                    + v(lu) * wy * (1.0 - wx)
                    + v(rl) * (1.0 - wy) * wx
                    + v(ru) * wy * wx;
            }
        },
    );
    Ok(())
}

/// Int8 RESIZE_BILINEAR of `input` into `output` (no requantization: TFLM
/// takes the input's quantization for the output).
pub fn resize_bilinear_i8(
    shape: &ResizeNearestShape,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    if !check(shape, input.len(), output.len())? {
        return Ok(());
    }
    let s = *shape;
    let align = s.align_corners != 0;
    let half = s.half_pixel_centers != 0;
    let scale_10 = |input_size: u32, output_size: u32| {
        let (input_size, output_size) = (i64::from(input_size), i64::from(output_size));
        let (num, den) = if align && output_size > 1 {
            (input_size - 1, output_size - 1)
        } else {
            (input_size, output_size)
        };
        (1024 * num + den / 2) / den
    };
    let height_scale = scale_10(s.input_height, s.output_height);
    let width_scale = scale_10(s.input_width, s.output_width);
    walk(
        shape,
        input,
        output,
        |y| integer_sample(y, height_scale, half, s.input_height),
        |x| integer_sample(x, width_scale, half, s.input_width),
        |sy, sx, [ll, lu, rl, ru], out| {
            let (wy, wx) = (sy.fraction, sx.fraction);
            for (c, o) in out.iter_mut().enumerate() {
                let v = |corner: &[i8]| i64::from(corner.get(c).copied().unwrap_or(0));
                let sum = v(ll) * (1024 - wy) * (1024 - wx)
                    + v(lu) * wy * (1024 - wx)
                    + v(rl) * (1024 - wy) * wx
                    + v(ru) * wy * wx;
                let round = if sum > 0 { 1 << 19 } else { -(1 << 19) };
                // TFLM's truncating division, then its narrowing cast.
                *o = ((sum + round) / (1 << 20)) as i8;
            }
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(input: [u32; 2], output: [u32; 2], align: bool, half: bool) -> ResizeNearestShape {
        ResizeNearestShape {
            batch: 1,
            input_height: input[0],
            input_width: input[1],
            depth: 1,
            output_height: output[0],
            output_width: output[1],
            align_corners: u32::from(align),
            half_pixel_centers: u32::from(half),
        }
    }

    #[test]
    fn doubles_a_row() {
        let s = shape([1, 2], [1, 4], false, false);
        let mut out = [0f32; 4];
        resize_bilinear_f32(&s, &[0.0, 4.0], &mut out).unwrap();
        assert_eq!(out, [0.0, 2.0, 4.0, 4.0]);
        let mut out = [0i8; 4];
        resize_bilinear_i8(&s, &[0, 4], &mut out).unwrap();
        assert_eq!(out, [0, 2, 4, 4]);
        let s = shape([1, 2], [1, 4], true, false);
        let mut out = [0i8; 4];
        resize_bilinear_i8(&s, &[0, 90], &mut out).unwrap();
        assert_eq!(out, [0, 30, 60, 90]);
    }

    #[test]
    fn refuses_empty_input_with_output() {
        let s = shape([0, 2], [1, 4], false, false);
        assert!(resize_bilinear_f32(&s, &[], &mut [0.0; 4]).is_err());
    }
}
