#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! MEAN against a naive per-output average computed from multi-indices.

use microlite_kernels::reduce::{mean_f32, mean_int8, prepare_mean_int8, ReduceShape};
use microlite_kernels::KernelError;
use proptest::prelude::*;

/// Input dims and a set of axes (possibly negative, possibly repeated).
fn case() -> impl Strategy<Value = (Vec<usize>, Vec<i32>)> {
    proptest::collection::vec(1usize..5, 0..=5).prop_flat_map(|dims| {
        let rank = dims.len() as i32;
        let axes = if rank == 0 {
            Just(Vec::new()).boxed()
        } else {
            proptest::collection::vec(-rank..rank, 0..=4).boxed()
        };
        (Just(dims), axes)
    })
}

/// For each output element (kept coordinates in row-major order), the list of
/// input flat indices that reduce into it.
fn groups(dims: &[usize], axes: &[i32]) -> Vec<Vec<usize>> {
    let rank = dims.len() as i32;
    let reduced: Vec<bool> = (0..rank)
        .map(|d| axes.iter().any(|&a| a == d || a + rank == d))
        .collect();
    let total: usize = dims.iter().product();
    let kept_dims: Vec<usize> = dims
        .iter()
        .zip(&reduced)
        .filter(|(_, &r)| !r)
        .map(|(&d, _)| d)
        .collect();
    let outputs: usize = kept_dims.iter().product();
    let mut groups = vec![Vec::new(); outputs];
    for flat in 0..total {
        let mut rem = flat;
        let mut coords = vec![0; dims.len()];
        for d in (0..dims.len()).rev() {
            coords[d] = rem % dims[d];
            rem /= dims[d];
        }
        let mut out = 0;
        for d in 0..dims.len() {
            if !reduced[d] {
                out = out * dims[d] + coords[d];
            }
        }
        groups[out].push(flat);
    }
    groups
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]
    #[test]
    fn float_mean_matches_f64((dims, axes) in case(), seed in any::<u32>()) {
        let shape = ReduceShape::new(&dims, &axes).unwrap();
        let n: usize = dims.iter().product();
        let input: Vec<f32> = (0..n).map(|i| (seed.wrapping_mul(2 * i as u32 + 1) >> 12) as f32 / 64.0 - 5000.0).collect();
        let groups = groups(&dims, &axes);
        let mut out = vec![0f32; groups.len()];
        mean_f32(&shape, &input, &mut out).unwrap();
        for (g, members) in out.iter().zip(&groups) {
            let want = members.iter().map(|&i| f64::from(input[i])).sum::<f64>() / members.len() as f64;
            prop_assert!((f64::from(*g) - want).abs() <= 1e-3 + 1e-5 * want.abs(), "{g} vs {want}");
        }
    }

    #[test]
    fn int8_mean_within_one_step(
        (dims, axes) in case(),
        seed in any::<u64>(),
        si in 0.001f32..1.0, zi in -128i32..128, so in 0.001f32..1.0, zo in -128i32..128,
    ) {
        let shape = ReduceShape::new(&dims, &axes).unwrap();
        let params = prepare_mean_int8(&shape, si, zi, so, zo);
        let n: usize = dims.iter().product();
        let input: Vec<i8> = (0..n).map(|i| (seed.wrapping_mul(2 * i as u64 + 1) >> 29) as i8).collect();
        let groups = groups(&dims, &axes);
        let mut out = vec![0i8; groups.len()];
        mean_int8(&shape, &params, &input, &mut out).unwrap();
        for (g, members) in out.iter().zip(&groups) {
            let mean = members.iter().map(|&i| f64::from(input[i])).sum::<f64>() / members.len() as f64;
            let real = f64::from(si) * (mean - f64::from(zi));
            let want = ((real / f64::from(so)).round() + f64::from(zo)).clamp(-128.0, 127.0);
            prop_assert!((f64::from(*g) - want).abs() <= 1.0, "{g} vs {want}");
        }
    }
}

#[test]
fn folds_count_into_multiplier() {
    // Scales equal: multiplier 2^30 with shift 1 (real 1.0). Count 12 = 2^3 * 1.5:
    // shift by 3 and divide: (2^30 << 3) / 12 = 715827882, final shift 1 - 3 = -2.
    let shape = ReduceShape::new(&[2, 3, 4], &[1, -1]).unwrap();
    assert_eq!(shape.reduced_count, 12);
    assert_eq!(shape.output_len, 2);
    let p = prepare_mean_int8(&shape, 0.5, 0, 0.5, 0);
    assert_eq!((p.output_multiplier, p.output_shift), (715_827_882, -2));
}

#[test]
fn rejects_bad_axes_and_lengths() {
    assert!(matches!(
        ReduceShape::new(&[2, 3], &[2]),
        Err(KernelError::AxisOutOfRange {
            op: "reduce",
            axis: 2,
            rank: 2
        })
    ));
    assert!(matches!(
        ReduceShape::new(&[2, 3], &[-3]),
        Err(KernelError::AxisOutOfRange {
            op: "reduce",
            axis: -3,
            rank: 2
        })
    ));
    assert!(matches!(
        ReduceShape::new(&[1; 7], &[0]),
        Err(KernelError::RankTooLarge {
            op: "reduce",
            rank: 7,
            max: 6
        })
    ));
    let shape = ReduceShape::new(&[2, 3], &[0]).unwrap();
    let mut out = [0f32; 2];
    assert!(matches!(
        mean_f32(&shape, &[0.0; 6], &mut out),
        Err(KernelError::LengthMismatch {
            buffer: "output",
            expected: 3,
            actual: 2
        })
    ));
}

#[test]
fn empty_reduction_gives_zeros() {
    let shape = ReduceShape::new(&[2, 0, 3], &[1]).unwrap();
    assert_eq!(shape.output_len, 6);
    let p = prepare_mean_int8(&shape, 0.1, 3, 0.1, 3);
    let mut out = [5i8; 6];
    mean_int8(&shape, &p, &[], &mut out).unwrap();
    assert_eq!(out, [0; 6]);
}
