//! SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND
//! (`microlite_kernels::batch_space`) against TFLM's loops written out:
//! per output pixel for SPACE_TO_BATCH_ND, per input pixel for
//! BATCH_TO_SPACE_ND.

use microlite_kernels::batch_space::{batch_to_space, space_to_batch, BatchSpaceShape};

use super::{mismatch, Mismatch};
use crate::decisions::Decisions;

const KERNEL: &str = "batch_space";

pub(super) fn batch_space_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (bh, bw) = (d.in_range(1, 3) as usize, d.in_range(1, 3) as usize);
    let (n, c) = (d.in_range(1, 2) as usize, d.in_range(1, 3) as usize);
    // Batch-side extents, then paddings no larger than the padded extent.
    let (h, w) = (d.in_range(1, 4) as usize, d.in_range(1, 4) as usize);
    let (top, bottom) = (d.below(bh * h), d.below(bh));
    let (left, right) = (d.below(bw * w), d.below(bw));
    let Some(sh) = (h * bh).checked_sub(top + bottom).filter(|&v| v > 0) else {
        return Ok(());
    };
    let Some(sw) = (w * bw).checked_sub(left + right).filter(|&v| v > 0) else {
        return Ok(());
    };
    let u = |v: usize| v as u32;
    let shape = BatchSpaceShape {
        space_batch: u(n),
        space_height: u(sh),
        space_width: u(sw),
        batch_height: u(h),
        batch_width: u(w),
        depth: u(c),
        block_height: u(bh),
        block_width: u(bw),
        top: u(top),
        left: u(left),
    };
    let space: Vec<u16> = (0..n * sh * sw * c).map(|_| d.u16() | 1).collect();
    let mut batch = vec![0u16; n * bh * bw * h * w * c];
    if let Err(e) = space_to_batch(&shape, &space, &mut batch) {
        return mismatch(KERNEL, format!("{shape:?}: {e}"));
    }
    // SPACE_TO_BATCH_ND as TFLM loops over output pixels.
    for ob in 0..n * bh * bw {
        let (ib, shift_w, shift_h) = (ob % n, (ob / n) % bw, (ob / n) / bw);
        for oh in 0..h {
            for ow in 0..w {
                let (y, x) = (oh * bh + shift_h, ow * bw + shift_w);
                let inside = y >= top && y < top + sh && x >= left && x < left + sw;
                for ch in 0..c {
                    let got = batch[((ob * h + oh) * w + ow) * c + ch];
                    let want = if inside {
                        space[((ib * sh + (y - top)) * sw + (x - left)) * c + ch]
                    } else {
                        0
                    };
                    if got != want {
                        return mismatch(
                            KERNEL,
                            format!("space_to_batch {shape:?} at {ob},{oh},{ow}"),
                        );
                    }
                }
            }
        }
    }
    // BATCH_TO_SPACE_ND as TFLM loops over input pixels.
    let mut back = vec![0u16; space.len()];
    if let Err(e) = batch_to_space(&shape, &batch, &mut back) {
        return mismatch(KERNEL, format!("{shape:?}: {e}"));
    }
    let mut want = vec![0u16; space.len()];
    for ib in 0..n * bh * bw {
        let (ob, offset) = (ib % n, ib / n);
        for ih in 0..h {
            let Some(oh) = (ih * bh + offset / bw).checked_sub(top).filter(|&v| v < sh) else {
                continue;
            };
            for iw in 0..w {
                let Some(ow) = (iw * bw + offset % bw)
                    .checked_sub(left)
                    .filter(|&v| v < sw)
                else {
                    continue;
                };
                for ch in 0..c {
                    want[((ob * sh + oh) * sw + ow) * c + ch] =
                        batch[((ib * h + ih) * w + iw) * c + ch];
                }
            }
        }
    }
    if back != want || back != space {
        return mismatch(KERNEL, format!("batch_to_space {shape:?}"));
    }
    Ok(())
}
