//! Optimized DEPTHWISE_CONV_2D (portable, compact and AVX2) against the reference
//! kernel, bit for bit, over random shapes, geometry, data and quantization
//! (including one-channel inputs with depth multipliers, which run as an
//! outer-product GEMM on AVX2, and zero points that fall back).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::conv::{ConvGeometry, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::depthwise_conv::depthwise_conv_per_channel_i8;
use microlite_kernels::optimized::depthwise_conv as optimized;
use microlite_kernels::optimized::Backend;
use microlite_kernels::padding::{compute_padding_height_width, Padding};
use proptest::prelude::*;

/// Every fast backend this machine can run.
fn fast_backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Portable, Backend::Compact, Backend::CortexM];
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was just detected.
        backends.push(Backend::Avx2(unsafe {
            microlite_kernels::optimized::Avx2::new_unchecked()
        }));
    }
    backends
}

#[derive(Debug, Clone)]
struct Case {
    batches: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    multiplier: usize,
    kh: usize,
    kw: usize,
    stride: (usize, usize),
    dilation: (usize, usize),
    same: bool,
    seed: u64,
    input_offset: i32,
    output_offset: i32,
    wild_scales: bool,
    clamp: (i32, i32),
    with_bias: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (1usize..3, 1usize..9, 1usize..9),
        prop_oneof![
            6 => (prop_oneof![2 => 1usize..41, 1 => prop::sample::select(vec![8usize, 16, 24, 32, 64, 264])], Just(1usize)),
            2 => (Just(1usize), 2usize..20),
            1 => (1usize..5, 2usize..4),
        ],
        prop_oneof![4 => (1usize..4, 1usize..4), 1 => (1usize..7, 1usize..7)],
        (1usize..3, 1usize..3),
        prop_oneof![4 => Just((1usize, 1usize)), 1 => (1usize..3, 1usize..3)],
        any::<bool>(),
        any::<u64>(),
        prop_oneof![8 => -127i32..=128, 1 => prop::sample::select(vec![-129, 129, 32640, -32641])],
        -128i32..=127,
        (
            prop::bool::weighted(0.2),
            prop_oneof![
                6 => (-128i32..=127, -128i32..=127).prop_map(|(a, b)| (a.min(b), a.max(b))),
                1 => (-300i32..=300, -300i32..=300),
            ],
            prop::bool::weighted(0.8),
        ),
    )
        .prop_map(
            |(
                (batches, in_h, in_w),
                (in_c, multiplier),
                (kh, kw),
                stride,
                dilation,
                same,
                seed,
                input_offset,
                output_offset,
                (wild_scales, clamp, with_bias),
            )| Case {
                batches,
                in_h,
                in_w,
                in_c,
                multiplier,
                kh,
                kw,
                stride,
                dilation,
                same,
                seed,
                input_offset,
                output_offset,
                wild_scales,
                clamp,
                with_bias,
            },
        )
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 11
    }
    fn i8(&mut self) -> i8 {
        self.next() as u8 as i8
    }
    fn i32(&mut self) -> i32 {
        self.next() as u32 as i32
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 400 }))]

    #[test]
    fn depthwise_matches_reference(c in case()) {
        let padding = if c.same { Padding::Same } else { Padding::Valid };
        let Some(p) = compute_padding_height_width(
            padding, c.stride.0, c.stride.1, c.dilation.0, c.dilation.1,
            c.in_h, c.in_w, c.kh, c.kw) else { return Ok(()) };
        let geometry = ConvGeometry {
            stride_height: c.stride.0,
            stride_width: c.stride.1,
            dilation_height: c.dilation.0,
            dilation_width: c.dilation.1,
            padding_height: p.height,
            padding_width: p.width,
        };
        let out_c = c.in_c * c.multiplier;
        let input_shape = NhwcShape::new(c.batches, c.in_h, c.in_w, c.in_c);
        let filter_shape = NhwcShape::new(1, c.kh, c.kw, out_c);
        let output_shape = NhwcShape::new(c.batches, p.output_height, p.output_width, out_c);
        let mut rng = Rng(c.seed);
        let input: Vec<i8> = (0..input_shape.element_count().unwrap()).map(|_| rng.i8()).collect();
        let filter: Vec<i8> = (0..filter_shape.element_count().unwrap()).map(|_| rng.i8()).collect();
        let bias: Option<Vec<i32>> = c.with_bias.then(|| {
            (0..out_c).map(|k| if k % 3 == 0 { rng.i32() } else { rng.i32() >> 14 }).collect()
        });
        let (multipliers, shifts): (Vec<i32>, Vec<i32>) = (0..out_c)
            .map(|_| {
                if c.wild_scales {
                    (rng.i32(), (rng.next() % 81) as i32 - 40)
                } else {
                    ((1 << 30) + (rng.next() % (1 << 30)) as i32, -((rng.next() % 12) as i32))
                }
            })
            .unzip();
        let quant = ConvQuantParamsI8 {
            input_offset: c.input_offset,
            output_offset: c.output_offset,
            output_multipliers: &multipliers,
            output_shifts: &shifts,
            activation_min: c.clamp.0,
            activation_max: c.clamp.1,
        };
        let n = output_shape.element_count().unwrap();
        let mut want = vec![0i8; n];
        let want_result = depthwise_conv_per_channel_i8(&geometry, c.multiplier, &quant,
            input_shape, &input, filter_shape, &filter, bias.as_deref(), output_shape, &mut want);
        for backend in fast_backends() {
            let mut got = vec![0x55i8; n];
            let mut scratch = vec![0x55i8;
                microlite_kernels::compact::depthwise_scratch_len(input_shape.depth, &filter_shape)];
            let result = optimized::depthwise_conv_per_channel_i8(backend, &geometry,
                c.multiplier, &quant, input_shape, &input, filter_shape, &filter,
                bias.as_deref(), output_shape, &mut got, &mut scratch);
            prop_assert_eq!(result, want_result);
            prop_assert_eq!(&got, &want, "backend {:?}", backend);
        }
    }
}
