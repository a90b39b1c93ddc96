//! DEPTHWISE_CONV_2D kernels against a naive depthwise convolution over an
//! explicitly padded input, in the integer and real domains.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::activation::FusedActivation;
use microlite_kernels::conv::{ConvGeometry, ConvParamsF32, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::depthwise_conv::{depthwise_conv_f32, depthwise_conv_per_channel_i8};
use microlite_kernels::fixed_point::multiply_by_quantized_multiplier;
use microlite_kernels::padding::{compute_padding_height_width, Padding};
use microlite_kernels::quantization::{
    activation_range_f32, activation_range_i8, per_channel_effective_scale, quantize_multiplier,
};
use microlite_kernels::KernelError;
use proptest::prelude::*;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn i8(&mut self) -> i8 {
        self.next() as u8 as i8
    }
    fn f32(&mut self) -> f32 {
        (self.next() as f32 / u32::MAX as f32) * 2.0 - 1.0
    }
}

const ACTIVATIONS: [FusedActivation; 4] = [
    FusedActivation::None,
    FusedActivation::Relu,
    FusedActivation::Relu6,
    FusedActivation::ReluN1To1,
];

#[derive(Debug, Clone)]
struct Case {
    batches: usize,
    in_h: usize,
    in_w: usize,
    in_depth: usize,
    multiplier: usize,
    kh: usize,
    kw: usize,
    stride: (usize, usize),
    dilation: (usize, usize),
    padding: Padding,
    seed: u64,
    activation: FusedActivation,
    with_bias: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (1usize..3, 1usize..9, 1usize..9),
        (1usize..5, 1usize..4),
        (1usize..4, 1usize..4),
        (1usize..4, 1usize..4, 1usize..3, 1usize..3),
        any::<bool>(),
        any::<u64>(),
        0usize..4,
        any::<bool>(),
    )
        .prop_map(
            |((n, h, w), (d, m), (kh, kw), (sh, sw, dh, dw), same, seed, act, wb)| Case {
                batches: n,
                in_h: h,
                in_w: w,
                in_depth: d,
                multiplier: m,
                kh,
                kw,
                stride: (sh, sw),
                dilation: (dh, dw),
                padding: if same { Padding::Same } else { Padding::Valid },
                seed,
                activation: ACTIVATIONS[act],
                with_bias: wb,
            },
        )
}

struct Layout {
    geometry: ConvGeometry,
    input: NhwcShape,
    filter: NhwcShape,
    output: NhwcShape,
}

fn layout(c: &Case) -> Option<Layout> {
    let p = compute_padding_height_width(
        c.padding,
        c.stride.0,
        c.stride.1,
        c.dilation.0,
        c.dilation.1,
        c.in_h,
        c.in_w,
        c.kh,
        c.kw,
    )?;
    let out_depth = c.in_depth * c.multiplier;
    Some(Layout {
        geometry: ConvGeometry {
            stride_height: c.stride.0,
            stride_width: c.stride.1,
            dilation_height: c.dilation.0,
            dilation_width: c.dilation.1,
            padding_height: p.height,
            padding_width: p.width,
        },
        input: NhwcShape::new(c.batches, c.in_h, c.in_w, c.in_depth),
        filter: NhwcShape::new(1, c.kh, c.kw, out_depth),
        output: NhwcShape::new(c.batches, p.output_height, p.output_width, out_depth),
    })
}

fn count(s: &NhwcShape) -> usize {
    s.batches * s.height * s.width * s.depth
}

/// Naive depthwise conv: output channel ic * multiplier + m reads input
/// channel ic; `input_at` supplies padded values at signed coordinates.
fn naive_depthwise(
    l: &Layout,
    multiplier: usize,
    input_at: impl Fn(usize, i64, i64, usize) -> f64,
    filter: &[f64],
    mut emit: impl FnMut(usize, usize, usize, usize, f64, f64),
) {
    let g = &l.geometry;
    for b in 0..l.output.batches {
        for oy in 0..l.output.height {
            for ox in 0..l.output.width {
                for ic in 0..l.input.depth {
                    for m in 0..multiplier {
                        let oc = ic * multiplier + m;
                        let (mut sum, mut magnitude) = (0f64, 0f64);
                        for ky in 0..l.filter.height {
                            for kx in 0..l.filter.width {
                                let iy = (oy * g.stride_height + ky * g.dilation_height) as i64
                                    - g.padding_height as i64;
                                let ix = (ox * g.stride_width + kx * g.dilation_width) as i64
                                    - g.padding_width as i64;
                                let p = input_at(b, iy, ix, ic)
                                    * filter[(ky * l.filter.width + kx) * l.filter.depth + oc];
                                sum += p;
                                magnitude += p.abs();
                            }
                        }
                        emit(b, oy, ox, oc, sum, magnitude);
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 300 }))]

    #[test]
    fn int8_per_channel(c in case(), input_zp in -128i32..=127, output_zp in -128i32..=127,
                        input_scale in 1e-3f32..1.0, scale_factor in 1.0f32..50.0) {
        let Some(l) = layout(&c) else { return Ok(()) };
        let mut rng = Lcg(c.seed);
        let input: Vec<i8> = (0..count(&l.input)).map(|_| rng.i8()).collect();
        let filter: Vec<i8> = (0..count(&l.filter)).map(|_| rng.i8().max(-127)).collect();
        let out_depth = l.output.depth;
        let bias: Option<Vec<i32>> = c.with_bias
            .then(|| (0..out_depth).map(|_| (rng.next() % 20001) as i32 - 10000).collect());
        let filter_scales: Vec<f32> =
            (0..out_depth).map(|_| 1e-3 + (rng.next() % 1000) as f32 * 1e-4).collect();
        let output_scale = input_scale * 0.05 * scale_factor;
        let (multipliers, shifts): (Vec<i32>, Vec<i32>) = filter_scales
            .iter()
            .map(|&fs| quantize_multiplier(per_channel_effective_scale(input_scale, fs, output_scale)))
            .unzip();
        let (lo, hi) = activation_range_i8(c.activation, output_scale, output_zp).unwrap();
        let quant = ConvQuantParamsI8 {
            input_offset: -input_zp,
            output_offset: output_zp,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: lo,
            activation_max: hi,
        };
        let mut out = vec![0i8; count(&l.output)];
        depthwise_conv_per_channel_i8(&l.geometry, c.multiplier, &quant, l.input, &input, l.filter,
                                      &filter, bias.as_deref(), l.output, &mut out).unwrap();
        // Padding with the zero point means a real 0; all values are small
        // integers, so the f64 sums below are exact.
        let input_at = |b: usize, y: i64, x: i64, ch: usize| -> f64 {
            if y < 0 || x < 0 || y >= l.input.height as i64 || x >= l.input.width as i64 {
                0.0
            } else {
                f64::from(i32::from(input[((b * l.input.height + y as usize) * l.input.width + x as usize)
                    * l.input.depth + ch]) - input_zp)
            }
        };
        let filter_wide: Vec<f64> = filter.iter().map(|&w| f64::from(w)).collect();
        let mut failures = Vec::new();
        naive_depthwise(&l, c.multiplier, input_at, &filter_wide, |b, oy, ox, oc, sum, _| {
            let acc = sum as i64 + bias.as_ref().map_or(0, |bias| i64::from(bias[oc]));
            let got = i32::from(out[((b * l.output.height + oy) * l.output.width + ox) * out_depth + oc]);
            let exact = (multiply_by_quantized_multiplier(acc as i32, multipliers[oc], shifts[oc])
                + output_zp).clamp(lo, hi);
            let real = acc as f64 * f64::from(input_scale) * f64::from(filter_scales[oc]);
            let ideal = ((real / f64::from(output_scale)).round() as i64 + i64::from(output_zp))
                .clamp(i64::from(lo), i64::from(hi)) as i32;
            if got != exact || (got - ideal).abs() > 1 {
                failures.push((b, oy, ox, oc, got, exact, ideal));
            }
        });
        prop_assert!(failures.is_empty(), "{:?}", &failures[..failures.len().min(5)]);
    }

    #[test]
    fn float32(c in case()) {
        let Some(l) = layout(&c) else { return Ok(()) };
        let mut rng = Lcg(c.seed);
        let input: Vec<f32> = (0..count(&l.input)).map(|_| rng.f32() * 2.0).collect();
        let filter: Vec<f32> = (0..count(&l.filter)).map(|_| rng.f32()).collect();
        let out_depth = l.output.depth;
        let bias: Option<Vec<f32>> = c.with_bias.then(|| (0..out_depth).map(|_| rng.f32()).collect());
        let (lo, hi) = activation_range_f32(c.activation);
        let params = ConvParamsF32 { activation_min: lo, activation_max: hi };
        let mut out = vec![0f32; count(&l.output)];
        depthwise_conv_f32(&l.geometry, c.multiplier, &params, l.input, &input, l.filter, &filter,
                           bias.as_deref(), l.output, &mut out).unwrap();
        let input_at = |b: usize, y: i64, x: i64, ch: usize| -> f64 {
            if y < 0 || x < 0 || y >= l.input.height as i64 || x >= l.input.width as i64 {
                0.0
            } else {
                f64::from(input[((b * l.input.height + y as usize) * l.input.width + x as usize)
                    * l.input.depth + ch])
            }
        };
        let filter_wide: Vec<f64> = filter.iter().map(|&w| f64::from(w)).collect();
        let mut failures = Vec::new();
        naive_depthwise(&l, c.multiplier, input_at, &filter_wide, |b, oy, ox, oc, sum, magnitude| {
            let bias_value = bias.as_ref().map_or(0.0, |bias| f64::from(bias[oc]));
            let expected = (sum + bias_value).max(f64::from(lo)).min(f64::from(hi));
            let got = f64::from(out[((b * l.output.height + oy) * l.output.width + ox) * out_depth + oc]);
            if (got - expected).abs() > 1e-5 * (1.0 + magnitude + bias_value.abs()) {
                failures.push((b, oy, ox, oc, got, expected));
            }
        });
        prop_assert!(failures.is_empty(), "{:?}", &failures[..failures.len().min(5)]);
    }
}

#[test]
fn rejects_inconsistent_channels() {
    let geometry = ConvGeometry {
        stride_height: 1,
        stride_width: 1,
        dilation_height: 1,
        dilation_width: 1,
        padding_height: 0,
        padding_width: 0,
    };
    let params = ConvParamsF32 {
        activation_min: f32::MIN,
        activation_max: f32::MAX,
    };
    let input = NhwcShape::new(1, 1, 1, 2);
    let mut out = [0f32; 4];
    // depth_multiplier 1 but 4 output channels.
    let err = depthwise_conv_f32(
        &geometry,
        1,
        &params,
        input,
        &[0.0; 2],
        NhwcShape::new(1, 1, 1, 4),
        &[0.0; 4],
        None,
        NhwcShape::new(1, 1, 1, 4),
        &mut out,
    )
    .unwrap_err();
    assert!(matches!(err, KernelError::DimensionMismatch { .. }));
    // Filter dimension 0 must be 1.
    assert!(depthwise_conv_f32(
        &geometry,
        2,
        &params,
        input,
        &[0.0; 2],
        NhwcShape::new(2, 1, 1, 2),
        &[0.0; 4],
        None,
        NhwcShape::new(1, 1, 1, 4),
        &mut out
    )
    .is_err());
    // Multiplier overflow.
    assert!(depthwise_conv_f32(
        &geometry,
        usize::MAX,
        &params,
        input,
        &[0.0; 2],
        NhwcShape::new(1, 1, 1, 4),
        &[0.0; 4],
        None,
        NhwcShape::new(1, 1, 1, 4),
        &mut out
    )
    .is_err());
    // Zero multiplier with zero output channels is a valid empty op.
    depthwise_conv_f32(
        &geometry,
        0,
        &params,
        input,
        &[0.0; 2],
        NhwcShape::new(1, 1, 1, 0),
        &[],
        None,
        NhwcShape::new(1, 1, 1, 0),
        &mut [],
    )
    .unwrap();
}
