//! TFLM's signal library PCAN (`SignalPCAN`): per-channel automatic gain
//! control of filter bank energies by their noise estimate, in fixed point
//! (a piecewise-polynomial gain table, then a "shrink" nonlinearity).

use crate::signal_fft::most_significant_bit32;
use crate::KernelError;

/// Fractional bits of the signal-to-noise ratio.
const SNR_BITS: u32 = 12;
/// Fractional bits of the output.
const OUTPUT_BITS: u32 = 6;

/// The gain for noise estimate `x` from the piecewise-quadratic table
/// `lut` (TFLM's `WideDynamicFunction`: entries `x` for `x <= 2`, else the
/// segment of the bit length of `x`, interpolated on its next 10 bits).
/// An `x` whose segment lies past the table is an error.
pub fn wide_dynamic_function(x: u32, lut: &[i16]) -> Result<i16, KernelError> {
    let short = KernelError::InvalidValue {
        what: "pcan gain table too short for the noise estimate",
        position: x as usize,
    };
    if x <= 2 {
        return lut.get(x as usize).copied().ok_or(short);
    }
    let interval = most_significant_bit32(x);
    let base = (4 * interval - 6) as usize;
    let coefficient = |k: usize| lut.get(base + k).map(|&v| i32::from(v)).ok_or(short);
    let (c0, c1, c2) = (coefficient(0)?, coefficient(1)?, coefficient(2)?);
    let shifted = if interval < 11 {
        x << (11 - interval)
    } else {
        x >> (interval - 11)
    };
    let frac = (shifted & 0x3FF) as i32;
    let mut result = c2.wrapping_mul(frac) >> 5;
    result = result.wrapping_add(((c1 as u32) << 5) as i32);
    result = result.wrapping_mul(frac);
    result = result.wrapping_add(1 << 14) >> 15;
    result = result.wrapping_add(c0);
    Ok(result as i16)
}

/// `x^2 / 4` below 2, `x - 1` from 2 (`x` with 12 fractional bits, the
/// result with 6).
pub fn pcan_shrink(x: u32) -> u32 {
    if x < (2 << SNR_BITS) {
        x.wrapping_mul(x) >> (2 + 2 * SNR_BITS - OUTPUT_BITS)
    } else {
        (x >> (SNR_BITS - OUTPUT_BITS)) - (1 << OUTPUT_BITS)
    }
}

/// PCAN: `output[i] = shrink((input[i] * gain(noise[i])) >> snr_shift)`
/// (uint64 product, the gain's int16 sign-extended to uint32, the ratio
/// truncated to uint32). `snr_shift` must be in `0..64`.
pub fn pcan(
    input: &[u32],
    noise_estimate: &[u32],
    gain_lut: &[i16],
    snr_shift: u32,
    output: &mut [u32],
) -> Result<(), KernelError> {
    for (buffer, len) in [
        ("pcan noise estimate", noise_estimate.len()),
        ("pcan output", output.len()),
    ] {
        if len != input.len() {
            return Err(KernelError::LengthMismatch {
                buffer,
                expected: input.len(),
                actual: len,
            });
        }
    }
    if snr_shift >= 64 {
        return Err(KernelError::InvalidParameter {
            what: "pcan snr_shift",
            value: snr_shift as usize,
        });
    }
    for ((o, &x), &noise) in output.iter_mut().zip(input).zip(noise_estimate) {
        let gain = i32::from(wide_dynamic_function(noise, gain_lut)?) as u32;
        let snr = ((u64::from(x) * u64::from(gain)) >> snr_shift) as u32;
        *o = pcan_shrink(snr);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_is_quadratic_then_linear() {
        // 1.0 (4096) -> 0.25 (16); 3.0 -> 2.0 (128).
        assert_eq!(pcan_shrink(4096), 16);
        assert_eq!(pcan_shrink(3 * 4096), 128);
        assert_eq!(pcan_shrink(0), 0);
    }

    #[test]
    fn gain_table_segments() {
        let lut: [i16; 125] = core::array::from_fn(|k| k as i16 * 3 - 100);
        assert_eq!(wide_dynamic_function(0, &lut).unwrap(), -100);
        assert_eq!(wide_dynamic_function(2, &lut).unwrap(), -94);
        // x = 4: interval 3, segment at 6, frac (4 << 8) & 0x3FF = 0 -> c0.
        assert_eq!(wide_dynamic_function(4, &lut).unwrap(), lut[6]);
        // x = 6: frac = (6 << 8) & 0x3FF = 512.
        let (c0, c1, c2) = (i32::from(lut[6]), i32::from(lut[7]), i32::from(lut[8]));
        let want = ((((c2 * 512) >> 5) + (c1 << 5)) * 512 + (1 << 14)) >> 15;
        assert_eq!(
            i32::from(wide_dynamic_function(6, &lut).unwrap()),
            want + c0
        );
        assert!(wide_dynamic_function(u32::MAX, &lut).is_ok());
        assert!(wide_dynamic_function(u32::MAX, &lut[..124]).is_err());
        let mut out = [0u32; 2];
        pcan(&[1000, 0], &[4, 4], &lut, 6, &mut out).unwrap();
        assert!(pcan(&[1000, 0], &[4, 4], &lut, 64, &mut out).is_err());
    }
}
