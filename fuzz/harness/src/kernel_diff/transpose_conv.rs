//! TRANSPOSE_CONV (`microlite_kernels::transpose_conv`): float32, int8 and
//! 16x8 against a gather-form definition written out here. Each output
//! element sums, over the input elements and filter taps that reach it (in
//! TFLM's input order, so the float sums are bit-equal), `input * filter`;
//! then the bias, TFLM's output stage and the clamp. The optimised int8 and
//! 16x8 kernels must give the reference's bits on every fast backend.

use microlite_kernels::conv::{ConvQuantParamsI8, NhwcShape};
use microlite_kernels::optimized::transpose_conv as optimized;
use microlite_kernels::transpose_conv::{
    transpose_conv_16x8, transpose_conv_f32, transpose_conv_i8, Bias16, TransposeGeometry,
};

use super::{
    activation_range, bias_value, extent, fast_backends, float_range, float_value, i8s,
    input_offset, mismatch, multiplier_and_shift, same_f32, Mismatch,
};
use crate::decisions::Decisions;
use crate::naive::window::multiply_by_quantized_multiplier_i64;
use crate::naive::{clamp_cpp_f32, multiply_by_quantized_multiplier};

const KERNEL: &str = "transpose_conv";

/// For output element `(b, oy, ox, oc)`: the `(input index, filter index)`
/// pairs that reach it, in TFLM's scatter order.
fn reaching(
    g: &TransposeGeometry,
    (input, filter, output): (&[usize; 4], &[usize; 4], &[usize; 4]),
    (b, oy, ox, oc): (usize, usize, usize, usize),
) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for iy in 0..input[1] {
        for ix in 0..input[2] {
            for ic in 0..input[3] {
                for fy in 0..filter[1] {
                    for fx in 0..filter[2] {
                        let y = (iy * g.stride_height + fy) as i64 - g.padding_height as i64;
                        let x = (ix * g.stride_width + fx) as i64 - g.padding_width as i64;
                        if y == oy as i64 && x == ox as i64 {
                            let i = ((b * input[1] + iy) * input[2] + ix) * input[3] + ic;
                            let f = ((oc * filter[1] + fy) * filter[2] + fx) * filter[3] + ic;
                            pairs.push((i, f));
                        }
                    }
                }
            }
        }
    }
    let _ = output;
    pairs
}

fn outputs(output: &[usize; 4]) -> impl Iterator<Item = (usize, usize, usize, usize)> + '_ {
    (0..output[0]).flat_map(move |b| {
        (0..output[1]).flat_map(move |y| {
            (0..output[2]).flat_map(move |x| (0..output[3]).map(move |c| (b, y, x, c)))
        })
    })
}

fn shape(d: &[usize; 4]) -> NhwcShape {
    NhwcShape::new(d[0], d[1], d[2], d[3])
}

pub(super) fn transpose_conv_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let batches = 1 + d.below(2);
    let (in_h, in_w, in_c) = (extent(d, 3, 5), extent(d, 3, 5), 1 + d.below(5));
    let (kh, kw, out_c) = (1 + d.below(4), 1 + d.below(4), 1 + d.below(6));
    let g = TransposeGeometry {
        stride_height: 1 + d.below(3),
        stride_width: 1 + d.below(3),
        padding_height: d.below(3),
        padding_width: d.below(3),
    };
    let (out_h, out_w) = (
        (in_h * g.stride_height + kh).saturating_sub(d.below(4)),
        (in_w * g.stride_width + kw).saturating_sub(d.below(4)),
    );
    let dims = (
        [batches, in_h, in_w, in_c],
        [out_c, kh, kw, in_c],
        [batches, out_h, out_w, out_c],
    );
    let (input_dims, filter_dims, output_dims) = dims;
    let n_in: usize = input_dims.iter().product();
    let n_f: usize = filter_dims.iter().product();
    let n_out: usize = output_dims.iter().product();
    let dims_ref = (&input_dims, &filter_dims, &output_dims);
    match d.u8() % 3 {
        0 => {
            let input: Vec<f32> = (0..n_in).map(|_| float_value(d)).collect();
            let filter: Vec<f32> = (0..n_f).map(|_| float_value(d)).collect();
            let bias: Option<Vec<f32>> = d
                .bool()
                .then(|| (0..out_c).map(|_| float_value(d)).collect());
            let mut out = vec![0f32; n_out];
            let (lo, hi) = float_range(d);
            if let Err(e) = transpose_conv_f32(
                &g,
                (lo, hi),
                shape(&input_dims),
                &input,
                shape(&filter_dims),
                &filter,
                bias.as_deref(),
                shape(&output_dims),
                &mut out,
            ) {
                return mismatch(KERNEL, format!("float rejected consistent buffers: {e}"));
            }
            for (k, at) in outputs(&output_dims).enumerate() {
                let mut acc = 0f32;
                for (i, f) in reaching(&g, dims_ref, at) {
                    acc += input[i] * filter[f];
                }
                if let Some(b) = &bias {
                    acc += b[at.3];
                }
                let acc = clamp_cpp_f32(acc, lo, hi);
                if !same_f32(acc, out[k]) {
                    return mismatch(
                        KERNEL,
                        format!("float {dims:?} {g:?} at {at:?}: {acc} vs {}", out[k]),
                    );
                }
            }
        }
        kind => {
            let (multipliers, mut shifts): (Vec<i32>, Vec<i32>) =
                (0..out_c).map(|_| multiplier_and_shift(d)).unzip();
            let filter = i8s(d, n_f);
            let wide = kind == 2;
            if wide {
                shifts.iter_mut().for_each(|s| *s = (*s).clamp(-31, 7));
            }
            let (min, max) = if wide {
                (-32768, 32767)
            } else {
                activation_range(d)
            };
            let quant = ConvQuantParamsI8 {
                input_offset: if wide { 0 } else { input_offset(d) },
                output_offset: if wide { 0 } else { d.in_range(-128, 127) },
                output_multipliers: &multipliers,
                output_shifts: &shifts,
                activation_min: min,
                activation_max: max,
            };
            let expected_and_got: (Vec<i32>, Vec<i32>) = if wide {
                let input: Vec<i16> = (0..n_in).map(|_| d.u16() as i16).collect();
                let bias: Option<Vec<i64>> = d.bool().then(|| {
                    (0..out_c)
                        .map(|_| i64::from(bias_value(d)) << d.below(12))
                        .collect()
                });
                let kernel_bias = bias.as_deref().map_or(Bias16::None, Bias16::Int64);
                let mut out = vec![0i16; n_out];
                let mut scratch = vec![0i64; n_out];
                if let Err(e) = transpose_conv_16x8(
                    &g,
                    &quant,
                    shape(&input_dims),
                    &input,
                    shape(&filter_dims),
                    &filter,
                    kernel_bias,
                    shape(&output_dims),
                    &mut out,
                    &mut scratch,
                ) {
                    return mismatch(KERNEL, format!("16x8 rejected consistent buffers: {e}"));
                }
                for backend in fast_backends() {
                    let mut fast = vec![0i16; n_out];
                    let mut fast_scratch = vec![0i64; n_out];
                    let result = optimized::transpose_conv_16x8(
                        backend,
                        &g,
                        &quant,
                        shape(&input_dims),
                        &input,
                        shape(&filter_dims),
                        &filter,
                        kernel_bias,
                        shape(&output_dims),
                        &mut fast,
                        &mut fast_scratch,
                    );
                    if result.is_err() || fast != out {
                        return mismatch(
                            KERNEL,
                            format!("16x8 on {backend:?} differs from the reference: {result:?}"),
                        );
                    }
                }
                let expected = outputs(&output_dims)
                    .map(|at| {
                        let mut acc: i128 = reaching(&g, dims_ref, at)
                            .into_iter()
                            .map(|(i, f)| i128::from(input[i]) * i128::from(filter[f]))
                            .sum();
                        acc += bias.as_ref().map_or(0, |b| i128::from(b[at.3]));
                        let scaled = multiply_by_quantized_multiplier_i64(
                            acc as i64,
                            multipliers[at.3],
                            shifts[at.3],
                        );
                        i32::from(scaled.max(min).min(max) as i16)
                    })
                    .collect();
                (expected, out.iter().map(|&v| i32::from(v)).collect())
            } else {
                let input = i8s(d, n_in);
                let bias: Option<Vec<i32>> = d
                    .bool()
                    .then(|| (0..out_c).map(|_| bias_value(d)).collect());
                let mut out = vec![0i8; n_out];
                let mut scratch = vec![0i32; n_out];
                if let Err(e) = transpose_conv_i8(
                    &g,
                    &quant,
                    shape(&input_dims),
                    &input,
                    shape(&filter_dims),
                    &filter,
                    bias.as_deref(),
                    shape(&output_dims),
                    &mut out,
                    &mut scratch,
                ) {
                    return mismatch(KERNEL, format!("int8 rejected consistent buffers: {e}"));
                }
                for backend in fast_backends() {
                    let mut fast = vec![0i8; n_out];
                    let mut fast_scratch = vec![0i32; n_out];
                    let result = optimized::transpose_conv_i8(
                        backend,
                        &g,
                        &quant,
                        shape(&input_dims),
                        &input,
                        shape(&filter_dims),
                        &filter,
                        bias.as_deref(),
                        shape(&output_dims),
                        &mut fast,
                        &mut fast_scratch,
                    );
                    if result.is_err() || fast != out {
                        return mismatch(
                            KERNEL,
                            format!("int8 on {backend:?} differs from the reference: {result:?}"),
                        );
                    }
                }
                let expected = outputs(&output_dims)
                    .map(|at| {
                        let mut acc: i128 = reaching(&g, dims_ref, at)
                            .into_iter()
                            .map(|(i, f)| {
                                (i128::from(input[i]) + i128::from(quant.input_offset))
                                    * i128::from(filter[f])
                            })
                            .sum();
                        acc += bias.as_ref().map_or(0, |b| i128::from(b[at.3]));
                        let scaled = multiply_by_quantized_multiplier(
                            crate::naive::wrap32(acc),
                            multipliers[at.3],
                            shifts[at.3],
                        );
                        let out = crate::naive::wrap32(
                            i128::from(scaled) + i128::from(quant.output_offset),
                        );
                        i32::from(out.max(min).min(max) as i8)
                    })
                    .collect();
                (expected, out.iter().map(|&v| i32::from(v)).collect())
            };
            let (expected, got) = expected_and_got;
            if expected != got {
                return mismatch(
                    KERNEL,
                    format!(
                        "{} {dims:?} {g:?} {quant:?}: expected {expected:?}, got {got:?}",
                        if wide { "16x8" } else { "int8" }
                    ),
                );
            }
        }
    }
    Ok(())
}
