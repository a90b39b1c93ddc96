//! RESIZE_BILINEAR against naive `f64` bilinear interpolation: the source
//! position of output index `i` is `i · scale` (or `(i + ½) · scale − ½`
//! with half-pixel centres), its neighbours `max(floor, 0)` and
//! `min(ceil, size − 1)`, weighted by the position's distance from the lower
//! one.
//!
//! - int8: TFLM's integer path takes `scale` rounded to 1/1024
//!   (`round(1024 · in / out) / 1024`), so the oracle does too; weights are
//!   then multiples of 2^-20 and the `f64` sum is exact, rounded half away
//!   from zero: the bits must agree.
//! - float32 (inputs in [-4, 4], sizes up to 12): within 3e-5. The kernel's
//!   `f32` scale and positions are off by about 2^-24 of a position up to
//!   12, moving a value by at most 8 x 12 x 6e-8 ~ 6e-6; the products and
//!   sums add a few ulps of 4.

use microlite_kernels::resize_bilinear::{
    resize_bilinear_f32, resize_bilinear_i8, ResizeNearestShape,
};

use super::{extent, i8s, mismatch, Mismatch};
use crate::decisions::Decisions;

pub(super) fn resize_bilinear_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let align_corners = d.bool();
    let shape = ResizeNearestShape {
        batch: extent(d, 2, 2) as u32,
        input_height: 1 + extent(d, 4, 8) as u32,
        input_width: 1 + extent(d, 4, 8) as u32,
        depth: extent(d, 3, 4) as u32,
        output_height: extent(d, 6, 12) as u32,
        output_width: extent(d, 6, 12) as u32,
        align_corners: u32::from(align_corners),
        half_pixel_centers: u32::from(!align_corners && d.bool()),
    };
    if d.bool() {
        int8(d, &shape)
    } else {
        float32(d, &shape)
    }
}

/// `(lower, upper, fraction)` of output index `i` for a source `scale`
/// (rounded to multiples of `1 / quantum` when `quantum` > 0, and so is its
/// half-pixel half: TFLM's integer path halves the 1/1024 scale with an
/// integer division).
fn sample(
    i: usize,
    (scale, quantum): (f64, f64),
    half_pixel: bool,
    size: usize,
) -> (usize, usize, f64) {
    let i = i as f64;
    let position = if half_pixel {
        let half_scale = if quantum > 0.0 {
            (0.5 * scale * quantum).floor() / quantum
        } else {
            0.5 * scale
        };
        i * scale + half_scale - 0.5
    } else {
        i * scale
    };
    let lower = position.floor().max(0.0).min(size as f64 - 1.0);
    let upper = position.ceil().min(size as f64 - 1.0).max(0.0);
    (lower as usize, upper as usize, position - lower)
}

/// Naive bilinear resize of `input`, scales rounded to `1 / quantum` if > 0.
fn naive(shape: &ResizeNearestShape, input: &[f64], quantum: f64) -> Vec<f64> {
    let scales = scales(shape, quantum);
    let s = shape;
    let (b, ih, iw, c, oh, ow) = (
        s.batch as usize,
        s.input_height as usize,
        s.input_width as usize,
        s.depth as usize,
        s.output_height as usize,
        s.output_width as usize,
    );
    let half = s.half_pixel_centers != 0;
    let mut out = Vec::with_capacity(b * oh * ow * c);
    for n in 0..b {
        for y in 0..oh {
            let (y0, y1, fy) = sample(y, (scales.0, quantum), half, ih);
            for x in 0..ow {
                let (x0, x1, fx) = sample(x, (scales.1, quantum), half, iw);
                for ch in 0..c {
                    let at = |r: usize, col: usize| input[((n * ih + r) * iw + col) * c + ch];
                    out.push(
                        at(y0, x0) * (1.0 - fy) * (1.0 - fx)
                            + at(y1, x0) * fy * (1.0 - fx)
                            + at(y0, x1) * (1.0 - fy) * fx
                            + at(y1, x1) * fy * fx,
                    );
                }
            }
        }
    }
    out
}

/// The source scale of one axis; `quantum` > 0 rounds it to multiples of
/// `1 / quantum` (half up), as TFLM's integer path.
fn scale(input: u32, output: u32, align_corners: bool, quantum: f64) -> f64 {
    let (num, den) = if align_corners && output > 1 {
        (f64::from(input - 1), f64::from(output - 1))
    } else {
        (f64::from(input), f64::from(output))
    };
    if quantum > 0.0 {
        (quantum * num / den + 0.5).floor() / quantum
    } else {
        num / den
    }
}

fn scales(shape: &ResizeNearestShape, quantum: f64) -> (f64, f64) {
    let align = shape.align_corners != 0;
    (
        scale(shape.input_height, shape.output_height, align, quantum),
        scale(shape.input_width, shape.output_width, align, quantum),
    )
}

fn output_len(shape: &ResizeNearestShape) -> usize {
    (shape.batch * shape.output_height * shape.output_width * shape.depth) as usize
}

fn int8(d: &mut Decisions<'_>, shape: &ResizeNearestShape) -> Result<(), Mismatch> {
    let s = shape;
    let input = i8s(
        d,
        (s.batch * s.input_height * s.input_width * s.depth) as usize,
    );
    let mut got = vec![0i8; output_len(shape)];
    if let Err(e) = resize_bilinear_i8(shape, &input, &mut got) {
        return mismatch("resize_bilinear_i8", format!("{shape:?}: {e}"));
    }
    let real: Vec<f64> = input.iter().map(|&v| f64::from(v)).collect();
    let want = naive(shape, &real, 1024.0);
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        if f64::from(g) != w.round() {
            return mismatch(
                "resize_bilinear_i8",
                format!("{shape:?} element {i}: expected {w} rounded, got {g}"),
            );
        }
    }
    Ok(())
}

fn float32(d: &mut Decisions<'_>, shape: &ResizeNearestShape) -> Result<(), Mismatch> {
    let s = shape;
    let input: Vec<f32> = (0..s.batch * s.input_height * s.input_width * s.depth)
        .map(|_| f32::from(d.u16() as i16) / 8192.0)
        .collect();
    let mut got = vec![0f32; output_len(shape)];
    if let Err(e) = resize_bilinear_f32(shape, &input, &mut got) {
        return mismatch("resize_bilinear_f32", format!("{shape:?}: {e}"));
    }
    let wide: Vec<f64> = input.iter().map(|&v| f64::from(v)).collect();
    let want = naive(shape, &wide, 0.0);
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        if (f64::from(g) - w).abs() > 3e-5 {
            return mismatch(
                "resize_bilinear_f32",
                format!("{shape:?} element {i}: expected {w}, got {g}"),
            );
        }
    }
    Ok(())
}
