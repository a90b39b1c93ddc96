//! Independent check of a finished plan.

use super::error::PlanError;
use super::request::{fetch, ranges_intersect, RequestSource};

/// Checks a plan in O(n²): every offset is a multiple of `align`, and no two
/// buffers whose lifetimes overlap intersect in memory (sizes rounded up to
/// `align`). Returns the end of the last buffer, which must equal the size
/// the planner reported.
///
/// Useful as a defence-in-depth check before handing out disjoint tensor
/// slices, and in tests.
///
/// # Errors
/// [`PlanError::InvalidAlignment`], [`PlanError::OffsetsTooSmall`],
/// [`PlanError::Misaligned`], [`PlanError::Overlap`] or a per-request error.
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
            if a.request.overlaps_in_time(&b.request)
                && ranges_intersect(offset, a.size, other_offset, b.size)
            {
                return Err(PlanError::Overlap { index, other });
            }
        }
    }
    Ok(total)
}
