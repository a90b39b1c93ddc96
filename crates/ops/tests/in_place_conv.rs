//! CONV_2D and DEPTHWISE_CONV_2D run in place (output over the input, row by
//! row) give the same bits as with separate buffers, for random geometries,
//! int8 and float32, on every kernel backend, with the output displaced by
//! the offered lead or more.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microlite_kernels::optimized::Backend;
use microlite_kernels::padding::{compute_padding_height_width, Padding};
use microlite_ops::ops::{Conv2d, ConvParams, DepthwiseConv2d};
use microlite_ops::{per_channel_tables, EvalContext, Kernel, SharedBytes, MAX_OP_INPUTS};
use proptest::prelude::*;

/// A conv problem: geometry, data and requantization.
#[derive(Debug, Clone)]
struct Case {
    depthwise: bool,
    float: bool,
    input: [usize; 3],
    /// Output channels (conv) or depth multiplier (depthwise).
    channels: usize,
    filter: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    same: bool,
    /// Extra displacement beyond the lead, in elements.
    extra: usize,
    seed: u64,
}

fn cases() -> impl Strategy<Value = Case> {
    (
        (
            any::<bool>(),
            any::<bool>(),
            1usize..9,
            1usize..9,
            1usize..6,
        ),
        (1usize..5, 1usize..4, 1usize..4, 1usize..3, 1usize..3),
        (1usize..3, 1usize..3, any::<bool>(), 0usize..3, any::<u64>()),
    )
        .prop_map(
            |(
                (depthwise, float, h, w, c),
                (channels, fh, fw, sh, sw),
                (dh, dw, same, extra, seed),
            )| {
                Case {
                    depthwise,
                    float,
                    input: [h, w, c],
                    channels,
                    filter: [fh, fw],
                    stride: [sh, sw],
                    dilation: [dh, dw],
                    same,
                    extra,
                    seed,
                }
            },
        )
}

/// xorshift64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
}

/// Params, filter, bias and extra bytes (per-channel tables), or `None`
/// when the window does not fit.
struct Problem {
    params: ConvParams,
    filter: Vec<u8>,
    bias: Vec<u8>,
    extra: Vec<u32>,
}

fn problem(case: &Case, rng: &mut Rng) -> Option<Problem> {
    let [h, w, c] = case.input;
    let [fh, fw] = case.filter;
    let padding = if case.same {
        Padding::Same
    } else {
        Padding::Valid
    };
    let values = compute_padding_height_width(
        padding,
        case.stride[0],
        case.stride[1],
        case.dilation[0],
        case.dilation[1],
        h,
        w,
        fh,
        fw,
    )?;
    if values.output_height == 0 || values.output_width == 0 {
        return None;
    }
    let (out_c, filter, multiplier) = if case.depthwise {
        let out_c = c * case.channels;
        (out_c, [1, fh, fw, out_c], case.channels)
    } else {
        (case.channels, [case.channels, fh, fw, c], 1)
    };
    let u = |v: usize| v as u32;
    let params = ConvParams {
        kind: u32::from(!case.float),
        has_bias: 1,
        int32_accumulator: 0,
        input: [1, u(h), u(w), u(c)],
        filter: filter.map(u),
        output: [1, u(values.output_height), u(values.output_width), u(out_c)],
        geometry: [
            u(case.stride[0]),
            u(case.stride[1]),
            u(case.dilation[0]),
            u(case.dilation[1]),
            u(values.height),
            u(values.width),
        ],
        depth_multiplier: u(multiplier),
        input_offset: rng.int(-20, 20) as i32,
        output_offset: rng.int(-10, 10) as i32,
        activation_min: -128,
        activation_max: 127,
        activation_min_f32: f32::NEG_INFINITY,
        activation_max_f32: f32::INFINITY,
        // Every chunking prepare can choose (float: rows one by one).
        chunk_pixels: if case.float {
            1
        } else {
            [1, 32, 128][rng.int(0, 2) as usize]
        },
    };
    let filter_len: usize = filter.iter().product();
    let (filter, bias) = if case.float {
        let f: Vec<u8> = (0..filter_len)
            .flat_map(|_| (rng.int(-100, 100) as f32 / 37.0).to_le_bytes())
            .collect();
        let b: Vec<u8> = (0..out_c)
            .flat_map(|_| (rng.int(-100, 100) as f32 / 11.0).to_le_bytes())
            .collect();
        (f, b)
    } else {
        let f: Vec<u8> = (0..filter_len).map(|_| rng.int(-127, 127) as u8).collect();
        let b: Vec<u8> = (0..out_c)
            .flat_map(|_| (rng.int(-5000, 5000) as i32).to_le_bytes())
            .collect();
        (f, b)
    };
    let mut extra = vec![0u32; (5 * out_c).div_ceil(4)];
    let scales: Vec<(i32, i32)> = (0..out_c)
        .map(|_| {
            (
                rng.int(1 << 30, (1 << 31) - 1) as i32,
                rng.int(-9, 1) as i32,
            )
        })
        .collect();
    per_channel_tables(bytemuck::cast_slice_mut(&mut extra), out_c, |k| scales[k]).unwrap();
    Some(Problem {
        params,
        filter,
        bias,
        extra,
    })
}

fn eval(case: &Case, p: &Problem, ctx: &mut EvalContext<'_>) {
    let extra: &[u8] = bytemuck::cast_slice(&p.extra);
    let extra = &extra[..5 * p.params.output[3] as usize];
    if case.depthwise {
        <DepthwiseConv2d>::eval(ctx, &p.params, extra).unwrap();
    } else {
        <Conv2d>::eval(ctx, &p.params, extra).unwrap();
    }
}

/// The output with separate buffers, and with the output over the input
/// `lead + extra` bytes before it.
fn both_ways(case: &Case, backend: Backend) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut rng = Rng(case.seed | 1);
    let p = problem(case, &mut rng)?;
    let element = if case.float { 4 } else { 1 };
    let count = |dims: [u32; 4]| dims.iter().map(|&d| d as usize).product::<usize>();
    let (in_len, out_len) = (
        count(p.params.input) * element,
        count(p.params.output) * element,
    );
    let input: Vec<u8> = if case.float {
        (0..in_len / 4)
            .flat_map(|_| (rng.int(-1000, 1000) as f32 / 97.0).to_le_bytes())
            .collect()
    } else {
        (0..in_len).map(|_| rng.int(-128, 127) as u8).collect()
    };
    let scratch_len = 4096 + 4 * count(p.params.output);
    let mut inputs: [Option<&[u8]>; MAX_OP_INPUTS] = [None; MAX_OP_INPUTS];
    inputs[1] = Some(&p.filter);
    inputs[2] = Some(&p.bias);

    // Separate buffers.
    let mut separate = vec![0u32; out_len.div_ceil(4)];
    let mut scratch = vec![0u32; scratch_len];
    let mut with_input = inputs;
    let aligned_input: Vec<u32> = input
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect();
    with_input[0] = Some(&bytemuck::cast_slice(&aligned_input)[..in_len]);
    let mut ctx = EvalContext::new(
        backend,
        with_input,
        &mut bytemuck::cast_slice_mut(&mut separate)[..out_len],
        bytemuck::cast_slice_mut(&mut scratch),
    );
    eval(case, &p, &mut ctx);
    let expected = bytemuck::cast_slice::<u32, u8>(&separate)[..out_len].to_vec();

    // In place.
    let offer = p.params.in_place_offer().expect("batch-1 convs offer");
    let d = i64::from(offer.lead_bytes) + (case.extra * element) as i64;
    let (input_at, output_at) = if d >= 0 {
        (d as usize, 0)
    } else {
        (0, (-d) as usize)
    };
    let region_len = (input_at + in_len).max(output_at + out_len);
    let mut region = vec![0xA5A5_A5A5u32; region_len.div_ceil(4)];
    let bytes: &mut [u8] = &mut bytemuck::cast_slice_mut(&mut region)[..region_len];
    bytes[input_at..input_at + in_len].copy_from_slice(&input);
    let mut scratch = vec![0u32; scratch_len];
    let shared = SharedBytes {
        input: 0,
        input_at,
        input_len: in_len,
        output_at,
        output_len: out_len,
    };
    let mut ctx = EvalContext::new_in_place(
        backend,
        inputs,
        bytes,
        shared,
        bytemuck::cast_slice_mut(&mut scratch),
    )
    .unwrap();
    eval(case, &p, &mut ctx);
    let got = bytes[output_at..output_at + out_len].to_vec();
    Some((expected, got))
}

fn backends() -> Vec<Backend> {
    let mut all = vec![
        Backend::Reference,
        Backend::Portable,
        Backend::Compact,
        Backend::CortexM,
    ];
    #[cfg(target_arch = "x86_64")]
    if let Some(token) = microlite_kernels::optimized::Avx2::detect() {
        all.push(Backend::Avx2(token));
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]
    #[test]
    fn in_place_rows_give_the_same_bits(case in cases()) {
        for backend in backends() {
            if let Some((expected, got)) = both_ways(&case, backend) {
                prop_assert_eq!(&expected, &got, "backend {:?}", backend);
            }
        }
    }
}
