//! MIRROR_PAD against TensorFlow's definition, written independently: a
//! coordinate `c - left` outside `[0, n)` reflects about the edge (REFLECT:
//! `-1 - x` becomes `1 + ...` without repeating the edge) or across it
//! (SYMMETRIC: the edge repeated).

use microlite_kernels::mirror_pad::{mirror_pad, MirrorPadShape, MAX_MIRROR_PAD_RANK};

use super::{extent, mismatch, Mismatch};
use crate::decisions::Decisions;

/// The input coordinate of padded coordinate `x` (already minus `left`).
fn reflect(x: i64, n: i64, reflect_mode: bool) -> i64 {
    if x < 0 {
        if reflect_mode {
            -x
        } else {
            -x - 1
        }
    } else if x >= n {
        if reflect_mode {
            2 * n - 2 - x
        } else {
            2 * n - 1 - x
        }
    } else {
        x
    }
}

pub(super) fn mirror_pad_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let rank = 1 + d.below(3);
    let reflect_mode = d.bool();
    let mut shape = MirrorPadShape {
        input_dims: [1; MAX_MIRROR_PAD_RANK],
        output_dims: [1; MAX_MIRROR_PAD_RANK],
        left: [0; MAX_MIRROR_PAD_RANK],
        rank: rank as u32,
        offset: u32::from(reflect_mode),
    };
    for k in 0..rank {
        let n = extent(d, 4, 6) as u32;
        let limit = n - u32::from(reflect_mode);
        let (left, right) = (
            d.below(limit as usize + 1) as u32,
            d.below(limit as usize + 1) as u32,
        );
        shape.input_dims[k] = n;
        shape.left[k] = left;
        shape.output_dims[k] = n + left + right;
    }
    let count = |dims: &[u32]| dims[..rank].iter().map(|&x| x as usize).product::<usize>();
    let input: Vec<u16> = (0..count(&shape.input_dims)).map(|_| d.u16()).collect();
    let mut got = vec![0u16; count(&shape.output_dims)];
    if let Err(e) = mirror_pad(&shape, &input, &mut got) {
        return mismatch("mirror_pad", format!("{shape:?}: {e}"));
    }
    for (flat, &g) in got.iter().enumerate() {
        let mut rest = flat;
        let mut source = 0usize;
        let mut stride = 1usize;
        for k in (0..rank).rev() {
            let o = shape.output_dims[k] as usize;
            let c = (rest % o) as i64 - i64::from(shape.left[k]);
            rest /= o;
            let n = i64::from(shape.input_dims[k]);
            source += reflect(c, n, reflect_mode) as usize * stride;
            stride *= n as usize;
        }
        if g != input[source] {
            return mismatch("mirror_pad", format!("{shape:?} at {flat}"));
        }
    }
    Ok(())
}
