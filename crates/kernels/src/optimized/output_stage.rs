//! The int8 output stage (requantize, add the output zero point, clamp) of
//! the conv / fully connected kernels, with per-tensor or per-channel scales.

use crate::activation::quantized_output_i8;
use crate::conv::ConvQuantParamsI8;

/// Where the output scale of each channel comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scales<'a> {
    /// One multiplier and shift for every channel.
    PerTensor {
        /// Quantized multiplier.
        multiplier: i32,
        /// Shift (positive = left).
        shift: i32,
    },
    /// `multipliers[c]`, `shifts[c]` for channel `c` (lengths checked by the
    /// caller against the channel count).
    PerChannel {
        /// Quantized multiplier per channel.
        multipliers: &'a [i32],
        /// Shift per channel.
        shifts: &'a [i32],
    },
}

/// Everything that turns an int32 accumulator of channel `c` into an int8
/// output, exactly as [`quantized_output_i8`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutputStage<'a> {
    /// Output scales.
    pub scales: Scales<'a>,
    /// Output zero point.
    pub output_offset: i32,
    /// Lower clamp bound.
    pub activation_min: i32,
    /// Upper clamp bound.
    pub activation_max: i32,
}

/// Largest shift magnitude the SIMD requantization handles (its 32-bit lane
/// shifts cover `0..=31`); larger ones use the scalar path.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) const MAX_VECTOR_SHIFT: i32 = 31;

impl<'a> OutputStage<'a> {
    /// The per-channel output stage of a conv or depthwise conv.
    pub fn per_channel(quant: &ConvQuantParamsI8<'a>) -> Self {
        Self {
            scales: Scales::PerChannel {
                multipliers: quant.output_multipliers,
                shifts: quant.output_shifts,
            },
            output_offset: quant.output_offset,
            activation_min: quant.activation_min,
            activation_max: quant.activation_max,
        }
    }

    /// `(multiplier, shift)` of channel `channel` (0 if out of range, which
    /// validated callers never ask for).
    #[inline]
    pub fn scale(&self, channel: usize) -> (i32, i32) {
        match self.scales {
            Scales::PerTensor { multiplier, shift } => (multiplier, shift),
            Scales::PerChannel {
                multipliers,
                shifts,
            } => (
                multipliers.get(channel).copied().unwrap_or(0),
                shifts.get(channel).copied().unwrap_or(0),
            ),
        }
    }

    /// The int8 output of accumulator `acc` (bias included) of `channel`.
    #[inline]
    pub fn apply(&self, acc: i32, channel: usize) -> i8 {
        let (multiplier, shift) = self.scale(channel);
        quantized_output_i8(
            acc,
            multiplier,
            shift,
            self.output_offset,
            self.activation_min,
            self.activation_max,
        )
    }

    /// Whether the per-channel tables (if any) have `channels` entries.
    pub fn covers(&self, channels: usize) -> bool {
        match self.scales {
            Scales::PerTensor { .. } => true,
            Scales::PerChannel {
                multipliers,
                shifts,
            } => multipliers.len() == channels && shifts.len() == channels,
        }
    }

    /// Whether a SIMD output stage may be used: every shift within
    /// `±MAX_VECTOR_SHIFT` and both clamp bounds inside `[-128, 127]` (so
    /// the clamped value always fits and saturating packs equal the
    /// reference's truncating cast).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub fn vectorizable(&self) -> bool {
        let shift_ok = |s: &i32| (-MAX_VECTOR_SHIFT..=MAX_VECTOR_SHIFT).contains(s);
        let shifts_ok = match self.scales {
            Scales::PerTensor { shift, .. } => shift_ok(&shift),
            Scales::PerChannel { shifts, .. } => shifts.iter().all(shift_ok),
        };
        let in_i8 = |v: i32| i8::try_from(v).is_ok();
        shifts_ok && in_i8(self.activation_min) && in_i8(self.activation_max)
    }
}
