//! REVERSE_V2 of a contiguous run of axes (pure data movement, any element
//! type): with the input seen as `[outer, span, inner]` (`span` the product
//! of the reversed axes' extents), element `(o, s, i)` of the output is
//! `(o, span - 1 - s, i)` of the input, which reverses every axis of the run.

use crate::split::AxisSlices;
use crate::KernelError;

/// Reverses the middle extent of `shape` from `input` into `output`.
pub fn reverse<T: Copy>(
    shape: &AxisSlices,
    input: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let (outer, span, inner) = (
        shape.outer as usize,
        shape.axis as usize,
        shape.inner as usize,
    );
    let n = outer
        .checked_mul(span)
        .and_then(|x| x.checked_mul(inner))
        .ok_or(KernelError::TooLarge {
            what: "reverse element count",
        })?;
    crate::check_len("input", n, input.len())?;
    crate::check_len("output", n, output.len())?;
    if inner == 0 || span == 0 {
        return Ok(());
    }
    for (source, target) in input
        .chunks_exact(span * inner)
        .zip(output.chunks_exact_mut(span * inner))
    {
        for (row, slot) in source
            .chunks_exact(inner)
            .rev()
            .zip(target.chunks_exact_mut(inner))
        {
            slot.copy_from_slice(row);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverses_the_middle_span() {
        // [2, 3, 2] reversing axis 1.
        let shape = AxisSlices::new(&[2, 3, 2], 1).unwrap();
        let input: [u8; 12] = core::array::from_fn(|k| k as u8);
        let mut out = [0u8; 12];
        reverse(&shape, &input, &mut out).unwrap();
        assert_eq!(out, [4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7]);
        assert!(reverse(&shape, &input[..11], &mut out).is_err());
    }
}
