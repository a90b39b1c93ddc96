//! QUANTIZE (float to int8/uint8/int16), DEQUANTIZE, int-to-int
//! requantization and `quantize_multiplier` against the naive definitions.

use std::fmt;

use microlite_kernels::dequantize::{dequantize as dequantize_kernel, DequantizeParams};
use microlite_kernels::quantization::quantize_multiplier;
use microlite_kernels::quantize::{
    affine_quantize, requantize as requantize_kernel, AffineQuantizeParams, QuantizedInt,
    RequantizeParams,
};

use super::{
    float_value, mismatch, multiplier_and_shift, same_f32, scale_value, zero_point, Mismatch,
};
use crate::decisions::Decisions;
use crate::naive;

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

pub(super) fn quantize(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
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
    if let Err(e) = dequantize_kernel(&params, &input, &mut output) {
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
    if dequantize_kernel(&params, &input, &mut vec![0f32; n + 1]).is_ok() {
        return mismatch(name, "accepted output one element too long".into());
    }
    Ok(())
}

pub(super) fn dequantize(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
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
    if let Err(e) = requantize_kernel(&params, &input, &mut output) {
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

pub(super) fn requantize(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    // Every integer pair TFLM's QUANTIZE takes.
    match d.u8() % 10 {
        0 => requantize_between::<i8, i8>("requantize::<i8, i8>", d),
        1 => requantize_between::<i8, i16>("requantize::<i8, i16>", d),
        2 => requantize_between::<i16, i8>("requantize::<i16, i8>", d),
        3 => requantize_between::<i8, u8>("requantize::<i8, u8>", d),
        4 => requantize_between::<i8, i32>("requantize::<i8, i32>", d),
        5 => requantize_between::<i16, i16>("requantize::<i16, i16>", d),
        6 => requantize_between::<i16, i32>("requantize::<i16, i32>", d),
        7 => requantize_between::<i32, i8>("requantize::<i32, i8>", d),
        8 => requantize_between::<i32, i16>("requantize::<i32, i16>", d),
        _ => requantize_between::<u8, i8>("requantize::<u8, i8>", d),
    }
}

pub(super) fn multiplier(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
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
