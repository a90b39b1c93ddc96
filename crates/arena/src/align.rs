//! Alignment arithmetic for the planners.

/// The alignment planned sizes and offsets are rounded to by default
/// ([`PlannerConfig::new`](crate::planner::PlannerConfig::new)).
pub const ARENA_ALIGN: usize = 16;

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
}
