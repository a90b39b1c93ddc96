//! The valid models the structure-aware mutator starts from.
//!
//! Mostly models of the ops microlite implements today (FULLY_CONNECTED,
//! RESHAPE, QUANTIZE, DEQUANTIZE), plus one model per op still to come so the
//! mutator reaches those ops as soon as `OpResolver::with_all()` gains them.

/// A seed model: where it came from and its bytes (not aligned; copy first).
#[derive(Debug, Clone, Copy)]
pub struct Seed {
    /// Path under `reference-models/`.
    pub name: &'static str,
    /// The `.tflite` bytes.
    pub bytes: &'static [u8],
}

macro_rules! seeds {
    ($($dir:literal),* $(,)?) => {
        [$(Seed {
            name: $dir,
            bytes: include_bytes!(concat!("../../../reference-models/", $dir, "/model.tflite")),
        }),*]
    };
}

/// Every seed model.
pub static SEEDS: [Seed; 27] = seeds![
    "models/mlp_float32",
    "models/mlp_int8",
    "models/mlp_int8_float_io",
    "fully_connected/in1x4x7_u5_bias_relu_int8",
    "fully_connected/in1x4x7_u5_bias_relu_pt_int8",
    "fully_connected/in3x33_u5_bias_relu_float32",
    "fully_connected/in1x7_u16_nobias_relu6_int8_float_io",
    "fully_connected/in2x3x16_u16_nobias_none_int8",
    "fully_connected/in1x1_u1_bias_none_pt_int8_float_io",
    "reshape/reshape1_in2x6_int8",
    "reshape/squeeze2_in1x1x1x7_float32",
    "conv/in1x9x9x3_f5_k3x3_s1_d1_same_bias_relu_int8",
    "conv/in1x9x9x3_f5_k3x3_s1_d1_same_bias_relu_pt_int8",
    "conv/in1x10x10x4_f9_k3x3_s1_d2_valid_nobias_relu_float32",
    "depthwise_conv/in1x9x9x3_k3x3_m2_s1_d2_valid_bias_relu6_int8",
    "pooling/avg_in1x9x9x5_p3x3_s2_same_int8",
    "pooling/max_in1x6x6x7_p2x2_s1_same_float32",
    "softmax/in2x5_int8",
    "add_mul/add_1x4x4x3_1x1x1x3_int8",
    "add_mul/mul_2x7_1x7_relu_float32",
    "concat/2x3_2x4_axism1_int8",
    "mean/in2x4x4x3_axes12_keep_int8",
    "pad/in1x4x4x3_p00122100_const_int8",
    "strided_slice/masks_in1x5x5x4_int8",
    "transpose/in2x3x4_perm201_int8",
    "activations/leaky_relu_in2x23_int8",
    "blocks/ds_cnn_int8",
];
