//! Optimized CONV_2D and DEPTHWISE_CONV_2D (portable and AVX2) against the
//! reference kernels, bit for bit, at shapes the random-shape tests do not
//! reach: the MLPerf Tiny layer shapes, windows wider than the AVX2
//! depthwise row buffer (tiles), channel counts with every remainder, odd
//! window segments with dilation, several weight panels, one-output-row
//! sub-problems (as the in-place row streaming calls the kernels) and
//! one-channel depthwise inputs with depth multipliers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::conv::{conv_per_channel_i8, ConvGeometry, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::depthwise_conv::depthwise_conv_per_channel_i8;
use microlite_kernels::optimized::{conv, depthwise_conv, Backend};
use microlite_kernels::padding::{compute_padding_height_width, Padding};

/// Every fast backend this machine can run.
fn fast_backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Portable, Backend::Compact, Backend::CortexM];
    #[cfg(target_arch = "x86_64")]
    if let Some(token) = microlite_kernels::optimized::Avx2::detect() {
        backends.push(Backend::Avx2(token));
    }
    backends
}

/// SplitMix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn i8s(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| self.next() as u8 as i8).collect()
    }
}

/// One layer: `[H, W, C_in]` input, `[KH, KW]` window, output channels,
/// strides, dilations, SAME or VALID padding.
#[derive(Debug, Clone, Copy)]
struct Layer {
    input: [usize; 3],
    kernel: [usize; 2],
    out_channels: usize,
    stride: (usize, usize),
    dilation: (usize, usize),
    same: bool,
}

const fn layer(
    input: [usize; 3],
    kernel: [usize; 2],
    out_channels: usize,
    stride: usize,
    dilation: usize,
) -> Layer {
    Layer {
        input,
        kernel,
        out_channels,
        stride: (stride, stride),
        dilation: (dilation, dilation),
        same: true,
    }
}

struct Quant {
    multipliers: Vec<i32>,
    shifts: Vec<i32>,
    bias: Vec<i32>,
}

fn quant(rng: &mut Rng, channels: usize) -> Quant {
    let (multipliers, shifts) = (0..channels)
        .map(|_| {
            let m = (1i32 << 30) + (rng.next() % (1 << 30)) as i32;
            (m, -2 - (rng.next() % 8) as i32)
        })
        .unzip();
    Quant {
        multipliers,
        shifts,
        bias: (0..channels)
            .map(|_| (rng.next() % 40_001) as i32 - 20_000)
            .collect(),
    }
}

fn geometry(l: &Layer) -> Option<(ConvGeometry, usize, usize)> {
    let padding = if l.same {
        Padding::Same
    } else {
        Padding::Valid
    };
    let [h, w, _] = l.input;
    let [kh, kw] = l.kernel;
    let p = compute_padding_height_width(
        padding,
        l.stride.0,
        l.stride.1,
        l.dilation.0,
        l.dilation.1,
        h,
        w,
        kh,
        kw,
    )?;
    Some((
        ConvGeometry {
            stride_height: l.stride.0,
            stride_width: l.stride.1,
            dilation_height: l.dilation.0,
            dilation_width: l.dilation.1,
            padding_height: p.height,
            padding_width: p.width,
        },
        p.output_height,
        p.output_width,
    ))
}

/// CONV_2D of `l` on every backend, whole and one output row at a time
/// (each row a sub-problem with its own input rows and top padding, as the
/// in-place streaming runs it), against the reference.
fn check_conv(l: Layer, input_offset: i32, seed: u64) {
    let (g, oh, ow) = geometry(&l).unwrap();
    let [h, w, cin] = l.input;
    let [kh, kw] = l.kernel;
    let cout = l.out_channels;
    let mut rng = Rng(seed);
    let input = rng.i8s(h * w * cin);
    let filter = rng.i8s(cout * kh * kw * cin);
    let q = quant(&mut rng, cout);
    let params = ConvQuantParamsI8 {
        input_offset,
        output_offset: -7,
        output_multipliers: &q.multipliers,
        output_shifts: &q.shifts,
        activation_min: -100,
        activation_max: 120,
    };
    let input_shape = NhwcShape::new(1, h, w, cin);
    let filter_shape = NhwcShape::new(cout, kh, kw, cin);
    let output_shape = NhwcShape::new(1, oh, ow, cout);
    let mut want = vec![0i8; oh * ow * cout];
    conv_per_channel_i8(
        &g,
        &params,
        input_shape,
        &input,
        filter_shape,
        &filter,
        Some(&q.bias),
        output_shape,
        &mut want,
    )
    .unwrap();
    let mut scratch = vec![
        0i8;
        conv::conv_scratch_len(Backend::Portable, &filter_shape)
            .max(microlite_kernels::compact::conv_scratch_len(&filter_shape))
    ];
    for backend in fast_backends() {
        let mut got = vec![0x55i8; want.len()];
        conv::conv_per_channel_i8(
            backend,
            &g,
            &params,
            input_shape,
            &input,
            filter_shape,
            &filter,
            Some(&q.bias),
            output_shape,
            &mut got,
            &mut scratch,
        )
        .unwrap();
        assert_eq!(got, want, "{l:?} offset {input_offset} on {backend:?}");
        // Row by row.
        let mut rows = vec![0x55i8; want.len()];
        for (oy, out_row) in rows.chunks_exact_mut(ow * cout).enumerate() {
            let (sub, lo, hi) = row_problem(&g, oy, h, kh);
            let sub_shape = NhwcShape::new(1, hi - lo, w, cin);
            conv::conv_per_channel_i8(
                backend,
                &sub,
                &params,
                sub_shape,
                &input[lo * w * cin..hi * w * cin],
                filter_shape,
                &filter,
                Some(&q.bias),
                NhwcShape::new(1, 1, ow, cout),
                out_row,
                &mut scratch,
            )
            .unwrap();
        }
        assert_eq!(rows, want, "{l:?} row by row on {backend:?}");
    }
}

/// The sub-problem of output row `oy`: its geometry (top padding adjusted)
/// and the input rows `lo..hi` it reads.
fn row_problem(g: &ConvGeometry, oy: usize, h: usize, kh: usize) -> (ConvGeometry, usize, usize) {
    let start = oy * g.stride_height;
    let (lo, pad) = match start.checked_sub(g.padding_height) {
        Some(first) => (first.min(h), 0),
        None => (0, g.padding_height - start),
    };
    let reach = (kh - 1) * g.dilation_height;
    let hi = (start + reach + 1)
        .saturating_sub(g.padding_height)
        .clamp(lo, h);
    let mut sub = *g;
    sub.padding_height = pad;
    sub.stride_height = 1;
    (sub, lo, hi.max(lo))
}

/// DEPTHWISE_CONV_2D of `l` (output channels `C_in * multiplier`) on every
/// backend against the reference.
fn check_depthwise(l: Layer, multiplier: usize, input_offset: i32, seed: u64) {
    let (g, oh, ow) = geometry(&l).unwrap();
    let [h, w, cin] = l.input;
    let [kh, kw] = l.kernel;
    let cout = cin * multiplier;
    let mut rng = Rng(seed);
    let input = rng.i8s(h * w * cin);
    let filter = rng.i8s(kh * kw * cout);
    let q = quant(&mut rng, cout);
    let params = ConvQuantParamsI8 {
        input_offset,
        output_offset: 3,
        output_multipliers: &q.multipliers,
        output_shifts: &q.shifts,
        activation_min: -128,
        activation_max: 127,
    };
    let input_shape = NhwcShape::new(1, h, w, cin);
    let filter_shape = NhwcShape::new(1, kh, kw, cout);
    let output_shape = NhwcShape::new(1, oh, ow, cout);
    let mut want = vec![0i8; oh * ow * cout];
    depthwise_conv_per_channel_i8(
        &g,
        multiplier,
        &params,
        input_shape,
        &input,
        filter_shape,
        &filter,
        Some(&q.bias),
        output_shape,
        &mut want,
    )
    .unwrap();
    for backend in fast_backends() {
        let mut got = vec![0x55i8; want.len()];
        let mut scratch =
            vec![
                0x55i8;
                microlite_kernels::compact::depthwise_scratch_len(cin, &filter_shape).max(
                    microlite_kernels::cortex_m::depthwise_scratch_len(cin, &filter_shape)
                )
            ];
        depthwise_conv::depthwise_conv_per_channel_i8(
            backend,
            &g,
            multiplier,
            &params,
            input_shape,
            &input,
            filter_shape,
            &filter,
            Some(&q.bias),
            output_shape,
            &mut got,
            &mut scratch,
        )
        .unwrap();
        assert_eq!(
            got, want,
            "{l:?} x{multiplier} offset {input_offset} on {backend:?}"
        );
        let mut rows = vec![0x55i8; want.len()];
        for (oy, out_row) in rows.chunks_exact_mut(ow * cout).enumerate() {
            let (sub, lo, hi) = row_problem(&g, oy, h, kh);
            depthwise_conv::depthwise_conv_per_channel_i8(
                backend,
                &sub,
                multiplier,
                &params,
                NhwcShape::new(1, hi - lo, w, cin),
                &input[lo * w * cin..hi * w * cin],
                filter_shape,
                &filter,
                Some(&q.bias),
                NhwcShape::new(1, 1, ow, cout),
                out_row,
                &mut scratch,
            )
            .unwrap();
        }
        assert_eq!(rows, want, "{l:?} x{multiplier} row by row on {backend:?}");
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn model_conv_layers_match_reference() {
    for (i, l) in [
        layer([49, 10, 1], [10, 4], 64, 2, 1),  // kws01 conv0
        layer([25, 5, 64], [1, 1], 64, 1, 1),   // kws01 pointwise
        layer([96, 96, 3], [3, 3], 8, 2, 1),    // vww01 conv0
        layer([48, 48, 8], [1, 1], 16, 1, 1),   // vww01 pw2
        layer([24, 24, 32], [1, 1], 32, 1, 1),  // vww01 pw6
        layer([6, 6, 128], [1, 1], 128, 1, 1),  // vww01 pw14
        layer([3, 3, 256], [1, 1], 256, 1, 1),  // vww01 pw26
        layer([32, 32, 3], [3, 3], 16, 1, 1),   // ic01 conv0
        layer([32, 32, 16], [3, 3], 16, 1, 1),  // ic01 conv1
        layer([32, 32, 16], [3, 3], 32, 2, 1),  // ic01 conv4
        layer([16, 16, 32], [3, 3], 32, 1, 1),  // ic01 conv5
        layer([8, 8, 64], [3, 3], 64, 1, 1),    // ic01 conv9
        layer([20, 23, 5], [3, 5], 44, 1, 2),   // odd segments, dilation
        layer([19, 21, 7], [5, 3], 24, 2, 1),   // odd segments, stride 2
        layer([17, 18, 113], [3, 3], 20, 1, 1), // several weight panels
        layer([9, 40, 24], [1, 7], 9, 1, 3),    // wide dilated window
    ]
    .into_iter()
    .enumerate()
    {
        for offset in [128, 37, -127] {
            check_conv(l, offset, 11 + i as u64);
        }
    }
    // Zero points outside int8 take the general row builder.
    check_conv(layer([12, 12, 3], [3, 3], 16, 1, 1), 129, 5);
    check_conv(layer([12, 12, 16], [3, 3], 16, 1, 1), -32641, 6);
}

#[test]
#[cfg_attr(miri, ignore)]
fn model_depthwise_layers_match_reference() {
    for (i, l) in [
        layer([25, 5, 64], [3, 3], 64, 1, 1),    // kws01
        layer([48, 48, 8], [3, 3], 8, 1, 1),     // vww01 dw1
        layer([48, 48, 16], [3, 3], 16, 2, 1),   // vww01 dw3
        layer([24, 24, 32], [3, 3], 32, 1, 1),   // vww01 dw5
        layer([6, 6, 128], [3, 3], 128, 1, 1),   // vww01 dw13
        layer([3, 3, 256], [3, 3], 256, 1, 1),   // vww01 dw25
        layer([30, 40, 264], [3, 3], 264, 1, 1), // buffer tiles, 8-channel tail
        layer([21, 33, 299], [5, 5], 299, 2, 1), // tiles, every remainder
        layer([11, 13, 27], [3, 3], 27, 1, 2),   // dilation, remainder 3
        layer([9, 9, 1000], [3, 3], 1000, 1, 1), // channel blocks
    ]
    .into_iter()
    .enumerate()
    {
        for offset in [128, 5, -127] {
            check_depthwise(l, 1, offset, 21 + i as u64);
        }
    }
    // One-channel inputs with depth multipliers (person_detect's first layer).
    check_depthwise(layer([96, 96, 1], [3, 3], 8, 2, 1), 8, 128, 1);
    check_depthwise(layer([20, 17, 1], [3, 3], 12, 1, 1), 12, -3, 2);
    check_depthwise(layer([20, 17, 2], [3, 3], 6, 1, 1), 3, 7, 3);
    // Zero points outside int8 take the portable kernel.
    check_depthwise(layer([10, 10, 16], [3, 3], 16, 1, 1), 1, 129, 4);
}
