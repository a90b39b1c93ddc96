//! TFLM's signal library filter bank ops: FILTER_BANK
//! (`SignalFilterBank`, mel-style triangular filters over an energy
//! spectrum), FILTER_BANK_SQUARE_ROOT, FILTER_BANK_SPECTRAL_SUBTRACTION
//! (noise estimate kept across invokes) and FILTER_BANK_LOG, all in
//! unsigned fixed point.

use bytemuck::{Pod, Zeroable};

use crate::signal_fft::most_significant_bit32;
use crate::KernelError;

/// The filter bank's constant tables (int16 each; the three per-channel
/// ones hold `num_channels + 1` entries, channel 0 being scratch).
#[derive(Debug, Clone, Copy)]
pub struct FilterBankTables<'a> {
    /// Triangular filter weights.
    pub weights: &'a [i16],
    /// `1 - weight` for the next channel.
    pub unweights: &'a [i16],
    /// Per channel: first spectrum bin of its band.
    pub frequency_starts: &'a [i16],
    /// Per channel: first entry of its weights.
    pub weight_starts: &'a [i16],
    /// Per channel: number of bins of its band.
    pub widths: &'a [i16],
}

fn index(base: i16, j: usize, what: &'static str, position: usize) -> Result<usize, KernelError> {
    usize::try_from(base)
        .ok()
        .and_then(|b| b.checked_add(j))
        .ok_or(KernelError::InvalidValue { what, position })
}

/// FILTER_BANK: accumulates `input` (energy per bin) into
/// `output.len()` channels (TFLM's `FilterbankAccumulateChannels`: each
/// bin's energy weighted into its channel and unweighted into the next,
/// uint64 wrapping arithmetic, int16 weights sign-extended). Channel 0 of
/// the tables is scratch and dropped. A table entry pointing outside the
/// input or the weights is an error (TFLM reads out of bounds).
pub fn filter_bank(
    tables: &FilterBankTables<'_>,
    input: &[u32],
    output: &mut [u64],
) -> Result<(), KernelError> {
    let channels = output.len() + 1;
    for (name, table) in [
        ("filter bank frequency starts", tables.frequency_starts),
        ("filter bank weight starts", tables.weight_starts),
        ("filter bank channel widths", tables.widths),
    ] {
        if table.len() < channels {
            return Err(KernelError::LengthMismatch {
                buffer: name,
                expected: channels,
                actual: table.len(),
            });
        }
    }
    let mut weight_acc: u64 = 0;
    let mut unweight_acc: u64 = 0;
    let rows = tables
        .frequency_starts
        .iter()
        .zip(tables.weight_starts)
        .zip(tables.widths)
        .take(channels)
        .enumerate();
    for (channel, ((&freq_start, &weight_start), &width)) in rows {
        for j in 0..usize::try_from(width).unwrap_or(0) {
            let bin = index(freq_start, j, "filter bank spectrum bin", channel)?;
            let w = index(weight_start, j, "filter bank weight index", channel)?;
            let x = u64::from(*input.get(bin).ok_or(KernelError::InvalidValue {
                what: "filter bank spectrum bin",
                position: channel,
            })?);
            let bad_weight = KernelError::InvalidValue {
                what: "filter bank weight index",
                position: channel,
            };
            let weight = *tables.weights.get(w).ok_or(bad_weight)?;
            let unweight = *tables.unweights.get(w).ok_or(bad_weight)?;
            weight_acc = weight_acc.wrapping_add((i64::from(weight) as u64).wrapping_mul(x));
            unweight_acc = unweight_acc.wrapping_add((i64::from(unweight) as u64).wrapping_mul(x));
        }
        if let Some(out) = channel.checked_sub(1).and_then(|c| output.get_mut(c)) {
            *out = weight_acc;
        }
        weight_acc = unweight_acc;
        unweight_acc = 0;
    }
    Ok(())
}

/// TFLM's `Sqrt32`: the rounded integer square root of `num` (at most
/// 0xFFFF).
pub fn sqrt32(num: u32) -> u32 {
    if num == 0 {
        return 0;
    }
    let mut num = num;
    let mut res: u32 = 0;
    let max_bit_number = (32 - most_significant_bit32(num)) | 1;
    let mut bit: u32 = 1 << (31 - max_bit_number);
    for _ in 0..(31 - max_bit_number) / 2 + 1 {
        if num >= res.wrapping_add(bit) {
            num = num.wrapping_sub(res.wrapping_add(bit));
            res = (res >> 1).wrapping_add(bit);
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    if num > res && res != 0xFFFF {
        res += 1;
    }
    res & 0xFFFF
}

/// TFLM's `Sqrt64`: [`sqrt32`] below 2^32, else the rounded square root
/// of the 64-bit value.
pub fn sqrt64(num: u64) -> u32 {
    let Ok(small) = u32::try_from(num) else {
        let mut num = num;
        let mut res: u64 = 0;
        let leading = 64 - most_significant_bit64(num);
        let max_bit_number = leading | 1;
        let mut bit: u64 = 1 << (63 - max_bit_number);
        for _ in 0..(63 - max_bit_number) / 2 + 1 {
            if num >= res.wrapping_add(bit) {
                num = num.wrapping_sub(res.wrapping_add(bit));
                res = (res >> 1).wrapping_add(bit);
            } else {
                res >>= 1;
            }
            bit >>= 2;
        }
        if num > res && res != 0xFFFF_FFFF {
            res += 1;
        }
        return res as u32;
    };
    sqrt32(small)
}

fn most_significant_bit64(x: u64) -> u32 {
    if x == 0 {
        64
    } else {
        64 - x.leading_zeros()
    }
}

/// FILTER_BANK_SQUARE_ROOT: `output[i] = sqrt64(input[i]) >> scale_bits`
/// (the shift count taken modulo 32, as the x86 and Arm builds of TFLM's
/// uint32 shift do for the out-of-range counts C leaves undefined).
pub fn filter_bank_square_root(
    input: &[u64],
    scale_bits: i32,
    output: &mut [u32],
) -> Result<(), KernelError> {
    if output.len() != input.len() {
        return Err(KernelError::LengthMismatch {
            buffer: "filter bank square root output",
            expected: input.len(),
            actual: output.len(),
        });
    }
    for (o, &x) in output.iter_mut().zip(input) {
        *o = sqrt64(x).wrapping_shr(scale_bits as u32);
    }
    Ok(())
}

/// FILTER_BANK_SPECTRAL_SUBTRACTION's options (TFLM's
/// `SpectralSubtractionConfig`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct SpectralSubtraction {
    /// Smoothing coefficient of even channels (scale
    /// `1 << spectral_subtraction_bits`).
    pub smoothing: u32,
    /// `1 - smoothing`.
    pub one_minus_smoothing: u32,
    /// Smoothing coefficient of odd channels.
    pub alternate_smoothing: u32,
    /// `1 - alternate_smoothing`.
    pub alternate_one_minus_smoothing: u32,
    /// Least fraction of the signal kept.
    pub min_signal_remaining: u32,
    /// Extra fractional bits of the noise estimate (below 32).
    pub smoothing_bits: u32,
    /// Scale bits of the coefficients (below 64).
    pub spectral_subtraction_bits: u32,
    /// 1: the noise estimate is clamped to the signal.
    pub clamping: u32,
}

/// FILTER_BANK_SPECTRAL_SUBTRACTION: updates the per-channel
/// `noise_estimate` (kept across invokes) from `input` and writes the
/// signal minus the noise, floored at `min_signal_remaining` of the signal.
pub fn spectral_subtraction(
    config: &SpectralSubtraction,
    input: &[u32],
    output: &mut [u32],
    noise_estimate: &mut [u32],
) -> Result<(), KernelError> {
    for (buffer, len) in [
        ("spectral subtraction output", output.len()),
        ("spectral subtraction noise estimate", noise_estimate.len()),
    ] {
        if len != input.len() {
            return Err(KernelError::LengthMismatch {
                buffer,
                expected: input.len(),
                actual: len,
            });
        }
    }
    if config.smoothing_bits >= 32 || config.spectral_subtraction_bits >= 64 {
        return Err(KernelError::InvalidParameter {
            what: "spectral subtraction smoothing_bits (< 32) / spectral_subtraction_bits (< 64)",
            value: config.smoothing_bits.max(config.spectral_subtraction_bits) as usize,
        });
    }
    let bits = config.spectral_subtraction_bits;
    let rows = input
        .iter()
        .zip(output.iter_mut())
        .zip(noise_estimate.iter_mut())
        .enumerate();
    for (i, ((&x, out), noise)) in rows {
        let (smoothing, one_minus) = if i % 2 == 0 {
            (config.smoothing, config.one_minus_smoothing)
        } else {
            (
                config.alternate_smoothing,
                config.alternate_one_minus_smoothing,
            )
        };
        let signal = x.wrapping_shl(config.smoothing_bits);
        *noise = ((u64::from(signal) * u64::from(smoothing))
            .wrapping_add(u64::from(*noise) * u64::from(one_minus))
            >> bits) as u32;
        let mut estimate = *noise;
        if estimate > signal {
            estimate = signal;
            if config.clamping != 0 {
                *noise = estimate;
            }
        }
        let floor = ((u64::from(x) * u64::from(config.min_signal_remaining)) >> bits) as u32;
        let subtracted = (signal - estimate) >> config.smoothing_bits;
        *out = subtracted.max(floor);
    }
    Ok(())
}

/// `round(65536 * (log2(1 + k / 128) - k / 128))` for `k` in `0..=128`,
/// and a 0 after: the correction table of TFLM's `Log32` (the unit test
/// checks it against the formula).
const LOG_LUT: [u16; 130] = [
    0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944,
    3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714,
    4791, 4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533,
    5557, 5578, 5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568,
    5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203, 5156, 5106, 5054, 5000, 4944,
    4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341, 4264, 4184, 4103, 4020, 3935, 3848, 3759,
    3668, 3575, 3481, 3384, 3286, 3186, 3084, 2981, 2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090,
    1971, 1851, 1729, 1605, 1480, 1353, 1224, 1094, 963, 830, 695, 559, 421, 282, 142, 0, 0,
];

/// TFLM's `Log32`: `out_scale * ln(x)` in fixed point (x >= 1), rounded
/// as TFLM's interpolated table does (uint32 wrapping for the final
/// scaling).
pub fn log32(x: u32, out_scale: u32) -> u32 {
    let integer = most_significant_bit32(x).wrapping_sub(1);
    // Log2FractionPart32: the bits below the leading one, as 16 bits.
    let mut frac = (i64::from(x) - (1i64 << (integer & 63))) as i32;
    if integer < 16 {
        frac = frac.wrapping_shl(16 - integer);
    } else {
        frac = frac.wrapping_shr(integer - 16);
    }
    let base_seg = (frac as u32) >> 9;
    let c0 = LOG_LUT.get(base_seg as usize).map_or(0, |&v| i32::from(v));
    let c1 = LOG_LUT
        .get(base_seg as usize + 1)
        .map_or(0, |&v| i32::from(v));
    let seg_base = (512u32.wrapping_mul(base_seg)) as i32;
    let rel_pos = (c1 - c0).wrapping_mul(frac.wrapping_sub(seg_base)) >> 16;
    let fraction = frac.wrapping_add(c0).wrapping_add(rel_pos) as u32;
    let log2 = integer.wrapping_shl(16).wrapping_add(fraction);
    let loge = ((45426u64 * u64::from(log2) + 32768) >> 16) as u32;
    out_scale.wrapping_mul(loge).wrapping_add(32768) >> 16
}

/// FILTER_BANK_LOG: `output[i] = min(log32(input[i] << correction_bits,
/// output_scale), 32767)`, 0 where the shifted input is 0 or 1.
/// `correction_bits` must be below 32.
pub fn filter_bank_log(
    input: &[u32],
    output_scale: u32,
    correction_bits: u32,
    output: &mut [i16],
) -> Result<(), KernelError> {
    if output.len() != input.len() {
        return Err(KernelError::LengthMismatch {
            buffer: "filter bank log output",
            expected: input.len(),
            actual: output.len(),
        });
    }
    if correction_bits >= 32 {
        return Err(KernelError::InvalidParameter {
            what: "filter bank log input_correction_bits",
            value: correction_bits as usize,
        });
    }
    for (o, &x) in output.iter_mut().zip(input) {
        let scaled = x << correction_bits;
        *o = if scaled > 1 {
            log32(scaled, output_scale).min(i16::MAX as u32) as i16
        } else {
            0
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_table_is_the_log2_correction() {
        for (k, &v) in LOG_LUT.iter().enumerate().take(129) {
            let t = k as f64 / 128.0;
            let want = (65536.0 * ((1.0 + t).log2() - t)).round() as u16;
            assert_eq!(v, want, "{k}");
        }
    }

    #[test]
    fn log32_is_close_to_ln() {
        for x in [
            2u32,
            3,
            10,
            1000,
            65535,
            65536,
            1 << 20,
            123_456_789,
            u32::MAX,
        ] {
            let got = log32(x, 64);
            let want = 64.0 * f64::from(x).ln();
            assert!((f64::from(got) - want).abs() <= 1.0, "{x}: {got} vs {want}");
        }
    }

    #[test]
    fn square_roots_round_and_follow_tflm() {
        for x in [
            0u64,
            1,
            2,
            3,
            4,
            15,
            16,
            17,
            1 << 20,
            (1 << 32) - 1,
            1 << 32,
            u64::MAX,
        ] {
            let got = u64::from(sqrt64(x));
            let exact = (x as f64).sqrt();
            assert!((got as f64 - exact).abs() <= 1.0, "{x}: {got}");
        }
        assert_eq!(sqrt32(u32::MAX), 0xFFFF);
        assert_eq!(sqrt64(u64::MAX), u32::MAX);
        let mut out = [0u32; 2];
        filter_bank_square_root(&[1 << 40, 100], 3, &mut out).unwrap();
        assert_eq!(out, [(1 << 20) >> 3, 10 >> 3]);
    }

    #[test]
    fn filter_bank_weights_and_unweights() {
        // Two channels over four bins: channel 0 (scratch) covers bin 0,
        // channel 1 bins 1..3, channel 2 bin 3.
        let tables = FilterBankTables {
            weights: &[1, 2, 3, 4],
            unweights: &[10, 20, 30, 40],
            frequency_starts: &[0, 1, 3],
            weight_starts: &[0, 1, 3],
            widths: &[1, 2, 1],
        };
        let mut out = [0u64; 2];
        filter_bank(&tables, &[100, 1000, 10_000, 100_000], &mut out).unwrap();
        // ch1 = unweight(bin0) + weights(bins 1, 2); ch2 = unweights(bins 1, 2) + weight(bin 3).
        assert_eq!(
            out,
            [
                10 * 100 + 2 * 1000 + 3 * 10_000,
                20 * 1000 + 30 * 10_000 + 4 * 100_000
            ]
        );
        let bad = FilterBankTables {
            frequency_starts: &[0, 1, 4],
            ..tables
        };
        assert!(filter_bank(&bad, &[1; 4], &mut out).is_err());
    }

    #[test]
    fn spectral_subtraction_tracks_the_noise() {
        let config = SpectralSubtraction {
            smoothing: 409,
            one_minus_smoothing: 15975,
            alternate_smoothing: 983,
            alternate_one_minus_smoothing: 15401,
            min_signal_remaining: 819,
            smoothing_bits: 10,
            spectral_subtraction_bits: 14,
            clamping: 0,
        };
        let mut noise = [0u32; 2];
        let mut out = [0u32; 2];
        spectral_subtraction(&config, &[1000, 1000], &mut out, &mut noise).unwrap();
        // noise = (1000 << 10) * s >> 14; out = ((1000 << 10) - noise) >> 10.
        assert_eq!(noise, [(1_024_000 * 409) >> 14, (1_024_000 * 983) >> 14]);
        assert_eq!(
            out,
            [(1_024_000 - noise[0]) >> 10, (1_024_000 - noise[1]) >> 10]
        );
        let before = noise;
        spectral_subtraction(&config, &[1000, 1000], &mut out, &mut noise).unwrap();
        assert!(noise[0] > before[0] && noise[1] > before[1]);
    }
}
