//! The optimized 16x8 DEPTHWISE_CONV_2D (`optimized::depthwise_16x8`)
//! against the reference kernel on random shapes, depth multipliers,
//! strides, dilations, paddings and output sizes, with and without bias:
//! every fast backend (portable and, when this CPU has it, AVX2) must give
//! the reference's bits and errors; and a window of extreme products whose
//! sum passes `i32` (the `i32` accumulators must be widened in time).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{fast_backends as backends, Stream};

use microlite_kernels::conv::{ConvGeometry, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::depthwise_conv::depthwise_conv_per_channel_16x8 as reference;
use microlite_kernels::optimized::depthwise_16x8::depthwise_conv_per_channel_16x8 as fast;

#[allow(clippy::too_many_arguments)]
fn compare(
    g: &ConvGeometry,
    multiplier: usize,
    quant: &ConvQuantParamsI8<'_>,
    input_shape: NhwcShape,
    input: &[i16],
    filter_shape: NhwcShape,
    filter: &[i8],
    bias: Option<&[i64]>,
    output_shape: NhwcShape,
    what: &str,
) {
    let n = output_shape.element_count().unwrap();
    let mut want = vec![0i16; n];
    let want_result = reference(
        g,
        multiplier,
        quant,
        input_shape,
        input,
        filter_shape,
        filter,
        bias,
        output_shape,
        &mut want,
    );
    for backend in backends() {
        let mut got = vec![0i16; n];
        let got_result = fast(
            backend,
            g,
            multiplier,
            quant,
            input_shape,
            input,
            filter_shape,
            filter,
            bias,
            output_shape,
            &mut got,
        );
        assert_eq!(got_result, want_result, "{what} {backend:?}");
        assert_eq!(got, want, "{what} {backend:?}");
    }
}

#[test]
fn depthwise_16x8_equals_the_reference() {
    let mut s = Stream(0xd_16_08);
    for round in 0..400 {
        let multiplier = [1, 1, 1, 2, 3][s.below(5)];
        let c_in = 1 + if round % 10 == 0 {
            s.below(150)
        } else {
            s.below(20)
        };
        let c_out = c_in * multiplier;
        let (kh, kw) = (1 + s.below(5), 1 + s.below(5));
        let g = ConvGeometry {
            stride_height: 1 + s.below(3),
            stride_width: 1 + s.below(3),
            dilation_height: 1 + s.below(2),
            dilation_width: 1 + s.below(2),
            padding_height: s.below(kh),
            padding_width: s.below(kw),
        };
        let (ih, iw) = (1 + s.below(7), 1 + s.below(7));
        let batches = 1 + s.below(2);
        // Outputs whose windows reach past the input on every side.
        let (oh, ow) = (1 + s.below(5), 1 + s.below(5));
        let input_shape = NhwcShape::new(batches, ih, iw, c_in);
        let filter_shape = NhwcShape::new(1, kh, kw, c_out);
        let output_shape = NhwcShape::new(batches, oh, ow, c_out);
        let input: Vec<i16> = (0..input_shape.element_count().unwrap())
            .map(|_| s.next() as i16)
            .collect();
        let filter: Vec<i8> = (0..filter_shape.element_count().unwrap())
            .map(|_| s.next() as i8)
            .collect();
        let bias: Vec<i64> = (0..c_out)
            .map(|_| (s.next() % 40_000_001) as i64 - 20_000_000)
            .collect();
        let multipliers: Vec<i32> = (0..c_out)
            .map(|_| (1 << 30) + (s.next() % (1 << 30)) as i32)
            .collect();
        let shifts: Vec<i32> = (0..c_out).map(|_| s.below(12) as i32 - 20).collect();
        let quant = ConvQuantParamsI8 {
            input_offset: 0,
            output_offset: 0,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: -32768 + s.below(1000) as i32,
            activation_max: 32767 - s.below(1000) as i32,
        };
        let bias = (round % 3 != 0).then_some(&bias[..]);
        compare(
            &g,
            multiplier,
            &quant,
            input_shape,
            &input,
            filter_shape,
            &filter,
            bias,
            output_shape,
            &format!("round {round}"),
        );
    }
}

/// 23 x 23 = 529 taps of `-32768 * -128 = 2^22`: 2^31.05 in all, past
/// `i32`; 70 channels (a block tail) with multiplier 1 and 2.
#[test]
fn extreme_sums_equal_the_reference() {
    for multiplier in [1, 2] {
        let c_out = 70;
        let c_in = c_out / multiplier;
        let g = ConvGeometry {
            stride_height: 1,
            stride_width: 1,
            dilation_height: 1,
            dilation_width: 1,
            padding_height: 0,
            padding_width: 0,
        };
        let input_shape = NhwcShape::new(1, 23, 23, c_in);
        let filter_shape = NhwcShape::new(1, 23, 23, c_out);
        let output_shape = NhwcShape::new(1, 1, 1, c_out);
        let input = vec![i16::MIN; 23 * 23 * c_in];
        let filter = vec![i8::MIN; 23 * 23 * c_out];
        let multipliers = vec![1 << 30; c_out];
        let shifts = vec![-17; c_out];
        let quant = ConvQuantParamsI8 {
            input_offset: 0,
            output_offset: 0,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: -32768,
            activation_max: 32767,
        };
        let n = c_out;
        let mut want = vec![0i16; n];
        reference(
            &g,
            multiplier,
            &quant,
            input_shape,
            &input,
            filter_shape,
            &filter,
            None,
            output_shape,
            &mut want,
        )
        .unwrap();
        // 529 * 2^22 / 2^18 = 8464: not a clamp bound, and not what
        // wrapped sums give.
        assert!(want.iter().all(|&v| v == 8464), "{want:?}");
        compare(
            &g,
            multiplier,
            &quant,
            input_shape,
            &input,
            filter_shape,
            &filter,
            None,
            output_shape,
            "extreme",
        );
    }
}

/// Inconsistent buffers: the reference's errors.
#[test]
fn errors_equal_the_reference() {
    let g = ConvGeometry {
        stride_height: 1,
        stride_width: 1,
        dilation_height: 1,
        dilation_width: 1,
        padding_height: 1,
        padding_width: 1,
    };
    let multipliers = vec![1 << 30; 4];
    let shifts = vec![0; 4];
    let quant = ConvQuantParamsI8 {
        input_offset: 0,
        output_offset: 0,
        output_multipliers: &multipliers,
        output_shifts: &shifts,
        activation_min: -32768,
        activation_max: 32767,
    };
    let input = [7i16; 3 * 3 * 2];
    let filter = [-3i8; 9 * 4];
    let bias = [1i64; 4];
    for (input_len, filter_len, bias_len, multiplier, c_out) in [
        (17, 36, 4, 2, 4),
        (18, 35, 4, 2, 4),
        (18, 36, 3, 2, 4),
        (18, 36, 4, 1, 4),
        (18, 36, 4, 2, 4),
        (18, 0, 0, 2, 0),
    ] {
        compare(
            &g,
            multiplier,
            &quant,
            NhwcShape::new(1, 3, 3, 2),
            &input[..input_len],
            NhwcShape::new(1, 3, 3, c_out),
            &filter[..filter_len],
            Some(&bias[..bias_len]),
            NhwcShape::new(1, 3, 3, c_out),
            &format!("{input_len} {filter_len} {bias_len} {multiplier} {c_out}"),
        );
    }
}
