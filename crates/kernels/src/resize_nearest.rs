//! RESIZE_NEAREST_NEIGHBOR of NHWC tensors (any element type), as TFLM's
//! reference: each output row and column takes the input one
//! `GetNearestNeighbor` names, computed in `f32` exactly as TFLM does
//! (scale, half-pixel offset, `floor` or, with `align_corners`, `round`
//! half away from zero; clamped to the input).

use bytemuck::{Pod, Zeroable};
use num_traits::Float;

use crate::KernelError;

/// A nearest-neighbour resize, prepared once.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ResizeNearestShape {
    /// Batch.
    pub batch: u32,
    /// Input height.
    pub input_height: u32,
    /// Input width.
    pub input_width: u32,
    /// Channels.
    pub depth: u32,
    /// Output height.
    pub output_height: u32,
    /// Output width.
    pub output_width: u32,
    /// 1: `align_corners`.
    pub align_corners: u32,
    /// 1: `half_pixel_centers`.
    pub half_pixel_centers: u32,
}

/// TFLM's `GetNearestNeighbor`: the input index of output index `value`.
pub fn nearest(
    value: u32,
    input_size: u32,
    output_size: u32,
    align_corners: bool,
    half_pixel_centers: bool,
) -> u32 {
    let (input, output) = (input_size as i32, output_size as i32);
    let scale = if align_corners && output > 1 {
        (input - 1) as f32 / (output - 1) as f32
    } else {
        input as f32 / output as f32
    };
    let offset = if half_pixel_centers { 0.5f32 } else { 0.0 };
    let position = (value as i32 as f32 + offset) * scale;
    let index = if align_corners {
        Float::round(position) as i32
    } else {
        Float::floor(position) as i32
    };
    let mut index = index.min(input - 1);
    if half_pixel_centers {
        index = index.max(0);
    }
    index.max(0) as u32
}

/// Resizes `input` into `output`.
pub fn resize_nearest<T: Copy>(
    shape: &ResizeNearestShape,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let count = |dims: [u32; 4]| {
        dims.iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
            .ok_or(KernelError::TooLarge {
                what: "resize element count",
            })
    };
    let s = shape;
    crate::check_len(
        "input",
        count([s.batch, s.input_height, s.input_width, s.depth])?,
        input.len(),
    )?;
    crate::check_len(
        "output",
        count([s.batch, s.output_height, s.output_width, s.depth])?,
        output.len(),
    )?;
    if s.input_height == 0 || s.input_width == 0 {
        return Ok(());
    }
    let (align, half) = (s.align_corners != 0, s.half_pixel_centers != 0);
    let depth = s.depth as usize;
    let mut out = output.chunks_exact_mut(depth.max(1));
    for b in 0..s.batch as usize {
        for y in 0..s.output_height {
            let in_y = nearest(y, s.input_height, s.output_height, align, half) as usize;
            for x in 0..s.output_width {
                let in_x = nearest(x, s.input_width, s.output_width, align, half) as usize;
                let from =
                    ((b * s.input_height as usize + in_y) * s.input_width as usize + in_x) * depth;
                if let (Some(source), Some(target)) = (input.get(from..from + depth), out.next()) {
                    target.copy_from_slice(source);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_of_each_mode() {
        // 2 → 4: plain doubles, align_corners rounds (3/3 = 1 per step... ),
        // half_pixel centres.
        let plain: [u32; 4] = core::array::from_fn(|k| nearest(k as u32, 2, 4, false, false));
        assert_eq!(plain, [0, 0, 1, 1]);
        let aligned: [u32; 4] = core::array::from_fn(|k| nearest(k as u32, 2, 4, true, false));
        assert_eq!(aligned, [0, 0, 1, 1]);
        let half: [u32; 3] = core::array::from_fn(|k| nearest(k as u32, 4, 3, false, true));
        assert_eq!(half, [0, 2, 3]);
        let shape = ResizeNearestShape {
            batch: 1,
            input_height: 1,
            input_width: 2,
            depth: 1,
            output_height: 1,
            output_width: 4,
            align_corners: 0,
            half_pixel_centers: 0,
        };
        let mut out = [0i8; 4];
        resize_nearest(&shape, &[5, 7], &mut out).unwrap();
        assert_eq!(out, [5, 5, 7, 7]);
    }
}
