//! REDUCE_MAX / REDUCE_MIN, SUM (float) and REDUCE_ALL against the naive
//! fold: every input element, in row-major order, offered
//! to the output element its kept coordinates name. The quantized MEAN /
//! SUM (int8, int16) against the exact sum of each output's elements minus
//! the zero point's share, wrapped to `i32` and requantized naively (the
//! output zero point added in C++'s wrapping int32, as TFLM does: the
//! fuzzer found a multiplier and shift whose product sits next to
//! `i32::MIN`).

use microlite_kernels::reduce::{
    mean_int16, mean_int8, reduce_all, reduce_max_min, sum_f32, MeanQuantParams, ReduceShape,
};

use super::{extent, float_value, mismatch, multiplier_and_shift, same_f32, Mismatch};
use crate::decisions::Decisions;
use crate::naive::{multiply_by_quantized_multiplier, wrap32};

pub(super) fn max_min(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let rank = 1 + d.below(4);
    let dims: Vec<usize> = (0..rank).map(|_| extent(d, 3, 5)).collect();
    let axes: Vec<i32> = (0..1 + d.below(rank))
        .map(|_| d.in_range(-(rank as i32), rank as i32 - 1))
        .collect();
    let shape = match ReduceShape::new(&dims, &axes) {
        Ok(shape) => shape,
        Err(e) => return mismatch("reduce_max_min", format!("{dims:?} {axes:?}: {e}")),
    };
    let reduced: Vec<bool> = (0..rank).map(|k| shape.is_reduced(k)).collect();
    let n: usize = dims.iter().product();
    let out_len: usize = dims
        .iter()
        .zip(&reduced)
        .filter(|(_, &r)| !r)
        .map(|(&e, _)| e)
        .product();
    let max = d.bool();
    let input: Vec<f32> = (0..n).map(|_| float_value(d)).collect();
    let init = if max { f32::MIN } else { f32::MAX };
    let mut want = vec![init; out_len];
    for (flat, &x) in input.iter().enumerate() {
        // Coordinates of `flat`, then the output index of the kept ones.
        let mut rest = flat;
        let mut coords = vec![0; rank];
        for k in (0..rank).rev() {
            coords[k] = rest % dims[k];
            rest /= dims[k];
        }
        let out = (0..rank)
            .filter(|&k| !reduced[k])
            .fold(0, |acc, k| acc * dims[k] + coords[k]);
        let current = want[out];
        if (max && x > current) || (!max && x < current) {
            want[out] = x;
        }
    }
    let mut got = vec![0f32; out_len];
    if let Err(e) = reduce_max_min(&shape, max, init, &input, &mut got) {
        return mismatch("reduce_max_min", format!("{dims:?} {axes:?} refused: {e}"));
    }
    if let Some(k) = (0..out_len).find(|&k| !same_f32(got[k], want[k])) {
        return mismatch(
            "reduce_max_min",
            format!(
                "{dims:?} {axes:?} max={max}: output {k} {} vs {}",
                got[k], want[k]
            ),
        );
    }
    // SUM: the same row-major fold from 0 (so the same float additions);
    // REDUCE_ALL: AND of bytes from true.
    let mut sums = vec![0f32; out_len];
    let bools: Vec<u8> = input
        .iter()
        .map(|x| u8::from(x.to_bits() % 3 != 0))
        .collect();
    let mut alls = vec![1u8; out_len];
    for (flat, (&x, &b)) in input.iter().zip(&bools).enumerate() {
        let mut rest = flat;
        let mut coords = vec![0; rank];
        for k in (0..rank).rev() {
            coords[k] = rest % dims[k];
            rest /= dims[k];
        }
        let out = (0..rank)
            .filter(|&k| !reduced[k])
            .fold(0, |acc, k| acc * dims[k] + coords[k]);
        sums[out] += x;
        alls[out] = u8::from(b != 0 && alls[out] != 0);
    }
    let mut got_sums = vec![7f32; out_len];
    let mut got_alls = vec![7u8; out_len];
    if sum_f32(&shape, &input, &mut got_sums).is_err()
        || reduce_all(&shape, &bools, &mut got_alls).is_err()
    {
        return mismatch("sum/reduce_all", format!("{dims:?} {axes:?} refused"));
    }
    if let Some(k) =
        (0..out_len).find(|&k| !same_f32(got_sums[k], sums[k]) || got_alls[k] != alls[k])
    {
        return mismatch("sum/reduce_all", format!("{dims:?} {axes:?}: output {k}"));
    }
    if reduce_max_min(&shape, max, init, &input, &mut vec![0f32; out_len + 1]).is_ok() {
        return mismatch(
            "reduce_max_min",
            "accepted an output one element too long".into(),
        );
    }
    // Quantized MEAN / SUM: the output each input element goes to, as above.
    let targets: Vec<usize> = (0..n)
        .map(|flat| {
            let mut rest = flat;
            let mut coords = vec![0; rank];
            for k in (0..rank).rev() {
                coords[k] = rest % dims[k];
                rest /= dims[k];
            }
            (0..rank)
                .filter(|&k| !reduced[k])
                .fold(0, |acc, k| acc * dims[k] + coords[k])
        })
        .collect();
    let (output_multiplier, output_shift) = multiplier_and_shift(d);
    let int16 = d.bool();
    let (lo, hi) = if int16 { (-32768, 32767) } else { (-128, 127) };
    let params = MeanQuantParams {
        input_zero_point: if int16 { 0 } else { d.in_range(lo, hi) },
        output_zero_point: if int16 { 0 } else { d.in_range(lo, hi) },
        output_multiplier,
        output_shift,
    };
    let values: Vec<i32> = (0..n)
        .map(|_| {
            if int16 {
                i32::from(d.u16() as i16)
            } else {
                i32::from(d.u8() as i8)
            }
        })
        .collect();
    let count = (n / out_len.max(1)) as i128;
    let mut exact = vec![0i128; out_len];
    for (&x, &t) in values.iter().zip(&targets) {
        exact[t] += i128::from(x);
    }
    let want: Vec<i32> = exact
        .iter()
        .map(|&sum| {
            let shifted = wrap32(sum - i128::from(params.input_zero_point) * count);
            let scaled = multiply_by_quantized_multiplier(shifted, output_multiplier, output_shift);
            // C++ int32 addition (wrapping on TFLM's targets), then the clamp.
            wrap32(i128::from(scaled) + i128::from(params.output_zero_point)).clamp(lo, hi)
        })
        .collect();
    let got: Vec<i32> = if int16 {
        let input: Vec<i16> = values.iter().map(|&v| v as i16).collect();
        let mut out = vec![0i16; out_len];
        if let Err(e) = mean_int16(&shape, &params, &input, &mut out) {
            return mismatch("mean/sum int16", format!("{dims:?} {axes:?} refused: {e}"));
        }
        out.iter().map(|&v| i32::from(v)).collect()
    } else {
        let input: Vec<i8> = values.iter().map(|&v| v as i8).collect();
        let mut out = vec![0i8; out_len];
        if let Err(e) = mean_int8(&shape, &params, &input, &mut out) {
            return mismatch("mean/sum int8", format!("{dims:?} {axes:?} refused: {e}"));
        }
        out.iter().map(|&v| i32::from(v)).collect()
    };
    if let Some(k) = (0..out_len).find(|&k| got[k] != want[k]) {
        return mismatch(
            if int16 {
                "mean/sum int16"
            } else {
                "mean/sum int8"
            },
            format!(
                "{dims:?} {axes:?} {params:?}: output {k} {} vs {}",
                got[k], want[k]
            ),
        );
    }
    Ok(())
}
