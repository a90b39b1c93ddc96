//! The optimized int8 and 16x8 TRANSPOSE_CONV
//! (`optimized::transpose_conv`) against the reference kernels on random
//! shapes, strides, paddings (up to the filter size, as SAME and VALID give)
//! and output sizes (also larger than the minimal one), with and without
//! bias, per-channel multipliers: every fast backend (portable and, when
//! this CPU has it, AVX2) must give the reference's bits and errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{fast_backends as backends, Stream};

use microlite_kernels::conv::{ConvQuantParamsI8, NhwcShape};
use microlite_kernels::optimized::transpose_conv as fast;
use microlite_kernels::transpose_conv::{self as reference, Bias16, TransposeGeometry};

/// One random problem: geometry and shapes.
struct Case {
    g: TransposeGeometry,
    input: NhwcShape,
    filter: NhwcShape,
    output: NhwcShape,
}

fn random_case(s: &mut Stream, max_depth: usize) -> Case {
    let (kh, kw) = (1 + s.below(4), 1 + s.below(4));
    let (sh, sw) = (1 + s.below(3), 1 + s.below(3));
    let (ih, iw) = (1 + s.below(5), 1 + s.below(5));
    let batches = 1 + s.below(2);
    let (c_in, c_out) = (1 + s.below(max_depth), 1 + s.below(9));
    let pad_h = s.below(kh);
    let pad_w = s.below(kw);
    // The minimal output of VALID, minus the padding, plus 0..3 extra.
    let oh = ((ih - 1) * sh + kh - pad_h).saturating_sub(pad_h).max(1) + s.below(3);
    let ow = ((iw - 1) * sw + kw - pad_w).saturating_sub(pad_w).max(1) + s.below(3);
    Case {
        g: TransposeGeometry {
            stride_height: sh,
            stride_width: sw,
            padding_height: pad_h,
            padding_width: pad_w,
        },
        input: NhwcShape::new(batches, ih, iw, c_in),
        filter: NhwcShape::new(c_out, kh, kw, c_in),
        output: NhwcShape::new(batches, oh, ow, c_out),
    }
}

fn count(s: &NhwcShape) -> usize {
    s.element_count().unwrap()
}

/// Per-channel multipliers in [2^30, 2^31) and shifts in -12..=1.
fn multipliers(s: &mut Stream, n: usize) -> (Vec<i32>, Vec<i32>) {
    let m = (0..n)
        .map(|_| (1 << 30) + (s.next() % (1 << 30)) as i32)
        .collect();
    let sh = (0..n).map(|_| s.below(14) as i32 - 12).collect();
    (m, sh)
}

#[test]
fn transpose_conv_i8_equals_the_reference() {
    let mut s = Stream(0x7c0_1d8);
    for round in 0..300 {
        // Mostly small depths; some past the widening chunk (256).
        let max_depth = if round % 25 == 0 { 600 } else { 40 };
        let c = random_case(&mut s, max_depth);
        let input = s.i8s(count(&c.input));
        let filter: Vec<i8> = s.i8s(count(&c.filter));
        let bias: Vec<i32> = (0..c.output.depth)
            .map(|_| (s.next() % 400_001) as i32 - 200_000)
            .collect();
        let (m, sh) = multipliers(&mut s, c.output.depth);
        let input_offset = match round % 4 {
            0 => 0,
            1 => 128,
            2 => -127,
            _ => s.below(256) as i32 - 128,
        };
        let quant = ConvQuantParamsI8 {
            input_offset,
            output_offset: s.below(256) as i32 - 128,
            output_multipliers: &m,
            output_shifts: &sh,
            activation_min: -128 + s.below(20) as i32,
            activation_max: 127 - s.below(20) as i32,
        };
        let bias = (round % 3 != 0).then_some(&bias[..]);
        let n = count(&c.output);
        let mut want = vec![0i8; n];
        let mut scratch = vec![0i32; n];
        reference::transpose_conv_i8(
            &c.g,
            &quant,
            c.input,
            &input,
            c.filter,
            &filter,
            bias,
            c.output,
            &mut want,
            &mut scratch,
        )
        .unwrap();
        for backend in backends() {
            let len = fast::transpose_conv_scratch_len(backend, &c.output).unwrap();
            let mut scratch = vec![i32::MAX; len];
            let mut got = vec![0i8; n];
            fast::transpose_conv_i8(
                backend,
                &c.g,
                &quant,
                c.input,
                &input,
                c.filter,
                &filter,
                bias,
                c.output,
                &mut got,
                &mut scratch,
            )
            .unwrap();
            assert_eq!(got, want, "round {round} {backend:?}");
        }
    }
}

#[test]
fn transpose_conv_16x8_equals_the_reference() {
    let mut s = Stream(0x16_08_7c);
    for round in 0..300 {
        let max_depth = if round % 25 == 0 { 700 } else { 40 };
        let c = random_case(&mut s, max_depth);
        let extreme = round % 10 == 1;
        let input: Vec<i16> = (0..count(&c.input))
            .map(|_| if extreme { i16::MIN } else { s.next() as i16 })
            .collect();
        let filter: Vec<i8> = (0..count(&c.filter))
            .map(|_| if extreme { i8::MIN } else { s.next() as i8 })
            .collect();
        let bias64: Vec<i64> = (0..c.output.depth)
            .map(|_| (s.next() % 40_000_001) as i64 - 20_000_000)
            .collect();
        let bias16: Vec<i16> = (0..c.output.depth).map(|_| s.next() as i16).collect();
        let bias = match round % 3 {
            0 => Bias16::None,
            1 => Bias16::Int64(&bias64),
            _ => Bias16::Int16(&bias16),
        };
        let (m, sh) = multipliers(&mut s, c.output.depth);
        let sh: Vec<i32> = sh.iter().map(|v| v - 10).collect();
        let quant = ConvQuantParamsI8 {
            input_offset: 0,
            output_offset: 0,
            output_multipliers: &m,
            output_shifts: &sh,
            activation_min: -32768 + s.below(1000) as i32,
            activation_max: 32767 - s.below(1000) as i32,
        };
        let n = count(&c.output);
        let mut want = vec![0i16; n];
        let mut scratch = vec![0i64; n];
        reference::transpose_conv_16x8(
            &c.g,
            &quant,
            c.input,
            &input,
            c.filter,
            &filter,
            bias,
            c.output,
            &mut want,
            &mut scratch,
        )
        .unwrap();
        for backend in backends() {
            let len = fast::transpose_conv_scratch_len(backend, &c.output).unwrap();
            let mut scratch = vec![i64::MIN; len];
            let mut got = vec![0i16; n];
            fast::transpose_conv_16x8(
                backend,
                &c.g,
                &quant,
                c.input,
                &input,
                c.filter,
                &filter,
                bias,
                c.output,
                &mut got,
                &mut scratch,
            )
            .unwrap();
            assert_eq!(got, want, "round {round} {backend:?}");
        }
    }
}

/// Inconsistent buffers and short scratch: the reference's errors.
#[test]
fn errors_equal_the_reference() {
    let g = TransposeGeometry {
        stride_height: 2,
        stride_width: 2,
        padding_height: 0,
        padding_width: 0,
    };
    let input_shape = NhwcShape::new(1, 2, 2, 3);
    let filter_shape = NhwcShape::new(2, 3, 3, 3);
    let output_shape = NhwcShape::new(1, 5, 5, 2);
    let (m, sh) = (vec![1 << 30; 2], vec![0; 2]);
    let quant = ConvQuantParamsI8 {
        input_offset: 3,
        output_offset: 0,
        output_multipliers: &m,
        output_shifts: &sh,
        activation_min: -128,
        activation_max: 127,
    };
    let input = vec![1i8; 12];
    let filter = vec![1i8; 54];
    for (input_len, filter_len, bias_len, scratch_len) in [
        (11, 54, 2, 50),
        (12, 53, 2, 50),
        (12, 54, 3, 50),
        (12, 54, 2, 49),
        // Consistent: both succeed.
        (12, 54, 2, 50),
    ] {
        let bias = vec![5i32; bias_len];
        let mut want = vec![0i8; 50];
        let want_result = reference::transpose_conv_i8(
            &g,
            &quant,
            input_shape,
            &input[..input_len],
            filter_shape,
            &filter[..filter_len],
            Some(&bias),
            output_shape,
            &mut want,
            &mut vec![0; scratch_len],
        );
        for backend in backends() {
            let mut got = vec![0i8; 50];
            let got_result = fast::transpose_conv_i8(
                backend,
                &g,
                &quant,
                input_shape,
                &input[..input_len],
                filter_shape,
                &filter[..filter_len],
                Some(&bias),
                output_shape,
                &mut got,
                &mut vec![0; scratch_len],
            );
            assert_eq!(got_result, want_result, "{backend:?}");
            assert_eq!(got, want, "{backend:?}");
        }
    }
    // Offset inputs beyond i16: the fallback.
    let quant = ConvQuantParamsI8 {
        input_offset: 40_000,
        ..quant
    };
    let mut want = vec![0i8; 50];
    reference::transpose_conv_i8(
        &g,
        &quant,
        input_shape,
        &input,
        filter_shape,
        &filter,
        None,
        output_shape,
        &mut want,
        &mut [0; 50],
    )
    .unwrap();
    for backend in backends() {
        let mut got = vec![0i8; 50];
        fast::transpose_conv_i8(
            backend,
            &g,
            &quant,
            input_shape,
            &input,
            filter_shape,
            &filter,
            None,
            output_shape,
            &mut got,
            &mut [0; 50],
        )
        .unwrap();
        assert_eq!(got, want, "{backend:?}");
    }
    let mut want = vec![0i16; 50];
    let input16 = vec![-3i16; 12];
    let want_result = reference::transpose_conv_16x8(
        &g,
        &quant,
        input_shape,
        &input16,
        filter_shape,
        &filter,
        Bias16::None,
        output_shape,
        &mut want,
        &mut [0; 49],
    );
    assert!(want_result.is_err());
    for backend in backends() {
        let mut got = vec![0i16; 50];
        let got_result = fast::transpose_conv_16x8(
            backend,
            &g,
            &quant,
            input_shape,
            &input16,
            filter_shape,
            &filter,
            Bias16::None,
            output_shape,
            &mut got,
            &mut [0; 49],
        );
        assert_eq!(got_result, want_result, "{backend:?}");
    }
}
