//! Greedy first-fit planner producing TensorFlow Lite Micro's layout, and
//! the first-fit placement it shares with [`super::MultiOrderPlanner`].

use super::config::PlannerConfig;
use super::error::PlanError;
use super::request::{check_in_place, collide, fetch, ranges_intersect, Checked, RequestSource};
use super::sort::sort_by_key;
use super::MemoryPlanner;
use crate::align::align_up;

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
///
/// Requests with an [`InPlace`](super::InPlace) permission may overlap their
/// input on its terms (a few more walks per such pair); without any, the
/// layout is exactly TFLM's.
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
    /// [`PlanError::Misaligned`], [`PlanError::InvalidInPlace`],
    /// [`PlanError::Overlap`] (live offline buffers overlapping, unless
    /// allowed by the config).
    pub fn plan<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        scratch: &mut [u32],
    ) -> Result<usize, PlanError> {
        let mut work = Placement::new(&self.config, requests, offsets, scratch)?;
        work.place(Order::SizeDescending, Overlap::Allowed)
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

/// The order in which first-fit placement takes the online requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// Largest first, ties higher index first (TFLM's order).
    SizeDescending,
    /// Earliest first use first, ties largest first.
    FirstUse,
    /// Latest last use first, ties largest first.
    LastUseDescending,
    /// Longest lifetime first, ties largest first.
    LongestLife,
    /// Largest size × lifetime first.
    LargestArea,
}

/// How first-fit placement treats [`InPlace`](super::InPlace) permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overlap {
    /// Ignored: every pair live at the same time is kept apart.
    Off,
    /// Honoured: a buffer may overlap its partner where the lowest fit
    /// happens to be.
    Allowed,
    /// Sought: a buffer whose partner is already placed first tries the
    /// offset overlapping it as much as the lead allows, then the lowest
    /// fit.
    Preferred,
}

/// Validated inputs of one planning call and the scratch every placement
/// reuses: `order` (a permutation of request ids) and `next` (the
/// offset-ordered list links).
pub(crate) struct Placement<'a, R: ?Sized> {
    requests: &'a R,
    align: usize,
    allow_offline_overlap: bool,
    offsets: &'a mut [usize],
    order: &'a mut [u32],
    next: &'a mut [u32],
    offline_count: usize,
}

impl<'a, R: RequestSource + ?Sized> Placement<'a, R> {
    /// Checks the config, the slices and every request.
    pub(crate) fn new(
        config: &PlannerConfig,
        requests: &'a R,
        offsets: &'a mut [usize],
        scratch: &'a mut [u32],
    ) -> Result<Self, PlanError> {
        let align = config.alignment();
        if !align.is_power_of_two() {
            return Err(PlanError::InvalidAlignment { align });
        }
        let count = requests.request_count();
        if count > GreedyPlanner::MAX_REQUESTS {
            return Err(PlanError::TooManyBuffers {
                count,
                max: GreedyPlanner::MAX_REQUESTS,
            });
        }
        let available = offsets.len();
        let offsets = offsets.get_mut(..count).ok_or(PlanError::OffsetsTooSmall {
            needed: count,
            available,
        })?;
        let needed = GreedyPlanner::scratch_len(count);
        let available = scratch.len();
        let (order, rest) = scratch
            .split_at_mut_checked(count)
            .ok_or(PlanError::ScratchTooSmall { needed, available })?;
        let next = rest
            .get_mut(..count)
            .ok_or(PlanError::ScratchTooSmall { needed, available })?;
        let mut placement = Self {
            requests,
            align,
            allow_offline_overlap: config.allows_offline_overlap(),
            offsets,
            order,
            next,
            offline_count: 0,
        };
        placement.offline_count = placement.check_requests()?;
        placement.check_offline()?;
        Ok(placement)
    }

    /// Validates every request and fills `order` with the offline requests
    /// (in index order) followed by the online ones (in reverse index order).
    /// Returns the number of offline requests. Each index is written exactly
    /// once, so `order` is a permutation even if the source is inconsistent.
    fn check_requests(&mut self) -> Result<usize, PlanError> {
        let count = self.order.len();
        let (mut head, mut tail) = (0usize, count);
        for (index, id) in (0..count).zip(0u32..) {
            let checked = fetch(self.requests, index, self.align)?;
            check_in_place(self.requests, index, &checked, self.align)?;
            if let Some(offset) = checked.request.offline_offset {
                if offset % self.align != 0 {
                    return Err(PlanError::Misaligned {
                        index,
                        offset,
                        align: self.align,
                    });
                }
                offset
                    .checked_add(checked.size)
                    .ok_or(PlanError::SizeOverflow { index })?;
                set32(self.order, head, id);
                head += 1;
            } else {
                tail -= 1;
                set32(self.order, tail, id);
            }
        }
        Ok(head)
    }

    /// Rejects offline buffers that overlap in memory while both are live,
    /// unless the config allows it.
    fn check_offline(&self) -> Result<(), PlanError> {
        if self.allow_offline_overlap {
            return Ok(());
        }
        let offline = self.order.get(..self.offline_count).unwrap_or_default();
        for (pos, &a) in offline.iter().enumerate() {
            let ca = fetch(self.requests, a as usize, self.align)?;
            let a_offset = ca.request.offline_offset.unwrap_or(0);
            for &b in offline.iter().take(pos) {
                let cb = fetch(self.requests, b as usize, self.align)?;
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

    /// Places every request, the online ones in `order`, writing offsets;
    /// returns the end of the last buffer. `overlap` says how in-place
    /// permissions are used.
    pub(crate) fn place(&mut self, order: Order, overlap: Overlap) -> Result<usize, PlanError> {
        let (requests, align) = (self.requests, self.align);
        let size = |id: u32| fetch(requests, id as usize, align).map_or(0, |c| c.size);
        let lifetime = |id: u32| {
            requests
                .request(id as usize)
                .map_or((0, 0), |r| (r.first_use, r.last_use))
        };
        let online = self.order.get_mut(self.offline_count..).unwrap_or_default();
        match order {
            Order::SizeDescending => {
                sort_by_key(online, |id| core::cmp::Reverse((size(id), id)));
            }
            Order::FirstUse => {
                sort_by_key(online, |id| {
                    (lifetime(id).0, core::cmp::Reverse(size(id)), id)
                });
            }
            Order::LastUseDescending => sort_by_key(online, |id| {
                core::cmp::Reverse((lifetime(id).1, size(id), core::cmp::Reverse(id)))
            }),
            Order::LongestLife => sort_by_key(online, |id| {
                let (first, last) = lifetime(id);
                core::cmp::Reverse((last - first.min(last), size(id), core::cmp::Reverse(id)))
            }),
            Order::LargestArea => sort_by_key(online, |id| {
                let (first, last) = lifetime(id);
                let span = (last - first.min(last)).saturating_add(1);
                core::cmp::Reverse((size(id).saturating_mul(span), core::cmp::Reverse(id)))
            }),
        }
        let mut list = OffsetList {
            first: NONE,
            next: &mut *self.next,
        };
        let mut total = 0usize;
        for &id in self.order.iter() {
            let index = id as usize;
            let wanted = fetch(requests, index, align)?;
            let offset = match wanted.request.offline_offset {
                Some(offset) => offset,
                None => {
                    let fit = Fit {
                        requests,
                        offsets: self.offsets,
                        index,
                        wanted: &wanted,
                        align,
                        in_place: overlap != Overlap::Off,
                    };
                    let snug = if overlap == Overlap::Preferred {
                        list.snug_fit(&fit)?
                    } else {
                        None
                    };
                    match snug {
                        Some(offset) => offset,
                        None => list.lowest_fit(&fit)?,
                    }
                }
            };
            let end = offset
                .checked_add(wanted.size)
                .ok_or(PlanError::SizeOverflow { index })?;
            total = total.max(end);
            set(self.offsets, index, offset);
            list.insert(id, offset, self.offsets);
        }
        Ok(total)
    }
}

/// One buffer looking for the lowest offset it fits at.
struct Fit<'f, R: ?Sized> {
    requests: &'f R,
    offsets: &'f [usize],
    index: usize,
    wanted: &'f Checked,
    align: usize,
    in_place: bool,
}

impl<R: RequestSource + ?Sized> Fit<'_, R> {
    /// Whether placed request `other` is an in-place partner of the wanted
    /// one (either may overlap the other on its permission's terms).
    fn is_partner(&self, other: usize, placed: &Checked) -> bool {
        self.in_place
            && (self
                .wanted
                .request
                .in_place
                .is_some_and(|p| p.input == other)
                || placed
                    .request
                    .in_place
                    .is_some_and(|p| p.input == self.index))
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

    /// Lowest offset at which the wanted buffer fits without colliding with
    /// any placed buffer live at the same time.
    ///
    /// First the lowest offset from `start` that keeps clear of every
    /// non-partner ([`Self::first_fit_from`]); if that collides with an
    /// in-place partner, `start` moves past the partner's forbidden interval
    /// and the walk repeats. Each partner can move `start` at most once, so
    /// there are at most (partners + 1) walks.
    fn lowest_fit<R: RequestSource + ?Sized>(&self, fit: &Fit<'_, R>) -> Result<usize, PlanError> {
        let mut start = 0usize;
        for _ in 0..=fit.requests.request_count() {
            let candidate = self.first_fit_from(start, fit)?;
            match self.partner_collision(candidate, fit)? {
                None => return Ok(candidate),
                Some(escape) => {
                    start = align_up(escape, fit.align)
                        .ok_or(PlanError::SizeOverflow { index: fit.index })?;
                }
            }
        }
        // Not reached (each partner moves `start` at most once); after every
        // placed buffer there is always room.
        self.end_of_all(fit)
    }

    /// The offset overlapping an already placed in-place partner as much as
    /// the lead allows (output at `input - lead`, input at `output + lead`,
    /// a negative lead counting as 0, aligned), if the wanted buffer fits
    /// there.
    fn snug_fit<R: RequestSource + ?Sized>(
        &self,
        fit: &Fit<'_, R>,
    ) -> Result<Option<usize>, PlanError> {
        let mut cursor = self.first;
        while cursor != NONE {
            let index = cursor as usize;
            let placed = fetch(fit.requests, index, fit.align)?;
            cursor = self.after(cursor);
            let at = fit.offsets.get(index).copied().unwrap_or(0);
            let candidate = match (fit.wanted.request.in_place, placed.request.in_place) {
                (Some(p), _) if p.input == index => {
                    let lead = p.lead.max(0).unsigned_abs();
                    at.checked_sub(lead).map(|x| x & !(fit.align - 1))
                }
                (_, Some(p)) if p.input == fit.index => {
                    let lead = p.lead.max(0).unsigned_abs();
                    at.checked_add(lead).and_then(|x| align_up(x, fit.align))
                }
                _ => None,
            };
            if let Some(x) = candidate {
                if self.fits_at(x, fit)? {
                    return Ok(Some(x));
                }
            }
        }
        Ok(None)
    }

    /// Whether the wanted buffer at `x` collides with no placed buffer.
    fn fits_at<R: RequestSource + ?Sized>(
        &self,
        x: usize,
        fit: &Fit<'_, R>,
    ) -> Result<bool, PlanError> {
        x.checked_add(fit.wanted.size)
            .ok_or(PlanError::SizeOverflow { index: fit.index })?;
        let mut cursor = self.first;
        while cursor != NONE {
            let index = cursor as usize;
            let placed = fetch(fit.requests, index, fit.align)?;
            cursor = self.after(cursor);
            let at = fit.offsets.get(index).copied().unwrap_or(0);
            if collide((fit.index, fit.wanted, x), (index, &placed, at)) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Walks the placed buffers in offset order, skipping those not live at
    /// the same time and in-place partners. `candidate` is the end of the
    /// furthest-reaching live buffer seen so far (at least `start`); the
    /// buffer fits at `candidate` as soon as the next live buffer starts at
    /// least `wanted.size` bytes after it.
    fn first_fit_from<R: RequestSource + ?Sized>(
        &self,
        start: usize,
        fit: &Fit<'_, R>,
    ) -> Result<usize, PlanError> {
        let mut candidate = start;
        let mut cursor = self.first;
        while cursor != NONE {
            let index = cursor as usize;
            let placed = fetch(fit.requests, index, fit.align)?;
            cursor = self.after(cursor);
            if !placed.request.overlaps_in_time(&fit.wanted.request)
                || fit.is_partner(index, &placed)
            {
                continue;
            }
            let at = fit.offsets.get(index).copied().unwrap_or(0);
            if at
                .checked_sub(candidate)
                .is_some_and(|gap| gap >= fit.wanted.size)
            {
                return Ok(candidate);
            }
            let end = at
                .checked_add(placed.size)
                .ok_or(PlanError::SizeOverflow { index })?;
            candidate = candidate.max(end);
        }
        Ok(candidate)
    }

    /// If the wanted buffer at `x` collides with an in-place partner, the
    /// smallest offset above `x` that escapes that partner's forbidden
    /// interval.
    ///
    /// Partner `p` at `o` (aligned size `s_p`) forbids the offsets `x` where
    /// the two intersect and the permission's lead is not met: for `p` the
    /// wanted buffer's input, `x` in `(o - lead, o + s_p)`, escaped at
    /// `o + s_p`; for `p` the output over the wanted buffer, `x` in
    /// `(o - size, min(o + s_p, o + lead_p))`, escaped at that minimum.
    fn partner_collision<R: RequestSource + ?Sized>(
        &self,
        x: usize,
        fit: &Fit<'_, R>,
    ) -> Result<Option<usize>, PlanError> {
        if !fit.in_place {
            return Ok(None);
        }
        let mut escape: Option<usize> = None;
        let mut cursor = self.first;
        while cursor != NONE {
            let index = cursor as usize;
            let placed = fetch(fit.requests, index, fit.align)?;
            cursor = self.after(cursor);
            if !fit.is_partner(index, &placed) {
                continue;
            }
            let at = fit.offsets.get(index).copied().unwrap_or(0);
            if !collide((fit.index, fit.wanted, x), (index, &placed, at)) {
                continue;
            }
            let past = at
                .checked_add(placed.size)
                .ok_or(PlanError::SizeOverflow { index })?;
            let mut out = past;
            if let Some(p) = placed.request.in_place.filter(|p| p.input == fit.index) {
                // Offsets from `at + lead` on meet the partner's lead.
                let lead_end = if p.lead >= 0 {
                    at.saturating_add(p.lead.unsigned_abs())
                } else {
                    at.saturating_sub(p.lead.unsigned_abs())
                };
                out = out.min(lead_end.max(x.saturating_add(1)));
            }
            escape = Some(escape.map_or(out, |e| e.min(out)));
        }
        Ok(escape)
    }

    /// The end of the furthest-reaching placed buffer.
    fn end_of_all<R: RequestSource + ?Sized>(&self, fit: &Fit<'_, R>) -> Result<usize, PlanError> {
        let mut end = 0usize;
        let mut cursor = self.first;
        while cursor != NONE {
            let index = cursor as usize;
            let placed = fetch(fit.requests, index, fit.align)?;
            cursor = self.after(cursor);
            let at = fit.offsets.get(index).copied().unwrap_or(0);
            end = end.max(
                at.checked_add(placed.size)
                    .ok_or(PlanError::SizeOverflow { index })?,
            );
        }
        Ok(end)
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
