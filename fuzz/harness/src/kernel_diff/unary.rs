//! The one-input elementwise kernels (`microlite_kernels::unary`) against
//! naive definitions: float functions computed in `f64` (exact ones bit for
//! bit, transcendental ones within the float tolerance), quantized ABS with
//! the naive fixed-point multiply, LOGICAL_NOT.

use microlite_kernels::unary::{
    abs_int16, abs_int8, float_unary, logical_not, AbsQuantParams, FloatUnary,
};

use super::{float_value, mismatch, multiplier_and_shift, same_f32, Mismatch};
use crate::decisions::Decisions;
use crate::naive;

/// The function at `x` in `f64`, rounded once to `f32`.
fn oracle(f: FloatUnary, x: f32) -> f32 {
    let v = f64::from(x);
    let y = match f {
        FloatUnary::Abs => v.abs(),
        FloatUnary::Neg => -v,
        FloatUnary::Sin => v.sin(),
        FloatUnary::Cos => v.cos(),
        FloatUnary::Exp => v.exp(),
        FloatUnary::Log => v.ln(),
        FloatUnary::Sqrt => v.sqrt(),
        FloatUnary::Rsqrt => 1.0 / f64::from(x.sqrt()),
        FloatUnary::Square => v * v,
        FloatUnary::Floor => v.floor(),
        FloatUnary::Ceil => v.ceil(),
        FloatUnary::Round => round_to_nearest(v),
        _ => f64::NAN,
    };
    y as f32
}

/// TFLM's `RoundToNearest` spelled out in `f64` (its `+0` for tiny
/// negatives included: `floor` is -1 and the difference rounds to 1).
fn round_to_nearest(v: f64) -> f64 {
    let floor = v.floor();
    let diff = v - floor;
    if diff < 0.5 || (diff == 0.5 && (floor as i64) % 2 == 0) {
        floor
    } else {
        floor + 1.0
    }
}

/// Whether `f` is computed exactly by both sides (no approximation).
fn exact(f: FloatUnary) -> bool {
    !matches!(
        f,
        FloatUnary::Sin | FloatUnary::Cos | FloatUnary::Exp | FloatUnary::Log | FloatUnary::Rsqrt
    )
}

pub(super) fn float32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let f = FloatUnary::ALL[d.below(FloatUnary::ALL.len())];
    let n = d.below(48);
    let input: Vec<f32> = (0..n).map(|_| float_value(d)).collect();
    let mut output = vec![0f32; n];
    if let Err(e) = float_unary(f, &input, &mut output) {
        return mismatch("float_unary", format!("{f:?} rejected equal lengths: {e}"));
    }
    for (&x, &got) in input.iter().zip(&output) {
        let want = oracle(f, x);
        let close = if exact(f) || !want.is_finite() || !got.is_finite() {
            same_f32(got, want)
        } else {
            (f64::from(got) - f64::from(want)).abs() <= 1e-5 + 1e-5 * f64::from(want).abs()
        };
        if !close {
            return mismatch(
                "float_unary",
                format!("{f:?}({x:e}): expected {want:e}, got {got:e}"),
            );
        }
    }
    if float_unary(f, &input, &mut vec![0f32; n + 1]).is_ok() {
        return mismatch("float_unary", "accepted output one element too long".into());
    }
    Ok(())
}

/// ABS of an integer in the output's quantization, naively.
fn abs_naive(p: &AbsQuantParams, x: i32, lo: i64, hi: i64) -> i64 {
    let value = (i64::from(x) - i64::from(p.input_offset)).abs() as i32;
    let scaled = if p.needs_rescale != 0 {
        naive::multiply_by_quantized_multiplier(value, p.multiplier, p.shift)
    } else {
        value
    };
    (i64::from(scaled) + i64::from(p.output_offset)).clamp(lo, hi)
}

pub(super) fn abs_quantized(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (multiplier, shift) = multiplier_and_shift(d);
    let int16 = d.bool();
    let (input_offset, output_offset) = if int16 {
        (0, 0)
    } else {
        (d.in_range(-128, 127), d.in_range(-128, 127))
    };
    let p = AbsQuantParams {
        input_offset,
        output_offset,
        multiplier,
        shift,
        needs_rescale: u32::from(d.bool()),
    };
    let n = d.below(48);
    if int16 {
        let input: Vec<i16> = (0..n).map(|_| d.u16() as i16).collect();
        let mut output = vec![0i16; n];
        if abs_int16(&p, &input, &mut output).is_err() {
            return mismatch("abs_int16", "rejected equal lengths".into());
        }
        for (&x, &got) in input.iter().zip(&output) {
            let want = abs_naive(&p, i32::from(x), -32768, 32767);
            if i64::from(got) != want {
                return mismatch("abs_int16", format!("{x} with {p:?}: {want} vs {got}"));
            }
        }
    } else {
        let input: Vec<i8> = (0..n).map(|_| d.u8() as i8).collect();
        let mut output = vec![0i8; n];
        if abs_int8(&p, &input, &mut output).is_err() {
            return mismatch("abs_int8", "rejected equal lengths".into());
        }
        for (&x, &got) in input.iter().zip(&output) {
            let want = abs_naive(&p, i32::from(x), -128, 127);
            if i64::from(got) != want {
                return mismatch("abs_int8", format!("{x} with {p:?}: {want} vs {got}"));
            }
        }
    }
    let bools: Vec<u8> = (0..n).map(|_| d.u8() % 3).collect();
    let mut not = vec![7u8; n];
    if logical_not(&bools, &mut not).is_err()
        || bools.iter().zip(&not).any(|(&b, &o)| o != u8::from(b == 0))
    {
        return mismatch("logical_not", format!("{bools:?} -> {not:?}"));
    }
    Ok(())
}
