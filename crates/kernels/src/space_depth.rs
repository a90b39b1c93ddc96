//! DEPTH_TO_SPACE and SPACE_TO_DEPTH of NHWC tensors (pure data movement,
//! any element type), as TFLM's reference kernels: with block size `b`,
//! output `[n, h, w, c]` of DEPTH_TO_SPACE is input
//! `[n, h / b, w / b, ((h % b) * b + w % b) * C + c]` (`C` the output
//! depth); SPACE_TO_DEPTH is its inverse.

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// The deep (few pixels, many channels) side of the op, and the block.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct SpaceDepthShape {
    /// Batch.
    pub batch: u32,
    /// Height of the deep tensor.
    pub height: u32,
    /// Width of the deep tensor.
    pub width: u32,
    /// Depth of the wide tensor (the deep one has `block² ×` as many).
    pub depth: u32,
    /// Block size.
    pub block: u32,
}

impl SpaceDepthShape {
    fn counts(&self) -> Result<usize, KernelError> {
        [
            self.batch,
            self.height,
            self.width,
            self.depth,
            self.block,
            self.block,
        ]
        .iter()
        .try_fold(1usize, |acc, &x| acc.checked_mul(x as usize))
        .ok_or(KernelError::TooLarge {
            what: "space/depth element count",
        })
    }

    /// Calls `f(deep_index, wide_index)` for every element.
    fn for_each(&self, mut f: impl FnMut(usize, usize)) {
        let (n, h, w, c, b) = (
            self.batch as usize,
            self.height as usize,
            self.width as usize,
            self.depth as usize,
            self.block as usize,
        );
        let (wide_h, wide_w) = (h * b, w * b);
        for batch in 0..n {
            for y in 0..wide_h {
                for x in 0..wide_w {
                    for ch in 0..c {
                        let wide = ((batch * wide_h + y) * wide_w + x) * c + ch;
                        let deep_ch = ((y % b) * b + x % b) * c + ch;
                        let deep = ((batch * h + y / b) * w + x / b) * (c * b * b) + deep_ch;
                        f(deep, wide);
                    }
                }
            }
        }
    }
}

/// DEPTH_TO_SPACE: the deep `input` into the wide `output`.
pub fn depth_to_space<T: Copy>(
    shape: &SpaceDepthShape,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let n = shape.counts()?;
    crate::check_len("input", n, input.len())?;
    crate::check_len("output", n, output.len())?;
    shape.for_each(|deep, wide| {
        if let (Some(&x), Some(slot)) = (input.get(deep), output.get_mut(wide)) {
            *slot = x;
        }
    });
    Ok(())
}

/// SPACE_TO_DEPTH: the wide `input` into the deep `output`.
pub fn space_to_depth<T: Copy>(
    shape: &SpaceDepthShape,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let n = shape.counts()?;
    crate::check_len("input", n, input.len())?;
    crate::check_len("output", n, output.len())?;
    shape.for_each(|deep, wide| {
        if let (Some(&x), Some(slot)) = (input.get(wide), output.get_mut(deep)) {
            *slot = x;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_two_round_trip() {
        // Deep [1, 1, 1, 4] ↔ wide [1, 2, 2, 1].
        let shape = SpaceDepthShape {
            batch: 1,
            height: 1,
            width: 1,
            depth: 1,
            block: 2,
        };
        let mut wide = [0u8; 4];
        depth_to_space(&shape, &[1, 2, 3, 4], &mut wide).unwrap();
        assert_eq!(wide, [1, 2, 3, 4]);
        let shape = SpaceDepthShape { depth: 2, ..shape };
        let deep: [u8; 8] = core::array::from_fn(|k| k as u8);
        let mut wide = [0u8; 8];
        depth_to_space(&shape, &deep, &mut wide).unwrap();
        assert_eq!(wide, [0, 1, 2, 3, 4, 5, 6, 7]);
        let mut back = [0u8; 8];
        space_to_depth(&shape, &wide, &mut back).unwrap();
        assert_eq!(back, deep);
        assert!(space_to_depth(&shape, &wide[..7], &mut back).is_err());
    }
}
