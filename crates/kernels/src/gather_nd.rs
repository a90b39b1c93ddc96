//! GATHER_ND: slices of `params` addressed by index tuples (TFLM's
//! `GatherNd`). As TFLM, only the flat position is bounds-checked: a tuple
//! whose flat offset stays inside `params` is accepted even if one of its
//! indices exceeds its dimension.

use crate::KernelError;

/// Most indices per tuple (TFLM's `MAX_INDICES_ND`).
pub const MAX_INDICES_ND: usize = 5;

/// Copies, for each tuple of `nd` indices in `indices`, the slice of
/// `slice_size` elements at `sum index[j] * stride[j]` of `params` into
/// `output`. `strides[j]` is the element count of one step along dimension
/// `j` of `params`. A flat position outside `params` is
/// [`KernelError::InvalidValue`] (naming the tuple).
pub fn gather_nd<T: Copy>(
    params: &[T],
    indices: &[i32],
    nd: usize,
    strides: &[usize; MAX_INDICES_ND],
    slice_size: usize,
    output: &mut [T],
) -> Result<(), KernelError> {
    // With no indices per tuple, every tuple is the whole of params.
    let tuples = indices
        .len()
        .checked_div(nd)
        .unwrap_or_else(|| output.len().checked_div(slice_size).unwrap_or(0));
    crate::check_len(
        "output",
        tuples
            .checked_mul(slice_size)
            .ok_or(KernelError::SizeOverflow {
                what: "gather_nd output",
            })?,
        output.len(),
    )?;
    for (i, out) in output
        .chunks_exact_mut(slice_size.max(1))
        .enumerate()
        .take(tuples)
    {
        let tuple = indices.get(i * nd..(i + 1) * nd).unwrap_or_default();
        let from: i64 = tuple
            .iter()
            .zip(strides)
            .map(|(&index, &stride)| i64::from(index) * stride as i64)
            .sum();
        let slice = usize::try_from(from)
            .ok()
            .and_then(|start| params.get(start..start.checked_add(slice_size)?))
            .ok_or(KernelError::InvalidValue {
                what: "GATHER_ND index tuple outside params",
                position: i,
            })?;
        out.copy_from_slice(slice);
    }
    Ok(())
}
