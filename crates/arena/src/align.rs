//! Alignment arithmetic shared by the arena, the size counter and the planners.

/// The alignment every arena allocation is rounded to unless asked otherwise,
/// and the largest alignment the arena supports.
pub const ARENA_ALIGN: usize = 16;

/// Returns `true` if `align` is a power of two no larger than [`ARENA_ALIGN`].
#[must_use]
pub const fn is_supported_alignment(align: usize) -> bool {
    align.is_power_of_two() && align <= ARENA_ALIGN
}

/// Rounds `value` up to a multiple of `align` (a power of two), or `None` on
/// overflow or if `align` is not a power of two.
#[must_use]
pub const fn align_up(value: usize, align: usize) -> Option<usize> {
    if !align.is_power_of_two() {
        return None;
    }
    let mask = align - 1;
    match value.checked_add(mask) {
        Some(v) => Some(v & !mask),
        None => None,
    }
}

/// Bytes to skip from `address` so that the next byte is `align`-aligned
/// (`align` a power of two; returns 0 for any other `align`).
#[must_use]
pub const fn padding_for_address(address: usize, align: usize) -> usize {
    if !align.is_power_of_two() {
        return 0;
    }
    let rem = address & (align - 1);
    if rem == 0 {
        0
    } else {
        align - rem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_up_rounds_to_multiples() {
        for align in [1usize, 2, 4, 8, 16, 64] {
            for value in 0..200usize {
                let up = align_up(value, align).unwrap();
                assert_eq!(up % align, 0);
                assert!(up >= value && up - value < align);
            }
        }
    }

    #[test]
    fn align_up_rejects_overflow_and_bad_alignment() {
        assert_eq!(align_up(usize::MAX, 16), None);
        assert_eq!(align_up(usize::MAX - 15, 16), Some(usize::MAX - 15));
        assert_eq!(align_up(5, 3), None);
        assert_eq!(align_up(5, 0), None);
    }

    #[test]
    fn padding_makes_address_aligned() {
        for address in 0..64usize {
            let pad = padding_for_address(address, 16);
            assert!(pad < 16);
            assert_eq!((address + pad) % 16, 0);
        }
    }

    #[test]
    fn supported_alignments() {
        assert!(is_supported_alignment(1));
        assert!(is_supported_alignment(16));
        assert!(!is_supported_alignment(32));
        assert!(!is_supported_alignment(0));
        assert!(!is_supported_alignment(12));
    }
}
