//! DEPTH_TO_SPACE and SPACE_TO_DEPTH against the naive definition
//! (TensorFlow's): wide `[n, y, x, c]` is deep
//! `[n, y / b, x / b, ((y % b) * b + x % b) * C + c]`.

use microlite_kernels::space_depth::{depth_to_space, space_to_depth, SpaceDepthShape};

use super::{extent, mismatch, Mismatch};
use crate::decisions::Decisions;

pub(super) fn space_depth(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (n, h, w, c, b) = (
        extent(d, 2, 3),
        extent(d, 3, 4),
        extent(d, 3, 4),
        extent(d, 3, 5),
        extent(d, 3, 4),
    );
    let shape = SpaceDepthShape {
        batch: n as u32,
        height: h as u32,
        width: w as u32,
        depth: c as u32,
        block: b as u32,
    };
    let len = n * h * w * c * b * b;
    let deep: Vec<u16> = (0..len).map(|_| d.u16()).collect();
    let mut wide = vec![0u16; len];
    if depth_to_space(&shape, &deep, &mut wide).is_err() {
        return mismatch("depth_to_space", format!("{shape:?} refused"));
    }
    for batch in 0..n {
        for y in 0..h * b {
            for x in 0..w * b {
                for ch in 0..c {
                    let at_wide = ((batch * h * b + y) * w * b + x) * c + ch;
                    let at_deep = ((batch * h + y / b) * w + x / b) * c * b * b
                        + ((y % b) * b + x % b) * c
                        + ch;
                    if wide[at_wide] != deep[at_deep] {
                        return mismatch("depth_to_space", format!("{shape:?} at {at_wide}"));
                    }
                }
            }
        }
    }
    let mut back = vec![0u16; len];
    if space_to_depth(&shape, &wide, &mut back).is_err() || back != deep {
        return mismatch("space_to_depth", format!("{shape:?}: not the inverse"));
    }
    if space_to_depth(&shape, &wide, &mut vec![0u16; len + 1]).is_ok() {
        return mismatch(
            "space_to_depth",
            "accepted an output one element too long".into(),
        );
    }
    Ok(())
}
