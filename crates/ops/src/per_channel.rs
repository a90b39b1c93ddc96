//! Per-channel requantization tables (multiplier and shift per output
//! channel) stored in an op's persistent extra bytes: `channels` i32
//! multipliers, then `channels` i8 shifts (5 bytes per channel; TFLM keeps
//! 8). The kernels take i32 shifts, so eval widens the shifts into scratch
//! ([`PerChannelTables::widen_shifts`]), 4 bytes per channel that live only
//! while the op runs.

use crate::error::OpError;

/// Views of the two tables: `channels` multipliers, then `channels` shifts.
pub struct PerChannelTables<'a> {
    /// Quantized multiplier per channel.
    pub multipliers: &'a [i32],
    /// Shift per channel (positive = left).
    pub shifts: &'a [i8],
}

impl<'a> PerChannelTables<'a> {
    /// Persistent bytes the tables of `channels` channels take.
    pub fn bytes(channels: usize) -> Result<usize, OpError> {
        channels.checked_mul(5).ok_or(OpError::SizeOverflow {
            what: "per-channel tables",
        })
    }

    /// Scratch bytes [`Self::widen_shifts`] needs for `channels` channels.
    pub fn widened_bytes(channels: usize) -> Result<usize, OpError> {
        channels.checked_mul(4).ok_or(OpError::SizeOverflow {
            what: "per-channel shifts",
        })
    }

    /// Read the tables from `extra` (4-byte aligned).
    pub fn view(extra: &'a [u8], channels: usize) -> Result<Self, OpError> {
        let error = OpError::Internal("per-channel tables");
        let split = Self::widened_bytes(channels)?;
        let (words, rest) = extra.split_at_checked(split).ok_or(error)?;
        let multipliers: &[i32] = bytemuck::try_cast_slice(words).map_err(|_| error)?;
        let shifts: &[i8] = bytemuck::cast_slice(rest.get(..channels).ok_or(error)?);
        Ok(Self {
            multipliers,
            shifts,
        })
    }

    /// The shifts widened to i32 in the front of `scratch` (4-byte
    /// aligned, at least [`Self::widened_bytes`] long); returns them and the
    /// rest of the scratch.
    pub fn widen_shifts<'s>(
        &self,
        scratch: &'s mut [u8],
    ) -> Result<(&'s [i32], &'s mut [u8]), OpError> {
        let error = OpError::Internal("scratch for per-channel shifts");
        let (front, rest) = scratch
            .split_at_mut_checked(Self::widened_bytes(self.shifts.len())?)
            .ok_or(error)?;
        let wide: &mut [i32] = bytemuck::try_cast_slice_mut(front).map_err(|_| error)?;
        for (w, &s) in wide.iter_mut().zip(self.shifts) {
            *w = i32::from(s);
        }
        Ok((wide, rest))
    }
}

/// The i8 a shift is stored as. `quantize_multiplier` never gives a shift
/// below -31; a left shift of 128 or more (a multiplier of at least 2^127,
/// only in hostile models) is stored as the shift in `96..=127` with the
/// same value modulo 32, which the kernels treat identically: their left
/// shift wraps modulo 32 (as the C++ shift does in practice) and every
/// shift above 31 takes the scalar output stage.
fn compact_shift(shift: i32) -> i8 {
    match i8::try_from(shift) {
        Ok(s) => s,
        Err(_) if shift > 0 => 96 + (shift & 31) as i8,
        Err(_) => i8::MIN,
    }
}

/// Fill the tables in `extra` with `scale_of(channel) = (multiplier, shift)`.
pub fn per_channel_tables(
    extra: &mut [u8],
    channels: usize,
    scale_of: impl Fn(usize) -> (i32, i32),
) -> Result<(), OpError> {
    let error = OpError::Internal("per-channel tables");
    let split = PerChannelTables::widened_bytes(channels)?;
    let (words, rest) = extra.split_at_mut_checked(split).ok_or(error)?;
    let multipliers: &mut [i32] = bytemuck::try_cast_slice_mut(words).map_err(|_| error)?;
    let shifts: &mut [i8] = bytemuck::cast_slice_mut(rest.get_mut(..channels).ok_or(error)?);
    for (c, (m, s)) in multipliers.iter_mut().zip(shifts.iter_mut()).enumerate() {
        let (multiplier, shift) = scale_of(c);
        *m = multiplier;
        *s = compact_shift(shift);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C, align(16))]
    struct Aligned([u8; 64]);

    #[test]
    fn tables_round_trip_and_widen() {
        let mut extra = Aligned([0; 64]);
        let channels = 7;
        let scale = |c: usize| (1000 * c as i32 - 3000, c as i32 - 4);
        per_channel_tables(&mut extra.0, channels, scale).unwrap();
        let tables = PerChannelTables::view(&extra.0, channels).unwrap();
        let mut scratch = Aligned([0; 64]);
        let (shifts, rest) = tables.widen_shifts(&mut scratch.0).unwrap();
        assert_eq!(rest.len(), 64 - 4 * channels);
        for (c, (&m, &s)) in tables.multipliers.iter().zip(shifts).enumerate() {
            assert_eq!((m, s), scale(c));
        }
        assert_eq!(shifts.len(), channels);
        assert_eq!(PerChannelTables::bytes(channels).unwrap(), 5 * channels);
    }

    #[test]
    fn huge_shifts_keep_their_effect() {
        use microlite_kernels::fixed_point::multiply_by_quantized_multiplier as mul;
        for shift in [127, 128, 200, 405, 1023, i32::MAX] {
            let stored = i32::from(compact_shift(shift));
            for x in [-70000, -3, 0, 1, 5, 123_456] {
                for m in [1 << 30, 1_518_500_250, i32::MAX] {
                    assert_eq!(mul(x, m, stored), mul(x, m, shift), "shift {shift}");
                }
            }
        }
        assert_eq!(compact_shift(-31), -31);
    }
}
