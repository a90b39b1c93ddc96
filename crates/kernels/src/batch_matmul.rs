//! BATCH_MATMUL, as TFLM's reference: `output[b] = lhs[b] · rhs[b]` over
//! up to three batch dimensions broadcast against each other, each operand
//! optionally read transposed (`adj_x`, `adj_y`). Float32 sums in `f32`
//! over the depth in order; int8 in `i32` and int16 in `i64` with zero-point
//! offsets, then one output multiplier (no fused activation).

use bytemuck::{Pod, Zeroable};

use crate::fixed_point::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};
use crate::KernelError;

/// Batch dimensions a BATCH_MATMUL operand can have (ranks 2 to 5).
pub const MAX_BATCH_DIMS: usize = 3;

/// A batch matrix product, prepared once: `[batch.., rows, depth]` times
/// `[batch.., depth, cols]` (as read, after `adj_x` / `adj_y`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct BatchMatMulShape {
    /// The left operand's batch dimensions, extended on the left with 1s.
    pub lhs_batch: [u32; MAX_BATCH_DIMS],
    /// The right operand's batch dimensions, extended on the left with 1s.
    pub rhs_batch: [u32; MAX_BATCH_DIMS],
    /// Output rows (`M`).
    pub rows: u32,
    /// The summed dimension (`K`).
    pub depth: u32,
    /// Output columns (`N`).
    pub cols: u32,
    /// 1: the left operand is stored `[.., K, M]`.
    pub adj_x: u32,
    /// 1: the right operand is stored `[.., N, K]`.
    pub adj_y: u32,
}

/// Quantization of an int8 / int16 BATCH_MATMUL.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct BatchMatMulQuant {
    /// Minus the left operand's zero point.
    pub lhs_offset: i32,
    /// Minus the right operand's zero point.
    pub rhs_offset: i32,
    /// The output's zero point.
    pub output_offset: i32,
    /// Output multiplier of `lhs_scale · rhs_scale / output_scale`.
    pub multiplier: i32,
    /// Its shift.
    pub shift: i32,
}

impl BatchMatMulShape {
    /// The output's batch dimension `d`: the operands' broadcast.
    fn out_batch(&self, d: usize) -> usize {
        let (l, r) = (self.lhs_batch[d] as usize, self.rhs_batch[d] as usize);
        if l == 1 {
            r
        } else {
            l
        }
    }

    /// Element counts of the left operand, the right one and the output.
    pub fn lengths(&self) -> Result<[usize; 3], KernelError> {
        let overflow = KernelError::SizeOverflow {
            what: "batch_matmul element count",
        };
        let product = |dims: &[usize]| {
            dims.iter()
                .try_fold(1usize, |acc, &d| acc.checked_mul(d))
                .ok_or(overflow)
        };
        let (m, k, n) = (self.rows as usize, self.depth as usize, self.cols as usize);
        let batches = |b: [u32; MAX_BATCH_DIMS]| b.map(|d| d as usize);
        let out_batch: [usize; MAX_BATCH_DIMS] = core::array::from_fn(|d| self.out_batch(d));
        Ok([
            product(&[product(&batches(self.lhs_batch))?, m, k])?,
            product(&[product(&batches(self.rhs_batch))?, k, n])?,
            product(&[product(&out_batch)?, m, n])?,
        ])
    }

    /// Checks the batch dimensions broadcast (equal, or one of them 1).
    pub fn check(&self) -> Result<(), KernelError> {
        for d in 0..MAX_BATCH_DIMS {
            let (l, r) = (self.lhs_batch[d] as usize, self.rhs_batch[d] as usize);
            if l != r && l != 1 && r != 1 {
                return Err(KernelError::DimensionMismatch {
                    what: "batch_matmul batch dimensions (equal, or one of them 1)",
                    expected: l,
                    actual: r,
                });
            }
        }
        Ok(())
    }
}

/// Walks the output in order: `element(lhs_row, rhs_column)` gets, for one
/// output element, the left operand's `K` values (as an iterator over
/// positions in `lhs`) and the right operand's.
fn walk<T: Copy, O>(
    shape: &BatchMatMulShape,
    lhs: &[T],
    rhs: &[T],
    output: &mut [O],
    mut element: impl FnMut(&mut dyn Iterator<Item = (T, T)>) -> O,
) -> Result<(), KernelError> {
    shape.check()?;
    let [lhs_len, rhs_len, out_len] = shape.lengths()?;
    crate::check_len("lhs", lhs_len, lhs.len())?;
    crate::check_len("rhs", rhs_len, rhs.len())?;
    crate::check_len("output", out_len, output.len())?;
    let s = shape;
    let (m, k, n) = (s.rows as usize, s.depth as usize, s.cols as usize);
    // Element strides inside one matrix, as stored.
    let (lhs_row, lhs_step) = if s.adj_x != 0 { (1, m) } else { (k, 1) };
    let (rhs_col, rhs_step) = if s.adj_y != 0 { (k, 1) } else { (1, n) };
    // Matrix strides of each batch dimension (0 where broadcast).
    let strides = |batch: [u32; MAX_BATCH_DIMS], matrix: usize| {
        let mut strides = [0usize; MAX_BATCH_DIMS];
        let mut stride = matrix;
        for d in (0..MAX_BATCH_DIMS).rev() {
            strides[d] = if batch[d] == 1 { 0 } else { stride };
            stride = stride.saturating_mul(batch[d] as usize);
        }
        strides
    };
    let lhs_strides = strides(s.lhs_batch, m * k);
    let rhs_strides = strides(s.rhs_batch, k * n);
    let mut out = output.iter_mut();
    for b0 in 0..s.out_batch(0) {
        for b1 in 0..s.out_batch(1) {
            for b2 in 0..s.out_batch(2) {
                let base = |st: [usize; MAX_BATCH_DIMS]| b0 * st[0] + b1 * st[1] + b2 * st[2];
                let (lhs_base, rhs_base) = (base(lhs_strides), base(rhs_strides));
                for i in 0..m {
                    for j in 0..n {
                        let lhs_start = lhs_base + i * lhs_row;
                        let rhs_start = rhs_base + j * rhs_col;
                        // Lengths were checked: every position is present.
                        let mut pairs = (0..k).filter_map(|kk| {
                            let a = lhs.get(lhs_start + kk * lhs_step)?;
                            Some((*a, *rhs.get(rhs_start + kk * rhs_step)?))
                        });
                        if let Some(o) = out.next() {
                            *o = element(&mut pairs);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Float32 BATCH_MATMUL.
pub fn batch_matmul_f32(
    shape: &BatchMatMulShape,
    lhs: &[f32],
    rhs: &[f32],
    output: &mut [f32],
) -> Result<(), KernelError> {
    walk(shape, lhs, rhs, output, |pairs| {
        let mut total = 0f32;
        for (a, b) in pairs {
            total += a * b;
        }
        total
    })
}

/// Int8 BATCH_MATMUL: `i32` sums of offset products (wrapping, as TFLM's
/// overflow would), one multiplier, saturated to int8.
pub fn batch_matmul_i8(
    shape: &BatchMatMulShape,
    quant: &BatchMatMulQuant,
    lhs: &[i8],
    rhs: &[i8],
    output: &mut [i8],
) -> Result<(), KernelError> {
    walk(shape, lhs, rhs, output, |pairs| {
        let mut total = 0i32;
        for (a, b) in pairs {
            let product =
                (i32::from(a) + quant.lhs_offset).wrapping_mul(i32::from(b) + quant.rhs_offset);
            total = total.wrapping_add(product);
        }
        let scaled = multiply_by_quantized_multiplier(total, quant.multiplier, quant.shift)
            .saturating_add(quant.output_offset);
        scaled.clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
    })
}

/// Int16 BATCH_MATMUL (zero points 0): `i64` sums, one multiplier,
/// saturated to int16.
pub fn batch_matmul_i16(
    shape: &BatchMatMulShape,
    quant: &BatchMatMulQuant,
    lhs: &[i16],
    rhs: &[i16],
    output: &mut [i16],
) -> Result<(), KernelError> {
    walk(shape, lhs, rhs, output, |pairs| {
        let mut total = 0i64;
        for (a, b) in pairs {
            let product = (i64::from(a) + i64::from(quant.lhs_offset))
                * (i64::from(b) + i64::from(quant.rhs_offset));
            total = total.wrapping_add(product);
        }
        let scaled = multiply_by_quantized_multiplier_i64(total, quant.multiplier, quant.shift)
            .saturating_add(quant.output_offset);
        scaled.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(
        lhs_batch: [u32; 3],
        rhs_batch: [u32; 3],
        mkn: [u32; 3],
        adj: [u32; 2],
    ) -> BatchMatMulShape {
        BatchMatMulShape {
            lhs_batch,
            rhs_batch,
            rows: mkn[0],
            depth: mkn[1],
            cols: mkn[2],
            adj_x: adj[0],
            adj_y: adj[1],
        }
    }

    #[test]
    fn two_by_two_and_transposes() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [5.0, 6.0, 7.0, 8.0];
        let mut out = [0f32; 4];
        batch_matmul_f32(&shape([1; 3], [1; 3], [2, 2, 2], [0, 0]), &a, &b, &mut out).unwrap();
        assert_eq!(out, [19.0, 22.0, 43.0, 50.0]);
        // a stored transposed: [[1, 3], [2, 4]] read as [[1, 2], [3, 4]].
        let at = [1.0, 3.0, 2.0, 4.0];
        let bt = [5.0, 7.0, 6.0, 8.0];
        batch_matmul_f32(
            &shape([1; 3], [1; 3], [2, 2, 2], [1, 1]),
            &at,
            &bt,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [19.0, 22.0, 43.0, 50.0]);
    }

    #[test]
    fn broadcasts_batches() {
        // lhs [2, 1, 1], rhs [1, 1, 1]: the one rhs matrix serves both.
        let s = shape([1, 1, 2], [1, 1, 1], [1, 1, 1], [0, 0]);
        let mut out = [0f32; 2];
        batch_matmul_f32(&s, &[2.0, 3.0], &[10.0], &mut out).unwrap();
        assert_eq!(out, [20.0, 30.0]);
        let bad = shape([1, 1, 2], [1, 1, 3], [1, 1, 1], [0, 0]);
        assert!(batch_matmul_f32(&bad, &[2.0, 3.0], &[1.0; 3], &mut [0.0; 6]).is_err());
    }
}
