//! NumPy-style broadcasting of two input shapes onto an output shape.
//!
//! Shapes are right-aligned and extended with leading 1s to
//! [`MAX_BROADCAST_RANK`] dimensions. An input dimension of 1 facing a larger
//! output dimension is broadcast (stride 0). [`BroadcastShape`] is computed
//! once at prepare time and is plain data.

use bytemuck::{Pod, Zeroable};

use crate::KernelError;

/// Largest rank a broadcast shape can have.
pub const MAX_BROADCAST_RANK: usize = 6;

/// How each output element maps to an element of each input.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct BroadcastShape {
    /// Output dimensions, extended with leading 1s.
    pub output_dims: [u32; MAX_BROADCAST_RANK],
    /// Element stride of input 1 along each output dimension (0 = broadcast).
    pub input1_strides: [u32; MAX_BROADCAST_RANK],
    /// Element stride of input 2 along each output dimension (0 = broadcast).
    pub input2_strides: [u32; MAX_BROADCAST_RANK],
    /// Elements in input 1.
    pub input1_len: u32,
    /// Elements in input 2.
    pub input2_len: u32,
    /// Elements in the output.
    pub output_len: u32,
    /// 1 when both inputs have exactly the output's shape (no broadcasting).
    pub elementwise: u32,
}

/// `dims` right-aligned into a rank-6 shape padded with leading 1s.
fn extend(dims: &[usize]) -> Result<[usize; MAX_BROADCAST_RANK], KernelError> {
    let rank = dims.len();
    if rank > MAX_BROADCAST_RANK {
        return Err(KernelError::RankTooLarge {
            op: "broadcast",
            rank,
            max: MAX_BROADCAST_RANK,
        });
    }
    let mut out = [1usize; MAX_BROADCAST_RANK];
    for (slot, &d) in out[MAX_BROADCAST_RANK - rank..].iter_mut().zip(dims) {
        *slot = d;
    }
    Ok(out)
}

/// An element count or stride of a broadcast does not fit in `u32`.
const TOO_LARGE: KernelError = KernelError::TooLarge {
    what: "broadcast element count",
};

fn to_u32(value: usize) -> Result<u32, KernelError> {
    u32::try_from(value).map_err(|_| TOO_LARGE)
}

impl BroadcastShape {
    /// Maps `input1` and `input2` onto `output` (all given outermost first).
    pub fn new(input1: &[usize], input2: &[usize], output: &[usize]) -> Result<Self, KernelError> {
        let d1 = extend(input1)?;
        let d2 = extend(input2)?;
        let dout = extend(output)?;
        let mut shape = Self::zeroed();
        let (mut stride1, mut stride2) = (1usize, 1usize);
        let mut output_len = 1usize;
        for dim in (0..MAX_BROADCAST_RANK).rev() {
            let (a, b, o) = (d1[dim], d2[dim], dout[dim]);
            let fits = |x: usize| x == o || x == 1;
            if !fits(a) || !fits(b) || (a != o && b != o) {
                return Err(KernelError::BroadcastIncompatible {
                    dim,
                    input1: a,
                    input2: b,
                    output: o,
                });
            }
            shape.output_dims[dim] = to_u32(o)?;
            shape.input1_strides[dim] = if a == 1 && o != 1 {
                0
            } else {
                to_u32(stride1)?
            };
            shape.input2_strides[dim] = if b == 1 && o != 1 {
                0
            } else {
                to_u32(stride2)?
            };
            stride1 = stride1.checked_mul(a).ok_or(TOO_LARGE)?;
            stride2 = stride2.checked_mul(b).ok_or(TOO_LARGE)?;
            output_len = output_len.checked_mul(o).ok_or(TOO_LARGE)?;
        }
        shape.input1_len = to_u32(stride1)?;
        shape.input2_len = to_u32(stride2)?;
        shape.output_len = to_u32(output_len)?;
        shape.elementwise = u32::from(d1 == dout && d2 == dout);
        Ok(shape)
    }

    /// Whether both inputs have the output's shape (the fast path).
    pub fn is_elementwise(&self) -> bool {
        self.elementwise != 0
    }

    /// Checks that the three buffer lengths match the shapes.
    pub fn check_lengths(
        &self,
        input1: usize,
        input2: usize,
        output: usize,
    ) -> Result<(), KernelError> {
        for (buffer, expected, found) in [
            ("input1", self.input1_len, input1),
            ("input2", self.input2_len, input2),
            ("output", self.output_len, output),
        ] {
            if expected as usize != found {
                return Err(KernelError::LengthMismatch {
                    buffer,
                    expected: expected as usize,
                    actual: found,
                });
            }
        }
        Ok(())
    }

    /// Calls `f(output_index, input1_index, input2_index)` for every output
    /// element in row-major order.
    pub fn for_each(&self, mut f: impl FnMut(usize, usize, usize)) {
        if self.is_elementwise() {
            for i in 0..self.output_len as usize {
                f(i, i, i);
            }
            return;
        }
        if self.output_len == 0 {
            return;
        }
        let dims = self.output_dims.map(|d| d as usize);
        let s1 = self.input1_strides.map(|s| s as usize);
        let s2 = self.input2_strides.map(|s| s as usize);
        let mut index = [0usize; MAX_BROADCAST_RANK];
        let (mut i1, mut i2) = (0usize, 0usize);
        for out in 0..self.output_len as usize {
            f(out, i1, i2);
            // Advance the odometer from the innermost dimension.
            // Wrapping keeps hand-made inconsistent shapes panic-free; the
            // callers only dereference indices through `get`.
            for dim in (0..MAX_BROADCAST_RANK).rev() {
                index[dim] += 1;
                i1 = i1.wrapping_add(s1[dim]);
                i2 = i2.wrapping_add(s2[dim]);
                if index[dim] < dims[dim] {
                    break;
                }
                i1 = i1.wrapping_sub(s1[dim].wrapping_mul(dims[dim]));
                i2 = i2.wrapping_sub(s2[dim].wrapping_mul(dims[dim]));
                index[dim] = 0;
            }
        }
    }
}

/// BROADCAST_TO: every output element (shape `shape`'s output) from its
/// broadcast input element (`input1` of `shape`; `input2` is the output).
pub fn broadcast_to<T: Copy>(
    shape: &BroadcastShape,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let output_len = output.len();
    shape.check_lengths(input.len(), output_len, output_len)?;
    shape.for_each(|o, i, _| {
        if let (Some(&x), Some(slot)) = (input.get(i), output.get_mut(o)) {
            *slot = x;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn scalar_broadcast_maps_every_output_to_index_zero() {
        let shape = BroadcastShape::new(&[2, 3], &[], &[2, 3]).unwrap();
        let mut seen = Vec::new();
        shape.for_each(|o, a, b| seen.push((o, a, b)));
        assert_eq!(seen, (0..6).map(|i| (i, i, 0)).collect::<Vec<_>>());
    }

    #[test]
    fn broadcast_to_copies_each_output_from_its_input() {
        let shape = BroadcastShape::new(&[1, 3], &[2, 3], &[2, 3]).unwrap();
        let mut out = [0u8; 6];
        broadcast_to(&shape, &[1, 2, 3], &mut out).unwrap();
        assert_eq!(out, [1, 2, 3, 1, 2, 3]);
        assert!(broadcast_to(&shape, &[1, 2], &mut out).is_err());
    }

    #[test]
    fn two_sided_broadcast() {
        // [2,1] x [1,3] -> [2,3]
        let shape = BroadcastShape::new(&[2, 1], &[1, 3], &[2, 3]).unwrap();
        let mut seen = Vec::new();
        shape.for_each(|o, a, b| seen.push((o, a, b)));
        assert_eq!(
            seen,
            [
                (0, 0, 0),
                (1, 0, 1),
                (2, 0, 2),
                (3, 1, 0),
                (4, 1, 1),
                (5, 1, 2)
            ]
        );
    }

    #[test]
    fn rejects_incompatible_shapes() {
        assert!(matches!(
            BroadcastShape::new(&[2, 3], &[4], &[2, 3]),
            Err(KernelError::BroadcastIncompatible { .. })
        ));
        assert!(matches!(
            BroadcastShape::new(&[2, 1], &[2, 1], &[2, 3]),
            Err(KernelError::BroadcastIncompatible { .. })
        ));
        assert!(matches!(
            BroadcastShape::new(&[1; 7], &[1], &[1; 7]),
            Err(KernelError::RankTooLarge { rank: 7, .. })
        ));
    }
}
