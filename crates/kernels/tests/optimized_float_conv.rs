//! The channels-innermost float32 CONV_2D and DEPTHWISE_CONV_2D against the
//! reference kernels, bit for bit (`to_bits`), over random shapes, geometry
//! (strides, dilation, SAME/VALID padding), depth multipliers, more than one
//! run of accumulator lanes, clamps and optional bias; and the fallbacks
//! (reference backend, grouped conv, bad shapes) giving the same results and
//! errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::conv::{conv_f32, ConvGeometry, ConvParamsF32, NhwcShape};
use microlite_kernels::depthwise_conv::depthwise_conv_f32;
use microlite_kernels::optimized::{float_conv, Backend};
use microlite_kernels::padding::{compute_padding_height_width, Padding};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    in_hw: (usize, usize),
    in_c: usize,
    out_c: usize,
    k: (usize, usize),
    stride: (usize, usize),
    dilation: (usize, usize),
    same: bool,
    clamp: (f32, f32),
    with_bias: bool,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (1usize..9, 1usize..9),
        1usize..6,
        prop_oneof![3 => 1usize..20, 1 => 60usize..140],
        (1usize..5, 1usize..5),
        (1usize..3, 1usize..3),
        prop_oneof![3 => Just((1usize, 1usize)), 1 => (1usize..3, 1usize..3)],
        any::<bool>(),
        prop_oneof![
            Just((f32::NEG_INFINITY, f32::INFINITY)),
            Just((0.0f32, 6.0f32)),
            Just((-1.0f32, 1.0f32))
        ],
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |(in_hw, in_c, out_c, k, stride, dilation, same, clamp, with_bias, seed)| Case {
                in_hw,
                in_c,
                out_c,
                k,
                stride,
                dilation,
                same,
                clamp,
                with_bias,
                seed,
            },
        )
}

/// Values in [-2, 2) with a few exact zeros, from a xorshift stream.
fn floats(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if s.is_multiple_of(17) {
                0.0
            } else {
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
            }
        })
        .collect()
}

/// Geometry and output extent, or `None` when the window does not fit.
fn geometry(c: &Case) -> Option<(ConvGeometry, usize, usize)> {
    let padding = if c.same {
        Padding::Same
    } else {
        Padding::Valid
    };
    let p = compute_padding_height_width(
        padding,
        c.stride.0,
        c.stride.1,
        c.dilation.0,
        c.dilation.1,
        c.in_hw.0,
        c.in_hw.1,
        c.k.0,
        c.k.1,
    )?;
    let g = ConvGeometry {
        stride_height: c.stride.0,
        stride_width: c.stride.1,
        dilation_height: c.dilation.0,
        dilation_width: c.dilation.1,
        padding_height: p.height,
        padding_width: p.width,
    };
    (p.output_height > 0 && p.output_width > 0).then_some((g, p.output_height, p.output_width))
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn backends() -> Vec<Backend> {
    vec![Backend::Portable, Backend::detect()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 300 }))]

    #[test]
    fn conv_matches_reference(c in case()) {
        let Some((g, out_h, out_w)) = geometry(&c) else { return Ok(()) };
        let input_shape = NhwcShape::new(1, c.in_hw.0, c.in_hw.1, c.in_c);
        let filter_shape = NhwcShape::new(c.out_c, c.k.0, c.k.1, c.in_c);
        let output_shape = NhwcShape::new(1, out_h, out_w, c.out_c);
        let input = floats(c.seed, input_shape.element_count().unwrap());
        let filter = floats(c.seed ^ 0x5555, filter_shape.element_count().unwrap());
        let bias = floats(c.seed ^ 0xaaaa, c.out_c);
        let bias = c.with_bias.then_some(&bias[..]);
        let params = ConvParamsF32 { activation_min: c.clamp.0, activation_max: c.clamp.1 };
        let mut want = vec![0.0f32; output_shape.element_count().unwrap()];
        conv_f32(&g, &params, input_shape, &input, filter_shape, &filter, bias, output_shape, &mut want).unwrap();
        for backend in backends() {
            let mut got = vec![0.0f32; want.len()];
            float_conv::conv_f32(backend, &g, &params, input_shape, &input, filter_shape, &filter, bias, output_shape, &mut got).unwrap();
            prop_assert_eq!(bits(&got), bits(&want), "{:?}", backend);
        }
    }

    #[test]
    fn depthwise_matches_reference(c in case(), multiplier in 1usize..5) {
        let Some((g, out_h, out_w)) = geometry(&c) else { return Ok(()) };
        let out_c = c.in_c * multiplier;
        let input_shape = NhwcShape::new(1, c.in_hw.0, c.in_hw.1, c.in_c);
        let filter_shape = NhwcShape::new(1, c.k.0, c.k.1, out_c);
        let output_shape = NhwcShape::new(1, out_h, out_w, out_c);
        let input = floats(c.seed, input_shape.element_count().unwrap());
        let filter = floats(c.seed ^ 0x5555, filter_shape.element_count().unwrap());
        let bias = floats(c.seed ^ 0xaaaa, out_c);
        let bias = c.with_bias.then_some(&bias[..]);
        let params = ConvParamsF32 { activation_min: c.clamp.0, activation_max: c.clamp.1 };
        let mut want = vec![0.0f32; output_shape.element_count().unwrap()];
        depthwise_conv_f32(&g, multiplier, &params, input_shape, &input, filter_shape, &filter, bias, output_shape, &mut want).unwrap();
        for backend in backends() {
            let mut got = vec![0.0f32; want.len()];
            float_conv::depthwise_conv_f32(backend, &g, multiplier, &params, input_shape, &input, filter_shape, &filter, bias, output_shape, &mut got).unwrap();
            prop_assert_eq!(bits(&got), bits(&want), "{:?}", backend);
        }
    }
}

/// Grouped convs and wrong shapes take the reference path: same bits, same
/// errors.
#[test]
fn fallbacks_match_reference() {
    let g = ConvGeometry {
        stride_height: 1,
        stride_width: 1,
        dilation_height: 1,
        dilation_width: 1,
        padding_height: 0,
        padding_width: 0,
    };
    let params = ConvParamsF32 {
        activation_min: f32::NEG_INFINITY,
        activation_max: f32::INFINITY,
    };
    // Two groups: input depth 4, filter depth 2.
    let input_shape = NhwcShape::new(1, 3, 3, 4);
    let filter_shape = NhwcShape::new(4, 2, 2, 2);
    let output_shape = NhwcShape::new(1, 2, 2, 4);
    let input = floats(1, input_shape.element_count().unwrap());
    let filter = floats(2, filter_shape.element_count().unwrap());
    let mut want = vec![0.0; output_shape.element_count().unwrap()];
    conv_f32(
        &g,
        &params,
        input_shape,
        &input,
        filter_shape,
        &filter,
        None,
        output_shape,
        &mut want,
    )
    .unwrap();
    let mut got = vec![0.0; want.len()];
    float_conv::conv_f32(
        Backend::Portable,
        &g,
        &params,
        input_shape,
        &input,
        filter_shape,
        &filter,
        None,
        output_shape,
        &mut got,
    )
    .unwrap();
    assert_eq!(bits(&got), bits(&want));
    // An output one element short: the reference's error.
    let short = output_shape.element_count().unwrap() - 1;
    let want_err = conv_f32(
        &g,
        &params,
        input_shape,
        &input,
        filter_shape,
        &filter,
        None,
        output_shape,
        &mut vec![0.0; short],
    );
    let got_err = float_conv::conv_f32(
        Backend::Portable,
        &g,
        &params,
        input_shape,
        &input,
        filter_shape,
        &filter,
        None,
        output_shape,
        &mut vec![0.0; short],
    );
    assert!(want_err.is_err());
    assert_eq!(got_err, want_err);
}
