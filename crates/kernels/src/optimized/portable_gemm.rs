//! Portable driver of the int8 [`Gemm`]: one pixel by four output channels
//! per block, with inner loops written for auto-vectorization.

use super::gemm::{Gemm, Source, INTERNAL};
use super::window::Origin;
use crate::KernelError;

/// Output channels per block.
const BLOCK: usize = 4;

/// Runs `gemm`, writing `pixels * channels` outputs. im2col sources need
/// `depth` bytes of `scratch`.
pub(crate) fn gemm(g: &Gemm<'_>, scratch: &mut [i8], output: &mut [i8]) -> Result<(), KernelError> {
    g.check(output.len())?;
    let channels = g.channels;
    if channels == 0 {
        return Ok(());
    }
    let patch = match g.source {
        Source::Patches { .. } => scratch.get_mut(..g.depth).ok_or(INTERNAL)?,
        _ => &mut [],
    };
    for ((pixel, out_row), origin) in output
        .chunks_exact_mut(channels)
        .enumerate()
        .zip(g.origins())
    {
        if let Source::Patches { .. } = g.source {
            g.fill_patch(origin, patch)?;
        }
        let mut oc = 0;
        while oc < channels {
            let n = BLOCK.min(channels - oc);
            let mut rows: [&[i8]; BLOCK] = [&[]; BLOCK];
            for (j, row) in rows.iter_mut().enumerate().take(n) {
                let start = (oc + j) * g.depth;
                *row = g.filter.get(start..start + g.depth).ok_or(INTERNAL)?;
            }
            let acc = pixel_block(g, pixel, origin, patch, rows)?;
            for (j, &sum) in acc.iter().enumerate().take(n) {
                let c = oc + j;
                let bias = g.bias.and_then(|b| b.get(c)).copied().unwrap_or(0);
                if let Some(out) = out_row.get_mut(c) {
                    *out = g.stage.apply(sum.wrapping_add(bias), c);
                }
            }
            oc += n;
        }
    }
    Ok(())
}

/// The sums of output pixel `pixel` (window origin `origin`; im2col patch
/// in `patch`) against four filter rows of `depth` elements.
fn pixel_block(
    g: &Gemm<'_>,
    pixel: usize,
    origin: Origin,
    patch: &[i8],
    rows: [&[i8]; BLOCK],
) -> Result<[i32; BLOCK], KernelError> {
    match g.source {
        Source::Matrix(matrix) => {
            let start = pixel * g.depth;
            let x = matrix.get(start..start + g.depth).ok_or(INTERNAL)?;
            Ok(dot4(x, rows, g.input_offset))
        }
        Source::Patches { .. } => Ok(dot4(patch, rows, g.input_offset)),
        Source::Windows { input, windows } => {
            let depth = windows.input.depth;
            let mut acc = [0i32; BLOCK];
            for fy in 0..windows.filter_height {
                for fx in 0..windows.filter_width {
                    let Some(start) = windows.tap_offset(origin, fy, fx) else {
                        continue;
                    };
                    let x = input.get(start..start + depth).ok_or(INTERNAL)?;
                    let w = (fy * windows.filter_width + fx) * depth;
                    let tap_rows = rows.map(|r| r.get(w..w + depth).unwrap_or(&[]));
                    for (a, s) in acc.iter_mut().zip(dot4(x, tap_rows, g.input_offset)) {
                        *a = a.wrapping_add(s);
                    }
                }
            }
            Ok(acc)
        }
    }
}

/// Elements per step of [`dot4`]: the 16-bit products of one step are
/// summed exactly in `i32` (16 * 32767 * 128 < 2^31).
const STEP: usize = 16;

/// `sum_k (x[k] + offset) * w_j[k]` (wrapping) for four weight rows at once
/// (rows shorter than `x`, e.g. the empty rows past the last channel, give
/// 0). Each step widens 16 inputs to `i16` once and sums their `i16 x i16`
/// products per row, a shape compilers turn into multiply-add instructions
/// (`pmaddwd`, `smlad`). Requires `x + offset` to fit `i16`.
fn dot4(x: &[i8], w: [&[i8]; BLOCK], offset: i32) -> [i32; BLOCK] {
    let Ok(offset16) = i16::try_from(offset) else {
        return w.map(|r| dot(x, r, offset));
    };
    if w.iter().any(|r| r.len() < x.len()) {
        return w.map(|r| dot(x, r, offset));
    }
    let mut acc = [0i32; BLOCK];
    let steps = x.chunks_exact(STEP);
    let done = x.len() - steps.remainder().len();
    for (i, xs) in steps.enumerate() {
        let mut wide = [0i16; STEP];
        for (d, &v) in wide.iter_mut().zip(xs) {
            *d = i16::from(v).wrapping_add(offset16);
        }
        for (a, row) in acc.iter_mut().zip(&w) {
            let Some(ws) = row.get(i * STEP..(i + 1) * STEP) else {
                continue;
            };
            let sum = wide.iter().zip(ws).fold(0i32, |s, (&xv, &wv)| {
                s.wrapping_add(i32::from(xv).wrapping_mul(i32::from(wv)))
            });
            *a = a.wrapping_add(sum);
        }
    }
    let rest = x.get(done..).unwrap_or(&[]);
    let [w0, w1, w2, w3] = w.map(|r| r.get(done..).unwrap_or(&[]));
    for ((((&xv, &v0), &v1), &v2), &v3) in rest.iter().zip(w0).zip(w1).zip(w2).zip(w3) {
        let xv = i32::from(xv).wrapping_add(offset);
        acc[0] = acc[0].wrapping_add(xv.wrapping_mul(i32::from(v0)));
        acc[1] = acc[1].wrapping_add(xv.wrapping_mul(i32::from(v1)));
        acc[2] = acc[2].wrapping_add(xv.wrapping_mul(i32::from(v2)));
        acc[3] = acc[3].wrapping_add(xv.wrapping_mul(i32::from(v3)));
    }
    acc
}

/// `sum_k (x[k] + offset) * w[k]` over the common length.
fn dot(x: &[i8], w: &[i8], offset: i32) -> i32 {
    x.iter().zip(w).fold(0i32, |acc, (&xv, &wv)| {
        acc.wrapping_add(
            i32::from(xv)
                .wrapping_add(offset)
                .wrapping_mul(i32::from(wv)),
        )
    })
}
