//! Differential testing of `microlite-kernels`: each reference kernel against
//! the naive definitions in [`crate::naive`], and each optimised kernel
//! (portable and the fastest backend this CPU runs, e.g. AVX2) against the
//! reference kernel.
//!
//! The first input byte picks a kernel ([`KERNELS`]); the rest are the
//! decisions of its case: shapes, quantization parameters and data, kept
//! small so every execution is fast. Parameters stay in the domain TFLM's
//! prepare functions produce wherever the C++ behaviour is otherwise
//! undefined; inside that domain a kernel must equal its oracle bit for bit
//! (or, for SOFTMAX, which approximates `exp`, stay within the stated
//! tolerance of the real-domain result), and a buffer of the wrong length
//! must give `Err`, never a panic. Optimised kernels must return the
//! reference's result, error included.

mod add_n;
mod arg_min_max;
mod axis_slices;
mod batch_matmul;
mod batch_space;
mod broadcast_args;
mod cast;
mod comparison;
mod conv;
mod cumsum;
mod div;
mod dynamic_update_slice;
mod elementwise;
mod embedding_lookup;
mod fully_connected;
mod gather;
mod gather_nd;
mod l2_normalization;
mod leaky_relu;
mod log_softmax;
mod lstm;
mod mirror_pad;
mod pairwise;
mod pooling;
mod prelu;
mod quantize;
mod reduce;
mod relu;
mod resize_bilinear;
mod resize_nearest;
mod reverse;
mod rsqrt;
mod select;
mod sigmoid_int16;
mod signal;
mod softmax;
mod space_depth;
mod squared_difference;
mod strided_slice;
mod svdf;
mod transpose_conv;
mod unary;

use std::fmt;

use microlite_kernels::optimized::Backend;

use crate::decisions::Decisions;

/// A kernel disagreed with its oracle.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Which kernel.
    pub kernel: &'static str,
    /// What differed, with the parameters involved.
    pub detail: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kernel, self.detail)
    }
}

impl std::error::Error for Mismatch {}

fn mismatch(kernel: &'static str, detail: String) -> Result<(), Mismatch> {
    Err(Mismatch { kernel, detail })
}

/// One differential case; the first input byte selects it (modulo the
/// table's length). `fuzz/seed_corpus.sh` seeds one input per entry.
type Case = fn(&mut Decisions<'_>) -> Result<(), Mismatch>;

/// The kernel selectors, by first input byte.
pub const KERNELS: [(&str, Case); 66] = [
    ("fully_connected_i8 per-tensor", |d| {
        fully_connected::int8(d, false)
    }),
    ("fully_connected_i8 per-channel", |d| {
        fully_connected::int8(d, true)
    }),
    ("fully_connected_f32", fully_connected::float32),
    ("quantize", quantize::quantize),
    ("dequantize", quantize::dequantize),
    ("requantize", quantize::requantize),
    ("quantize_multiplier", quantize::multiplier),
    ("fully_connected_i8 either", |d| {
        let per_channel = d.bool();
        fully_connected::int8(d, per_channel)
    }),
    ("conv_per_channel_i8", conv::conv_int8),
    ("conv_f32", conv::conv_float32),
    ("depthwise_conv_per_channel_i8", conv::depthwise_int8),
    ("depthwise_conv_f32", conv::depthwise_float32),
    ("average_pool", pooling::average),
    ("max_pool", pooling::max),
    ("softmax", softmax::softmax),
    ("add/sub/mul int8", elementwise::int8),
    ("add/sub/mul f32", elementwise::float32),
    (
        "add/sub int8 same shape (optimized)",
        elementwise::optimized_same_shape,
    ),
    ("unary f32", unary::float32),
    ("abs int8/int16, logical_not", unary::abs_quantized),
    ("maximum/minimum, logical and/or", pairwise::pairwise),
    ("comparisons", comparison::comparison),
    ("split/unpack/pack axis slices", axis_slices::axis_slices),
    ("reduce_max/reduce_min", reduce::max_min),
    ("depth_to_space/space_to_depth", space_depth::space_depth),
    ("arg_max/arg_min", arg_min_max::arg_min_max_case),
    ("reverse_v2", reverse::reverse_case),
    ("gather", gather::gather_case),
    ("select_v2", select::select_case),
    (
        "resize_nearest_neighbor",
        resize_nearest::resize_nearest_case,
    ),
    ("cast", cast::cast_case),
    ("mirror_pad", mirror_pad::mirror_pad_case),
    ("broadcast_to", pairwise::broadcast_to_case),
    (
        "squared_difference",
        squared_difference::squared_difference_case,
    ),
    ("div", div::div_case),
    ("add_n", add_n::add_n_case),
    ("prelu", prelu::prelu_case),
    (
        "space_to_batch/batch_to_space",
        batch_space::batch_space_case,
    ),
    ("l2_normalization", l2_normalization::l2_normalization_case),
    ("add/sub/mul int16", elementwise::int16),
    ("leaky_relu int8/int16", leaky_relu::leaky_relu_case),
    ("conv 16x8", conv::conv_16x8_case),
    ("transpose_conv", transpose_conv::transpose_conv_case),
    ("fully_connected 16x8", fully_connected::int16),
    ("depthwise 16x8", conv::depthwise_16x8_case),
    ("broadcast_args/fill", broadcast_args::broadcast_args_case),
    ("gather_nd", gather_nd::gather_nd_case),
    (
        "dynamic_update_slice",
        dynamic_update_slice::dynamic_update_slice_case,
    ),
    ("l2_pool", pooling::l2),
    ("cumsum", cumsum::cumsum_case),
    ("embedding_lookup", embedding_lookup::embedding_lookup_case),
    ("log_softmax", log_softmax::log_softmax_case),
    ("resize_bilinear", resize_bilinear::resize_bilinear_case),
    ("batch_matmul", batch_matmul::batch_matmul_case),
    ("rsqrt int8/int16", rsqrt::rsqrt_case),
    ("add/sub/mul int32", elementwise::int32),
    ("relu/relu6 int8/int16", relu::relu_case),
    ("logistic/tanh int16", sigmoid_int16::sigmoid_int16_case),
    (
        "strided_slice/slice copy",
        strided_slice::strided_slice_case,
    ),
    ("svdf", svdf::svdf_case),
    ("unidirectional_sequence_lstm f32", lstm::float32_case),
    ("unidirectional_sequence_lstm int8", |d| {
        lstm::integer_case(d, true)
    }),
    ("unidirectional_sequence_lstm 16x8", |d| {
        lstm::integer_case(d, false)
    }),
    ("signal sqrt/log/window/energy", signal::scalar_case),
    ("signal rfft/irfft", signal::fft_case),
    ("signal delay/overlap_add streams", signal::stream_case),
];

/// Runs one differential case described by `data`.
pub fn kernel_diff(data: &[u8]) -> Result<(), Mismatch> {
    let mut d = Decisions::new(data);
    let selector = usize::from(d.u8()) % KERNELS.len();
    match KERNELS.get(selector) {
        Some((_, case)) => case(&mut d),
        None => Ok(()),
    }
}

/// The optimised backends to compare with the reference: portable, compact,
/// and the fastest this CPU supports when that is another one.
fn fast_backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Portable, Backend::Compact];
    let detected = Backend::detect();
    if detected != Backend::Portable && detected != Backend::Reference {
        backends.push(detected);
    }
    backends
}

/// `n`, plus one when `corrupt` names `which`: a buffer made one element
/// too long on purpose.
fn len_for(corrupt: Option<u8>, which: u8, n: usize) -> usize {
    n + usize::from(corrupt == Some(which))
}

/// Usually small, sometimes up to `max` (inclusive), never 0.
fn extent(d: &mut Decisions<'_>, small: usize, max: usize) -> usize {
    if d.one_in(8) {
        1 + d.below(max)
    } else {
        1 + d.below(small)
    }
}

fn i8s(d: &mut Decisions<'_>, n: usize) -> Vec<i8> {
    (0..n).map(|_| d.u8() as i8).collect()
}

/// A bias value: usually moderate, sometimes any `i32`.
fn bias_value(d: &mut Decisions<'_>) -> i32 {
    if d.bool() {
        d.i32()
    } else {
        d.in_range(-(1 << 16), 1 << 16)
    }
}

/// A multiplier as TFLM's `QuantizeMultiplier` produces: 0 or in
/// `[2^30, 2^31)`; and a shift in `[-31, 30]` (its range for finite scales
/// that do not flush to 0), with large left shifts kept rare.
fn multiplier_and_shift(d: &mut Decisions<'_>) -> (i32, i32) {
    // 2^30 makes every odd product a rounding tie; the ends of the range
    // exercise saturation.
    let m = match d.u8() % 16 {
        0 => 0,
        1 => 1 << 30,
        2 => i32::MAX,
        3 => (1 << 30) + 1,
        _ => d.in_range(1 << 30, i32::MAX),
    };
    let shift = match d.u8() % 4 {
        0 => d.in_range(-31, 30),
        _ => d.in_range(-20, 2),
    };
    (m, shift)
}

/// Clamp bounds within int8 (possibly `min > max`: the result is `max`).
fn activation_range(d: &mut Decisions<'_>) -> (i32, i32) {
    let a = d.in_range(-128, 127);
    let b = d.in_range(-128, 127);
    if d.one_in(8) {
        (a, b)
    } else {
        (a.min(b), a.max(b))
    }
}

/// An input offset (negated zero point): in `[-127, 128]`, sometimes one
/// whose offset inputs no longer fit `i16` (the fast kernels fall back).
fn input_offset(d: &mut Decisions<'_>) -> i32 {
    if d.one_in(16) {
        d.pick(&[-129, 129, 32640, -32641])
    } else {
        d.in_range(-127, 128)
    }
}

fn float_value(d: &mut Decisions<'_>) -> f32 {
    match d.u8() % 16 {
        0 => d.f32_bits(),
        1 => d.pick(&[
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MAX,
            1e-40,
        ]),
        _ => f32::from(d.u16() as i16) / 256.0,
    }
}

/// Float clamp bounds like TFLM's fused activations, or arbitrary.
fn float_range(d: &mut Decisions<'_>) -> (f32, f32) {
    match d.u8() % 4 {
        0 => (f32::NEG_INFINITY, f32::INFINITY),
        1 => (0.0, f32::INFINITY),
        2 => (0.0, 6.0),
        _ => (float_value(d), float_value(d)),
    }
}

fn same_f32(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Index of the first element where two float outputs differ.
fn first_f32_difference(expected: &[f32], got: &[f32]) -> Option<usize> {
    if expected.len() != got.len() {
        return Some(expected.len().min(got.len()));
    }
    expected
        .iter()
        .zip(got)
        .position(|(e, g)| !same_f32(*e, *g))
}

fn scale_value(d: &mut Decisions<'_>) -> f32 {
    match d.u8() % 8 {
        0 => d.f32_bits(),
        1 => d.pick(&[
            0.0,
            -0.0,
            f32::NAN,
            f32::INFINITY,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            -0.5,
        ]),
        _ => (f32::from(d.u16()) + 1.0) * pow2(d.in_range(-24, 0)),
    }
}

/// A finite positive scale of moderate size, as real models have.
fn sane_scale(d: &mut Decisions<'_>) -> f32 {
    (f32::from(d.u16()) + 1.0) * pow2(d.in_range(-24, -8))
}

/// `2^e` for small `e`, exactly.
fn pow2(e: i32) -> f32 {
    f32::from_bits(((127 + e.clamp(-126, 127)) as u32) << 23)
}

fn zero_point(d: &mut Decisions<'_>, lo: i32, hi: i32) -> i32 {
    if d.one_in(8) {
        d.i32()
    } else {
        d.in_range(lo, hi)
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    /// Every selector runs on a few pseudo-random decision streams; each
    /// must agree with its oracle.
    #[test]
    fn every_kernel_agrees_on_random_cases() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for (selector, (name, _)) in KERNELS.iter().enumerate() {
            for _ in 0..200 {
                let mut input = vec![selector as u8];
                input.extend((0..512).map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                }));
                if let Err(m) = kernel_diff(&input) {
                    panic!("{selector} ({name}): {m}");
                }
            }
        }
    }
}
