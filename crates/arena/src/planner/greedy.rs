//! Greedy first-fit planner producing TensorFlow Lite Micro's layout, and
//! the first-fit placement it shares with [`super::MultiOrderPlanner`].

use super::config::PlannerConfig;
use super::error::PlanError;
use super::request::{check_in_place, fetch, leads, ranges_intersect, RequestSource};
use super::sort::sort_by_key;
use super::MemoryPlanner;
use crate::align::align_up;

/// End-of-list marker in the offset-ordered list, and "none" in [`Entry`].
const NONE: u32 = u32::MAX;

/// A [`BufferRequest`](super::BufferRequest) in seven words, for callers
/// that build requests in their own (arena) memory and plan them in place
/// ([`MultiOrderPlanner::plan_compact`](super::MultiOrderPlanner::plan_compact));
/// the planners also keep their checked copies of requests in this form.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CompactRequest {
    /// Size in bytes (rounded up to the alignment by the planner).
    pub size: u32,
    /// First op index at which the buffer is live.
    pub first: u32,
    /// Last op index at which the buffer is live (inclusive).
    pub last: u32,
    /// Offline offset, or [`CompactRequest::NONE`].
    pub offline: u32,
    /// The request this one may overlap in place, or [`CompactRequest::NONE`].
    pub partner: u32,
    /// The in-place lead (see [`InPlace`](super::InPlace)).
    pub lead: i32,
    /// Set by the planner: nonzero when some request may overlap this one.
    pub is_input: u32,
}

impl CompactRequest {
    /// "No offline offset" / "no partner".
    pub const NONE: u32 = NONE;

    /// A request planned online, without in-place partner.
    #[must_use]
    pub const fn new(size: u32, first: u32, last: u32) -> Self {
        Self {
            size,
            first,
            last,
            offline: NONE,
            partner: NONE,
            lead: 0,
            is_input: 0,
        }
    }
}

type Entry = CompactRequest;

/// An entry that collides with nothing (size 0).
const EMPTY: Entry = Entry {
    size: 0,
    first: NONE,
    last: 0,
    offline: NONE,
    partner: NONE,
    lead: 0,
    is_input: 0,
};

/// Scratch words of one [`Entry`].
const ENTRY_WORDS: usize = core::mem::size_of::<Entry>() / 4;

impl Entry {
    /// Whether the entry has an in-place partner either way.
    fn has_partner(&self) -> bool {
        self.partner != NONE || self.is_input != 0
    }

    fn overlaps_in_time(&self, other: &Self) -> bool {
        self.first <= other.last && other.first <= self.last
    }

    fn size(&self) -> usize {
        self.size as usize
    }
}

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

    /// Scratch words needed to plan `count` requests (nine per request:
    /// the order, the offset list and a checked copy of the request),
    /// saturating at `usize::MAX`.
    #[must_use]
    pub const fn scratch_len(count: usize) -> usize {
        count.saturating_mul(2 + ENTRY_WORDS)
    }

    /// Scratch words needed to plan `count` [`CompactRequest`]s in place
    /// (two per request: the order and the offset list).
    #[must_use]
    pub const fn compact_scratch_len(count: usize) -> usize {
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
/// reuses: `order` (a permutation of request ids), `next` (the
/// offset-ordered list links) and `entries` (every request, checked).
pub(crate) struct Placement<'a> {
    align: usize,
    offsets: &'a mut [usize],
    order: &'a mut [u32],
    next: &'a mut [u32],
    entries: &'a [Entry],
    offline_count: usize,
}

impl<'a> Placement<'a> {
    /// Checks the config, the slices and every request.
    pub(crate) fn new<R: RequestSource + ?Sized>(
        config: &PlannerConfig,
        requests: &R,
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
        let too_small = PlanError::ScratchTooSmall { needed, available };
        let (order, rest) = scratch.split_at_mut_checked(count).ok_or(too_small)?;
        let (next, rest) = rest.split_at_mut_checked(count).ok_or(too_small)?;
        let words = count.checked_mul(ENTRY_WORDS).ok_or(too_small)?;
        let entries: &mut [Entry] =
            bytemuck::try_cast_slice_mut(rest.get_mut(..words).ok_or(too_small)?)
                .map_err(|_| too_small)?;
        for (index, entry) in entries.iter_mut().enumerate() {
            *entry = convert(requests, index, align)?;
        }
        Self::with_entries(config, entries, offsets, order, next)
    }

    /// Checks `entries` in place (sizes rounded up to the alignment) and
    /// plans them with `scratch` (two words per request).
    pub(crate) fn compact(
        config: &PlannerConfig,
        entries: &'a mut [Entry],
        offsets: &'a mut [usize],
        scratch: &'a mut [u32],
    ) -> Result<Self, PlanError> {
        let align = config.alignment();
        if !align.is_power_of_two() {
            return Err(PlanError::InvalidAlignment { align });
        }
        let count = entries.len();
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
        let needed = GreedyPlanner::compact_scratch_len(count);
        let available = scratch.len();
        let too_small = PlanError::ScratchTooSmall { needed, available };
        let (order, rest) = scratch.split_at_mut_checked(count).ok_or(too_small)?;
        let next = rest.get_mut(..count).ok_or(too_small)?;
        for (index, entry) in entries.iter_mut().enumerate() {
            if entry.first > entry.last {
                return Err(PlanError::InvalidLifetime {
                    index,
                    first_use: entry.first as usize,
                    last_use: entry.last as usize,
                });
            }
            let size = align_up(entry.size as usize, align)
                .and_then(|s| u32::try_from(s).ok())
                .filter(|&s| s != NONE)
                .ok_or(PlanError::SizeOverflow { index })?;
            entry.size = size;
            entry.is_input = 0;
        }
        Self::with_entries(config, entries, offsets, order, next)
    }

    /// Validates in-place links and offline offsets, marks in-place
    /// inputs and fills `order`.
    fn with_entries(
        config: &PlannerConfig,
        entries: &'a mut [Entry],
        offsets: &'a mut [usize],
        order: &'a mut [u32],
        next: &'a mut [u32],
    ) -> Result<Self, PlanError> {
        let align = config.alignment();
        let offline_count = order_and_check(entries, align, order)?;
        let placement = Self {
            align,
            offsets,
            order,
            next,
            entries,
            offline_count,
        };
        if !config.allows_offline_overlap() {
            placement.check_offline()?;
        }
        Ok(placement)
    }

    fn entry(&self, id: u32) -> Entry {
        self.entries.get(id as usize).copied().unwrap_or_default()
    }

    /// Rejects offline buffers that overlap in memory while both are live.
    fn check_offline(&self) -> Result<(), PlanError> {
        let offline = self.order.get(..self.offline_count).unwrap_or_default();
        for (pos, &a) in offline.iter().enumerate() {
            let ea = self.entry(a);
            for &b in offline.iter().take(pos) {
                let eb = self.entry(b);
                if ea.overlaps_in_time(&eb)
                    && ranges_intersect(
                        ea.offline as usize,
                        ea.size(),
                        eb.offline as usize,
                        eb.size(),
                    )
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
        let entries = self.entries;
        let e = |id: u32| entries.get(id as usize).unwrap_or(&EMPTY);
        let online = self.order.get_mut(self.offline_count..).unwrap_or_default();
        // One sort (one copy of its code) for every order: the key packs
        // the order's fields into an integer that ascends.
        let key = sort_key(order);
        sort_by_key(online, |id| key(e(id), id));
        let mut list = OffsetList {
            first: NONE,
            next: &mut *self.next,
        };
        let mut total = 0usize;
        for &id in self.order.iter() {
            let index = id as usize;
            let wanted = *e(id);
            let offset = if wanted.offline != NONE {
                wanted.offline as usize
            } else {
                let fit = Fit {
                    entries,
                    offsets: self.offsets,
                    index,
                    wanted,
                    align: self.align,
                    in_place: overlap != Overlap::Off,
                };
                let snug = if overlap == Overlap::Preferred {
                    list.snug_fit(&fit)
                } else {
                    None
                };
                match snug {
                    Some(offset) => offset,
                    None => list.lowest_fit(&fit)?,
                }
            };
            let end = offset
                .checked_add(wanted.size())
                .ok_or(PlanError::SizeOverflow { index })?;
            total = total.max(end);
            set(self.offsets, index, offset);
            list.insert(id, offset, self.offsets);
        }
        Ok(total)
    }
}

/// Validates every request into `entries` and fills `order` with the
/// offline requests (in index order) followed by the online ones (in reverse
/// index order). Returns the number of offline requests. Each index is
/// written exactly once, so `order` is a permutation even if the source is
/// inconsistent.
/// Request `index` of `requests`, checked (lifetime, in-place link) and
/// compacted (sizes rounded up to `align`).
fn convert<R: RequestSource + ?Sized>(
    requests: &R,
    index: usize,
    align: usize,
) -> Result<Entry, PlanError> {
    let checked = fetch(requests, index, align)?;
    check_in_place(requests, index, &checked, align)?;
    let request = checked.request;
    let narrow = |v: usize| u32::try_from(v).ok().filter(|&w| w != NONE);
    let overflow = PlanError::SizeOverflow { index };
    let mut entry = Entry::new(
        narrow(checked.size).ok_or(overflow)?,
        narrow(request.first_use).ok_or(overflow)?,
        narrow(request.last_use).ok_or(overflow)?,
    );
    if let Some(p) = request.in_place {
        entry.partner = narrow(p.input).ok_or(PlanError::InvalidInPlace { index })?;
        entry.lead = i32::try_from(p.lead).map_err(|_| PlanError::InvalidInPlace { index })?;
    }
    if let Some(offset) = request.offline_offset {
        if offset % align != 0 {
            return Err(PlanError::Misaligned {
                index,
                offset,
                align,
            });
        }
        offset.checked_add(checked.size).ok_or(overflow)?;
        entry.offline = narrow(offset).ok_or(overflow)?;
    }
    Ok(entry)
}

/// Checks in-place links (another request that dies where this one is
/// born) and offline offsets (aligned, no overflow), marks in-place inputs,
/// and fills `order` with the offline requests (in index order) followed by
/// the online ones (in reverse index order). Returns the number of offline
/// requests. Each index is written exactly once, so `order` is a
/// permutation.
fn order_and_check(
    entries: &mut [Entry],
    align: usize,
    order: &mut [u32],
) -> Result<usize, PlanError> {
    let count = entries.len();
    for index in 0..count {
        let Some(&entry) = entries.get(index) else {
            break;
        };
        if entry.offline != NONE {
            let offset = entry.offline as usize;
            if !offset.is_multiple_of(align) {
                return Err(PlanError::Misaligned {
                    index,
                    offset,
                    align,
                });
            }
            offset
                .checked_add(entry.size())
                .ok_or(PlanError::SizeOverflow { index })?;
        }
        if entry.partner != NONE {
            let partner = entry.partner as usize;
            let valid = partner != index
                && entries
                    .get(partner)
                    .is_some_and(|input| input.last == entry.first);
            if !valid {
                return Err(PlanError::InvalidInPlace { index });
            }
            if let Some(input) = entries.get_mut(partner) {
                input.is_input = 1;
            }
        }
    }
    let (mut head, mut tail) = (0usize, count);
    for (index, id) in (0..count).zip(0u32..) {
        if entries.get(index).is_some_and(|e| e.offline != NONE) {
            set32(order, head, id);
            head += 1;
        } else {
            tail -= 1;
            set32(order, tail, id);
        }
    }
    Ok(head)
}

/// The key function of `order`: the position of request `id` (entry `e`)
/// in the order, smaller first. Ties end on the request index, so the order
/// is total for graphs of up to 65,536 requests and operators (larger ones
/// tie on the low 16 bits of the index and use, still deterministically).
/// `u64` keys and one sort through a function pointer keep one copy of the
/// sort and cheap comparisons on 32-bit cores.
fn sort_key(order: Order) -> fn(&Entry, u32) -> u64 {
    match order {
        // Largest first, ties higher index first (TFLM's order).
        Order::SizeDescending => |e, id| !(u64::from(e.size) << 16 | low16(id)),
        // Earliest first use first, ties largest first, then lower index.
        Order::FirstUse => |e, id| low16(e.first) << 48 | u64::from(!e.size) << 16 | low16(id),
        // Latest last use first, ties largest first, then lower index.
        Order::LastUseDescending => {
            |e, id| !(low16(e.last) << 48 | u64::from(e.size) << 16 | (0xffff - low16(id)))
        }
        // Longest lifetime first, ties largest first, then lower index.
        Order::LongestLife => |e, id| {
            let span = low16(e.last - e.first.min(e.last));
            !(span << 48 | u64::from(e.size) << 16 | (0xffff - low16(id)))
        },
        // Largest size x lifetime first, ties lower index first.
        Order::LargestArea => |e, id| {
            let span = low16(e.last - e.first.min(e.last));
            let area = (u64::from(e.size) * (span + 1)).min((1 << 48) - 1);
            !(area << 16 | (0xffff - low16(id)))
        },
    }
}

fn low16(x: u32) -> u64 {
    u64::from(x & 0xffff)
}

/// One buffer looking for the lowest offset it fits at.
struct Fit<'f> {
    entries: &'f [Entry],
    offsets: &'f [usize],
    index: usize,
    wanted: Entry,
    align: usize,
    in_place: bool,
}

impl Fit<'_> {
    /// Whether placed request `other` is an in-place partner of the wanted
    /// one (either may overlap the other on its permission's terms).
    fn is_partner(&self, other: usize, placed: &Entry) -> bool {
        self.in_place
            && self.wanted.has_partner()
            && (self.wanted.partner as usize == other || placed.partner as usize == self.index)
    }

    fn placed(&self, id: u32) -> (usize, &Entry, usize) {
        let index = id as usize;
        let entry = self.entries.get(index).unwrap_or(&EMPTY);
        let at = self.offsets.get(index).copied().unwrap_or(0);
        (index, entry, at)
    }
}

/// Whether request `a` at `a_offset` and request `b` at `b_offset` collide:
/// live at the same time and intersecting in memory, unless one may overlap
/// the other in place on its terms.
fn collide(
    (a_index, a, a_offset): (usize, &Entry, usize),
    (b_index, b, b_offset): (usize, &Entry, usize),
) -> bool {
    if !a.overlaps_in_time(b) || !ranges_intersect(a_offset, a.size(), b_offset, b.size()) {
        return false;
    }
    let allowed = |out: &Entry, out_offset: usize, input_index: usize, input_offset: usize| {
        out.partner as usize == input_index && leads(out_offset, out.lead as isize, input_offset)
    };
    !(allowed(a, a_offset, b_index, b_offset) || allowed(b, b_offset, a_index, a_offset))
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
    fn lowest_fit(&self, fit: &Fit<'_>) -> Result<usize, PlanError> {
        let mut start = 0usize;
        for _ in 0..=fit.entries.len() {
            let candidate = self.first_fit_from(start, fit)?;
            match self.partner_collision(candidate, fit) {
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
    fn snug_fit(&self, fit: &Fit<'_>) -> Option<usize> {
        if !fit.wanted.has_partner() {
            return None;
        }
        let mut cursor = self.first;
        while cursor != NONE {
            let (index, placed, at) = fit.placed(cursor);
            cursor = self.after(cursor);
            let candidate = if fit.wanted.partner as usize == index {
                let lead = fit.wanted.lead.max(0).unsigned_abs() as usize;
                at.checked_sub(lead).map(|x| x & !(fit.align - 1))
            } else if placed.partner as usize == fit.index {
                let lead = placed.lead.max(0).unsigned_abs() as usize;
                at.checked_add(lead).and_then(|x| align_up(x, fit.align))
            } else {
                None
            };
            if let Some(x) = candidate {
                if self.fits_at(x, fit) {
                    return Some(x);
                }
            }
        }
        None
    }

    /// Whether the wanted buffer at `x` collides with no placed buffer.
    fn fits_at(&self, x: usize, fit: &Fit<'_>) -> bool {
        if x.checked_add(fit.wanted.size()).is_none() {
            return false;
        }
        let mut cursor = self.first;
        while cursor != NONE {
            let (index, placed, at) = fit.placed(cursor);
            cursor = self.after(cursor);
            if collide((fit.index, &fit.wanted, x), (index, placed, at)) {
                return false;
            }
        }
        true
    }

    /// Walks the placed buffers in offset order, skipping those not live at
    /// the same time and in-place partners. `candidate` is the end of the
    /// furthest-reaching live buffer seen so far (at least `start`); the
    /// buffer fits at `candidate` as soon as the next live buffer starts at
    /// least `wanted.size` bytes after it.
    fn first_fit_from(&self, start: usize, fit: &Fit<'_>) -> Result<usize, PlanError> {
        let mut candidate = start;
        let mut cursor = self.first;
        while cursor != NONE {
            let (index, placed, at) = fit.placed(cursor);
            cursor = self.after(cursor);
            if !placed.overlaps_in_time(&fit.wanted) || fit.is_partner(index, placed) {
                continue;
            }
            if at
                .checked_sub(candidate)
                .is_some_and(|gap| gap >= fit.wanted.size())
            {
                return Ok(candidate);
            }
            let end = at
                .checked_add(placed.size())
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
    fn partner_collision(&self, x: usize, fit: &Fit<'_>) -> Option<usize> {
        if !fit.in_place || !fit.wanted.has_partner() {
            return None;
        }
        let mut escape: Option<usize> = None;
        let mut cursor = self.first;
        while cursor != NONE {
            let (index, placed, at) = fit.placed(cursor);
            cursor = self.after(cursor);
            if !fit.is_partner(index, placed)
                || !collide((fit.index, &fit.wanted, x), (index, placed, at))
            {
                continue;
            }
            let mut out = at.saturating_add(placed.size());
            if placed.partner as usize == fit.index {
                // Offsets from `at + lead` on meet the partner's lead.
                let lead = placed.lead;
                let lead_end = if lead >= 0 {
                    at.saturating_add(lead.unsigned_abs() as usize)
                } else {
                    at.saturating_sub(lead.unsigned_abs() as usize)
                };
                out = out.min(lead_end.max(x.saturating_add(1)));
            }
            escape = Some(escape.map_or(out, |e| e.min(out)));
        }
        escape
    }

    /// The end of the furthest-reaching placed buffer.
    fn end_of_all(&self, fit: &Fit<'_>) -> Result<usize, PlanError> {
        let mut end = 0usize;
        let mut cursor = self.first;
        while cursor != NONE {
            let (index, placed, at) = fit.placed(cursor);
            cursor = self.after(cursor);
            end = end.max(
                at.checked_add(placed.size())
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
