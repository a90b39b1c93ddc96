#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every eval function must return (Ok or Err) without panicking for any
//! parameter struct, including hand-made inconsistent ones, and any buffer
//! lengths.

use bytemuck::Pod;
use microlite_kernels::{
    activations, broadcast::BroadcastShape, concatenation, elementwise, pad::PadShape, pooling,
    reduce, softmax, strided_slice::StridedSliceMasks, strided_slice::StridedSliceShape,
    transpose::TransposeShape,
};
use proptest::prelude::*;

/// A parameter struct whose 4-byte fields are drawn from `words` (mostly
/// small values, sometimes extreme ones).
fn params<T: Pod>(words: &[i32]) -> T {
    let size = core::mem::size_of::<T>();
    let bytes: Vec<u8> = words
        .iter()
        .cycle()
        .take(size / 4)
        .flat_map(|w| w.to_le_bytes())
        .collect();
    bytemuck::pod_read_unaligned(&bytes)
}

fn word() -> impl Strategy<Value = i32> {
    prop_oneof![8 => -4i32..8, 1 => any::<i32>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 512 }))]
    #[test]
    fn evals_never_panic(words in proptest::collection::vec(word(), 2..48), a in 0usize..40, b in 0usize..40, c in 0usize..40) {
        let x8: Vec<i8> = (0..a).map(|i| (i * 37) as i8).collect();
        let y8: Vec<i8> = (0..b).map(|i| (i * 11) as i8).collect();
        let xf: Vec<f32> = x8.iter().map(|&v| f32::from(v)).collect();
        let yf: Vec<f32> = y8.iter().map(|&v| f32::from(v)).collect();
        let mut o8 = vec![0i8; c];
        let mut of = vec![0f32; c];
        let mut o16 = vec![0i16; c];
        let depth = words[0].unsigned_abs() as usize;

        let _ = softmax::softmax_int8(&params(&words), depth, &x8, &mut o8);
        let _ = softmax::softmax_int8_int16(&params(&words), depth, &x8, &mut o16);
        let _ = softmax::softmax_f32(1.0, depth, &xf, &mut of);

        let pool: pooling::PoolParams = params(&words);
        let _ = pooling::average_pool_int8(&pool, &x8, &mut o8);
        let _ = pooling::max_pool_int8(&pool, &x8, &mut o8);
        let _ = pooling::average_pool_f32(&pool, &xf, &mut of);
        let _ = pooling::max_pool_f32(&pool, &xf, &mut of);

        let shape: BroadcastShape = params(&words);
        let _ = elementwise::add_int8(&params(&words), &shape, &x8, &y8, &mut o8);
        let _ = elementwise::sub_int8(&params(&words), &shape, &x8, &y8, &mut o8);
        let _ = elementwise::mul_int8(&params(&words), &shape, &x8, &y8, &mut o8);
        let _ = elementwise::add_f32(0.0, 1.0, &shape, &xf, &yf, &mut of);

        let _ = activations::relu_int8(&params(&words), &x8, &mut o8);
        let _ = activations::relu6_int8(&params(&words), &x8, &mut o8);
        let _ = activations::leaky_relu_int8(&params(&words), &x8, &mut o8);
        let _ = activations::logistic_int8(&params(&words), &x8, &mut o8);
        let _ = activations::tanh_int8(&params(&words), &x8, &mut o8);
        let _ = activations::hard_swish_int8(&params(&words), &x8, &mut o8);

        let rs: reduce::ReduceShape = params(&words);
        let _ = reduce::mean_int8(&rs, &params(&words[1..]), &x8, &mut o8);
        let _ = reduce::mean_f32(&rs, &xf, &mut of);

        let cs: concatenation::ConcatShape = params(&words);
        let _ = concatenation::concatenation(&cs, &[&x8[..], &y8[..]], &mut o8);
        let _ = concatenation::concatenation_copy_input(&cs, b, &x8, &mut o8);

        let ps: PadShape = params(&words);
        let _ = microlite_kernels::pad::pad(&ps, 3i8, &x8, &mut o8);
        let ts: TransposeShape = params(&words);
        let _ = microlite_kernels::transpose::transpose(&ts, &x8, &mut o8);
        let ss: StridedSliceShape = params(&words);
        let _ = microlite_kernels::strided_slice::strided_slice(&ss, &x8, &mut o8);
    }
}

fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => 1e-6f32..10.0,
        1 => any::<f32>(),
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(0.0f32),
        1 => -10.0f32..0.0,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]
    #[test]
    fn prepares_never_panic(
        f in proptest::collection::vec(any_f32(), 4),
        z in proptest::collection::vec(any::<i32>(), 3),
        dims in proptest::collection::vec(0usize..6, 0..8),
        ints in proptest::collection::vec(-10i32..10, 0..8),
    ) {
        let _ = softmax::prepare_softmax_int8(f[0], f[1], f[2], z[0]);
        let _ = softmax::prepare_softmax_int8_int16(f[0], f[1], f[2], z[0]);
        let q = elementwise::BinaryQuantization {
            input1_scale: f[0],
            input1_zero_point: z[0],
            input2_scale: f[1],
            input2_zero_point: z[1],
            output_scale: f[2],
            output_zero_point: z[2],
            activation_min: z[0],
            activation_max: z[1],
        };
        let _ = elementwise::prepare_add_int8(&q);
        let _ = elementwise::prepare_sub_int8(&q);
        let _ = elementwise::prepare_mul_int8(&q);
        let _ = activations::prepare_relu_int8(f[0], z[0], f[1], z[1]);
        let _ = activations::prepare_relu6_int8(f[0], z[0]);
        let _ = activations::prepare_leaky_relu_int8(f[3], f[0], z[0], f[1], z[1]);
        let _ = activations::prepare_logistic_int8(f[0], z[0], z[1]);
        let _ = activations::prepare_tanh_int8(f[0], z[0]);
        let _ = activations::prepare_hard_swish_int8(f[0], z[0], f[1], z[1]);
        if let Ok(shape) = reduce::ReduceShape::new(&dims, &ints) {
            let _ = reduce::prepare_mean_int8(&shape, f[0], z[0], f[1], z[1]);
        }
        let _ = BroadcastShape::new(&dims, &dims[dims.len() / 2..], &dims);
        let _ = concatenation::ConcatShape::new(&dims, z[0] as usize);
        let pairs: Vec<[i64; 2]> = ints.iter().map(|&i| [i64::from(i), 1]).collect();
        let _ = PadShape::new(&dims, &pairs[..pairs.len().min(dims.len())]);
        let _ = TransposeShape::new(&dims, &ints);
        let masks = StridedSliceMasks { begin_mask: z[0], end_mask: z[1], shrink_axis_mask: z[2], ..Default::default() };
        let n = dims.len().min(ints.len());
        let _ = StridedSliceShape::new(&dims[..n], &ints[..n], &ints[..n], &ints[..n], masks);
    }
}
