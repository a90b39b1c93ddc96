//! AVERAGE_POOL_2D and MAX_POOL_2D over NHWC tensors (float32 and int8).
//!
//! The window of output `(y, x)` starts at `(y * stride - pad_top,
//! x * stride - pad_left)` and is clipped to the input; padded positions are
//! not counted. int8 pooling requires equal input and output quantization
//! (TFLM checks this in prepare), so values are pooled as raw integers.

use bytemuck::{Pod, Zeroable};

use crate::activation::clamp_f32;
use crate::quantize::QuantizedInt;
use crate::KernelError;

/// Geometry and fused-activation clamp of a 2D pooling, prepared once.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct PoolParams {
    /// Input shape `[batches, height, width, channels]`.
    pub input_shape: [u32; 4],
    /// Output shape `[batches, height, width, channels]`.
    pub output_shape: [u32; 4],
    /// Filter height.
    pub filter_height: u32,
    /// Filter width.
    pub filter_width: u32,
    /// Vertical stride.
    pub stride_height: u32,
    /// Horizontal stride.
    pub stride_width: u32,
    /// Rows of implicit padding above the input.
    pub padding_top: u32,
    /// Columns of implicit padding left of the input.
    pub padding_left: u32,
    /// Lower clamp for int8 outputs (quantized activation minimum).
    pub quantized_activation_min: i32,
    /// Upper clamp for int8 outputs (quantized activation maximum).
    pub quantized_activation_max: i32,
    /// Lower clamp for float outputs.
    pub float_activation_min: f32,
    /// Upper clamp for float outputs.
    pub float_activation_max: f32,
}

/// The clipped window of one output position, in input coordinates.
struct Window {
    y_start: usize,
    y_end: usize,
    x_start: usize,
    x_end: usize,
}

/// Validated dimensions of a pooling call.
struct Geometry {
    batches: usize,
    in_h: usize,
    in_w: usize,
    out_h: usize,
    out_w: usize,
    depth: usize,
}

fn element_count(shape: [u32; 4]) -> Option<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
}

impl Geometry {
    fn new(params: &PoolParams, input_len: usize, output_len: usize) -> Result<Self, KernelError> {
        let [ib, ih, iw, ic] = params.input_shape;
        let [ob, oh, ow, oc] = params.output_shape;
        if ib != ob || ic != oc {
            return Err(KernelError::ShapeMismatch {
                what: "pooling batches or channels",
                input: params.input_shape,
                output: params.output_shape,
            });
        }
        for (what, value) in [
            (
                "pooling filter_height (must be non-zero)",
                params.filter_height,
            ),
            (
                "pooling filter_width (must be non-zero)",
                params.filter_width,
            ),
            (
                "pooling stride_height (must be non-zero)",
                params.stride_height,
            ),
            (
                "pooling stride_width (must be non-zero)",
                params.stride_width,
            ),
        ] {
            if value == 0 {
                return Err(KernelError::InvalidParameter { what, value: 0 });
            }
        }
        for (buffer, shape, found) in [
            ("input", params.input_shape, input_len),
            ("output", params.output_shape, output_len),
        ] {
            let expected = element_count(shape).unwrap_or(usize::MAX);
            if expected != found {
                return Err(KernelError::LengthMismatch {
                    buffer,
                    expected,
                    actual: found,
                });
            }
        }
        Ok(Self {
            batches: ib as usize,
            in_h: ih as usize,
            in_w: iw as usize,
            out_h: oh as usize,
            out_w: ow as usize,
            depth: ic as usize,
        })
    }

    /// Window of output `(out_y, out_x)`, clipped to the input.
    fn window(
        &self,
        params: &PoolParams,
        out_y: usize,
        out_x: usize,
    ) -> Result<Window, KernelError> {
        let clip = |out: usize, stride: u32, pad: u32, filter: u32, size: usize| {
            let origin = out as i64 * i64::from(stride) - i64::from(pad);
            let start = (-origin).max(0);
            let end = i64::from(filter).min(size as i64 - origin);
            // Convert filter offsets to absolute input coordinates.
            (
                (origin + start).max(0) as usize,
                (origin + end).max(0) as usize,
                start < end,
            )
        };
        let (y_start, y_end, y_ok) = clip(
            out_y,
            params.stride_height,
            params.padding_top,
            params.filter_height,
            self.in_h,
        );
        let (x_start, x_end, x_ok) = clip(
            out_x,
            params.stride_width,
            params.padding_left,
            params.filter_width,
            self.in_w,
        );
        if !y_ok || !x_ok {
            return Err(KernelError::EmptyWindow { out_y, out_x });
        }
        Ok(Window {
            y_start,
            y_end,
            x_start,
            x_end,
        })
    }

    /// Calls `f(output_index, window, pixel)` for every output position,
    /// where `output_index` is the position's first output element and
    /// `pixel(y, x)` the input index of `(y, x)`'s first channel in the
    /// same batch.
    fn for_each_pixel(
        &self,
        params: &PoolParams,
        mut f: impl FnMut(usize, &Window, &dyn Fn(usize, usize) -> usize),
    ) -> Result<(), KernelError> {
        let mut out_index = 0;
        for b in 0..self.batches {
            for out_y in 0..self.out_h {
                for out_x in 0..self.out_w {
                    let window = self.window(params, out_y, out_x)?;
                    let pixel =
                        |y: usize, x: usize| ((b * self.in_h + y) * self.in_w + x) * self.depth;
                    f(out_index, &window, &pixel);
                    out_index += self.depth;
                }
            }
        }
        Ok(())
    }

    /// Calls `f(output_index, window, input_base)` for every output position
    /// and channel, where `input_base(y, x)` is the input index of `(y, x)` in
    /// the same batch and channel.
    fn for_each_output(
        &self,
        params: &PoolParams,
        mut f: impl FnMut(usize, &Window, &dyn Fn(usize, usize) -> usize),
    ) -> Result<(), KernelError> {
        let depth = self.depth;
        self.for_each_pixel(params, |first, window, pixel| {
            for c in 0..depth {
                let at = |y: usize, x: usize| pixel(y, x) + c;
                f(first + c, window, &at);
            }
        })
    }
}

/// Float average pooling.
pub fn average_pool_f32(
    params: &PoolParams,
    input: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    let geometry = Geometry::new(params, input.len(), output.len())?;
    geometry.for_each_output(params, |o, w, at| {
        let mut total = 0.0f32;
        let mut count = 0.0f32;
        for y in w.y_start..w.y_end {
            for x in w.x_start..w.x_end {
                total += input.get(at(y, x)).copied().unwrap_or(0.0);
                count += 1.0;
            }
        }
        let average = total / count;
        if let Some(out) = output.get_mut(o) {
            *out = clamp_f32(
                average,
                params.float_activation_min,
                params.float_activation_max,
            );
        }
    })
}

/// Float max pooling.
pub fn max_pool_f32(
    params: &PoolParams,
    input: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    let geometry = Geometry::new(params, input.len(), output.len())?;
    geometry.for_each_output(params, |o, w, at| {
        let mut max = f32::MIN;
        for y in w.y_start..w.y_end {
            for x in w.x_start..w.x_end {
                let v = input.get(at(y, x)).copied().unwrap_or(f32::MIN);
                if v > max {
                    max = v;
                }
            }
        }
        if let Some(out) = output.get_mut(o) {
            *out = clamp_f32(
                max,
                params.float_activation_min,
                params.float_activation_max,
            );
        }
    })
}

/// Float L2 pooling (TFLM's `L2Pool`): the square root of the mean of the
/// squares over the window's in-image positions (summed in `f32` in window
/// order), clamped.
pub fn l2_pool_f32(
    params: &PoolParams,
    input: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    let geometry = Geometry::new(params, input.len(), output.len())?;
    geometry.for_each_output(params, |o, w, at| {
        let mut sum_squares = 0.0f32;
        let mut count = 0i32;
        for y in w.y_start..w.y_end {
            for x in w.x_start..w.x_end {
                let v = input.get(at(y, x)).copied().unwrap_or(0.0);
                sum_squares += v * v;
                count += 1;
            }
        }
        let l2 = num_traits::Float::sqrt(sum_squares / count as f32);
        if let Some(out) = output.get_mut(o) {
            *out = clamp_f32(l2, params.float_activation_min, params.float_activation_max);
        }
    })
}

/// Int8 average pooling: the integer mean rounded half away from zero, then
/// clamped to the quantized activation range. Channels are summed
/// [`AVERAGE_CHANNELS`] at a time, each window position's run of them
/// contiguous in the input.
pub fn average_pool_int8(
    params: &PoolParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    average_pool_quantized(params, input, output)
}

/// [`average_pool_int8`] of int16 (TFLM's same integer template).
pub fn average_pool_int16(
    params: &PoolParams,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    average_pool_quantized(params, input, output)
}

fn average_pool_quantized<T: QuantizedInt>(
    params: &PoolParams,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let geometry = Geometry::new(params, input.len(), output.len())?;
    let depth = geometry.depth;
    geometry.for_each_pixel(params, |first_out, w, pixel| {
        let count = ((w.y_end - w.y_start) * (w.x_end - w.x_start)) as i32;
        for c0 in (0..depth).step_by(AVERAGE_CHANNELS) {
            let n = AVERAGE_CHANNELS.min(depth - c0);
            let mut sums = [0i32; AVERAGE_CHANNELS];
            for y in w.y_start..w.y_end {
                for x in w.x_start..w.x_end {
                    let at = pixel(y, x) + c0;
                    let values = input.get(at..at + n).unwrap_or(&[]);
                    for (sum, &v) in sums.iter_mut().zip(values) {
                        *sum = sum.wrapping_add(v.to_i32());
                    }
                }
            }
            let outputs = output
                .get_mut(first_out + c0..first_out + c0 + n)
                .unwrap_or(&mut []);
            for (out, &acc) in outputs.iter_mut().zip(&sums) {
                // Round half away from zero; division truncates toward
                // zero, as in C.
                let mean = if acc > 0 {
                    acc.wrapping_add(count / 2).checked_div(count)
                } else {
                    acc.wrapping_sub(count / 2).checked_div(count)
                }
                .unwrap_or(0);
                let clamped = mean
                    .max(params.quantized_activation_min)
                    .min(params.quantized_activation_max);
                *out = T::saturating_from_i32(clamped);
            }
        }
    })
}

/// Channels [`average_pool_int8`] sums at a time (kept in registers).
const AVERAGE_CHANNELS: usize = 8;

/// Int8 max pooling.
pub fn max_pool_int8(
    params: &PoolParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    max_pool_quantized(params, input, output)
}

/// Int16 max pooling.
pub fn max_pool_int16(
    params: &PoolParams,
    input: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    max_pool_quantized(params, input, output)
}

fn max_pool_quantized<T: QuantizedInt>(
    params: &PoolParams,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let geometry = Geometry::new(params, input.len(), output.len())?;
    geometry.for_each_output(params, |o, w, at| {
        let mut max = T::MIN;
        for y in w.y_start..w.y_end {
            for x in w.x_start..w.x_end {
                max = max.max(input.get(at(y, x)).map_or(T::MIN, |v| v.to_i32()));
            }
        }
        let clamped = max
            .max(params.quantized_activation_min)
            .min(params.quantized_activation_max);
        if let Some(out) = output.get_mut(o) {
            *out = T::saturating_from_i32(clamped);
        }
    })
}
