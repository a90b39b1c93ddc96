//! A small fixed set of cases that reach every optimised kernel path,
//! including the AVX2 ones (`crate::arch::x86_64`, the only `unsafe` code):
//! the GEMMs for few and for many pixels with their depth and channel tails,
//! convolutions read from the input windows (inside the input, with padding
//! taps, dilated) and from patches, the depthwise kernels (3x3 and generic
//! taps, strides, padding, channel tails, one input channel with a depth
//! multiplier), same-shape ADD/SUB with element tails, the 16x8 conv,
//! depthwise conv and the int8 / 16x8 transpose conv. Every case must
//! equal the reference kernel bit for bit. (Checked with a debugger when
//! written: every non-generic function of `arch::x86_64` runs.)
//!
//! The cases are few and small so that Miri runs all of them; Miri executes
//! the AVX2 intrinsics when the crate is built with AVX2 enabled
//! (`RUSTFLAGS="-C target-feature=+avx2"`, see the README's Miri section):
//! `is_x86_feature_detected!` then reports AVX2 under Miri too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::conv::{conv_per_channel_i8, ConvGeometry, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::depthwise_conv::depthwise_conv_per_channel_i8;
use microlite_kernels::elementwise::{
    add_int8, prepare_add_int8, prepare_sub_int8, sub_int8, BinaryQuantization,
};
use microlite_kernels::fully_connected::{
    fully_connected_i8, fully_connected_per_channel_i8, FullyConnectedParamsI8,
    FullyConnectedPerChannelParamsI8, FullyConnectedShape,
};
use microlite_kernels::optimized::{self, Backend};

/// Portable and, when this CPU has it, AVX2 (detected here: without the
/// crate's `std` feature `Backend::detect` only sees compile-time features).
fn fast_backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Portable, Backend::Compact, Backend::CortexM];
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was just detected.
        backends.push(Backend::Avx2(unsafe { optimized::Avx2::new_unchecked() }));
    }
    backends
}

/// A deterministic pseudo-random stream (xorshift).
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn i8s(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| self.next() as i8).collect()
    }
    fn weights(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| (self.next() as i8).max(-127)).collect()
    }
    fn biases(&mut self, n: usize) -> Vec<i32> {
        (0..n)
            .map(|_| (self.next() % 200_001) as i32 - 100_000)
            .collect()
    }
    /// Multipliers in [2^30, 2^31) and shifts in [-12, 1], with the
    /// extremes of each range included.
    fn scales(&mut self, n: usize) -> (Vec<i32>, Vec<i32>) {
        (0..n)
            .map(|k| match k % 4 {
                0 => (i32::MAX, -12),
                1 => (1 << 30, 1),
                _ => (
                    (1 << 30) + (self.next() % (1 << 30)) as i32,
                    -((self.next() % 10) as i32),
                ),
            })
            .unzip()
    }
}

#[test]
fn fully_connected_paths() {
    let mut s = Stream(0x9E37_79B9_7F4A_7C15);
    // (batches, depth, units): one row (blocks of eight units with a depth
    // tail, a row shorter than 16, each row-buffer class), many pixels with a
    // short depth (outer product, channel tails), and a depth beyond the
    // outer-product limit.
    for (batches, depth, units) in [
        (1, 37, 5),
        (1, 37, 11),
        (1, 9, 8),
        (1, 160, 8),
        (1, 1030, 9),
        (2, 300, 9),
        (9, 20, 19),
        (8, 48, 8),
        (3, 64, 3),
    ] {
        let shape = FullyConnectedShape {
            batches,
            input_depth: depth,
            output_depth: units,
        };
        let input = s.i8s(batches * depth);
        let filter = s.weights(units * depth);
        let bias = s.biases(units);
        let (multipliers, shifts) = s.scales(units);
        let per_channel = FullyConnectedPerChannelParamsI8 {
            input_offset: 17,
            output_offset: -5,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: -100,
            activation_max: 120,
        };
        let per_tensor = FullyConnectedParamsI8 {
            input_offset: -128,
            filter_offset: 0,
            output_offset: 3,
            output_multiplier: multipliers[2],
            output_shift: shifts[2],
            activation_min: -128,
            activation_max: 127,
        };
        let mut want_pc = vec![0i8; batches * units];
        let mut want_pt = vec![0i8; batches * units];
        fully_connected_per_channel_i8(
            &per_channel,
            shape,
            &input,
            &filter,
            Some(&bias),
            &mut want_pc,
        )
        .unwrap();
        fully_connected_i8(&per_tensor, shape, &input, &filter, None, &mut want_pt).unwrap();
        for backend in fast_backends() {
            let mut got = vec![0i8; batches * units];
            optimized::fully_connected::fully_connected_per_channel_i8(
                backend,
                &per_channel,
                shape,
                &input,
                &filter,
                Some(&bias),
                &mut got,
            )
            .unwrap();
            assert_eq!(
                got, want_pc,
                "{backend:?} per-channel {batches}x{depth}->{units}"
            );
            optimized::fully_connected::fully_connected_i8(
                backend,
                &per_tensor,
                shape,
                &input,
                &filter,
                None,
                &mut got,
            )
            .unwrap();
            assert_eq!(
                got, want_pt,
                "{backend:?} per-tensor {batches}x{depth}->{units}"
            );
        }
    }
}

/// Geometry with equal stride and dilation on both axes.
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

/// Output extent of a SAME-padded (`padding > 0`) or VALID window.
fn out_extent(
    input: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
    padding: usize,
) -> usize {
    (input + 2 * padding - ((filter - 1) * dilation + 1)) / stride + 1
}

#[test]
fn conv_paths() {
    let mut s = Stream(0x0123_4567_89AB_CDEF);
    // (in_hw, in_c, out_c, k, stride, dilation, padding): few output pixels
    // (a window inside the input, padding taps, dilation), 1x1 convs over
    // many pixels with short and long depths, longer patches, stride and
    // dilation, and a grouped conv (reference fall-back).
    let cases = [
        (3, 3, 5, 3, 1, 1, 0),
        (2, 5, 6, 3, 1, 1, 1),
        (3, 4, 3, 3, 2, 2, 2),
        (5, 16, 9, 1, 1, 1, 0),
        (4, 64, 5, 1, 1, 1, 0),
        (6, 3, 8, 3, 1, 1, 1),
        (5, 3, 17, 5, 2, 1, 2),
        (7, 16, 4, 3, 2, 2, 2),
        (4, 8, 6, 3, 1, 1, 1),
    ];
    for (hw, in_c, out_c, k, stride, dilation, padding) in cases {
        let g = geometry(stride, dilation, padding);
        let out_hw = out_extent(hw, k, stride, dilation, padding);
        let input_shape = NhwcShape::new(1, hw, hw, in_c);
        // The last case is grouped: filters see half the input channels.
        let filter_depth = if in_c == 8 { 4 } else { in_c };
        let filter_shape = NhwcShape::new(out_c, k, k, filter_depth);
        let output_shape = NhwcShape::new(1, out_hw, out_hw, out_c);
        let input = s.i8s(hw * hw * in_c);
        let filter = s.weights(out_c * k * k * filter_depth);
        let bias = s.biases(out_c);
        let (multipliers, shifts) = s.scales(out_c);
        let quant = ConvQuantParamsI8 {
            input_offset: 128,
            output_offset: -7,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: -128,
            activation_max: 100,
        };
        let mut want = vec![0i8; out_hw * out_hw * out_c];
        conv_per_channel_i8(
            &g,
            &quant,
            input_shape,
            &input,
            filter_shape,
            &filter,
            Some(&bias),
            output_shape,
            &mut want,
        )
        .unwrap();
        // Enough for every backend (the compact one's differs).
        let mut scratch = vec![
            0i8;
            optimized::conv::conv_scratch_len(Backend::Portable, &filter_shape)
                .max(microlite_kernels::compact::conv_scratch_len(&filter_shape))
        ];
        for backend in fast_backends() {
            let mut got = vec![0i8; want.len()];
            optimized::conv::conv_per_channel_i8(
                backend,
                &g,
                &quant,
                input_shape,
                &input,
                filter_shape,
                &filter,
                Some(&bias),
                output_shape,
                &mut got,
                &mut scratch,
            )
            .unwrap();
            assert_eq!(got, want, "{backend:?} conv case {hw} {in_c}->{out_c} k{k}");
        }
    }
}

#[test]
fn depthwise_paths() {
    let mut s = Stream(0xDEAD_BEEF_CAFE_F00D);
    // (in_hw, in_c, multiplier, k, stride, dilation, padding): 3x3 with 8
    // and 19 channels (channel tail), 5x5 generic taps, stride 2 with
    // padding, dilation, and one input channel with a depth multiplier; 6x6
    // filters (more taps than the tap-list kernels take) over one input
    // channel (a GEMM on AVX2, the one-channel loop on portable) and over two
    // (the reference fallback).
    let cases = [
        (6, 8, 1, 3, 1, 1, 1),
        (5, 19, 1, 3, 1, 1, 0),
        (7, 8, 1, 5, 2, 1, 2),
        (9, 16, 1, 3, 2, 2, 2),
        (6, 1, 8, 3, 1, 1, 1),
        (5, 3, 2, 3, 1, 1, 1),
        (9, 1, 8, 6, 2, 1, 2),
        (7, 2, 1, 6, 1, 1, 0),
    ];
    for (hw, in_c, multiplier, k, stride, dilation, padding) in cases {
        let g = geometry(stride, dilation, padding);
        let out_hw = out_extent(hw, k, stride, dilation, padding);
        let out_c = in_c * multiplier;
        let input_shape = NhwcShape::new(1, hw, hw, in_c);
        let filter_shape = NhwcShape::new(1, k, k, out_c);
        let output_shape = NhwcShape::new(1, out_hw, out_hw, out_c);
        let input = s.i8s(hw * hw * in_c);
        let filter = s.weights(k * k * out_c);
        let bias = s.biases(out_c);
        let (multipliers, shifts) = s.scales(out_c);
        let quant = ConvQuantParamsI8 {
            input_offset: -3,
            output_offset: 11,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: -120,
            activation_max: 127,
        };
        let mut want = vec![0i8; out_hw * out_hw * out_c];
        depthwise_conv_per_channel_i8(
            &g,
            multiplier,
            &quant,
            input_shape,
            &input,
            filter_shape,
            &filter,
            Some(&bias),
            output_shape,
            &mut want,
        )
        .unwrap();
        for backend in fast_backends() {
            let mut got = vec![0i8; want.len()];
            let mut scratch =
                vec![0i8; microlite_kernels::compact::depthwise_scratch_len(in_c, &filter_shape)];
            optimized::depthwise_conv::depthwise_conv_per_channel_i8(
                backend,
                &g,
                multiplier,
                &quant,
                input_shape,
                &input,
                filter_shape,
                &filter,
                Some(&bias),
                output_shape,
                &mut got,
                &mut scratch,
            )
            .unwrap();
            assert_eq!(
                got, want,
                "{backend:?} depthwise {hw} {in_c}x{multiplier} k{k}"
            );
        }
    }
}

#[test]
fn same_shape_add_sub_paths() {
    let mut s = Stream(0x5555_AAAA_1234_8765);
    let q = BinaryQuantization {
        input1_scale: 0.05,
        input1_zero_point: -3,
        input2_scale: 0.02,
        input2_zero_point: 7,
        output_scale: 0.06,
        output_zero_point: -1,
        activation_min: -128,
        activation_max: 127,
    };
    // Lengths below, at and past one 16- and 32-lane block.
    for n in [1, 5, 16, 31, 32, 37, 70] {
        let a = s.i8s(n);
        let b = s.i8s(n);
        let shape = BroadcastShape::new(&[n], &[n], &[n]).unwrap();
        for subtract in [false, true] {
            let p = if subtract {
                prepare_sub_int8(&q).unwrap()
            } else {
                prepare_add_int8(&q).unwrap()
            };
            let mut want = vec![0i8; n];
            if subtract {
                sub_int8(&p, &shape, &a, &b, &mut want).unwrap();
            } else {
                add_int8(&p, &shape, &a, &b, &mut want).unwrap();
            }
            for backend in fast_backends() {
                let mut got = vec![0i8; n];
                if subtract {
                    optimized::elementwise::sub_int8_same_shape(backend, &p, &a, &b, &mut got)
                } else {
                    optimized::elementwise::add_int8_same_shape(backend, &p, &a, &b, &mut got)
                }
                .unwrap();
                assert_eq!(got, want, "{backend:?} subtract {subtract} n {n}");
            }
        }
    }
}

/// 16x8 CONV_2D on every fast backend (the AVX2 dot product included): a
/// window of 3 x 3 x 600 extreme products (each 2^22, 2^35 in all: the
/// `i32` blocks must be widened, and the AVX2 lanes flushed, before they
/// wrap), a random one with padding taps and an element tail, and an int32
/// accumulator; each equals the reference bit for bit.
#[test]
fn conv_16x8_paths_equal_the_reference() {
    use microlite_kernels::conv::{conv_per_channel_16x8, Bias16x8};
    use microlite_kernels::optimized::conv_16x8;
    let mut s = Stream(0x16_08);
    for (depth, extreme, int32_accumulator) in
        [(600, true, false), (19, false, false), (5, false, true)]
    {
        let input_shape = NhwcShape::new(1, 4, 3, depth);
        let filter_shape = NhwcShape::new(3, 3, 3, depth);
        let output_shape = NhwcShape::new(1, 4, 3, 3);
        let geometry = ConvGeometry {
            stride_height: 1,
            stride_width: 1,
            dilation_height: 1,
            dilation_width: 1,
            padding_height: 1,
            padding_width: 1,
        };
        let n_in = 4 * 3 * depth;
        let input: Vec<i16> = (0..n_in)
            .map(|_| if extreme { i16::MIN } else { s.next() as i16 })
            .collect();
        let filter: Vec<i8> = (0..27 * depth)
            .map(|_| if extreme { i8::MIN } else { s.next() as i8 })
            .collect();
        let biases: Vec<i64> = (0..3)
            .map(|_| (s.next() % 2_000_001) as i64 - 1_000_000)
            .collect();
        let biases32: Vec<i32> = biases.iter().map(|&b| b as i32).collect();
        let bias = if int32_accumulator {
            Bias16x8::Int32(&biases32)
        } else {
            Bias16x8::Int64(&biases)
        };
        // Shifts that keep the extreme sums (about 2^34) inside int16.
        let (multipliers, shifts) = (vec![1_518_500_250; 3], vec![-20, -21, -14]);
        let quant = ConvQuantParamsI8 {
            input_offset: 0,
            output_offset: 0,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: -32768,
            activation_max: 32767,
        };
        let mut expected = vec![0i16; 36];
        conv_per_channel_16x8(
            &geometry,
            &quant,
            input_shape,
            &input,
            filter_shape,
            &filter,
            bias,
            output_shape,
            &mut expected,
        )
        .unwrap();
        for backend in fast_backends() {
            let mut scratch = vec![0i16; conv_16x8::conv_16x8_scratch_len(backend, &filter_shape)];
            let mut got = vec![0i16; 36];
            conv_16x8::conv_per_channel_16x8(
                backend,
                &geometry,
                &quant,
                input_shape,
                &input,
                filter_shape,
                &filter,
                bias,
                output_shape,
                &mut got,
                &mut scratch,
            )
            .unwrap();
            assert_eq!(got, expected, "{backend:?} depth {depth}");
        }
    }
}

/// 16x8 DEPTHWISE_CONV_2D (the AVX2 multiply-accumulate, 8 channels and a
/// tail of 3) and int8 / 16x8 TRANSPOSE_CONV (the AVX2 16x8 dot product,
/// with a 16-element step and a tail) on every fast backend: each equals
/// the reference bit for bit.
#[test]
fn depthwise_and_transpose_16x8_paths_equal_the_reference() {
    use microlite_kernels::depthwise_conv::depthwise_conv_per_channel_16x8;
    use microlite_kernels::optimized::{depthwise_16x8, transpose_conv as fast_transpose};
    use microlite_kernels::transpose_conv::{self as transpose, Bias16, TransposeGeometry};
    let mut s = Stream(0xd716_2026);
    let channels = 11;
    let geometry = ConvGeometry {
        stride_height: 1,
        stride_width: 1,
        dilation_height: 1,
        dilation_width: 1,
        padding_height: 1,
        padding_width: 1,
    };
    let input_shape = NhwcShape::new(1, 3, 3, channels);
    let filter_shape = NhwcShape::new(1, 3, 3, channels);
    let input: Vec<i16> = (0..9 * channels).map(|_| s.next() as i16).collect();
    let filter = s.i8s(9 * channels);
    let bias: Vec<i64> = (0..channels as i64).map(|b| b * 1000 - 5000).collect();
    let (multipliers, shifts) = (vec![1_518_500_250; channels], vec![-10; channels]);
    let quant = ConvQuantParamsI8 {
        input_offset: 0,
        output_offset: 0,
        output_multipliers: &multipliers,
        output_shifts: &shifts,
        activation_min: -32768,
        activation_max: 32767,
    };
    let mut expected = vec![0i16; 9 * channels];
    depthwise_conv_per_channel_16x8(
        &geometry,
        1,
        &quant,
        input_shape,
        &input,
        filter_shape,
        &filter,
        Some(&bias),
        input_shape,
        &mut expected,
    )
    .unwrap();
    for backend in fast_backends() {
        let mut got = vec![0i16; 9 * channels];
        depthwise_16x8::depthwise_conv_per_channel_16x8(
            backend,
            &geometry,
            1,
            &quant,
            input_shape,
            &input,
            filter_shape,
            &filter,
            Some(&bias),
            input_shape,
            &mut got,
        )
        .unwrap();
        assert_eq!(got, expected, "depthwise {backend:?}");
    }

    // Transpose conv: 2x2 input of 19 channels, 2 output channels, 2x2
    // filter, stride 2.
    let g = TransposeGeometry {
        stride_height: 2,
        stride_width: 2,
        padding_height: 0,
        padding_width: 0,
    };
    let input_shape = NhwcShape::new(1, 2, 2, 19);
    let filter_shape = NhwcShape::new(2, 2, 2, 19);
    let output_shape = NhwcShape::new(1, 4, 4, 2);
    let input16: Vec<i16> = (0..4 * 19).map(|_| s.next() as i16).collect();
    let input8 = s.i8s(4 * 19);
    let filter = s.i8s(8 * 19);
    let bias32 = s.biases(2);
    let bias64: Vec<i64> = bias32.iter().map(|&b| i64::from(b)).collect();
    let quant = ConvQuantParamsI8 {
        input_offset: 5,
        output_offset: -3,
        output_multipliers: &multipliers[..2],
        output_shifts: &[-6, -7],
        activation_min: -128,
        activation_max: 127,
    };
    let mut expected8 = vec![0i8; 32];
    transpose::transpose_conv_i8(
        &g,
        &quant,
        input_shape,
        &input8,
        filter_shape,
        &filter,
        Some(&bias32),
        output_shape,
        &mut expected8,
        &mut [0; 32],
    )
    .unwrap();
    let quant16 = ConvQuantParamsI8 {
        input_offset: 0,
        output_offset: 0,
        output_shifts: &[-12, -13],
        activation_min: -32768,
        activation_max: 32767,
        ..quant
    };
    let mut expected16 = vec![0i16; 32];
    transpose::transpose_conv_16x8(
        &g,
        &quant16,
        input_shape,
        &input16,
        filter_shape,
        &filter,
        Bias16::Int64(&bias64),
        output_shape,
        &mut expected16,
        &mut [0; 32],
    )
    .unwrap();
    for backend in fast_backends() {
        let mut got8 = vec![0i8; 32];
        fast_transpose::transpose_conv_i8(
            backend,
            &g,
            &quant,
            input_shape,
            &input8,
            filter_shape,
            &filter,
            Some(&bias32),
            output_shape,
            &mut got8,
            &mut [0; 32],
        )
        .unwrap();
        assert_eq!(got8, expected8, "transpose int8 {backend:?}");
        let mut got16 = vec![0i16; 32];
        fast_transpose::transpose_conv_16x8(
            backend,
            &g,
            &quant16,
            input_shape,
            &input16,
            filter_shape,
            &filter,
            Bias16::Int64(&bias64),
            output_shape,
            &mut got16,
            &mut [0; 32],
        )
        .unwrap();
        assert_eq!(got16, expected16, "transpose 16x8 {backend:?}");
    }
}
