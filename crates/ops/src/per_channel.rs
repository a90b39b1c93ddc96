//! Per-channel requantization tables (multiplier and shift per output
//! channel) stored in an op's persistent extra bytes.

use crate::error::OpError;

/// Views of the two tables: `channels` multipliers, then `channels` shifts.
pub struct PerChannelTables<'a> {
    /// Quantized multiplier per channel.
    pub multipliers: &'a [i32],
    /// Shift per channel.
    pub shifts: &'a [i32],
}

impl<'a> PerChannelTables<'a> {
    /// Bytes the tables of `channels` channels take.
    pub fn bytes(channels: usize) -> Result<usize, OpError> {
        channels.checked_mul(8).ok_or(OpError::SizeOverflow {
            what: "per-channel tables",
        })
    }

    /// Read the tables from `extra`.
    pub fn view(extra: &'a [u8], channels: usize) -> Result<Self, OpError> {
        let words: &[i32] = extra
            .get(..Self::bytes(channels)?)
            .and_then(|b| bytemuck::try_cast_slice(b).ok())
            .ok_or(OpError::Internal("per-channel tables"))?;
        let (multipliers, shifts) = words.split_at(channels);
        Ok(Self {
            multipliers,
            shifts,
        })
    }
}

/// Fill the tables in `extra` with `scale_of(channel) = (multiplier, shift)`.
pub fn per_channel_tables(
    extra: &mut [u8],
    channels: usize,
    scale_of: impl Fn(usize) -> (i32, i32),
) -> Result<(), OpError> {
    let len = PerChannelTables::bytes(channels)?;
    let words: &mut [i32] = extra
        .get_mut(..len)
        .and_then(|b| bytemuck::try_cast_slice_mut(b).ok())
        .ok_or(OpError::Internal("per-channel tables"))?;
    let (multipliers, shifts) = words.split_at_mut(channels);
    for (c, (m, s)) in multipliers.iter_mut().zip(shifts.iter_mut()).enumerate() {
        (*m, *s) = scale_of(c);
    }
    Ok(())
}
