//! Interpolated int16 → int16 lookup tables, as TFLM builds and reads them
//! (`LUTPopulate<int16_t>` and `LUTLookup` in its `internal/common.h`).
//!
//! A table samples a function at 512 evenly spaced points of the int16
//! input range plus the end point. A lookup takes the top 9 bits of the
//! input as the segment and interpolates linearly with the low 7 bits.
//! Each sample is biased by half the error of the interpolated segment
//! midpoint, so that interpolation errors are centred. All table arithmetic
//! is single precision, as TFLM's default `float` instantiation.

use num_traits::Float;

use crate::quantization::round_half_away_from_zero_f32;
use crate::KernelError;

/// Entries of an int16 table: 512 segments and the end point.
pub const INT16_LUT_LEN: usize = 513;

/// Number of segments of an int16 table.
const SEGMENTS: i32 = 512;

/// Real-valued description of the table's input and output quantization.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LutQuantization {
    /// Input scale.
    pub input_scale: f32,
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output scale.
    pub output_scale: f32,
    /// Output zero point.
    pub output_zero_point: i32,
}

fn clamp_to_i16(x: f32) -> i16 {
    // std::min(std::max(x, -32768), 32767) then a cast; NaN stays NaN through
    // the C++ comparisons, and `as` maps it to 0.
    let lower = if x < f32::from(i16::MIN) {
        f32::from(i16::MIN)
    } else {
        x
    };
    let bounded = if f32::from(i16::MAX) < lower {
        f32::from(i16::MAX)
    } else {
        lower
    };
    bounded as i16
}

/// Fills `lut` (exactly [`INT16_LUT_LEN`] entries) with `transform` sampled
/// over the int16 input range of `q`, in the output quantization of `q`.
pub fn populate_int16(
    q: LutQuantization,
    transform: impl Fn(f32) -> f32,
    lut: &mut [i16],
) -> Result<(), KernelError> {
    if lut.len() != INT16_LUT_LEN {
        return Err(KernelError::LengthMismatch {
            buffer: "lookup table",
            expected: INT16_LUT_LEN,
            actual: lut.len(),
        });
    }
    // The integer differences are exact in i32 and converted to float, as
    // the C++ `int` arithmetic before the multiplication by the scale.
    let input_min = q.input_scale * i32::from(i16::MIN).wrapping_sub(q.input_zero_point) as f32;
    let input_max = q.input_scale * i32::from(i16::MAX).wrapping_sub(q.input_zero_point) as f32;
    let output_min = q.output_scale * i32::from(i16::MIN).wrapping_sub(q.output_zero_point) as f32;
    let output_max = q.output_scale * i32::from(i16::MAX).wrapping_sub(q.output_zero_point) as f32;
    let step = (input_max - input_min) / SEGMENTS as f32;
    let half_step = step / 2.0;
    let output_scaling_inv = 65536.0f32 / (output_max - output_min);
    let round = round_half_away_from_zero_f32;
    for (i, slot) in (0..SEGMENTS).zip(lut.iter_mut()) {
        let start = input_min + i as f32 * step;
        let value = transform(start);
        let midpoint = transform(start + half_step);
        let next = transform(input_min + (i + 1) as f32 * step);
        let sample = round(value * output_scaling_inv);
        let interpolated_midpoint = round((next * output_scaling_inv + sample) / 2.0);
        let exact_midpoint = round(midpoint * output_scaling_inv);
        let bias = round((interpolated_midpoint - exact_midpoint) / 2.0);
        *slot = clamp_to_i16(sample - bias);
    }
    if let Some(last) = lut.last_mut() {
        *last = clamp_to_i16(round(transform(input_max) * output_scaling_inv));
    }
    Ok(())
}

/// Looks `value` up in a table made by [`populate_int16`], interpolating
/// between the two samples around it (16-bit wrapping arithmetic, as TFLM).
/// A table shorter than [`INT16_LUT_LEN`] reads missing entries as 0.
#[inline]
pub fn lookup_int16(value: i16, lut: &[i16]) -> i16 {
    // 0..=511: the segment of the top 9 bits.
    let index = (256 + i32::from(value >> 7)) as usize;
    let offset = i32::from(value & 0x7f);
    let base = lut.get(index).copied().unwrap_or(0);
    let next = lut.get(index + 1).copied().unwrap_or(0);
    let slope = i32::from(next.wrapping_sub(base));
    let delta = (slope * offset + 64) >> 7;
    (i32::from(base) + delta) as i16
}

/// `exp(x)` in single precision, TFLM's softmax table transform
/// (`std::exp` of a `float`).
///
/// Computed in double precision and rounded once: the TFLM wheel's glibc
/// `expf` is within 0.502 ulp, so it agrees with this double-rounded value
/// on all but about one input in 10^4, where the single-precision `expf` of
/// `libm` (within 1 ulp) differs on one input in 130. The table rounds each
/// value to int16 afterwards, so a one-ulp difference rarely shows at all.
pub(crate) fn exp_f32(x: f32) -> f32 {
    Float::exp(f64::from(x)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_table_is_within_one_step() {
        let q = LutQuantization {
            input_scale: 1.0,
            input_zero_point: 0,
            output_scale: 1.0,
            output_zero_point: 0,
        };
        let mut lut = [0i16; INT16_LUT_LEN];
        populate_int16(q, |x| x, &mut lut).unwrap();
        for v in [-32768i16, -1000, -1, 0, 1, 127, 128, 32000, 32767] {
            // The output scaling is 65536 / 65535, not 1.
            assert!((i32::from(lookup_int16(v, &lut)) - i32::from(v)).abs() <= 1);
        }
    }

    #[test]
    fn wrong_length_is_an_error() {
        let q = LutQuantization {
            input_scale: 1.0,
            input_zero_point: 0,
            output_scale: 1.0,
            output_zero_point: 0,
        };
        assert!(populate_int16(q, |x| x, &mut [0i16; 512]).is_err());
    }
}
