//! SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND of NHWC tensors (NHC for rank
//! 3, as `[n, h, 1, c]`), pure data movement as TFLM's reference kernels.
//!
//! Both relate the *batch side* `[space_batch · bh · bw, h, w, c]` to the
//! *space side* `[space_batch, height, width, c]`: batch-side element
//! `(b, y, x)` is space-side `(b % space_batch, y · bh + s / bw - top,
//! x · bw + s % bw - left)` with `s = b / space_batch`, when that lies
//! inside the space side. SPACE_TO_BATCH_ND fills the batch side (zero bytes
//! where it maps outside, TFLM's padding in practice); BATCH_TO_SPACE_ND
//! fills the space side (the batch elements mapping outside are cropped).

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// The geometry of one SPACE_TO_BATCH_ND or BATCH_TO_SPACE_ND.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct BatchSpaceShape {
    /// Batch of the space side.
    pub space_batch: u32,
    /// Height of the space side.
    pub space_height: u32,
    /// Width of the space side.
    pub space_width: u32,
    /// Height of the batch side.
    pub batch_height: u32,
    /// Width of the batch side.
    pub batch_width: u32,
    /// Elements per pixel (channels).
    pub depth: u32,
    /// Block height.
    pub block_height: u32,
    /// Block width.
    pub block_width: u32,
    /// Padding (or crop) above the space side.
    pub top: u32,
    /// Padding (or crop) left of the space side.
    pub left: u32,
}

impl BatchSpaceShape {
    fn count(dims: &[u32]) -> Result<usize, KernelError> {
        dims.iter()
            .try_fold(1usize, |acc, &x| acc.checked_mul(x as usize))
            .ok_or(KernelError::TooLarge {
                what: "batch/space element count",
            })
    }

    /// Elements of the batch side.
    pub fn batch_side_len(&self) -> Result<usize, KernelError> {
        Self::count(&[
            self.space_batch,
            self.block_height,
            self.block_width,
            self.batch_height,
            self.batch_width,
            self.depth,
        ])
    }

    /// Elements of the space side.
    pub fn space_side_len(&self) -> Result<usize, KernelError> {
        Self::count(&[
            self.space_batch,
            self.space_height,
            self.space_width,
            self.depth,
        ])
    }

    /// Calls `f(batch_pixel, Some(space_pixel))` for every batch-side pixel
    /// (`None` where it maps outside the space side); pixel indices count
    /// `depth`-element runs.
    fn for_each(&self, mut f: impl FnMut(usize, Option<usize>)) {
        let sb = self.space_batch as usize;
        let (bh, bw) = (self.block_height as usize, self.block_width as usize);
        let (h, w) = (self.batch_height as usize, self.batch_width as usize);
        let (sh, sw) = (self.space_height as usize, self.space_width as usize);
        let (top, left) = (self.top as usize, self.left as usize);
        let mut pixel = 0;
        for b in 0..sb * bh * bw {
            let (space_b, shift) = (b % sb, b / sb);
            for y in 0..h {
                let sy = (y * bh + shift / bw).checked_sub(top).filter(|&v| v < sh);
                for x in 0..w {
                    let sx = (x * bw + shift % bw).checked_sub(left).filter(|&v| v < sw);
                    let space = match (sy, sx) {
                        (Some(sy), Some(sx)) => Some((space_b * sh + sy) * sw + sx),
                        _ => None,
                    };
                    f(pixel, space);
                    pixel += 1;
                }
            }
        }
    }
}

/// SPACE_TO_BATCH_ND: the space-side `input` into the batch-side `output`,
/// padding with `T::zeroed()`.
pub fn space_to_batch<T: Pod>(
    shape: &BatchSpaceShape,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    crate::check_len("input", shape.space_side_len()?, input.len())?;
    crate::check_len("output", shape.batch_side_len()?, output.len())?;
    let depth = shape.depth as usize;
    shape.for_each(|batch, space| {
        let Some(out) = output.get_mut(batch * depth..(batch + 1) * depth) else {
            return;
        };
        match space.and_then(|s| input.get(s * depth..(s + 1) * depth)) {
            Some(values) => out.copy_from_slice(values),
            None => out.fill(T::zeroed()),
        }
    });
    Ok(())
}

/// BATCH_TO_SPACE_ND: the batch-side `input` into the space-side `output`.
pub fn batch_to_space<T: Pod>(
    shape: &BatchSpaceShape,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    crate::check_len("input", shape.batch_side_len()?, input.len())?;
    crate::check_len("output", shape.space_side_len()?, output.len())?;
    let depth = shape.depth as usize;
    shape.for_each(|batch, space| {
        let Some(s) = space else {
            return;
        };
        if let (Some(values), Some(out)) = (
            input.get(batch * depth..(batch + 1) * depth),
            output.get_mut(s * depth..(s + 1) * depth),
        ) {
            out.copy_from_slice(values);
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_two_with_padding_round_trips() {
        // Space [1, 3, 2, 1] padded to [1, 4, 2, 1] (one row on top), block
        // 2x2: batch side [4, 2, 1, 1].
        let shape = BatchSpaceShape {
            space_batch: 1,
            space_height: 3,
            space_width: 2,
            batch_height: 2,
            batch_width: 1,
            depth: 1,
            block_height: 2,
            block_width: 2,
            top: 1,
            left: 0,
        };
        let space = [1, 2, 3, 4, 5, 6];
        let mut batch = [9; 8];
        space_to_batch(&shape, &space, &mut batch).unwrap();
        // Shift (0,0): rows 0, 2 of the padded image, column 0: pad, 3.
        assert_eq!(batch, [0, 3, 0, 4, 1, 5, 2, 6]);
        let mut back = [0; 6];
        batch_to_space(&shape, &batch, &mut back).unwrap();
        assert_eq!(back, space);
        assert!(batch_to_space(&shape, &batch[..7], &mut back).is_err());
    }
}
