//! FULLY_CONNECTED: int8 (per-tensor and per-channel), 16x8 and float32 reference
//! kernels against the naive definitions, and the optimised int8 kernels
//! against the reference.

use microlite_kernels::conv::Bias16x8;
use microlite_kernels::fully_connected::{
    fully_connected_16x8, fully_connected_f32, fully_connected_i8, fully_connected_per_channel_i8,
    FullyConnectedParams16x8, FullyConnectedParamsF32, FullyConnectedParamsI8,
    FullyConnectedPerChannelParamsI8, FullyConnectedShape,
};
use microlite_kernels::optimized::fully_connected as optimized;

use super::{
    activation_range, bias_value, fast_backends, first_f32_difference, float_range, float_value,
    i8s, input_offset, len_for, mismatch, multiplier_and_shift, Mismatch,
};
use crate::decisions::Decisions;
use crate::naive;

/// Shape plus an optional deliberate length error (`Some(buffer)` when one
/// buffer is one element too long: 0 input, 1 filter, 2 bias, 3 output).
struct Case {
    batches: usize,
    depth: usize,
    units: usize,
    corrupt: Option<u8>,
}

fn case(d: &mut Decisions<'_>) -> Case {
    Case {
        batches: d.below(5),
        depth: if d.one_in(8) {
            d.below(300)
        } else {
            d.below(48)
        },
        units: d.below(20),
        corrupt: (d.one_in(16)).then(|| d.u8() % 4),
    }
}

/// Int8 reference against the naive definition, then every optimised
/// backend against the reference.
pub(super) fn int8(d: &mut Decisions<'_>, per_channel: bool) -> Result<(), Mismatch> {
    let kernel = if per_channel {
        "fully_connected_per_channel_i8"
    } else {
        "fully_connected_i8"
    };
    let c = case(d);
    let input_offset = input_offset(d);
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
    let bias: Vec<i32> = (0..len_for(c.corrupt, 2, if has_bias { c.units } else { 0 }))
        .map(|_| bias_value(d))
        .collect();
    let input = i8s(d, len_for(c.corrupt, 0, c.batches * c.depth));
    let filter = i8s(d, len_for(c.corrupt, 1, c.units * c.depth));
    let output_len = len_for(c.corrupt, 3, c.batches * c.units);
    let shape = FullyConnectedShape {
        batches: c.batches,
        input_depth: c.depth,
        output_depth: c.units,
    };
    let bias_arg = has_bias.then_some(bias.as_slice());
    let per_channel_params = FullyConnectedPerChannelParamsI8 {
        input_offset,
        output_offset,
        output_multipliers: &multipliers,
        output_shifts: &shifts,
        activation_min: min,
        activation_max: max,
    };
    let per_tensor_params = FullyConnectedParamsI8 {
        input_offset,
        filter_offset,
        output_offset,
        output_multiplier: multipliers.first().copied().unwrap_or(0),
        output_shift: shifts.first().copied().unwrap_or(0),
        activation_min: min,
        activation_max: max,
    };
    let mut output = vec![0i8; output_len];
    let result = if per_channel {
        fully_connected_per_channel_i8(
            &per_channel_params,
            shape,
            &input,
            &filter,
            bias_arg,
            &mut output,
        )
    } else {
        fully_connected_i8(
            &per_tensor_params,
            shape,
            &input,
            &filter,
            bias_arg,
            &mut output,
        )
    };
    // Every optimised backend must return the same result and bits.
    for backend in fast_backends() {
        let mut fast = vec![0i8; output_len];
        let fast_result = if per_channel {
            optimized::fully_connected_per_channel_i8(
                backend,
                &per_channel_params,
                shape,
                &input,
                &filter,
                bias_arg,
                &mut fast,
            )
        } else {
            optimized::fully_connected_i8(
                backend,
                &per_tensor_params,
                shape,
                &input,
                &filter,
                bias_arg,
                &mut fast,
            )
        };
        if fast_result != result || (result.is_ok() && fast != output) {
            return mismatch(
                kernel,
                format!(
                    "{backend:?} differs from the reference: shape {}x{}->{} input offset \
                     {input_offset} filter offset {filter_offset} m {multipliers:?} s {shifts:?}: \
                     reference {result:?} {output:?}, optimised {fast_result:?} {fast:?}",
                    c.batches, c.depth, c.units
                ),
            );
        }
    }
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

/// Float reference against the naive definition (bit for bit: same
/// summation order).
pub(super) fn float32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "fully_connected_f32";
    let c = case(d);
    let (min, max) = float_range(d);
    let has_bias = d.bool();
    let bias: Vec<f32> = (0..len_for(c.corrupt, 2, if has_bias { c.units } else { 0 }))
        .map(|_| float_value(d))
        .collect();
    let input: Vec<f32> = (0..len_for(c.corrupt, 0, c.batches * c.depth))
        .map(|_| float_value(d))
        .collect();
    let filter: Vec<f32> = (0..len_for(c.corrupt, 1, c.units * c.depth))
        .map(|_| float_value(d))
        .collect();
    let mut output = vec![0f32; len_for(c.corrupt, 3, c.batches * c.units)];
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
    if let Some(i) = first_f32_difference(&expected, &output) {
        return mismatch(
            KERNEL,
            format!(
                "shape {}x{}->{} clamp [{min},{max}] output {i}: expected {:e}, got {:e}",
                c.batches, c.depth, c.units, expected[i], output[i]
            ),
        );
    }
    Ok(())
}

/// 16x8 reference (per-tensor or per-channel scales; int64, int32 or no
/// bias) against the naive definition.
pub(super) fn int16(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "fully_connected_16x8";
    let c = case(d);
    let shape = FullyConnectedShape {
        batches: c.batches,
        input_depth: c.depth,
        output_depth: c.units,
    };
    let per_channel = d.bool();
    let scales = if per_channel { c.units } else { 1 };
    let (multipliers, mut shifts): (Vec<i32>, Vec<i32>) =
        (0..scales).map(|_| multiplier_and_shift(d)).unzip();
    // TFLM's int64 output stage assumes shifts in [-31, 7].
    shifts.iter_mut().for_each(|s| *s = (*s).clamp(-31, 7));
    let (lo, hi) = (d.in_range(-32768, 32767), d.in_range(-32768, 32767));
    let params = FullyConnectedParams16x8 {
        input_offset: if d.bool() { 0 } else { input_offset(d) },
        output_offset: if d.bool() { 0 } else { d.in_range(-300, 300) },
        output_multipliers: &multipliers,
        output_shifts: &shifts,
        activation_min: lo.min(hi),
        activation_max: lo.max(hi),
    };
    let input: Vec<i16> = (0..len_for(c.corrupt, 0, c.batches * c.depth))
        .map(|_| d.u16() as i16)
        .collect();
    let filter = i8s(d, len_for(c.corrupt, 1, c.units * c.depth));
    let bias_len = len_for(c.corrupt, 2, c.units);
    let kind = d.u8() % 4;
    let bias64: Vec<i64> = (0..bias_len)
        .map(|_| i64::from(bias_value(d)) << d.below(10))
        .collect();
    let bias32: Vec<i32> = (0..bias_len).map(|_| bias_value(d)).collect();
    let bias = match kind {
        0 => Bias16x8::None,
        1 => Bias16x8::NoneInt32Accumulator,
        2 => Bias16x8::Int32(&bias32),
        _ => Bias16x8::Int64(&bias64),
    };
    let mut output = vec![0i16; len_for(c.corrupt, 3, c.batches * c.units)];
    let result = fully_connected_16x8(&params, shape, &input, &filter, bias, &mut output);
    for backend in fast_backends() {
        let mut fast = vec![0i16; output.len()];
        let fast_result = optimized::fully_connected_16x8(
            backend, &params, shape, &input, &filter, bias, &mut fast,
        );
        if fast_result != result || (result.is_ok() && fast != output) {
            return mismatch(
                KERNEL,
                format!("{backend:?} differs from the reference: {result:?} {output:?} vs {fast_result:?} {fast:?}"),
            );
        }
    }
    let corrupt = c.corrupt.filter(|&w| w != 2 || kind >= 2);
    match (corrupt, &result) {
        (Some(_), Err(_)) => return Ok(()),
        (Some(w), Ok(())) => return mismatch(KERNEL, format!("accepted a too-long buffer #{w}")),
        (None, Err(e)) => return mismatch(KERNEL, format!("rejected consistent buffers: {e}")),
        (None, Ok(())) => {}
    }
    let mut expected = Vec::with_capacity(output.len());
    for b in 0..c.batches {
        for u in 0..c.units {
            let acc: i128 = (0..c.depth)
                .map(|k| {
                    i128::from(filter[u * c.depth + k])
                        * (i128::from(input[b * c.depth + k]) + i128::from(params.input_offset))
                })
                .sum();
            let s = if per_channel { u } else { 0 };
            let scaled = match kind {
                0 => naive::window::multiply_by_quantized_multiplier_i64(
                    acc as i64,
                    multipliers[s],
                    shifts[s],
                ),
                1 => naive::multiply_by_quantized_multiplier(
                    naive::wrap32(acc),
                    multipliers[s],
                    shifts[s],
                ),
                2 => naive::multiply_by_quantized_multiplier(
                    naive::wrap32(acc + i128::from(bias32[u])),
                    multipliers[s],
                    shifts[s],
                ),
                _ => naive::window::multiply_by_quantized_multiplier_i64(
                    (acc + i128::from(bias64[u])) as i64,
                    multipliers[s],
                    shifts[s],
                ),
            };
            let out = naive::wrap32(i128::from(scaled) + i128::from(params.output_offset))
                .max(params.activation_min)
                .min(params.activation_max);
            expected.push(out as i16);
        }
    }
    if expected != output {
        return mismatch(
            KERNEL,
            format!("{shape:?} {params:?} bias kind {kind}: expected {expected:?}, got {output:?}"),
        );
    }
    Ok(())
}
