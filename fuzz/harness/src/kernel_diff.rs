//! Differential testing of `microlite-kernels` against [`crate::naive`].
//!
//! The fuzz input picks a kernel, shapes, quantization parameters and data.
//! Parameters stay in the domain TFLM's prepare functions produce wherever
//! the C++ behaviour is otherwise undefined; inside that domain the kernel
//! must equal the naive definition bit for bit, and a buffer of the wrong
//! length must give `Err`, never a panic.
//!
//! Covered: FULLY_CONNECTED int8 (per-tensor and per-channel) and float32,
//! QUANTIZE (float → int8/uint8/int16, int → int requantize), DEQUANTIZE
//! (int8/uint8/int16 → float32) and `quantize_multiplier`.
//! TODO(conv, depthwise_conv, pooling, softmax, elementwise, ...): the
//! kernels exist in `crates/kernels/src` but have no naive oracle here yet.

use std::fmt;

use microlite_kernels::dequantize::{dequantize, DequantizeParams};
use microlite_kernels::fully_connected::{
    fully_connected_f32, fully_connected_i8, fully_connected_per_channel_i8,
    FullyConnectedParamsF32, FullyConnectedParamsI8, FullyConnectedPerChannelParamsI8,
    FullyConnectedShape,
};
use microlite_kernels::quantization::quantize_multiplier;
use microlite_kernels::quantize::{
    affine_quantize, requantize, AffineQuantizeParams, QuantizedInt, RequantizeParams,
};

use crate::decisions::Decisions;
use crate::naive;

/// A kernel disagreed with its naive definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Which kernel.
    pub kernel: &'static str,
    /// What differed, with the parameters involved.
    pub detail: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kernel, self.detail)
    }
}

impl std::error::Error for Mismatch {}

fn mismatch(kernel: &'static str, detail: String) -> Result<(), Mismatch> {
    Err(Mismatch { kernel, detail })
}

/// Runs one differential case described by `data`.
pub fn kernel_diff(data: &[u8]) -> Result<(), Mismatch> {
    let mut d = Decisions::new(data);
    match d.u8() % 8 {
        0 => fc_i8(&mut d, false),
        1 => fc_i8(&mut d, true),
        2 => fc_f32(&mut d),
        3 => quantize_case(&mut d),
        4 => dequantize_case(&mut d),
        5 => requantize_case(&mut d),
        6 => multiplier_case(&mut d),
        _ => {
            let per_channel = d.bool();
            fc_i8(&mut d, per_channel)
        }
    }
}

/// Shape plus an optional deliberate length error (`Some(buffer)` when one
/// buffer is one element too long).
struct Case {
    batches: usize,
    depth: usize,
    units: usize,
    corrupt: Option<u8>,
}

fn case(d: &mut Decisions<'_>) -> Case {
    Case {
        batches: d.below(5),
        depth: d.below(48),
        units: d.below(20),
        corrupt: (d.one_in(16)).then(|| d.u8() % 4),
    }
}

fn len_for(case: &Case, which: u8, n: usize) -> usize {
    n + usize::from(case.corrupt == Some(which))
}

fn i8s(d: &mut Decisions<'_>, n: usize) -> Vec<i8> {
    (0..n).map(|_| d.u8() as i8).collect()
}

/// A multiplier as TFLM's `QuantizeMultiplier` produces: 0 or in
/// `[2^30, 2^31)`; and a shift in `[-31, 30]` (its range for finite scales
/// that do not flush to 0), with large left shifts kept rare.
fn multiplier_and_shift(d: &mut Decisions<'_>) -> (i32, i32) {
    // 2^30 makes every odd product a rounding tie; the ends of the range
    // exercise saturation.
    let m = match d.u8() % 16 {
        0 => 0,
        1 => 1 << 30,
        2 => i32::MAX,
        3 => (1 << 30) + 1,
        _ => d.in_range(1 << 30, i32::MAX),
    };
    let shift = match d.u8() % 4 {
        0 => d.in_range(-31, 30),
        _ => d.in_range(-20, 2),
    };
    (m, shift)
}

fn activation_range(d: &mut Decisions<'_>) -> (i32, i32) {
    let a = d.in_range(-128, 127);
    let b = d.in_range(-128, 127);
    if d.one_in(8) {
        (a, b) // possibly min > max: the result is then `max`
    } else {
        (a.min(b), a.max(b))
    }
}

fn fc_i8(d: &mut Decisions<'_>, per_channel: bool) -> Result<(), Mismatch> {
    let kernel = if per_channel {
        "fully_connected_per_channel_i8"
    } else {
        "fully_connected_i8"
    };
    let c = case(d);
    let input_offset = d.in_range(-127, 128);
    let filter_offset = if per_channel || !d.one_in(4) {
        0
    } else {
        d.in_range(-127, 128)
    };
    let output_offset = d.in_range(-128, 127);
    let (min, max) = activation_range(d);
    let (multipliers, shifts): (Vec<i32>, Vec<i32>) = if per_channel {
        (0..c.units).map(|_| multiplier_and_shift(d)).unzip()
    } else {
        let (m, s) = multiplier_and_shift(d);
        (vec![m; c.units], vec![s; c.units])
    };
    let has_bias = d.bool();
    let bias: Vec<i32> = (0..len_for(&c, 2, if has_bias { c.units } else { 0 }))
        .map(|_| {
            if d.bool() {
                d.i32()
            } else {
                d.in_range(-(1 << 16), 1 << 16)
            }
        })
        .collect();
    let input = i8s(d, len_for(&c, 0, c.batches * c.depth));
    let filter = i8s(d, len_for(&c, 1, c.units * c.depth));
    let mut output = vec![0i8; len_for(&c, 3, c.batches * c.units)];
    let shape = FullyConnectedShape {
        batches: c.batches,
        input_depth: c.depth,
        output_depth: c.units,
    };
    let bias_arg = has_bias.then_some(bias.as_slice());
    let result = if per_channel {
        let params = FullyConnectedPerChannelParamsI8 {
            input_offset,
            output_offset,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: min,
            activation_max: max,
        };
        fully_connected_per_channel_i8(&params, shape, &input, &filter, bias_arg, &mut output)
    } else {
        let params = FullyConnectedParamsI8 {
            input_offset,
            filter_offset,
            output_offset,
            output_multiplier: multipliers.first().copied().unwrap_or(0),
            output_shift: shifts.first().copied().unwrap_or(0),
            activation_min: min,
            activation_max: max,
        };
        fully_connected_i8(&params, shape, &input, &filter, bias_arg, &mut output)
    };
    if let Some(which) = c.corrupt.filter(|&w| w != 2 || has_bias) {
        return match result {
            Err(_) => Ok(()),
            Ok(()) => mismatch(kernel, format!("accepted a too-long buffer #{which}")),
        };
    }
    if let Err(e) = result {
        return mismatch(kernel, format!("rejected consistent buffers: {e}"));
    }
    let p = naive::NaiveFcI8 {
        input_offset,
        filter_offset,
        output_offset,
        multipliers: multipliers.clone(),
        shifts: shifts.clone(),
        min,
        max,
    };
    let expected =
        naive::fully_connected_i8(&p, c.batches, c.depth, c.units, &input, &filter, bias_arg);
    if expected != output {
        return mismatch(
            kernel,
            format!(
                "shape {}x{}->{} offsets in {input_offset} filter {filter_offset} out \
                 {output_offset} m {multipliers:?} s {shifts:?} clamp [{min},{max}] \
                 bias {bias_arg:?}: expected {expected:?}, got {output:?}",
                c.batches, c.depth, c.units
            ),
        );
    }
    Ok(())
}

fn float_value(d: &mut Decisions<'_>) -> f32 {
    match d.u8() % 16 {
        0 => d.f32_bits(),
        1 => d.pick(&[
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MAX,
            1e-40,
        ]),
        _ => f32::from(d.u16() as i16) / 256.0,
    }
}

fn same_f32(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn fc_f32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "fully_connected_f32";
    let c = case(d);
    let (min, max) = match d.u8() % 4 {
        0 => (f32::NEG_INFINITY, f32::INFINITY),
        1 => (0.0, f32::INFINITY),
        2 => (0.0, 6.0),
        _ => (float_value(d), float_value(d)),
    };
    let has_bias = d.bool();
    let bias: Vec<f32> = (0..len_for(&c, 2, if has_bias { c.units } else { 0 }))
        .map(|_| float_value(d))
        .collect();
    let input: Vec<f32> = (0..len_for(&c, 0, c.batches * c.depth))
        .map(|_| float_value(d))
        .collect();
    let filter: Vec<f32> = (0..len_for(&c, 1, c.units * c.depth))
        .map(|_| float_value(d))
        .collect();
    let mut output = vec![0f32; len_for(&c, 3, c.batches * c.units)];
    let shape = FullyConnectedShape {
        batches: c.batches,
        input_depth: c.depth,
        output_depth: c.units,
    };
    let bias_arg = has_bias.then_some(bias.as_slice());
    let params = FullyConnectedParamsF32 {
        activation_min: min,
        activation_max: max,
    };
    let result = fully_connected_f32(&params, shape, &input, &filter, bias_arg, &mut output);
    if let Some(which) = c.corrupt.filter(|&w| w != 2 || has_bias) {
        return match result {
            Err(_) => Ok(()),
            Ok(()) => mismatch(KERNEL, format!("accepted a too-long buffer #{which}")),
        };
    }
    if let Err(e) = result {
        return mismatch(KERNEL, format!("rejected consistent buffers: {e}"));
    }
    let expected = naive::fully_connected_f32(
        min, max, c.batches, c.depth, c.units, &input, &filter, bias_arg,
    );
    for (i, (e, g)) in expected.iter().zip(&output).enumerate() {
        if !same_f32(*e, *g) {
            return mismatch(
                KERNEL,
                format!(
                    "shape {}x{}->{} clamp [{min},{max}] output {i}: expected {e:e}, got {g:e}",
                    c.batches, c.depth, c.units
                ),
            );
        }
    }
    Ok(())
}

fn scale_value(d: &mut Decisions<'_>) -> f32 {
    match d.u8() % 8 {
        0 => d.f32_bits(),
        1 => d.pick(&[
            0.0,
            -0.0,
            f32::NAN,
            f32::INFINITY,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            -0.5,
        ]),
        _ => (f32::from(d.u16()) + 1.0) * pow2(d.in_range(-24, 0)),
    }
}

/// `2^e` for small `e`, exactly.
fn pow2(e: i32) -> f32 {
    f32::from_bits(((127 + e.clamp(-126, 127)) as u32) << 23)
}

fn zero_point(d: &mut Decisions<'_>, lo: i32, hi: i32) -> i32 {
    if d.one_in(8) {
        d.i32()
    } else {
        d.in_range(lo, hi)
    }
}

fn quantize_to<T: QuantizedInt + Default + PartialEq + fmt::Debug>(
    name: &'static str,
    d: &mut Decisions<'_>,
) -> Result<(), Mismatch> {
    let params = AffineQuantizeParams {
        scale: scale_value(d),
        zero_point: zero_point(d, T::MIN, T::MAX),
    };
    let n = d.below(64);
    let input: Vec<f32> = (0..n).map(|_| float_value(d)).collect();
    let mut output = vec![T::default(); n];
    if let Err(e) = affine_quantize(&params, &input, &mut output) {
        return mismatch(name, format!("rejected equal lengths: {e}"));
    }
    for (x, got) in input.iter().zip(&output) {
        let expected = naive::quantize(*x, params.scale, params.zero_point, T::MIN, T::MAX);
        if got.to_i32() != expected {
            return mismatch(
                name,
                format!("{x:e} with {params:?}: expected {expected}, got {got:?}"),
            );
        }
    }
    let mut short = vec![T::default(); n + 1];
    if affine_quantize(&params, &input, &mut short).is_ok() {
        return mismatch(name, "accepted output one element too long".into());
    }
    Ok(())
}

fn quantize_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    match d.u8() % 3 {
        0 => quantize_to::<i8>("affine_quantize::<i8>", d),
        1 => quantize_to::<u8>("affine_quantize::<u8>", d),
        _ => quantize_to::<i16>("affine_quantize::<i16>", d),
    }
}

fn dequantize_from<T: QuantizedInt + fmt::Debug>(
    name: &'static str,
    d: &mut Decisions<'_>,
) -> Result<(), Mismatch> {
    let params = DequantizeParams {
        scale: scale_value(d),
        zero_point: zero_point(d, T::MIN, T::MAX),
    };
    let n = d.below(64);
    let input: Vec<T> = (0..n).map(|_| T::from_i32_truncating(d.i32())).collect();
    let mut output = vec![0f32; n];
    if let Err(e) = dequantize(&params, &input, &mut output) {
        return mismatch(name, format!("rejected equal lengths: {e}"));
    }
    for (x, got) in input.iter().zip(&output) {
        let expected = naive::dequantize(x.to_i32(), params.scale, params.zero_point);
        if !same_f32(expected, *got) {
            return mismatch(
                name,
                format!("{x:?} with {params:?}: expected {expected:e}, got {got:e}"),
            );
        }
    }
    if dequantize(&params, &input, &mut vec![0f32; n + 1]).is_ok() {
        return mismatch(name, "accepted output one element too long".into());
    }
    Ok(())
}

fn dequantize_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    match d.u8() % 3 {
        0 => dequantize_from::<i8>("dequantize::<i8>", d),
        1 => dequantize_from::<u8>("dequantize::<u8>", d),
        _ => dequantize_from::<i16>("dequantize::<i16>", d),
    }
}

fn requantize_between<I, O>(name: &'static str, d: &mut Decisions<'_>) -> Result<(), Mismatch>
where
    I: QuantizedInt + fmt::Debug,
    O: QuantizedInt + Default + fmt::Debug,
{
    let (multiplier, shift) = multiplier_and_shift(d);
    let params = RequantizeParams {
        multiplier,
        shift,
        input_zero_point: zero_point(d, I::MIN, I::MAX),
        output_zero_point: zero_point(d, O::MIN, O::MAX),
    };
    let n = d.below(64);
    let input: Vec<I> = (0..n).map(|_| I::from_i32_truncating(d.i32())).collect();
    let mut output = vec![O::default(); n];
    if let Err(e) = requantize(&params, &input, &mut output) {
        return mismatch(name, format!("rejected equal lengths: {e}"));
    }
    for (x, got) in input.iter().zip(&output) {
        let expected = naive::requantize(
            x.to_i32(),
            multiplier,
            shift,
            params.input_zero_point,
            params.output_zero_point,
            O::MIN,
            O::MAX,
        );
        if got.to_i32() != expected {
            return mismatch(
                name,
                format!("{x:?} with {params:?}: expected {expected}, got {got:?}"),
            );
        }
    }
    Ok(())
}

fn requantize_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    match d.u8() % 4 {
        0 => requantize_between::<i8, i8>("requantize::<i8, i8>", d),
        1 => requantize_between::<i8, i16>("requantize::<i8, i16>", d),
        2 => requantize_between::<i16, i8>("requantize::<i16, i8>", d),
        _ => requantize_between::<u8, i8>("requantize::<u8, i8>", d),
    }
}

fn multiplier_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let real = match d.u8() % 4 {
        0 => f64::from_bits(d.u64()),
        1 => f64::from(d.f32_bits()),
        _ => f64::from(scale_value(d)) / f64::from(scale_value(d)),
    };
    let got = quantize_multiplier(real);
    let expected = naive::quantize_multiplier(real);
    if got != expected {
        return mismatch(
            "quantize_multiplier",
            format!("{real:e}: expected {expected:?}, got {got:?}"),
        );
    }
    Ok(())
}
