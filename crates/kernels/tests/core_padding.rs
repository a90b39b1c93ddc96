//! Output size and padding helpers against brute-force window counting.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::padding::{
    compute_output_size, compute_padding, compute_padding_height_width,
    compute_padding_with_offset, Padding,
};
use proptest::prelude::*;

fn effective(filter: usize, dilation: usize) -> usize {
    (filter - 1) * dilation + 1
}

/// VALID: number of window positions o*stride that fit entirely in the input.
fn valid_out_def(input: usize, filter: usize, stride: usize, dilation: usize) -> usize {
    (0..)
        .take_while(|o| o * stride + effective(filter, dilation) <= input)
        .count()
}

/// SAME: one output per stride step starting inside the input.
fn same_out_def(input: usize, stride: usize) -> usize {
    (0..).take_while(|o| o * stride < input).count()
}

#[test]
fn known_cases() {
    // 5x5 input, 3x3 filter, stride 2, SAME: 3 outputs, total padding 2 -> 1 before.
    let p = compute_padding_height_width(Padding::Same, 2, 2, 1, 1, 5, 5, 3, 3).unwrap();
    assert_eq!(
        (p.output_height, p.output_width, p.height, p.width),
        (3, 3, 1, 1)
    );
    assert_eq!((p.height_offset, p.width_offset), (0, 0));
    // 4 input, 3 filter, stride 2, SAME: out 2, total padding 1 -> 0 before, 1 after.
    assert_eq!(compute_padding_with_offset(2, 1, 4, 3, 2), Some((0, 1)));
    assert_eq!(compute_padding(2, 1, 4, 3, 2), Some(0));
    // VALID never pads.
    let v = compute_padding_height_width(Padding::Valid, 1, 1, 1, 1, 5, 6, 3, 2).unwrap();
    assert_eq!(
        (v.output_height, v.output_width, v.height, v.width),
        (3, 5, 0, 0)
    );
    // Filter larger than input: TFLite's truncating division gives 0 here ...
    assert_eq!(compute_output_size(Padding::Valid, 1, 3, 2, 1), Some(0));
    // ... and a negative size here, which is rejected.
    assert_eq!(compute_output_size(Padding::Valid, 1, 3, 1, 1), None);
    assert_eq!(compute_output_size(Padding::Same, 5, 3, 0, 1), None);
    assert_eq!(compute_output_size(Padding::Same, 5, 0, 1, 1), None);
    assert_eq!(compute_output_size(Padding::Same, 5, 3, 1, 0), None);
    assert_eq!(
        compute_output_size(Padding::Same, usize::MAX, 3, usize::MAX, usize::MAX),
        None
    );
    assert_eq!(
        compute_padding_with_offset(usize::MAX, 1, 1, 1, usize::MAX),
        None
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 5000 }))]

    #[test]
    fn output_sizes_match_window_counts(input in 1usize..64, filter in 1usize..8, stride in 1usize..5,
                                        dilation in 1usize..4) {
        prop_assert_eq!(compute_output_size(Padding::Same, input, filter, stride, dilation),
                        Some(same_out_def(input, stride)));
        if input >= effective(filter, dilation) {
            prop_assert_eq!(compute_output_size(Padding::Valid, input, filter, stride, dilation),
                            Some(valid_out_def(input, filter, stride, dilation)));
        }
    }

    /// SAME padding: the last window ends exactly at the padded input's end
    /// (or inside it when no padding is needed), and padding is split with the
    /// odd element after the input.
    #[test]
    fn same_padding_covers_input(input in 1usize..64, filter in 1usize..8, stride in 1usize..5,
                                 dilation in 1usize..4) {
        let out = same_out_def(input, stride);
        let (before, offset) = compute_padding_with_offset(stride, dilation, input, filter, out).unwrap();
        let after = before + offset;
        let last_window_end = (out - 1) * stride + effective(filter, dilation);
        let needed = last_window_end.saturating_sub(input);
        prop_assert_eq!(before + after, needed);
        prop_assert!(offset <= 1);
    }
}
