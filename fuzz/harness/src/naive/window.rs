//! Naive sliding-window kernels: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D
//! and MAX_POOL_2D, one output element at a time with explicit (signed)
//! window coordinates and bounds checks, straight from TFLM's definitions.

use super::{clamp_cpp_f32, multiply_by_quantized_multiplier, wrap32};

/// An NHWC shape `[batches, height, width, channels]`.
pub type Dims = [usize; 4];

fn count(d: &Dims) -> usize {
    d.iter().product()
}

fn at(d: &Dims, b: usize, y: usize, x: usize, c: usize) -> usize {
    ((b * d[1] + y) * d[2] + x) * d[3] + c
}

/// Window geometry of a conv: stride, dilation and leading padding, each
/// `(height, width)`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Stride.
    pub stride: (usize, usize),
    /// Dilation.
    pub dilation: (usize, usize),
    /// Padding before the input.
    pub padding: (usize, usize),
}

impl Window {
    /// Input coordinate of filter tap `(fy, fx)` of output `(oy, ox)`, when
    /// it lies inside an input of `height x width`.
    fn input_at(
        &self,
        (oy, ox): (usize, usize),
        (fy, fx): (usize, usize),
        (height, width): (usize, usize),
    ) -> Option<(usize, usize)> {
        let y = (oy * self.stride.0 + fy * self.dilation.0) as i64 - self.padding.0 as i64;
        let x = (ox * self.stride.1 + fx * self.dilation.1) as i64 - self.padding.1 as i64;
        let inside = (0..height as i64).contains(&y) && (0..width as i64).contains(&x);
        inside.then_some((y as usize, x as usize))
    }
}

/// Quantization of the naive int8 convolutions.
#[derive(Debug, Clone)]
pub struct ConvQuant {
    /// Added to every input value.
    pub input_offset: i32,
    /// Added after rescaling.
    pub output_offset: i32,
    /// Per output channel.
    pub multipliers: Vec<i32>,
    /// Per output channel.
    pub shifts: Vec<i32>,
    /// Clamp bounds.
    pub min: i32,
    /// Clamp bounds.
    pub max: i32,
}

impl ConvQuant {
    /// The int8 output of an exact accumulator (reduced to int32 as TFLM's
    /// wrapping int32 sums are).
    fn finish(&self, acc: i128, channel: usize) -> i8 {
        let scaled = multiply_by_quantized_multiplier(
            wrap32(acc),
            self.multipliers[channel],
            self.shifts[channel],
        );
        wrap32(i128::from(scaled) + i128::from(self.output_offset))
            .max(self.min)
            .min(self.max) as i8
    }
}

/// Shapes of a convolution: input, filter and output (NHWC; the conv filter
/// is `[C_out, KH, KW, C_in / groups]`, the depthwise filter
/// `[1, KH, KW, C_out]`).
#[derive(Debug, Clone, Copy)]
pub struct ConvShapes {
    /// Input.
    pub input: Dims,
    /// Filter.
    pub filter: Dims,
    /// Output.
    pub output: Dims,
}

/// Calls `f(output_index, b, oy, ox, oc)` for every output element.
fn for_each_output(output: &Dims, mut f: impl FnMut(usize, usize, usize, usize, usize)) {
    for b in 0..output[0] {
        for oy in 0..output[1] {
            for ox in 0..output[2] {
                for oc in 0..output[3] {
                    f(at(output, b, oy, ox, oc), b, oy, ox, oc);
                }
            }
        }
    }
}

/// Calls `f(input_y, input_x, fy, fx)` for every tap of output `(oy, ox)`
/// inside the input, in TFLM's order (filter rows, then columns).
fn for_each_tap(
    s: &ConvShapes,
    w: &Window,
    (oy, ox): (usize, usize),
    mut f: impl FnMut(usize, usize, usize, usize),
) {
    for fy in 0..s.filter[1] {
        for fx in 0..s.filter[2] {
            if let Some((y, x)) = w.input_at((oy, ox), (fy, fx), (s.input[1], s.input[2])) {
                f(y, x, fy, fx);
            }
        }
    }
}

/// Input channel and filter offset of input channel `k` of output channel
/// `oc` in a grouped conv.
fn conv_channel(s: &ConvShapes, oc: usize, k: usize) -> usize {
    let groups = s.input[3] / s.filter[3];
    let per_group = s.output[3] / groups;
    (oc / per_group) * s.filter[3] + k
}

/// Int8 CONV_2D (grouped, per-channel): exact sum of
/// `(input + input_offset) * weight` over in-image taps, plus bias.
pub fn conv_i8(
    s: &ConvShapes,
    w: &Window,
    q: &ConvQuant,
    input: &[i8],
    filter: &[i8],
    bias: Option<&[i32]>,
) -> Vec<i8> {
    let mut out = vec![0i8; count(&s.output)];
    for_each_output(&s.output, |o, b, oy, ox, oc| {
        let mut acc: i128 = 0;
        for_each_tap(s, w, (oy, ox), |y, x, fy, fx| {
            for k in 0..s.filter[3] {
                let v = input[at(&s.input, b, y, x, conv_channel(s, oc, k))];
                let wt = filter[at(&s.filter, oc, fy, fx, k)];
                acc += (i128::from(v) + i128::from(q.input_offset)) * i128::from(wt);
            }
        });
        acc += bias.map_or(0, |bias| i128::from(bias[oc]));
        out[o] = q.finish(acc, oc);
    });
    out
}

/// The bias of a naive 16x8 conv, which picks TFLM's accumulator.
#[derive(Debug, Clone)]
pub enum Bias16x8 {
    /// None, int64 accumulator.
    None,
    /// None, int32 accumulator.
    NoneInt32,
    /// Int32 bias and accumulator.
    Int32(Vec<i32>),
    /// Int64 bias and accumulator.
    Int64(Vec<i64>),
}

/// TFLM's int64 `MultiplyByQuantizedMultiplier`: the multiplier rounded
/// to 16 bits, one rounding shift by `15 - shift`, truncated to int32.
pub fn multiply_by_quantized_multiplier_i64(x: i64, m: i32, shift: i32) -> i32 {
    let reduced = if m < 0x7FFF_0000 {
        (i64::from(m) + (1 << 15)) >> 16
    } else {
        0x7FFF
    };
    let total_shift = 15 - shift;
    let product = i128::from(x) * i128::from(reduced) + (1i128 << (total_shift - 1));
    wrap32(product >> total_shift)
}

/// 16x8 CONV_2D (grouped, per-channel): exact sum of `input * weight` over
/// in-image taps (no zero points), the bias, then the int64 output stage, or
/// with an int32 accumulator the wrapped int32 sum through the int32 one;
/// clamp, truncate to int16.
pub fn conv_16x8(
    s: &ConvShapes,
    w: &Window,
    q: &ConvQuant,
    input: &[i16],
    filter: &[i8],
    bias: &Bias16x8,
) -> Vec<i16> {
    let mut out = vec![0i16; count(&s.output)];
    for_each_output(&s.output, |o, b, oy, ox, oc| {
        let mut acc: i128 = 0;
        for_each_tap(s, w, (oy, ox), |y, x, fy, fx| {
            for k in 0..s.filter[3] {
                let v = input[at(&s.input, b, y, x, conv_channel(s, oc, k))];
                let wt = filter[at(&s.filter, oc, fy, fx, k)];
                acc += i128::from(v) * i128::from(wt);
            }
        });
        let (m, shift) = (q.multipliers[oc], q.shifts[oc]);
        let scaled = match bias {
            Bias16x8::None => multiply_by_quantized_multiplier_i64(acc as i64, m, shift),
            Bias16x8::Int64(b) => {
                multiply_by_quantized_multiplier_i64((acc + i128::from(b[oc])) as i64, m, shift)
            }
            Bias16x8::NoneInt32 => multiply_by_quantized_multiplier(wrap32(acc), m, shift),
            Bias16x8::Int32(b) => {
                multiply_by_quantized_multiplier(wrap32(acc + i128::from(b[oc])), m, shift)
            }
        };
        out[o] = scaled.max(q.min).min(q.max) as i16;
    });
    out
}

/// Float CONV_2D: `f32` sum of products from 0 in TFLM's order, plus the
/// bias (0 when absent), clamped.
pub fn conv_f32(
    s: &ConvShapes,
    w: &Window,
    (min, max): (f32, f32),
    input: &[f32],
    filter: &[f32],
    bias: Option<&[f32]>,
) -> Vec<f32> {
    let mut out = vec![0f32; count(&s.output)];
    for_each_output(&s.output, |o, b, oy, ox, oc| {
        let mut total = 0f32;
        for_each_tap(s, w, (oy, ox), |y, x, fy, fx| {
            for k in 0..s.filter[3] {
                total += input[at(&s.input, b, y, x, conv_channel(s, oc, k))]
                    * filter[at(&s.filter, oc, fy, fx, k)];
            }
        });
        out[o] = clamp_cpp_f32(total + bias.map_or(0.0, |bias| bias[oc]), min, max);
    });
    out
}

/// Int8 DEPTHWISE_CONV_2D: output channel `oc` reads input channel
/// `oc / depth_multiplier` and filter channel `oc`.
pub fn depthwise_i8(
    s: &ConvShapes,
    w: &Window,
    depth_multiplier: usize,
    q: &ConvQuant,
    input: &[i8],
    filter: &[i8],
    bias: Option<&[i32]>,
) -> Vec<i8> {
    let mut out = vec![0i8; count(&s.output)];
    for_each_output(&s.output, |o, b, oy, ox, oc| {
        let mut acc: i128 = 0;
        for_each_tap(s, w, (oy, ox), |y, x, fy, fx| {
            let v = input[at(&s.input, b, y, x, oc / depth_multiplier)];
            let wt = filter[at(&s.filter, 0, fy, fx, oc)];
            acc += (i128::from(v) + i128::from(q.input_offset)) * i128::from(wt);
        });
        acc += bias.map_or(0, |bias| i128::from(bias[oc]));
        out[o] = q.finish(acc, oc);
    });
    out
}

/// 16x8 DEPTHWISE_CONV_2D: exact sum of `input * weight` (no zero points),
/// the int64 bias, TFLM's int64 output stage, clamp, truncate to int16.
pub fn depthwise_16x8(
    s: &ConvShapes,
    w: &Window,
    depth_multiplier: usize,
    q: &ConvQuant,
    input: &[i16],
    filter: &[i8],
    bias: Option<&[i64]>,
) -> Vec<i16> {
    let mut out = vec![0i16; count(&s.output)];
    for_each_output(&s.output, |o, b, oy, ox, oc| {
        let mut acc: i128 = 0;
        for_each_tap(s, w, (oy, ox), |y, x, fy, fx| {
            let v = input[at(&s.input, b, y, x, oc / depth_multiplier)];
            let wt = filter[at(&s.filter, 0, fy, fx, oc)];
            acc += i128::from(v) * i128::from(wt);
        });
        acc += bias.map_or(0, |bias| i128::from(bias[oc]));
        let scaled =
            multiply_by_quantized_multiplier_i64(acc as i64, q.multipliers[oc], q.shifts[oc]);
        out[o] = scaled.max(q.min).min(q.max) as i16;
    });
    out
}

/// Float DEPTHWISE_CONV_2D (`f32` sum in TFLM's order, bias, clamp).
pub fn depthwise_f32(
    s: &ConvShapes,
    w: &Window,
    depth_multiplier: usize,
    (min, max): (f32, f32),
    input: &[f32],
    filter: &[f32],
    bias: Option<&[f32]>,
) -> Vec<f32> {
    let mut out = vec![0f32; count(&s.output)];
    for_each_output(&s.output, |o, b, oy, ox, oc| {
        let mut total = 0f32;
        for_each_tap(s, w, (oy, ox), |y, x, fy, fx| {
            total += input[at(&s.input, b, y, x, oc / depth_multiplier)]
                * filter[at(&s.filter, 0, fy, fx, oc)];
        });
        out[o] = clamp_cpp_f32(total + bias.map_or(0.0, |bias| bias[oc]), min, max);
    });
    out
}

/// Geometry of a pooling: input and output shapes, filter, stride and
/// leading padding (`(height, width)` each).
#[derive(Debug, Clone, Copy)]
pub struct Pool {
    /// Input shape.
    pub input: Dims,
    /// Output shape (same batches and channels).
    pub output: Dims,
    /// Filter size.
    pub filter: (usize, usize),
    /// Stride.
    pub stride: (usize, usize),
    /// Padding before the input.
    pub padding: (usize, usize),
}

impl Pool {
    /// The input values in the window of every output element, in TFLM's
    /// order (rows, then columns), clipped to the input; `None` when some
    /// window is empty (TFLM divides by a zero count there).
    pub fn windows<T: Copy>(&self, input: &[T]) -> Option<Vec<Vec<T>>> {
        let w = Window {
            stride: self.stride,
            dilation: (1, 1),
            padding: self.padding,
        };
        let mut windows = vec![Vec::new(); count(&self.output)];
        let mut empty = false;
        for_each_output(&self.output, |o, b, oy, ox, c| {
            for fy in 0..self.filter.0 {
                for fx in 0..self.filter.1 {
                    let inside = w.input_at((oy, ox), (fy, fx), (self.input[1], self.input[2]));
                    if let Some((y, x)) = inside {
                        windows[o].push(input[at(&self.input, b, y, x, c)]);
                    }
                }
            }
            empty |= windows[o].is_empty();
        });
        (!empty).then_some(windows)
    }
}

/// Int8 average: the exact mean rounded half away from zero, clamped.
pub fn average_pool_i8(windows: &[Vec<i8>], min: i32, max: i32) -> Vec<i8> {
    windows
        .iter()
        .map(|w| {
            let sum: i128 = w.iter().map(|&v| i128::from(v)).sum();
            let n = w.len() as i128;
            let magnitude = (2 * sum.abs() + n) / (2 * n);
            let mean = if sum < 0 { -magnitude } else { magnitude } as i32;
            mean.max(min).min(max) as i8
        })
        .collect()
}

/// Int16 rounded mean, clamped (as [`average_pool_i8`]).
pub fn average_pool_i16(windows: &[Vec<i16>], min: i32, max: i32) -> Vec<i16> {
    windows
        .iter()
        .map(|w| {
            let sum: i128 = w.iter().map(|&v| i128::from(v)).sum();
            let n = w.len() as i128;
            let magnitude = (2 * sum.abs() + n) / (2 * n);
            let mean = if sum < 0 { -magnitude } else { magnitude } as i32;
            mean.max(min).min(max) as i16
        })
        .collect()
}

/// Int16 maximum, clamped.
pub fn max_pool_i16(windows: &[Vec<i16>], min: i32, max: i32) -> Vec<i16> {
    windows
        .iter()
        .map(|w| {
            let m = w.iter().copied().fold(i16::MIN, i16::max);
            i32::from(m).max(min).min(max) as i16
        })
        .collect()
}

/// Int8 maximum, clamped.
pub fn max_pool_i8(windows: &[Vec<i8>], min: i32, max: i32) -> Vec<i8> {
    windows
        .iter()
        .map(|w| {
            let m = w.iter().copied().fold(i8::MIN, i8::max);
            i32::from(m).max(min).min(max) as i8
        })
        .collect()
}

/// Float average: `f32` sum in window order divided by the `f32` count,
/// clamped.
pub fn average_pool_f32(windows: &[Vec<f32>], min: f32, max: f32) -> Vec<f32> {
    windows
        .iter()
        .map(|w| {
            let mut sum = 0f32;
            for &v in w {
                sum += v;
            }
            clamp_cpp_f32(sum / w.len() as f32, min, max)
        })
        .collect()
}

/// Float maximum as `std::max` from the lowest float (a NaN never wins),
/// clamped.
pub fn max_pool_f32(windows: &[Vec<f32>], min: f32, max: f32) -> Vec<f32> {
    windows
        .iter()
        .map(|w| {
            let m = w
                .iter()
                .copied()
                .fold(f32::MIN, |m, v| if m < v { v } else { m });
            clamp_cpp_f32(m, min, max)
        })
        .collect()
}
