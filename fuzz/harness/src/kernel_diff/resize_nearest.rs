//! RESIZE_NEAREST_NEIGHBOR's copying against the naive per-element
//! definition (the index function is TFLM's `f32` formula itself,
//! `nearest`, checked by the golden suite); indices always in the input.

use microlite_kernels::resize_nearest::{nearest, resize_nearest, ResizeNearestShape};

use super::{extent, mismatch, Mismatch};
use crate::decisions::Decisions;

pub(super) fn resize_nearest_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let shape = ResizeNearestShape {
        batch: extent(d, 2, 2) as u32,
        input_height: extent(d, 4, 9) as u32,
        input_width: extent(d, 4, 9) as u32,
        depth: extent(d, 3, 4) as u32,
        output_height: extent(d, 6, 12) as u32,
        output_width: extent(d, 6, 12) as u32,
        align_corners: u32::from(d.bool()),
        half_pixel_centers: u32::from(d.bool()),
    };
    let s = shape;
    let (b, ih, iw, c, oh, ow) = (
        s.batch as usize,
        s.input_height as usize,
        s.input_width as usize,
        s.depth as usize,
        s.output_height as usize,
        s.output_width as usize,
    );
    let input: Vec<u16> = (0..b * ih * iw * c).map(|_| d.u16()).collect();
    let mut got = vec![0u16; b * oh * ow * c];
    if let Err(e) = resize_nearest(&shape, &input, &mut got) {
        return mismatch("resize_nearest", format!("{shape:?}: {e}"));
    }
    let (align, half) = (s.align_corners != 0, s.half_pixel_centers != 0);
    for n in 0..b {
        for y in 0..oh {
            let sy = nearest(y as u32, s.input_height, s.output_height, align, half) as usize;
            if sy >= ih {
                return mismatch("resize_nearest", format!("{shape:?}: row {y} -> {sy}"));
            }
            for x in 0..ow {
                let sx = nearest(x as u32, s.input_width, s.output_width, align, half) as usize;
                if sx >= iw {
                    return mismatch("resize_nearest", format!("{shape:?}: col {x} -> {sx}"));
                }
                for ch in 0..c {
                    let want = input[((n * ih + sy) * iw + sx) * c + ch];
                    if got[((n * oh + y) * ow + x) * c + ch] != want {
                        return mismatch("resize_nearest", format!("{shape:?} at ({n}, {y}, {x})"));
                    }
                }
            }
        }
    }
    Ok(())
}
