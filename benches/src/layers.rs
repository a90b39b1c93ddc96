//! The int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED layer shapes of
//! the MLPerf Tiny models (and the TFLM person detection model), with seeded
//! random data and quantization, run on any [`Backend`] (reference, portable,
//! AVX2). `benches/int8_kernels.rs` reports each layer's throughput in MACs
//! per second, the backends side by side.

use microlite_kernels::conv::{ConvGeometry, ConvQuantParamsI8, NhwcShape};
use microlite_kernels::fully_connected::{FullyConnectedPerChannelParamsI8, FullyConnectedShape};
use microlite_kernels::optimized::{conv, depthwise_conv, fully_connected, Backend};
use microlite_kernels::padding::{compute_padding_height_width, Padding};
use microlite_kernels::KernelError;

use crate::rng::Rng;

/// What a layer computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// CONV_2D.
    Conv,
    /// DEPTHWISE_CONV_2D.
    Depthwise,
    /// FULLY_CONNECTED (batch 1).
    FullyConnected,
}

/// One benchmarked layer.
#[derive(Debug, Clone, Copy)]
pub struct Layer {
    /// `model_layer` name.
    pub name: &'static str,
    /// The operator.
    pub op: Op,
    /// Input `[H, W, C_in]` (fully connected: `[1, 1, input depth]`).
    pub input: [usize; 3],
    /// Filter `[KH, KW]` (1x1 for fully connected).
    pub kernel: [usize; 2],
    /// Output channels.
    pub out_channels: usize,
    /// Stride (both directions).
    pub stride: usize,
}

const fn layer(
    name: &'static str,
    op: Op,
    input: [usize; 3],
    kernel: [usize; 2],
    out_channels: usize,
    stride: usize,
) -> Layer {
    Layer {
        name,
        op,
        input,
        kernel,
        out_channels,
        stride,
    }
}

/// The benchmarked layers (SAME padding throughout, as in these models).
pub const LAYERS: &[Layer] = &[
    layer("kws01_conv0", Op::Conv, [49, 10, 1], [10, 4], 64, 2),
    layer("kws01_dw", Op::Depthwise, [25, 5, 64], [3, 3], 64, 1),
    layer("kws01_pw", Op::Conv, [25, 5, 64], [1, 1], 64, 1),
    layer("vww01_conv0", Op::Conv, [96, 96, 3], [3, 3], 8, 2),
    layer("vww01_dw1", Op::Depthwise, [48, 48, 8], [3, 3], 8, 1),
    layer("vww01_pw2", Op::Conv, [48, 48, 8], [1, 1], 16, 1),
    layer("vww01_dw5", Op::Depthwise, [24, 24, 32], [3, 3], 32, 1),
    layer("vww01_pw6", Op::Conv, [24, 24, 32], [1, 1], 32, 1),
    layer("vww01_pw14", Op::Conv, [6, 6, 128], [1, 1], 128, 1),
    layer("vww01_pw26", Op::Conv, [3, 3, 256], [1, 1], 256, 1),
    layer("ic01_conv0", Op::Conv, [32, 32, 3], [3, 3], 16, 1),
    layer("ic01_conv1", Op::Conv, [32, 32, 16], [3, 3], 16, 1),
    layer("ic01_conv5", Op::Conv, [16, 16, 32], [3, 3], 32, 1),
    layer("ic01_conv9", Op::Conv, [8, 8, 64], [3, 3], 64, 1),
    layer("ad01_fc0", Op::FullyConnected, [1, 1, 640], [1, 1], 128, 1),
    layer("ad01_fc1", Op::FullyConnected, [1, 1, 128], [1, 1], 128, 1),
    layer("ad01_fc9", Op::FullyConnected, [1, 1, 128], [1, 1], 640, 1),
    layer("person_dw0", Op::Depthwise, [96, 96, 1], [3, 3], 8, 2),
];

/// The backends this machine can run, with a short name each.
pub fn backends() -> Vec<(&'static str, Backend)> {
    let mut all = vec![
        ("reference", Backend::Reference),
        ("portable", Backend::Portable),
        ("compact", Backend::Compact),
    ];
    #[cfg(target_arch = "x86_64")]
    if let Some(token) = microlite_kernels::optimized::Avx2::detect() {
        all.push(("avx2", Backend::Avx2(token)));
    }
    all
}

/// A layer with its data, ready to run.
pub struct Fixture {
    layer: Layer,
    geometry: ConvGeometry,
    input_shape: NhwcShape,
    filter_shape: NhwcShape,
    output_shape: NhwcShape,
    input: Vec<i8>,
    filter: Vec<i8>,
    bias: Vec<i32>,
    multipliers: Vec<i32>,
    shifts: Vec<i32>,
    output: Vec<i8>,
    scratch: Vec<i8>,
}

impl Fixture {
    /// Random data and quantization for `layer`.
    pub fn new(layer: Layer) -> Self {
        let [h, w, c] = layer.input;
        let [kh, kw] = layer.kernel;
        let out_c = layer.out_channels;
        let p = compute_padding_height_width(
            Padding::Same,
            layer.stride,
            layer.stride,
            1,
            1,
            h,
            w,
            kh,
            kw,
        )
        .unwrap_or_else(|| unreachable!("the layer table holds valid shapes"));
        let geometry = ConvGeometry {
            stride_height: layer.stride,
            stride_width: layer.stride,
            dilation_height: 1,
            dilation_width: 1,
            padding_height: p.height,
            padding_width: p.width,
        };
        let filter_shape = match layer.op {
            Op::Depthwise => NhwcShape::new(1, kh, kw, out_c),
            _ => NhwcShape::new(out_c, kh, kw, c),
        };
        let input_shape = NhwcShape::new(1, h, w, c);
        let output_shape = NhwcShape::new(1, p.output_height, p.output_width, out_c);
        let count = |s: &NhwcShape| s.batches * s.height * s.width * s.depth;
        let mut rng = Rng(0x5eed ^ count(&output_shape) as u64);
        let (multipliers, shifts) = (0..out_c)
            .map(|_| {
                let m = (1i32 << 30) + (rng.next() % (1 << 30)) as i32;
                (m, -4 - (rng.next() % 5) as i32)
            })
            .unzip();
        Self {
            layer,
            geometry,
            input_shape,
            filter_shape,
            output_shape,
            input: rng.i8s(count(&input_shape)),
            filter: rng.i8s(count(&filter_shape)),
            bias: (0..out_c)
                .map(|_| (rng.next() % 20_001) as i32 - 10_000)
                .collect(),
            multipliers,
            shifts,
            output: vec![0; count(&output_shape)],
            scratch: vec![
                0;
                conv::conv_scratch_len(Backend::Portable, &filter_shape)
                    .max(microlite_kernels::compact::conv_scratch_len(&filter_shape))
                    .max(microlite_kernels::compact::depthwise_scratch_len(
                        input_shape.depth,
                        &filter_shape
                    ))
                    .max(microlite_kernels::cortex_m::depthwise_scratch_len(
                        input_shape.depth,
                        &filter_shape
                    ))
            ],
        }
    }

    /// The layer.
    pub fn layer(&self) -> &Layer {
        &self.layer
    }

    /// Multiply-accumulates of one run.
    pub fn macs(&self) -> u64 {
        let outputs = self.output.len() as u64;
        let per_output = match self.layer.op {
            Op::Depthwise => self.filter_shape.height * self.filter_shape.width,
            _ => self.filter_shape.height * self.filter_shape.width * self.filter_shape.depth,
        };
        outputs * per_output as u64
    }

    /// The last output.
    pub fn output(&self) -> &[i8] {
        &self.output
    }

    /// Runs the layer once on `backend`.
    pub fn run(&mut self, backend: Backend) -> Result<(), KernelError> {
        let quant = ConvQuantParamsI8 {
            input_offset: 37,
            output_offset: -5,
            output_multipliers: &self.multipliers,
            output_shifts: &self.shifts,
            activation_min: -128,
            activation_max: 127,
        };
        match self.layer.op {
            Op::Conv => conv::conv_per_channel_i8(
                backend,
                &self.geometry,
                &quant,
                self.input_shape,
                &self.input,
                self.filter_shape,
                &self.filter,
                Some(&self.bias),
                self.output_shape,
                &mut self.output,
                &mut self.scratch,
            ),
            Op::Depthwise => depthwise_conv::depthwise_conv_per_channel_i8(
                backend,
                &self.geometry,
                self.layer.out_channels / self.layer.input[2],
                &quant,
                self.input_shape,
                &self.input,
                self.filter_shape,
                &self.filter,
                Some(&self.bias),
                self.output_shape,
                &mut self.output,
                &mut self.scratch,
            ),
            Op::FullyConnected => {
                let params = FullyConnectedPerChannelParamsI8 {
                    input_offset: quant.input_offset,
                    output_offset: quant.output_offset,
                    output_multipliers: &self.multipliers,
                    output_shifts: &self.shifts,
                    activation_min: quant.activation_min,
                    activation_max: quant.activation_max,
                };
                let shape = FullyConnectedShape {
                    batches: 1,
                    input_depth: self.input_shape.depth,
                    output_depth: self.layer.out_channels,
                };
                fully_connected::fully_connected_per_channel_i8(
                    backend,
                    &params,
                    shape,
                    &self.input,
                    &self.filter,
                    Some(&self.bias),
                    &mut self.output,
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn every_backend_gives_the_reference_bits() {
        for &layer in LAYERS {
            let mut fixture = Fixture::new(layer);
            fixture.run(Backend::Reference).unwrap();
            let want = fixture.output().to_vec();
            for (name, backend) in backends() {
                fixture.run(backend).unwrap();
                assert_eq!(fixture.output(), &want[..], "{} on {name}", layer.name);
            }
        }
    }
}
