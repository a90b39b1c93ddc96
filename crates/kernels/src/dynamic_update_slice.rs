//! DYNAMIC_UPDATE_SLICE: the operand with a block overwritten by the
//! update, at start indices clamped so the block fits (TFLM's
//! `DynamicUpdateSlice`).

use crate::{check_len, KernelError};

/// Most dimensions (TFLM's `RuntimeShape::kMaxSmallSize`).
pub const MAX_DIMS: usize = 6;

/// Writes `operand` into `output`, then `update` (shape `update_dims`,
/// each extent at most the operand's) at `start` clamped to
/// `[0, operand_dim - update_dim]` per dimension. The three shapes have the
/// same rank, at most [`MAX_DIMS`].
pub fn dynamic_update_slice<T: Copy>(
    operand_dims: &[usize],
    update_dims: &[usize],
    start: &[i64],
    operand: &[T],
    update: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let rank = operand_dims.len();
    if rank > MAX_DIMS || update_dims.len() != rank || start.len() < rank {
        return Err(KernelError::InvalidParameter {
            what: "dynamic update slice rank",
            value: rank,
        });
    }
    let count = |dims: &[usize]| dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    let too_big = KernelError::SizeOverflow {
        what: "dynamic update slice",
    };
    check_len(
        "operand",
        count(operand_dims).ok_or(too_big)?,
        operand.len(),
    )?;
    check_len("update", count(update_dims).ok_or(too_big)?, update.len())?;
    check_len("output", operand.len(), output.len())?;
    output.copy_from_slice(operand);
    let mut first = [0usize; MAX_DIMS];
    let mut strides = [0usize; MAX_DIMS];
    let mut stride = 1usize;
    for k in (0..rank).rev() {
        let room =
            operand_dims[k]
                .checked_sub(update_dims[k])
                .ok_or(KernelError::DimensionMismatch {
                    what: "update extent <= operand extent",
                    expected: operand_dims[k],
                    actual: update_dims[k],
                })?;
        first[k] = start[k].clamp(0, room as i64) as usize;
        strides[k] = stride;
        stride *= operand_dims[k];
    }
    // Each update element goes to its multi-index plus the clamped start.
    let mut index = [0usize; MAX_DIMS];
    for &value in update {
        let at: usize = (0..rank).map(|k| (first[k] + index[k]) * strides[k]).sum();
        if let Some(out) = output.get_mut(at) {
            *out = value;
        }
        for k in (0..rank).rev() {
            index[k] += 1;
            if index[k] < update_dims[k] {
                break;
            }
            index[k] = 0;
        }
    }
    Ok(())
}
