//! The fuzz input read as a stream of decisions.

/// Reads decisions from fuzz input bytes; once the bytes run out every
/// decision reads as zero, so any input (even empty) is a complete program.
#[derive(Debug, Clone)]
pub struct Decisions<'a> {
    bytes: &'a [u8],
}

impl<'a> Decisions<'a> {
    /// Decisions taken from `bytes`, front to back.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// Whether every byte has been consumed.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Next `N` bytes (zero-padded when the input is exhausted).
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let take = N.min(self.bytes.len());
        let (head, tail) = self.bytes.split_at(take);
        out[..take].copy_from_slice(head);
        self.bytes = tail;
        out
    }

    /// Next byte.
    pub fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    /// Next little-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    /// Next little-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    /// Next little-endian `i32`.
    pub fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.array())
    }

    /// Next little-endian `u64`.
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }

    /// Next `f32`, bit pattern taken verbatim (may be NaN, infinite, subnormal).
    pub fn f32_bits(&mut self) -> f32 {
        f32::from_bits(self.u32())
    }

    /// Next boolean.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// True with probability about `1/n` (always for `n <= 1`).
    pub fn one_in(&mut self, n: u8) -> bool {
        n <= 1 || self.u8().is_multiple_of(n)
    }

    /// A value in `0..n` (0 when `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let raw = if n <= 256 {
            usize::from(self.u8())
        } else {
            self.u32() as usize
        };
        raw % n
    }

    /// A value in `lo..=hi` (`lo` when the range is empty).
    pub fn in_range(&mut self, lo: i32, hi: i32) -> i32 {
        let span = i64::from(hi) - i64::from(lo) + 1;
        if span <= 0 {
            return lo;
        }
        let offset = i64::from(self.u32()) % span;
        i32::try_from(i64::from(lo) + offset).unwrap_or(lo)
    }

    /// One element of `choices` (the default value when empty).
    pub fn pick<T: Copy + Default>(&mut self, choices: &[T]) -> T {
        choices
            .get(self.below(choices.len()))
            .copied()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhausted_stream_reads_zero() {
        let mut d = Decisions::new(&[0x34, 0x12]);
        assert_eq!(d.u32(), 0x1234);
        assert!(d.is_empty());
        assert_eq!(d.u8(), 0);
        assert_eq!(d.below(7), 0);
        assert_eq!(d.in_range(-5, 5), -5);
    }

    #[test]
    fn in_range_covers_extremes() {
        let mut d = Decisions::new(&[0xff, 0xff, 0xff, 0xff]);
        let v = d.in_range(i32::MIN, i32::MAX);
        assert_eq!(v, i32::MAX);
    }
}
