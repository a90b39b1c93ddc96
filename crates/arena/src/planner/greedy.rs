//! Greedy first-fit planner producing TensorFlow Lite Micro's layout.

use super::config::PlannerConfig;
use super::error::PlanError;
use super::request::{fetch, ranges_intersect, Checked, RequestSource};
use super::sort::sort_by_key;
use super::MemoryPlanner;

/// End-of-list marker in the offset-ordered list.
const NONE: u32 = u32::MAX;

/// Greedy first-fit planner producing TensorFlow Lite Micro's layout.
///
/// Offline-planned buffers are placed first at their fixed offsets. The other
/// buffers are then taken largest first (ties: higher request index first,
/// which is the order TFLM's stable sort produces) and each is put at the
/// lowest offset where it fits between the already placed buffers whose
/// lifetimes overlap its own. Placed buffers are kept in a list ordered by
/// offset, so placing one buffer is a single walk of that list: O(n²) overall,
/// plus O(n log n) for the sort.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GreedyPlanner {
    config: PlannerConfig,
}

impl GreedyPlanner {
    /// A planner with `config`.
    #[must_use]
    pub const fn new(config: PlannerConfig) -> Self {
        Self { config }
    }

    /// The planner's settings.
    #[must_use]
    pub const fn config(&self) -> &PlannerConfig {
        &self.config
    }

    /// Scratch words needed to plan `count` requests (two per request),
    /// saturating at `usize::MAX`.
    #[must_use]
    pub const fn scratch_len(count: usize) -> usize {
        count.saturating_mul(2)
    }

    /// Largest number of requests the planner can index.
    pub const MAX_REQUESTS: usize = (u32::MAX - 1) as usize;

    /// Plans `requests`; see [`MemoryPlanner::plan`].
    ///
    /// # Errors
    /// [`PlanError::InvalidAlignment`], [`PlanError::TooManyBuffers`],
    /// [`PlanError::OffsetsTooSmall`], [`PlanError::ScratchTooSmall`], or a
    /// per-request error: [`PlanError::MissingRequest`],
    /// [`PlanError::InvalidLifetime`], [`PlanError::SizeOverflow`],
    /// [`PlanError::Misaligned`], [`PlanError::Overlap`] (live offline
    /// buffers overlapping, unless allowed by the config).
    pub fn plan<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        scratch: &mut [u32],
    ) -> Result<usize, PlanError> {
        let align = self.config.alignment();
        if !align.is_power_of_two() {
            return Err(PlanError::InvalidAlignment { align });
        }
        let count = requests.request_count();
        if count > Self::MAX_REQUESTS {
            return Err(PlanError::TooManyBuffers {
                count,
                max: Self::MAX_REQUESTS,
            });
        }
        let available = offsets.len();
        let offsets = offsets.get_mut(..count).ok_or(PlanError::OffsetsTooSmall {
            needed: count,
            available,
        })?;
        let needed = Self::scratch_len(count);
        let available = scratch.len();
        let (order, rest) = scratch
            .split_at_mut_checked(count)
            .ok_or(PlanError::ScratchTooSmall { needed, available })?;
        let next = rest
            .get_mut(..count)
            .ok_or(PlanError::ScratchTooSmall { needed, available })?;

        let offline_count = self.order_requests(requests, order)?;
        let (offline, online) = order.split_at_mut(offline_count);
        // Largest first; equal sizes: higher index first.
        sort_by_key(online, |id| {
            let size = fetch(requests, id as usize, align).map_or(0, |c| c.size);
            core::cmp::Reverse((size, id))
        });
        self.check_offline(requests, offline)?;

        let mut list = OffsetList { first: NONE, next };
        let mut total = 0usize;
        for &id in order.iter() {
            let index = id as usize;
            let wanted = fetch(requests, index, align)?;
            let offset = match wanted.request.offline_offset {
                Some(offset) => offset,
                None => list.lowest_fit(requests, offsets, &wanted, align)?,
            };
            let end = offset
                .checked_add(wanted.size)
                .ok_or(PlanError::SizeOverflow { index })?;
            total = total.max(end);
            set(offsets, index, offset);
            list.insert(id, offset, offsets);
        }
        Ok(total)
    }

    /// Validates every request and fills `order` with the offline requests
    /// (in index order) followed by the online ones (in reverse index order).
    /// Returns the number of offline requests. Each index is written exactly
    /// once, so `order` is a permutation even if the source is inconsistent.
    fn order_requests<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        order: &mut [u32],
    ) -> Result<usize, PlanError> {
        let align = self.config.alignment();
        let count = order.len();
        let (mut head, mut tail) = (0usize, count);
        for (index, id) in (0..count).zip(0u32..) {
            let checked = fetch(requests, index, align)?;
            if let Some(offset) = checked.request.offline_offset {
                if offset % align != 0 {
                    return Err(PlanError::Misaligned {
                        index,
                        offset,
                        align,
                    });
                }
                offset
                    .checked_add(checked.size)
                    .ok_or(PlanError::SizeOverflow { index })?;
                set32(order, head, id);
                head += 1;
            } else {
                tail -= 1;
                set32(order, tail, id);
            }
        }
        Ok(head)
    }

    /// Rejects offline buffers that overlap in memory while both are live,
    /// unless the config allows it.
    fn check_offline<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offline: &[u32],
    ) -> Result<(), PlanError> {
        if self.config.allows_offline_overlap() {
            return Ok(());
        }
        let align = self.config.alignment();
        for (pos, &a) in offline.iter().enumerate() {
            let ca = fetch(requests, a as usize, align)?;
            let a_offset = ca.request.offline_offset.unwrap_or(0);
            for &b in offline.iter().take(pos) {
                let cb = fetch(requests, b as usize, align)?;
                let b_offset = cb.request.offline_offset.unwrap_or(0);
                if ca.request.overlaps_in_time(&cb.request)
                    && ranges_intersect(a_offset, ca.size, b_offset, cb.size)
                {
                    return Err(PlanError::Overlap {
                        index: a as usize,
                        other: b as usize,
                    });
                }
            }
        }
        Ok(())
    }
}

impl MemoryPlanner for GreedyPlanner {
    fn scratch_len(&self, count: usize) -> usize {
        Self::scratch_len(count)
    }

    fn plan<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        scratch: &mut [u32],
    ) -> Result<usize, PlanError> {
        GreedyPlanner::plan(self, requests, offsets, scratch)
    }
}

/// Singly linked list of placed requests ordered by offset, stored in
/// caller scratch (`next[id]` is the request after `id`).
struct OffsetList<'s> {
    first: u32,
    next: &'s mut [u32],
}

impl OffsetList<'_> {
    fn after(&self, id: u32) -> u32 {
        self.next.get(id as usize).copied().unwrap_or(NONE)
    }

    /// Lowest offset at which `wanted` fits without intersecting any placed
    /// buffer whose lifetime overlaps its own.
    ///
    /// Walks the placed buffers in offset order, skipping those not live at
    /// the same time. `candidate` is the end of the furthest-reaching live
    /// buffer seen so far; the buffer fits at `candidate` as soon as the next
    /// live buffer starts at least `wanted.size` bytes after it.
    fn lowest_fit<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &[usize],
        wanted: &Checked,
        align: usize,
    ) -> Result<usize, PlanError> {
        let mut candidate = 0usize;
        let mut cursor = self.first;
        while cursor != NONE {
            let index = cursor as usize;
            let placed = fetch(requests, index, align)?;
            cursor = self.after(cursor);
            if !placed.request.overlaps_in_time(&wanted.request) {
                continue;
            }
            let start = offsets.get(index).copied().unwrap_or(0);
            if start
                .checked_sub(candidate)
                .is_some_and(|gap| gap >= wanted.size)
            {
                return Ok(candidate);
            }
            let end = start
                .checked_add(placed.size)
                .ok_or(PlanError::SizeOverflow { index })?;
            candidate = candidate.max(end);
        }
        Ok(candidate)
    }

    /// Inserts `id` placed at `offset` after every entry with an offset no
    /// larger than `offset`.
    fn insert(&mut self, id: u32, offset: usize, offsets: &[usize]) {
        let offset_of = |entry: u32| offsets.get(entry as usize).copied().unwrap_or(usize::MAX);
        if self.first == NONE || offset_of(self.first) > offset {
            set32(self.next, id as usize, self.first);
            self.first = id;
            return;
        }
        let mut current = self.first;
        loop {
            let following = self.after(current);
            if following == NONE || offset_of(following) > offset {
                set32(self.next, id as usize, following);
                set32(self.next, current as usize, id);
                return;
            }
            current = following;
        }
    }
}

fn set(slice: &mut [usize], index: usize, value: usize) {
    if let Some(slot) = slice.get_mut(index) {
        *slot = value;
    }
}

fn set32(slice: &mut [u32], index: usize, value: u32) {
    if let Some(slot) = slice.get_mut(index) {
        *slot = value;
    }
}
