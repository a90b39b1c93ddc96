//! CONV_2D and DEPTHWISE_CONV_2D: int8 per-channel and float32 reference
//! kernels against the naive window loops, and the optimised int8 kernels
//! (portable, AVX2; in-place, im2col and fall-back paths) against the
//! reference, over random geometry (stride, dilation, SAME/VALID or
//! arbitrary padding and output size, groups, depth multipliers).

use microlite_kernels::conv::{
    conv_f32, conv_per_channel_16x8, conv_per_channel_i8, Bias16x8, ConvGeometry, ConvParamsF32,
    ConvQuantParamsI8, NhwcShape,
};
use microlite_kernels::depthwise_conv::{
    depthwise_conv_f32, depthwise_conv_per_channel_16x8, depthwise_conv_per_channel_i8,
};
use microlite_kernels::optimized::conv_16x8 as optimized_conv_16x8;
use microlite_kernels::optimized::depthwise_16x8 as optimized_depthwise_16x8;
use microlite_kernels::optimized::{
    conv as optimized_conv, depthwise_conv as optimized_dw, float_conv as optimized_float,
};
use microlite_kernels::KernelError;

use super::{
    activation_range, bias_value, extent, fast_backends, first_f32_difference, float_range,
    float_value, i8s, input_offset, len_for, mismatch, multiplier_and_shift, Mismatch,
};
use crate::decisions::Decisions;
use crate::naive::window::{self, ConvQuant, ConvShapes, Dims, Window};

/// Multiply-accumulates above which a case is skipped, to keep every
/// execution fast.
const MAX_MACS: usize = 200_000;

/// Shapes and window of one case, plus an optional deliberate length error
/// (0 input, 1 filter, 2 bias, 3 output one element too long).
struct Geometry {
    shapes: ConvShapes,
    window: Window,
    corrupt: Option<u8>,
}

impl Geometry {
    fn kernel_geometry(&self) -> ConvGeometry {
        ConvGeometry {
            stride_height: self.window.stride.0,
            stride_width: self.window.stride.1,
            dilation_height: self.window.dilation.0,
            dilation_width: self.window.dilation.1,
            padding_height: self.window.padding.0,
            padding_width: self.window.padding.1,
        }
    }

    fn macs(&self) -> usize {
        let [_, kh, kw, k] = self.shapes.filter;
        self.shapes.output.iter().product::<usize>() * kh * kw * k
    }

    fn len(&self, which: u8, dims: &Dims) -> usize {
        len_for(self.corrupt, which, dims.iter().product())
    }

    fn describe(&self) -> String {
        format!(
            "input {:?} filter {:?} output {:?} {:?}",
            self.shapes.input, self.shapes.filter, self.shapes.output, self.window
        )
    }
}

fn nhwc(d: &Dims) -> NhwcShape {
    NhwcShape::new(d[0], d[1], d[2], d[3])
}

/// Output extent and leading padding along one axis: SAME, VALID, or
/// (mode 2) an arbitrary small output with arbitrary padding.
fn axis(
    d: &mut Decisions<'_>,
    mode: u8,
    input: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> (usize, usize) {
    let effective = (filter - 1) * dilation + 1;
    match mode {
        0 => {
            let out = input.div_ceil(stride);
            let total = ((out - 1) * stride + effective).saturating_sub(input);
            (out, total / 2)
        }
        1 => {
            let out = input
                .checked_sub(effective)
                .map_or(0, |room| room / stride + 1);
            (out, 0)
        }
        _ => (d.below(5), d.below(3)),
    }
}

/// Random window geometry for input channels `in_c`, filter shape
/// `[filter0, KH, KW, filter_depth]` and `out_c` output channels.
fn geometry(
    d: &mut Decisions<'_>,
    in_c: usize,
    filter0: usize,
    filter_depth: usize,
    out_c: usize,
) -> Geometry {
    let batches = 1 + d.below(2);
    let (in_h, in_w) = (extent(d, 6, 10), extent(d, 6, 10));
    let (kh, kw) = if d.one_in(6) {
        (extent(d, 7, 7), extent(d, 7, 7))
    } else {
        (1 + d.below(3), 1 + d.below(3))
    };
    let stride = (extent(d, 2, 4), extent(d, 2, 4));
    let dilation = if d.one_in(4) {
        (1 + d.below(3), 1 + d.below(3))
    } else {
        (1, 1)
    };
    let mode = d.u8() % 4;
    let (out_h, pad_h) = axis(d, mode, in_h, kh, stride.0, dilation.0);
    let (out_w, pad_w) = axis(d, mode, in_w, kw, stride.1, dilation.1);
    Geometry {
        shapes: ConvShapes {
            input: [batches, in_h, in_w, in_c],
            filter: [filter0, kh, kw, filter_depth],
            output: [batches, out_h, out_w, out_c],
        },
        window: Window {
            stride,
            dilation,
            padding: (pad_h, pad_w),
        },
        corrupt: d.one_in(16).then(|| d.u8() % 4),
    }
}

/// Per-channel quantization for `channels` output channels.
fn quant(d: &mut Decisions<'_>, channels: usize) -> ConvQuant {
    let input_offset = input_offset(d);
    let output_offset = d.in_range(-128, 127);
    let (multipliers, shifts) = (0..channels).map(|_| multiplier_and_shift(d)).unzip();
    // Clamp bounds beyond int8 make the AVX2 kernels hand over to the
    // portable ones; the output is then truncated like TFLM's cast.
    let (min, max) = if d.one_in(16) {
        (d.in_range(-300, 300), d.in_range(-300, 300))
    } else {
        activation_range(d)
    };
    ConvQuant {
        input_offset,
        output_offset,
        multipliers,
        shifts,
        min,
        max,
    }
}

fn kernel_quant(q: &ConvQuant) -> ConvQuantParamsI8<'_> {
    ConvQuantParamsI8 {
        input_offset: q.input_offset,
        output_offset: q.output_offset,
        output_multipliers: &q.multipliers,
        output_shifts: &q.shifts,
        activation_min: q.min,
        activation_max: q.max,
    }
}

/// A too-long buffer must be rejected; consistent buffers must be accepted.
fn check_acceptance(
    kernel: &'static str,
    g: &Geometry,
    has_bias: bool,
    result: Result<(), KernelError>,
) -> Result<bool, Mismatch> {
    let corrupt = g.corrupt.filter(|&w| w != 2 || has_bias);
    match (corrupt, result) {
        (Some(_), Err(_)) => Ok(false),
        (Some(which), Ok(())) => {
            mismatch(kernel, format!("accepted a too-long buffer #{which}")).map(|()| false)
        }
        (None, Err(e)) => mismatch(
            kernel,
            format!("rejected consistent buffers ({}): {e}", g.describe()),
        )
        .map(|()| false),
        (None, Ok(())) => Ok(true),
    }
}

/// The int8 data of a case: input, filter, optional bias.
struct Data {
    input: Vec<i8>,
    filter: Vec<i8>,
    bias: Option<Vec<i32>>,
}

fn int8_data(d: &mut Decisions<'_>, g: &Geometry) -> Data {
    let out_c = g.shapes.output[3];
    let bias = d.bool().then(|| {
        (0..len_for(g.corrupt, 2, out_c))
            .map(|_| bias_value(d))
            .collect()
    });
    // Filters keep away from -128 like TFLM's symmetric weights, but not
    // always.
    let mut filter = i8s(d, g.len(1, &g.shapes.filter));
    if !d.one_in(8) {
        filter.iter_mut().for_each(|w| *w = (*w).max(-127));
    }
    Data {
        input: i8s(d, g.len(0, &g.shapes.input)),
        filter,
        bias,
    }
}

/// Compares one optimised run with the reference's result and bits.
fn same_as_reference(
    kernel: &'static str,
    g: &Geometry,
    backend: impl std::fmt::Debug,
    reference: (&Result<(), KernelError>, &[i8]),
    fast: (&Result<(), KernelError>, &[i8]),
) -> Result<(), Mismatch> {
    if fast.0 != reference.0 || (reference.0.is_ok() && fast.1 != reference.1) {
        return mismatch(
            kernel,
            format!(
                "{backend:?} differs from the reference ({}): reference {:?} {:?}, optimised \
                 {:?} {:?}",
                g.describe(),
                reference.0,
                reference.1,
                fast.0,
                fast.1
            ),
        );
    }
    Ok(())
}

/// Compares one optimised float run with the reference's result and bits
/// (any NaN matches any NaN).
fn same_floats_as_reference(
    kernel: &'static str,
    g: &Geometry,
    backend: impl std::fmt::Debug,
    reference: (&Result<(), KernelError>, &[f32]),
    fast: (&Result<(), KernelError>, &[f32]),
) -> Result<(), Mismatch> {
    let differs = reference.0.is_ok() && first_f32_difference(reference.1, fast.1).is_some();
    if fast.0 != reference.0 || differs {
        return mismatch(
            kernel,
            format!(
                "{backend:?} differs from the reference ({}): reference {:?} {:?}, optimised \
                 {:?} {:?}",
                g.describe(),
                reference.0,
                reference.1,
                fast.0,
                fast.1
            ),
        );
    }
    Ok(())
}

pub(super) fn conv_int8(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "conv_per_channel_i8";
    let groups = if d.one_in(6) { 2 + d.below(2) } else { 1 };
    let filter_depth = d.pick(&[1, 2, 3, 4, 5, 7, 8, 16, 17, 32]);
    let out_c = groups * extent(d, 8, 24);
    let g = geometry(d, filter_depth * groups, out_c, filter_depth, out_c);
    if g.macs() > MAX_MACS {
        return Ok(());
    }
    let q = quant(d, out_c);
    let data = int8_data(d, &g);
    let s = &g.shapes;
    let params = kernel_quant(&q);
    let mut output = vec![0i8; g.len(3, &s.output)];
    let result = conv_per_channel_i8(
        &g.kernel_geometry(),
        &params,
        nhwc(&s.input),
        &data.input,
        nhwc(&s.filter),
        &data.filter,
        data.bias.as_deref(),
        nhwc(&s.output),
        &mut output,
    );
    // Enough for every backend (the compact one's differs).
    let scratch_len = optimized_conv::conv_scratch_len(
        microlite_kernels::optimized::Backend::Portable,
        &nhwc(&s.filter),
    )
    .max(microlite_kernels::compact::conv_scratch_len(&nhwc(
        &s.filter,
    )));
    let short_scratch = d.one_in(8);
    for backend in fast_backends() {
        let mut fast = vec![0i8; output.len()];
        let mut scratch = vec![
            0i8;
            if short_scratch {
                scratch_len / 2
            } else {
                scratch_len
            }
        ];
        let fast_result = optimized_conv::conv_per_channel_i8(
            backend,
            &g.kernel_geometry(),
            &params,
            nhwc(&s.input),
            &data.input,
            nhwc(&s.filter),
            &data.filter,
            data.bias.as_deref(),
            nhwc(&s.output),
            &mut fast,
            &mut scratch,
        );
        same_as_reference(
            KERNEL,
            &g,
            backend,
            (&result, &output),
            (&fast_result, &fast),
        )?;
    }
    if !check_acceptance(KERNEL, &g, data.bias.is_some(), result)? {
        return Ok(());
    }
    let expected = window::conv_i8(
        s,
        &g.window,
        &q,
        &data.input,
        &data.filter,
        data.bias.as_deref(),
    );
    if expected != output {
        return mismatch(
            KERNEL,
            format!(
                "{} {q:?}: expected {expected:?}, got {output:?}",
                g.describe()
            ),
        );
    }
    Ok(())
}

/// 16x8 CONV_2D (int16 activations, int8 weights; int64, int32 or no
/// bias) against the naive definition.
pub(super) fn conv_16x8_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "conv_per_channel_16x8";
    let groups = if d.one_in(6) { 2 + d.below(2) } else { 1 };
    let filter_depth = d.pick(&[1, 2, 3, 4, 5, 7, 8, 16, 17, 32]);
    let out_c = groups * extent(d, 8, 24);
    let g = geometry(d, filter_depth * groups, out_c, filter_depth, out_c);
    if g.macs() > MAX_MACS {
        return Ok(());
    }
    let mut q = quant(d, out_c);
    // TFLM's int64 output stage assumes shifts in [-31, 7].
    q.shifts.iter_mut().for_each(|s| *s = (*s).clamp(-31, 7));
    if d.bool() {
        let (lo, hi) = (d.in_range(-32768, 32767), d.in_range(-32768, 32767));
        (q.min, q.max) = (lo.min(hi), lo.max(hi));
    }
    let s = &g.shapes;
    let bias_len = len_for(g.corrupt, 2, out_c);
    let bias = match d.u8() % 4 {
        0 => window::Bias16x8::None,
        1 => window::Bias16x8::NoneInt32,
        2 => window::Bias16x8::Int32((0..bias_len).map(|_| bias_value(d)).collect()),
        _ => window::Bias16x8::Int64(
            (0..bias_len)
                .map(|_| i64::from(bias_value(d)) << d.below(16))
                .collect(),
        ),
    };
    let extreme = d.one_in(8);
    let input: Vec<i16> = (0..g.len(0, &s.input))
        .map(|_| if extreme { i16::MIN } else { d.u16() as i16 })
        .collect();
    let mut filter = i8s(d, g.len(1, &s.filter));
    if extreme {
        filter.iter_mut().for_each(|w| *w = i8::MIN);
    }
    let kernel_bias = match &bias {
        window::Bias16x8::None => Bias16x8::None,
        window::Bias16x8::NoneInt32 => Bias16x8::NoneInt32Accumulator,
        window::Bias16x8::Int32(b) => Bias16x8::Int32(b),
        window::Bias16x8::Int64(b) => Bias16x8::Int64(b),
    };
    let has_bias = kernel_bias.elements().is_some();
    let mut output = vec![0i16; g.len(3, &s.output)];
    let result = conv_per_channel_16x8(
        &g.kernel_geometry(),
        &kernel_quant(&q),
        nhwc(&s.input),
        &input,
        nhwc(&s.filter),
        &filter,
        kernel_bias,
        nhwc(&s.output),
        &mut output,
    );
    // Every optimised backend gives the reference's result and bits.
    let patch = optimized_conv_16x8::conv_16x8_scratch_len(
        microlite_kernels::optimized::Backend::Portable,
        &nhwc(&s.filter),
    );
    for backend in fast_backends() {
        let mut fast = vec![0i16; output.len()];
        let mut scratch = vec![0i16; patch];
        let fast_result = optimized_conv_16x8::conv_per_channel_16x8(
            backend,
            &g.kernel_geometry(),
            &kernel_quant(&q),
            nhwc(&s.input),
            &input,
            nhwc(&s.filter),
            &filter,
            kernel_bias,
            nhwc(&s.output),
            &mut fast,
            &mut scratch,
        );
        if fast_result != result || (result.is_ok() && fast != output) {
            return mismatch(
                KERNEL,
                format!(
                    "{backend:?} differs from the reference ({}): {result:?} {output:?} vs \
                     {fast_result:?} {fast:?}",
                    g.describe()
                ),
            );
        }
    }
    if !check_acceptance(KERNEL, &g, has_bias, result)? {
        return Ok(());
    }
    let expected = window::conv_16x8(s, &g.window, &q, &input, &filter, &bias);
    if expected != output {
        return mismatch(
            KERNEL,
            format!(
                "{} {q:?} {bias:?}: expected {expected:?}, got {output:?}",
                g.describe()
            ),
        );
    }
    Ok(())
}

/// 16x8 DEPTHWISE_CONV_2D (int64 or no bias) against the naive definition.
pub(super) fn depthwise_16x8_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "depthwise_conv_per_channel_16x8";
    // Sometimes past the optimised kernel's 64-channel blocks.
    let in_c = if d.one_in(8) {
        1 + d.below(80)
    } else {
        1 + d.below(8)
    };
    let multiplier = if d.one_in(3) { 1 + d.below(4) } else { 1 };
    let out_c = in_c * multiplier;
    let g = geometry(d, in_c, 1, out_c, out_c);
    if g.macs() > MAX_MACS {
        return Ok(());
    }
    let mut q = quant(d, out_c);
    q.shifts.iter_mut().for_each(|s| *s = (*s).clamp(-31, 7));
    if d.bool() {
        let (lo, hi) = (d.in_range(-32768, 32767), d.in_range(-32768, 32767));
        (q.min, q.max) = (lo.min(hi), lo.max(hi));
    }
    let s = &g.shapes;
    let bias: Option<Vec<i64>> = d.bool().then(|| {
        (0..len_for(g.corrupt, 2, out_c))
            .map(|_| i64::from(bias_value(d)) << d.below(16))
            .collect()
    });
    let input: Vec<i16> = (0..g.len(0, &s.input)).map(|_| d.u16() as i16).collect();
    let filter = i8s(d, g.len(1, &s.filter));
    let mut output = vec![0i16; g.len(3, &s.output)];
    let result = depthwise_conv_per_channel_16x8(
        &g.kernel_geometry(),
        multiplier,
        &kernel_quant(&q),
        nhwc(&s.input),
        &input,
        nhwc(&s.filter),
        &filter,
        bias.as_deref(),
        nhwc(&s.output),
        &mut output,
    );
    if !check_acceptance(KERNEL, &g, bias.is_some(), result)? {
        return Ok(());
    }
    let expected = window::depthwise_16x8(
        s,
        &g.window,
        multiplier,
        &q,
        &input,
        &filter,
        bias.as_deref(),
    );
    if expected != output {
        return mismatch(
            KERNEL,
            format!(
                "{} {q:?}: expected {expected:?}, got {output:?}",
                g.describe()
            ),
        );
    }
    for backend in fast_backends() {
        let mut fast = vec![0i16; output.len()];
        let result = optimized_depthwise_16x8::depthwise_conv_per_channel_16x8(
            backend,
            &g.kernel_geometry(),
            multiplier,
            &kernel_quant(&q),
            nhwc(&s.input),
            &input,
            nhwc(&s.filter),
            &filter,
            bias.as_deref(),
            nhwc(&s.output),
            &mut fast,
        );
        if result.is_err() || fast != output {
            return mismatch(
                KERNEL,
                format!(
                    "{} on {backend:?} differs from the reference: {result:?}",
                    g.describe()
                ),
            );
        }
    }
    Ok(())
}

pub(super) fn depthwise_int8(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "depthwise_conv_per_channel_i8";
    let in_c = if d.one_in(6) {
        d.pick(&[16, 17, 24, 32, 40])
    } else {
        1 + d.below(8)
    };
    let multiplier = if d.one_in(3) { 1 + d.below(4) } else { 1 };
    let out_c = in_c * multiplier;
    let g = geometry(d, in_c, 1, out_c, out_c);
    if g.macs() > MAX_MACS {
        return Ok(());
    }
    let q = quant(d, out_c);
    let data = int8_data(d, &g);
    let s = &g.shapes;
    let params = kernel_quant(&q);
    let mut output = vec![0i8; g.len(3, &s.output)];
    // Sometimes too little scratch: the fast path must then fall back.
    let filter_shape = nhwc(&s.filter);
    let full_scratch = microlite_kernels::compact::depthwise_scratch_len(in_c, &filter_shape).max(
        microlite_kernels::cortex_m::depthwise_scratch_len(in_c, &filter_shape),
    );
    let scratch_len = if d.one_in(8) {
        full_scratch / 2
    } else {
        full_scratch
    };
    let result = depthwise_conv_per_channel_i8(
        &g.kernel_geometry(),
        multiplier,
        &params,
        nhwc(&s.input),
        &data.input,
        nhwc(&s.filter),
        &data.filter,
        data.bias.as_deref(),
        nhwc(&s.output),
        &mut output,
    );
    for backend in fast_backends() {
        let mut fast = vec![0i8; output.len()];
        let mut scratch = vec![0i8; scratch_len];
        let fast_result = optimized_dw::depthwise_conv_per_channel_i8(
            backend,
            &g.kernel_geometry(),
            multiplier,
            &params,
            nhwc(&s.input),
            &data.input,
            nhwc(&s.filter),
            &data.filter,
            data.bias.as_deref(),
            nhwc(&s.output),
            &mut fast,
            &mut scratch,
        );
        same_as_reference(
            KERNEL,
            &g,
            backend,
            (&result, &output),
            (&fast_result, &fast),
        )?;
    }
    if !check_acceptance(KERNEL, &g, data.bias.is_some(), result)? {
        return Ok(());
    }
    let expected = window::depthwise_i8(
        s,
        &g.window,
        multiplier,
        &q,
        &data.input,
        &data.filter,
        data.bias.as_deref(),
    );
    if expected != output {
        return mismatch(
            KERNEL,
            format!(
                "{} multiplier {multiplier} {q:?}: expected {expected:?}, got {output:?}",
                g.describe()
            ),
        );
    }
    Ok(())
}

/// The float data of a case: input, filter, optional bias.
fn float_data(d: &mut Decisions<'_>, g: &Geometry) -> (Vec<f32>, Vec<f32>, Option<Vec<f32>>) {
    let out_c = g.shapes.output[3];
    let bias = d.bool().then(|| {
        (0..len_for(g.corrupt, 2, out_c))
            .map(|_| float_value(d))
            .collect()
    });
    let filter = (0..g.len(1, &g.shapes.filter))
        .map(|_| float_value(d))
        .collect();
    let input = (0..g.len(0, &g.shapes.input))
        .map(|_| float_value(d))
        .collect();
    (input, filter, bias)
}

fn compare_f32(
    kernel: &'static str,
    g: &Geometry,
    expected: &[f32],
    got: &[f32],
) -> Result<(), Mismatch> {
    match first_f32_difference(expected, got) {
        Some(i) => mismatch(
            kernel,
            format!(
                "{} output {i}: expected {:?}, got {:?}",
                g.describe(),
                expected.get(i),
                got.get(i)
            ),
        ),
        None => Ok(()),
    }
}

pub(super) fn conv_float32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "conv_f32";
    let groups = if d.one_in(6) { 2 + d.below(2) } else { 1 };
    let filter_depth = 1 + d.below(6);
    let out_c = groups * extent(d, 6, 12);
    let g = geometry(d, filter_depth * groups, out_c, filter_depth, out_c);
    if g.macs() > MAX_MACS {
        return Ok(());
    }
    let (min, max) = float_range(d);
    let (input, filter, bias) = float_data(d, &g);
    let s = &g.shapes;
    let mut output = vec![0f32; g.len(3, &s.output)];
    let params = ConvParamsF32 {
        activation_min: min,
        activation_max: max,
    };
    let result = conv_f32(
        &g.kernel_geometry(),
        &params,
        nhwc(&s.input),
        &input,
        nhwc(&s.filter),
        &filter,
        bias.as_deref(),
        nhwc(&s.output),
        &mut output,
    );
    for backend in fast_backends() {
        let mut fast = vec![0f32; output.len()];
        let fast_result = optimized_float::conv_f32(
            backend,
            &g.kernel_geometry(),
            &params,
            nhwc(&s.input),
            &input,
            nhwc(&s.filter),
            &filter,
            bias.as_deref(),
            nhwc(&s.output),
            &mut fast,
        );
        same_floats_as_reference(
            KERNEL,
            &g,
            backend,
            (&result, &output),
            (&fast_result, &fast),
        )?;
    }
    if !check_acceptance(KERNEL, &g, bias.is_some(), result)? {
        return Ok(());
    }
    let expected = window::conv_f32(s, &g.window, (min, max), &input, &filter, bias.as_deref());
    compare_f32(KERNEL, &g, &expected, &output)
}

pub(super) fn depthwise_float32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "depthwise_conv_f32";
    let in_c = 1 + d.below(6);
    let multiplier = if d.one_in(3) { 1 + d.below(4) } else { 1 };
    let out_c = in_c * multiplier;
    let g = geometry(d, in_c, 1, out_c, out_c);
    if g.macs() > MAX_MACS {
        return Ok(());
    }
    let (min, max) = float_range(d);
    let (input, filter, bias) = float_data(d, &g);
    let s = &g.shapes;
    let mut output = vec![0f32; g.len(3, &s.output)];
    let params = ConvParamsF32 {
        activation_min: min,
        activation_max: max,
    };
    let result = depthwise_conv_f32(
        &g.kernel_geometry(),
        multiplier,
        &params,
        nhwc(&s.input),
        &input,
        nhwc(&s.filter),
        &filter,
        bias.as_deref(),
        nhwc(&s.output),
        &mut output,
    );
    for backend in fast_backends() {
        let mut fast = vec![0f32; output.len()];
        let fast_result = optimized_float::depthwise_conv_f32(
            backend,
            &g.kernel_geometry(),
            multiplier,
            &params,
            nhwc(&s.input),
            &input,
            nhwc(&s.filter),
            &filter,
            bias.as_deref(),
            nhwc(&s.output),
            &mut fast,
        );
        same_floats_as_reference(
            KERNEL,
            &g,
            backend,
            (&result, &output),
            (&fast_result, &fast),
        )?;
    }
    if !check_acceptance(KERNEL, &g, bias.is_some(), result)? {
        return Ok(());
    }
    let expected = window::depthwise_f32(
        s,
        &g.window,
        multiplier,
        (min, max),
        &input,
        &filter,
        bias.as_deref(),
    );
    compare_f32(KERNEL, &g, &expected, &output)
}
