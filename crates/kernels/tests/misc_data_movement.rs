#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! CONCATENATION, PAD, TRANSPOSE and STRIDED_SLICE against naive
//! multi-index computations. All results must be exact.

use microlite_kernels::concatenation::{concatenation, concatenation_copy_input, ConcatShape};
use microlite_kernels::pad::{pad, PadShape};
use microlite_kernels::strided_slice::{strided_slice, StridedSliceMasks, StridedSliceShape};
use microlite_kernels::transpose::{transpose, TransposeShape};
use microlite_kernels::KernelError;
use proptest::prelude::*;

fn coords(dims: &[usize], mut flat: usize) -> Vec<usize> {
    let mut c = vec![0; dims.len()];
    for d in (0..dims.len()).rev() {
        c[d] = flat % dims[d];
        flat /= dims[d];
    }
    c
}

fn flat(dims: &[usize], coords: &[usize]) -> usize {
    dims.iter().zip(coords).fold(0, |acc, (&d, &c)| acc * d + c)
}

fn iota(n: usize) -> Vec<i32> {
    (0..n as i32).map(|i| i * 7 + 1).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]
    #[test]
    fn concatenation_matches_naive(
        dims in proptest::collection::vec(1usize..4, 1..=5),
        axis_seed in any::<usize>(),
        extents in proptest::collection::vec(0usize..4, 1..5),
    ) {
        let axis = axis_seed % dims.len();
        let input_dims: Vec<Vec<usize>> = extents.iter().map(|&e| {
            let mut d = dims.clone();
            d[axis] = e;
            d
        }).collect();
        let mut out_dims = dims.clone();
        out_dims[axis] = extents.iter().sum();
        let inputs: Vec<Vec<i32>> = input_dims.iter().enumerate()
            .map(|(k, d)| iota(d.iter().product()).iter().map(|v| v + 1000 * k as i32).collect())
            .collect();
        let refs: Vec<&[i32]> = inputs.iter().map(|v| v.as_slice()).collect();
        let shape = ConcatShape::new(&out_dims, axis).unwrap();
        let mut out = vec![0; out_dims.iter().product()];
        concatenation(&shape, &refs, &mut out).unwrap();
        for (o, &got) in out.iter().enumerate() {
            let mut c = coords(&out_dims, o);
            let mut k = 0;
            while c[axis] >= input_dims[k][axis] {
                c[axis] -= input_dims[k][axis];
                k += 1;
            }
            prop_assert_eq!(got, inputs[k][flat(&input_dims[k], &c)]);
        }
    }

    #[test]
    fn pad_matches_naive(
        dims in proptest::collection::vec(0usize..4, 0..=6),
        pads in proptest::collection::vec((0i64..3, 0i64..3), 6),
    ) {
        let pairs: Vec<[i64; 2]> = pads.iter().take(dims.len()).map(|&(b, a)| [b, a]).collect();
        let shape = PadShape::new(&dims, &pairs).unwrap();
        let out_dims: Vec<usize> = (0..dims.len()).map(|d| shape.output_dim(d)).collect();
        let input = iota(dims.iter().product());
        let mut out = vec![0; out_dims.iter().product()];
        pad(&shape, -5, &input, &mut out).unwrap();
        for (o, &got) in out.iter().enumerate() {
            let c = coords(&out_dims, o);
            let inside: Option<Vec<usize>> = c.iter().zip(&pairs).zip(&dims)
                .map(|((&x, &[b, _]), &d)| x.checked_sub(b as usize).filter(|&i| i < d))
                .collect();
            let want = inside.map_or(-5, |ic| input[flat(&dims, &ic)]);
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn transpose_matches_naive(
        dims in proptest::collection::vec(1usize..5, 0..=6),
        shuffle in any::<u64>(),
    ) {
        let rank = dims.len();
        let mut perm: Vec<i32> = (0..rank as i32).collect();
        let mut s = shuffle;
        for i in (1..rank).rev() {
            perm.swap(i, (s % (i as u64 + 1)) as usize);
            s /= 7;
        }
        let shape = TransposeShape::new(&dims, &perm).unwrap();
        let out_dims: Vec<usize> = perm.iter().map(|&p| dims[p as usize]).collect();
        let input = iota(dims.iter().product());
        let mut out = vec![0; input.len()];
        transpose(&shape, &input, &mut out).unwrap();
        for (o, &got) in out.iter().enumerate() {
            let oc = coords(&out_dims, o);
            let mut ic = vec![0; rank];
            for (i, &p) in perm.iter().enumerate() {
                ic[p as usize] = oc[i];
            }
            prop_assert_eq!(got, input[flat(&dims, &ic)]);
        }
    }

    #[test]
    fn strided_slice_matches_naive(
        spec in proptest::collection::vec((1usize..7, -8i32..8, -8i32..8, prop_oneof![-3i32..=-1, 1i32..=3], 0u8..8), 1..=5),
    ) {
        let dims: Vec<usize> = spec.iter().map(|s| s.0).collect();
        let begin: Vec<i32> = spec.iter().map(|s| s.1).collect();
        let end: Vec<i32> = spec.iter().map(|s| s.2).collect();
        let strides: Vec<i32> = spec.iter().map(|s| s.3).collect();
        let mut masks = StridedSliceMasks::default();
        for (d, s) in spec.iter().enumerate() {
            if s.4 & 1 != 0 { masks.begin_mask |= 1 << d; }
            if s.4 & 2 != 0 { masks.end_mask |= 1 << d; }
            // Shrink only where the begin index is in range and the stride positive.
            let b = if s.1 < 0 { s.1 + s.0 as i32 } else { s.1 };
            if s.4 & 4 != 0 && s.3 > 0 && s.4 & 1 == 0 && (0..s.0 as i32).contains(&b) {
                masks.shrink_axis_mask |= 1 << d;
            }
        }
        let shape = StridedSliceShape::new(&dims, &begin, &end, &strides, masks).unwrap();
        // Naive: the visited indices along each axis, following Python slicing
        // with TFLM's clamping.
        let axis_indices: Vec<Vec<usize>> = (0..dims.len()).map(|d| {
            let n = dims[d] as i32;
            let step = strides[d];
            let norm = |i: i32| if i < 0 { i + n } else { i };
            if masks.shrink_axis_mask & (1 << d) != 0 {
                return vec![norm(begin[d]) as usize];
            }
            let (lo, hi) = if step > 0 { (0, n) } else { (-1, n - 1) };
            let start = if masks.begin_mask & (1 << d) != 0 { if step > 0 { 0 } else { n - 1 } } else { norm(begin[d]).clamp(lo, hi) };
            let stop = if masks.end_mask & (1 << d) != 0 { if step > 0 { n } else { -1 } } else { norm(end[d]).clamp(lo, hi) };
            let mut v = Vec::new();
            let mut i = start;
            while (step > 0 && i < stop) || (step < 0 && i > stop) {
                v.push(i as usize);
                i += step;
            }
            v
        }).collect();
        let counts: Vec<usize> = axis_indices.iter().map(|v| v.len()).collect();
        let total: usize = counts.iter().product();
        let input = iota(dims.iter().product());
        let mut out = vec![0; total];
        strided_slice(&shape, &input, &mut out).unwrap();
        for (o, &got) in out.iter().enumerate() {
            let c = coords(&counts, o);
            let ic: Vec<usize> = c.iter().enumerate().map(|(d, &k)| axis_indices[d][k]).collect();
            prop_assert_eq!(got, input[flat(&dims, &ic)]);
        }
        let mut out_dims = [0usize; 6];
        let rank = shape.output_dims(&mut out_dims);
        let want: Vec<usize> = counts.iter().enumerate()
            .filter(|(d, _)| masks.shrink_axis_mask & (1 << d) == 0).map(|(_, &c)| c).collect();
        prop_assert_eq!(&out_dims[..rank], want.as_slice());
    }
}

#[test]
fn copy_input_places_one_input() {
    let shape = ConcatShape::new(&[2, 3], 1).unwrap();
    let mut out = [0; 6];
    assert_eq!(
        concatenation_copy_input(&shape, 1, &[7, 8, 9, 10], &mut out).unwrap(),
        2
    );
    assert_eq!(out, [0, 7, 8, 0, 9, 10]);
    assert!(matches!(
        concatenation_copy_input(&shape, 2, &[7, 8, 9, 10], &mut out),
        Err(KernelError::BadConcatInput { input: 0, len: 4 })
    ));
}

#[test]
fn data_movement_errors() {
    assert!(matches!(
        ConcatShape::new(&[2, 3], 2),
        Err(KernelError::AxisOutOfRange {
            op: "concatenation",
            axis: 2,
            rank: 2
        })
    ));
    let shape = ConcatShape::new(&[2, 3], 1).unwrap();
    let mut out = [0; 6];
    assert!(matches!(
        concatenation(&shape, &[&[1, 2][..], &[3, 4][..]], &mut out),
        Err(KernelError::DimensionMismatch {
            expected: 3,
            actual: 2,
            ..
        })
    ));
    assert!(matches!(
        PadShape::new(&[2], &[[-1, 0]]),
        Err(KernelError::BadPadding { dim: 0, amount: -1 })
    ));
    assert!(matches!(
        PadShape::new(&[2], &[]),
        Err(KernelError::DimensionMismatch {
            what: "pad padding pairs == rank",
            expected: 1,
            actual: 0
        })
    ));
    assert!(matches!(
        TransposeShape::new(&[2, 3], &[0, 0]),
        Err(KernelError::BadPermutation { position: 1 })
    ));
    assert!(matches!(
        TransposeShape::new(&[2, 3], &[0, 2]),
        Err(KernelError::BadPermutation { position: 1 })
    ));
    let masks = StridedSliceMasks::default();
    assert!(matches!(
        StridedSliceShape::new(&[4], &[0], &[4], &[0], masks),
        Err(KernelError::ZeroStride { dim: 0 })
    ));
    assert!(matches!(
        StridedSliceShape::new(
            &[4],
            &[0],
            &[4],
            &[1],
            StridedSliceMasks {
                new_axis_mask: 1,
                ..masks
            }
        ),
        Err(KernelError::UnsupportedMask {
            mask: "new_axis_mask",
            value: 1
        })
    ));
    assert!(matches!(
        StridedSliceShape::new(
            &[4],
            &[5],
            &[6],
            &[1],
            StridedSliceMasks {
                shrink_axis_mask: 1,
                ..masks
            }
        ),
        Err(KernelError::ShrinkOutOfRange { dim: 0, begin: 5 })
    ));
    assert!(matches!(
        StridedSliceShape::new(&[4, 4], &[0], &[4], &[1], masks),
        Err(KernelError::DimensionMismatch {
            what: "strided slice begin entries == rank",
            expected: 2,
            actual: 1
        })
    ));
}
