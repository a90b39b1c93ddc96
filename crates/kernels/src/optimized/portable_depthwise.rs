//! Portable driver of the int8 [`Depthwise`] conv: per output pixel, runs of
//! 16 channels accumulated over the in-image taps (auto-vectorizable for
//! depth multiplier 1 and for one input channel, whose weights of one tap are
//! contiguous across the output channels).

use super::depthwise::Depthwise;
use super::gemm::INTERNAL;
use crate::KernelError;

/// Channels per run.
const RUN: usize = 16;

/// Runs `dw`, writing `pixels * channels` outputs.
pub(crate) fn depthwise_conv(dw: &Depthwise<'_>, output: &mut [i8]) -> Result<(), KernelError> {
    dw.check(output.len())?;
    let channels = dw.channels();
    if channels == 0 {
        return Ok(());
    }
    let mut interior = dw.interior_taps()?;
    let mut border = Depthwise::empty_taps();
    for (out_row, origin) in output.chunks_exact_mut(channels).zip(dw.windows.origins()) {
        let taps = dw.taps_of(origin, &mut interior, &mut border)?;
        let base = taps.base;
        for (run, out_run) in out_row.chunks_mut(RUN).enumerate() {
            let c0 = run * RUN;
            let n = out_run.len();
            let mut lanes = [0i32; RUN];
            if dw.depth_multiplier == 1 {
                for &(x, w) in taps.taps() {
                    let x = base + x;
                    let (Some(xs), Some(ws)) = (
                        dw.input.get(x + c0..x + c0 + n),
                        dw.filter.get(w + c0..w + c0 + n),
                    ) else {
                        continue;
                    };
                    for ((lane, &xv), &wv) in lanes.iter_mut().zip(xs).zip(ws) {
                        let xv = i32::from(xv).wrapping_add(dw.input_offset);
                        *lane = lane.wrapping_add(xv.wrapping_mul(i32::from(wv)));
                    }
                }
            } else {
                let multiplier = dw.depth_multiplier.max(1);
                for &(x, w) in taps.taps() {
                    let x = base + x;
                    let Some(ws) = dw.filter.get(w + c0..w + c0 + n) else {
                        continue;
                    };
                    // Output channel c0 + j reads input channel
                    // (c0 + j) / multiplier, tracked without dividing.
                    let (mut in_c, mut m) = (c0 / multiplier, c0 % multiplier);
                    for (lane, &wv) in lanes.iter_mut().zip(ws) {
                        let xv = dw.input.get(x + in_c).copied().unwrap_or(0);
                        let xv = i32::from(xv).wrapping_add(dw.input_offset);
                        *lane = lane.wrapping_add(xv.wrapping_mul(i32::from(wv)));
                        m += 1;
                        if m == multiplier {
                            m = 0;
                            in_c += 1;
                        }
                    }
                }
            }
            for (j, (out, &acc)) in out_run.iter_mut().zip(&lanes).enumerate() {
                let c = c0 + j;
                let bias = dw.bias.and_then(|b| b.get(c)).copied().unwrap_or(0);
                *out = dw.stage.apply(acc.wrapping_add(bias), c);
            }
        }
    }
    Ok(())
}

/// Runs `dw` when its input has one channel, for any window size (no tap
/// list): each in-image tap's single input value times that tap's
/// contiguous row of `channels` weights, added to every channel's
/// accumulator in tap order.
pub(crate) fn one_channel(dw: &Depthwise<'_>, output: &mut [i8]) -> Result<(), KernelError> {
    let w = &dw.windows;
    let channels = dw.channels();
    let filter_len = w.taps().checked_mul(channels);
    let output_len = dw.pixels.checked_mul(channels);
    let shapes_ok = w.input.depth == 1
        && filter_len == Some(dw.filter.len())
        && output_len == Some(output.len())
        && dw.bias.is_none_or(|b| b.len() == channels)
        && dw.stage.covers(channels);
    if !shapes_ok {
        return Err(INTERNAL);
    }
    if channels == 0 {
        return Ok(());
    }
    for (out_row, origin) in output.chunks_exact_mut(channels).zip(w.origins()) {
        for (run, out_run) in out_row.chunks_mut(RUN).enumerate() {
            let c0 = run * RUN;
            let n = out_run.len();
            let mut lanes = [0i32; RUN];
            for fy in 0..w.filter_height {
                for fx in 0..w.filter_width {
                    let Some(at) = w.tap_offset(origin, fy, fx) else {
                        continue;
                    };
                    let x =
                        i32::from(*dw.input.get(at).ok_or(INTERNAL)?).wrapping_add(dw.input_offset);
                    let start = (fy * w.filter_width + fx) * channels + c0;
                    let ws = dw.filter.get(start..start + n).ok_or(INTERNAL)?;
                    for (lane, &wv) in lanes.iter_mut().zip(ws) {
                        *lane = lane.wrapping_add(x.wrapping_mul(i32::from(wv)));
                    }
                }
            }
            for (j, (out, &acc)) in out_run.iter_mut().zip(&lanes).enumerate() {
                let c = c0 + j;
                let bias = dw.bias.and_then(|b| b.get(c)).copied().unwrap_or(0);
                *out = dw.stage.apply(acc.wrapping_add(bias), c);
            }
        }
    }
    Ok(())
}
