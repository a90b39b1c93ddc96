//! STRIDED_SLICE and SLICE's copy (`microlite_kernels::strided_slice`)
//! against naive indexing. The resolution of begin/end/strides/masks into
//! per-dimension `start`, `step` and `counts` is TFLM's rule set, checked
//! against TFLM by the strided_slice and slice golden suites; here every
//! resolved element must lie inside the input, and the kernel's incremental
//! walk must copy exactly element `sum((start[d] + k[d] · step[d]) ·
//! stride[d])` to output position `k` (row-major).

use microlite_kernels::strided_slice::{strided_slice, StridedSliceMasks, StridedSliceShape};

use super::{extent, mismatch, Mismatch};
use crate::decisions::Decisions;

pub(super) fn strided_slice_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "strided_slice";
    let rank = 1 + d.below(4);
    let dims: Vec<usize> = (0..rank).map(|_| extent(d, 4, 7)).collect();
    let index =
        |d: &mut Decisions<'_>, extent: usize| d.in_range(-(extent as i32) - 2, extent as i32 + 2);
    let begin: Vec<i32> = dims.iter().map(|&e| index(d, e)).collect();
    let end: Vec<i32> = dims.iter().map(|&e| index(d, e)).collect();
    let strides: Vec<i32> = (0..rank)
        .map(|_| {
            let s = d.in_range(1, 3);
            if d.bool() {
                s
            } else {
                -s
            }
        })
        .collect();
    let mask = |d: &mut Decisions<'_>| {
        if d.bool() {
            0
        } else {
            d.in_range(0, (1 << rank) - 1)
        }
    };
    let masks = StridedSliceMasks {
        begin_mask: mask(d),
        end_mask: mask(d),
        ellipsis_mask: 0,
        new_axis_mask: 0,
        shrink_axis_mask: mask(d),
    };
    // Shapes TFLM refuses (e.g. a shrunk axis whose begin is outside) are
    // refused here too: nothing to copy.
    let Ok(shape) = StridedSliceShape::new(&dims, &begin, &end, &strides, masks) else {
        return Ok(());
    };
    let input_len: usize = dims.iter().product();
    let input: Vec<u16> = (0..input_len).map(|k| k as u16).collect();
    let counts: Vec<usize> = (0..rank).map(|k| shape.counts[k] as usize).collect();
    let output_len: usize = counts.iter().product();
    let mut output = vec![u16::MAX; output_len];
    if let Err(e) = strided_slice(&shape, &input, &mut output) {
        return mismatch(KERNEL, format!("{dims:?} {shape:?} refused: {e}"));
    }
    for (o, &got) in output.iter().enumerate() {
        // Output coordinates of `o`, then the input element they name.
        let mut rest = o;
        let mut flat = 0i64;
        for k in (0..rank).rev() {
            let c = (rest % counts[k]) as i64;
            rest /= counts[k];
            let at = i64::from(shape.start[k]) + c * i64::from(shape.step[k]);
            if at < 0 || at >= dims[k] as i64 {
                return mismatch(
                    KERNEL,
                    format!(
                        "{dims:?} {begin:?} {end:?} {strides:?} {masks:?}: dim {k} visits {at}"
                    ),
                );
            }
            let stride: usize = dims[k + 1..].iter().product();
            flat += at * stride as i64;
        }
        if i64::from(got) != flat {
            return mismatch(
                KERNEL,
                format!("{dims:?} {shape:?} output {o}: expected element {flat}, got {got}"),
            );
        }
    }
    Ok(())
}
