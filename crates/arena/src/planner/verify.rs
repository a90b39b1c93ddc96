//! Independent check of a finished plan.

use super::error::PlanError;
use super::request::{check_in_place, collide, fetch, RequestSource};

/// Checks a plan in O(n²): every offset is a multiple of `align`, and no two
/// buffers whose lifetimes overlap intersect in memory (sizes rounded up to
/// `align`), except an in-place output over its input on the terms of its
/// [`InPlace`](super::InPlace) permission. Returns the end of the last buffer, which must equal the size
/// the planner reported.
///
/// Useful as a defence-in-depth check before handing out disjoint tensor
/// slices, and in tests.
///
/// # Errors
/// [`PlanError::InvalidAlignment`], [`PlanError::OffsetsTooSmall`],
/// [`PlanError::Misaligned`], [`PlanError::Overlap`],
/// [`PlanError::InvalidInPlace`] or a per-request error.
pub fn verify_plan<R: RequestSource + ?Sized>(
    requests: &R,
    offsets: &[usize],
    align: usize,
) -> Result<usize, PlanError> {
    if !align.is_power_of_two() {
        return Err(PlanError::InvalidAlignment { align });
    }
    let count = requests.request_count();
    let offsets = offsets.get(..count).ok_or(PlanError::OffsetsTooSmall {
        needed: count,
        available: offsets.len(),
    })?;
    let mut total = 0usize;
    for (index, &offset) in offsets.iter().enumerate() {
        let a = fetch(requests, index, align)?;
        check_in_place(requests, index, &a, align)?;
        if offset % align != 0 {
            return Err(PlanError::Misaligned {
                index,
                offset,
                align,
            });
        }
        let end = offset
            .checked_add(a.size)
            .ok_or(PlanError::SizeOverflow { index })?;
        total = total.max(end);
        for (other, &other_offset) in offsets.iter().enumerate().take(index) {
            let b = fetch(requests, other, align)?;
            if collide((index, &a, offset), (other, &b, other_offset)) {
                return Err(PlanError::Overlap { index, other });
            }
        }
    }
    Ok(total)
}
