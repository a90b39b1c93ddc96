//! Both microcontroller kernel sets (`compact`, and `cortex_m` with its
//! portable inner loops on the host) against the reference, bit
//! for bit, with scratch at every alignment (they align it themselves),
//! padding on every side, groups and depth multipliers; and their errors on
//! short scratch and on input offsets that are not minus an int8.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::conv::{conv_per_channel_i8, ConvGeometry, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::depthwise_conv::depthwise_conv_per_channel_i8;
use microlite_kernels::KernelError;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn i8s(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| self.next() as i8).collect()
    }
}

struct Quant {
    multipliers: Vec<i32>,
    shifts: Vec<i32>,
    input_offset: i32,
}

impl Quant {
    fn new(rng: &mut Rng, channels: usize, input_offset: i32) -> Self {
        Self {
            multipliers: (0..channels)
                .map(|_| (1 << 30) + (rng.next() % (1 << 30)) as i32)
                .collect(),
            // Half the cases shift every channel right (the kernels' short
            // output stage), half sometimes by zero (the general one).
            shifts: {
                let least_right = (rng.next() % 2) as i32;
                (0..channels)
                    .map(|_| -((rng.next() % 9) as i32) - least_right)
                    .collect()
            },
            input_offset,
        }
    }
    fn params(&self) -> ConvQuantParamsI8<'_> {
        ConvQuantParamsI8 {
            input_offset: self.input_offset,
            output_offset: -5,
            output_multipliers: &self.multipliers,
            output_shifts: &self.shifts,
            activation_min: -128,
            activation_max: 127,
        }
    }
}

fn geometry(stride: usize, dilation: usize, padding: usize) -> ConvGeometry {
    ConvGeometry {
        stride_height: stride,
        stride_width: stride,
        dilation_height: dilation,
        dilation_width: dilation,
        padding_height: padding,
        padding_width: padding,
    }
}

/// Output size of one axis with `padding` on both sides.
fn out_size(input: usize, k: usize, stride: usize, dilation: usize, padding: usize) -> usize {
    (input + 2 * padding - ((k - 1) * dilation + 1)) / stride + 1
}

/// The suite, for one kernel set (a module with `conv_per_channel_i8`,
/// `depthwise_conv_per_channel_i8`, their `*_scratch_len` and
/// `supports_input_offset`).
macro_rules! kernel_set_suite {
    ($set:ident) => {
        mod $set {
            use super::*;
            use microlite_kernels::$set as compact;

            #[test]
            fn conv_matches_reference_at_every_scratch_alignment() {
                let mut rng = Rng(11);
                // (in_hw, in_c, out_c, filter depth, k, stride, dilation, padding)
                let cases = [
                    (5, 3, 4, 3, 3, 1, 1, 1),
                    (6, 8, 6, 4, 3, 2, 1, 1), // two groups
                    (7, 5, 3, 5, 1, 1, 1, 0),
                    (7, 5, 3, 5, 1, 2, 1, 1), // 1x1 with padding taps
                    (8, 2, 5, 2, 3, 1, 2, 2),
                    (4, 1, 7, 1, 4, 1, 1, 2),
                    (5, 16, 7, 16, 1, 1, 1, 0), // whole blocks, odd pixels and channels
                    (6, 8, 4, 8, 3, 1, 1, 1),   // window 72: blocks, no tail
                    (5, 6, 6, 3, 3, 1, 1, 1),   // two groups, window 27: blocks and tail
                ];
                for (hw, in_c, out_c, depth, k, stride, dilation, padding) in cases {
                    let out_hw = out_size(hw, k, stride, dilation, padding);
                    let input_shape = NhwcShape::new(1, hw, hw, in_c);
                    let filter_shape = NhwcShape::new(out_c, k, k, depth);
                    let output_shape = NhwcShape::new(1, out_hw, out_hw, out_c);
                    let input = rng.i8s(hw * hw * in_c);
                    let filter = rng.i8s(out_c * k * k * depth);
                    let bias: Vec<i32> = (0..out_c).map(|c| c as i32 * 1000 - 2500).collect();
                    for input_offset in [128, 3, -127] {
                        let q = Quant::new(&mut rng, out_c, input_offset);
                        let g = geometry(stride, dilation, padding);
                        let mut want = vec![0i8; out_hw * out_hw * out_c];
                        let run_reference = conv_per_channel_i8(
                            &g,
                            &q.params(),
                            input_shape,
                            &input,
                            filter_shape,
                            &filter,
                            Some(&bias),
                            output_shape,
                            &mut want,
                        );
                        run_reference.unwrap();
                        let len = compact::conv_scratch_len(&filter_shape);
                        for skew in 0..4 {
                            let mut buffer = vec![0x55u8; len + skew];
                            let mut got = vec![0i8; want.len()];
                            compact::conv_per_channel_i8(
                                &g,
                                &q.params(),
                                input_shape,
                                &input,
                                filter_shape,
                                &filter,
                                Some(&bias),
                                output_shape,
                                &mut got,
                                &mut buffer[skew..],
                            )
                            .unwrap();
                            assert_eq!(got, want, "conv {hw} {in_c}->{out_c} k{k} skew {skew}");
                        }
                    }
                }
            }

            #[test]
            fn depthwise_matches_reference_at_every_scratch_alignment() {
                let mut rng = Rng(12);
                // (in_hw, in_c, multiplier, k, stride, dilation, padding)
                let cases = [
                    (5, 3, 1, 3, 1, 1, 1),
                    (6, 4, 2, 3, 2, 1, 1),
                    (7, 1, 8, 5, 1, 1, 2),
                    (6, 2, 6, 3, 2, 1, 1), // four output channels at a time, a tail
                    (8, 5, 1, 3, 1, 2, 2),
                    (3, 2, 3, 1, 1, 1, 0),
                    (6, 8, 1, 3, 1, 1, 1), // four channels at a time
                    (9, 6, 1, 5, 1, 1, 2), // 25 taps: two tap groups, a channel tail
                ];
                for (hw, in_c, multiplier, k, stride, dilation, padding) in cases {
                    let out_c = in_c * multiplier;
                    let out_hw = out_size(hw, k, stride, dilation, padding);
                    let input_shape = NhwcShape::new(1, hw, hw, in_c);
                    let filter_shape = NhwcShape::new(1, k, k, out_c);
                    let output_shape = NhwcShape::new(1, out_hw, out_hw, out_c);
                    let input = rng.i8s(hw * hw * in_c);
                    let filter = rng.i8s(k * k * out_c);
                    let bias: Vec<i32> = (0..out_c).map(|c| 700 - c as i32 * 300).collect();
                    for input_offset in [128, -9, -127] {
                        let q = Quant::new(&mut rng, out_c, input_offset);
                        let g = geometry(stride, dilation, padding);
                        let mut want = vec![0i8; out_hw * out_hw * out_c];
                        depthwise_conv_per_channel_i8(
                            &g,
                            multiplier,
                            &q.params(),
                            input_shape,
                            &input,
                            filter_shape,
                            &filter,
                            Some(&bias),
                            output_shape,
                            &mut want,
                        )
                        .unwrap();
                        let len = compact::depthwise_scratch_len(in_c, &filter_shape);
                        for skew in 0..4 {
                            let mut buffer = vec![0x55u8; len + skew];
                            let mut got = vec![0i8; want.len()];
                            compact::depthwise_conv_per_channel_i8(
                                &g,
                                multiplier,
                                &q.params(),
                                input_shape,
                                &input,
                                filter_shape,
                                &filter,
                                Some(&bias),
                                output_shape,
                                &mut got,
                                &mut buffer[skew..],
                            )
                            .unwrap();
                            assert_eq!(
                                got, want,
                                "depthwise {hw} {in_c}x{multiplier} k{k} skew {skew}"
                            );
                        }
                    }
                }
            }

            #[test]
            fn short_scratch_and_foreign_offsets_are_errors() {
                let mut rng = Rng(13);
                let input_shape = NhwcShape::new(1, 4, 4, 2);
                let input = rng.i8s(32);
                let g = geometry(1, 1, 1);
                let conv_filter = NhwcShape::new(3, 3, 3, 2);
                let dw_filter = NhwcShape::new(1, 3, 3, 2);
                let filter = rng.i8s(54);
                let mut out = vec![0i8; 48];
                let q = Quant::new(&mut rng, 3, 1);
                let conv = |scratch: &mut [u8], q: &Quant, out: &mut [i8]| {
                    compact::conv_per_channel_i8(
                        &g,
                        &q.params(),
                        input_shape,
                        &input,
                        conv_filter,
                        &filter,
                        None,
                        NhwcShape::new(1, 4, 4, 3),
                        out,
                        scratch,
                    )
                };
                let full = compact::conv_scratch_len(&conv_filter);
                assert!(conv(&mut vec![0; full], &q, &mut out).is_ok());
                assert_eq!(
                    conv(&mut vec![0; full - 4], &q, &mut out),
                    Err(KernelError::SizeOverflow { what: "scratch" })
                );
                let q2 = Quant::new(&mut rng, 2, 1);
                let dw = |scratch: &mut [u8], q: &Quant, out: &mut [i8]| {
                    compact::depthwise_conv_per_channel_i8(
                        &g,
                        1,
                        &q.params(),
                        input_shape,
                        &input,
                        dw_filter,
                        &filter[..18],
                        None,
                        NhwcShape::new(1, 4, 4, 2),
                        out,
                        scratch,
                    )
                };
                let full = compact::depthwise_scratch_len(2, &NhwcShape::new(1, 3, 3, 2));
                assert!(dw(&mut vec![0; full], &q2, &mut out[..32]).is_ok());
                assert_eq!(
                    dw(&mut vec![0; full - 4], &q2, &mut out[..32]),
                    Err(KernelError::SizeOverflow { what: "scratch" })
                );
                for offset in [129, -128, 1000] {
                    assert!(!compact::supports_input_offset(offset));
                    let q = Quant::new(&mut rng, 3, offset);
                    assert!(matches!(
                        conv(&mut vec![0; 4096], &q, &mut out),
                        Err(KernelError::InvalidParameter { .. })
                    ));
                }
                assert!(
                    compact::supports_input_offset(128) && compact::supports_input_offset(-127)
                );
            }
        }
    };
}

kernel_set_suite!(compact);
kernel_set_suite!(cortex_m);
