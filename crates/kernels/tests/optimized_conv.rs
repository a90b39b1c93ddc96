//! Optimized CONV_2D (portable and AVX2, in-place and im2col) against the
//! reference kernel, bit for bit, over random shapes, geometry, data and
//! quantization (including extreme values and cases that fall back).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::conv::{conv_per_channel_i8, ConvGeometry, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::optimized::conv as optimized;
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
struct Geometry {
    batches: usize,
    in_h: usize,
    in_w: usize,
    in_c: usize,
    out_c: usize,
    groups: usize,
    kh: usize,
    kw: usize,
    stride: (usize, usize),
    dilation: (usize, usize),
    same: bool,
}

fn geometry() -> impl Strategy<Value = Geometry> {
    (
        (1usize..3, 1usize..9, 1usize..9),
        prop::sample::select(vec![1usize, 2, 3, 5, 8, 16, 17, 24, 32, 48, 64]),
        prop_oneof![4 => 1usize..11, 1 => 11usize..40],
        prop_oneof![8 => Just(1usize), 1 => Just(2usize)],
        prop_oneof![
            4 => (1usize..4, 1usize..4),
            1 => Just((1usize, 1usize)),
            1 => (5usize..7, 5usize..7),
        ],
        (1usize..3, 1usize..3),
        prop_oneof![4 => Just((1usize, 1usize)), 1 => (1usize..3, 1usize..3)],
        any::<bool>(),
    )
        .prop_map(
            |((batches, in_h, in_w), in_c, out_c, groups, (kh, kw), stride, dilation, same)| {
                Geometry {
                    batches,
                    in_h,
                    in_w,
                    in_c: in_c * groups,
                    out_c: out_c * groups,
                    groups,
                    kh,
                    kw,
                    stride,
                    dilation,
                    same,
                }
            },
        )
}

#[derive(Debug, Clone)]
struct Case {
    g: Geometry,
    seed: u64,
    input_offset: i32,
    output_offset: i32,
    multipliers_seed: u64,
    wild_scales: bool,
    clamp: (i32, i32),
    with_bias: bool,
    short_scratch: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        geometry(),
        any::<u64>(),
        prop_oneof![8 => -127i32..=128, 1 => prop::sample::select(vec![-129, 129, 32640, -32641])],
        -128i32..=127,
        any::<u64>(),
        prop::bool::weighted(0.2),
        prop_oneof![
            6 => (-128i32..=127, -128i32..=127).prop_map(|(a, b)| (a.min(b), a.max(b))),
            1 => (-300i32..=300, -300i32..=300),
        ],
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(
                g,
                seed,
                input_offset,
                output_offset,
                multipliers_seed,
                wild_scales,
                clamp,
                with_bias,
                short_scratch,
            )| Case {
                g,
                seed,
                input_offset,
                output_offset,
                multipliers_seed,
                wild_scales,
                clamp,
                with_bias,
                short_scratch,
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
    fn conv_matches_reference(c in case()) {
        let g = &c.g;
        let padding = if g.same { Padding::Same } else { Padding::Valid };
        let Some(p) = compute_padding_height_width(
            padding, g.stride.0, g.stride.1, g.dilation.0, g.dilation.1,
            g.in_h, g.in_w, g.kh, g.kw) else { return Ok(()) };
        let geometry = ConvGeometry {
            stride_height: g.stride.0,
            stride_width: g.stride.1,
            dilation_height: g.dilation.0,
            dilation_width: g.dilation.1,
            padding_height: p.height,
            padding_width: p.width,
        };
        let input_shape = NhwcShape::new(g.batches, g.in_h, g.in_w, g.in_c);
        let filter_shape = NhwcShape::new(g.out_c, g.kh, g.kw, g.in_c / g.groups);
        let output_shape = NhwcShape::new(g.batches, p.output_height, p.output_width, g.out_c);
        let mut rng = Rng(c.seed);
        let input: Vec<i8> = (0..input_shape.element_count().unwrap()).map(|_| rng.i8()).collect();
        let filter: Vec<i8> = (0..filter_shape.element_count().unwrap()).map(|_| rng.i8()).collect();
        let bias: Option<Vec<i32>> = c.with_bias.then(|| {
            (0..g.out_c).map(|k| if k % 3 == 0 { rng.i32() } else { rng.i32() >> 14 }).collect()
        });
        let mut srng = Rng(c.multipliers_seed);
        let (multipliers, shifts): (Vec<i32>, Vec<i32>) = (0..g.out_c)
            .map(|_| {
                if c.wild_scales {
                    (srng.i32(), (srng.next() % 81) as i32 - 40)
                } else {
                    ((1 << 30) + (srng.next() % (1 << 30)) as i32, -((srng.next() % 12) as i32))
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
        let want_result = conv_per_channel_i8(&geometry, &quant, input_shape, &input,
            filter_shape, &filter, bias.as_deref(), output_shape, &mut want);
        let scratch_len = optimized::conv_scratch_len(Backend::Portable, &filter_shape)
            .max(microlite_kernels::compact::conv_scratch_len(&filter_shape));
        let mut scratch = vec![0x11i8; if c.short_scratch { scratch_len / 2 } else { scratch_len }];
        for backend in fast_backends() {
            let mut got = vec![0x55i8; n];
            let result = optimized::conv_per_channel_i8(backend, &geometry, &quant, input_shape,
                &input, filter_shape, &filter, bias.as_deref(), output_shape, &mut got,
                &mut scratch);
            prop_assert_eq!(result, want_result);
            prop_assert_eq!(&got, &want, "backend {:?}", backend);
        }
    }
}

#[test]
fn scratch_follows_the_backend() {
    // Nothing with the `reference-only` feature. The fast backends: an
    // im2col patch (KH * KW * C_in bytes) for filters with several taps and
    // an input depth that is not a multiple of 16. The compact one: a
    // weight sum per output channel (4 bytes, + 3 to align) and one window
    // (KH * KW * C_in bytes when KH * KW > 1). The Cortex-M one: the int16
    // columns of two pixels (4 bytes per window position, + 3 to align).
    let only = |bytes: usize| {
        if cfg!(feature = "reference-only") {
            0
        } else {
            bytes
        }
    };
    let cases = [
        // No im2col: 1x1 filters and input depths that are multiples of 16.
        ((16, 1, 1, 8), 0, 16 * 4 + 3),
        ((8, 3, 3, 32), 0, 8 * 4 + 9 * 32 + 3),
        ((8, 6, 5, 16), 0, 8 * 4 + 30 * 16 + 3),
        ((8, 3, 3, 3), 27, 8 * 4 + 27 + 3),
        ((64, 10, 4, 1), 40, 64 * 4 + 40 + 3),
        ((8, 3, 3, 24), 216, 8 * 4 + 216 + 3),
        ((1, 3, 3, 24), 216, 4 + 216 + 3),
    ];
    for backend in [Backend::Portable, Backend::Compact, Backend::CortexM] {
        for ((o, h, w, i), im2col, compact) in cases {
            let filter = NhwcShape::new(o, h, w, i);
            assert_eq!(
                microlite_kernels::compact::conv_scratch_len(&filter),
                compact
            );
            let cortex_m = 5 * h * w * i + 8 * o + 3;
            assert_eq!(
                microlite_kernels::cortex_m::conv_scratch_len(&filter),
                cortex_m
            );
            let want = match backend {
                Backend::Compact => compact,
                Backend::CortexM => cortex_m,
                _ => im2col,
            };
            assert_eq!(
                optimized::conv_scratch_len(backend, &filter),
                only(want),
                "{filter:?} {backend:?}"
            );
        }
    }
}
