//! Buffer-free bookkeeping of arena usage.
//!
//! [`SizeCounter`] performs exactly the rounding of [`Arena`](crate::Arena)
//! without touching memory, so running the same allocation sequence on a
//! counter tells how large a buffer the real arena needs. The arena itself
//! keeps its accounting in a `SizeCounter`, so the two cannot drift apart.
//!
//! # Model
//!
//! The usable region starts at a 16-byte aligned address (see
//! [`Arena::new`](crate::Arena::new)). Persistent allocations grow a *tail*
//! down from the region's end, committed head allocations and scoped
//! temporaries grow the *front* up from its start. Offsets are relative to a
//! 16-aligned base on both sides, so alignments up to
//! [`ARENA_ALIGN`](crate::ARENA_ALIGN) are address alignments and the padding
//! they cost is the same with or without a real buffer.
//!
//! The arena needs `tail + front <= capacity` at every step; the counter
//! records the peak of `tail + front` over time ([`SizeCounter::used_bytes`]).

use crate::align::{align_up, is_supported_alignment, padding_for_address, ARENA_ALIGN};
use crate::error::ArenaError;

/// Largest total the counter accepts, leaving room to add start padding and
/// rounding without overflow.
const MAX_TOTAL: usize = usize::MAX - 2 * ARENA_ALIGN;

/// Counts the bytes an [`Arena`](crate::Arena) would use for a sequence of
/// allocations, without a buffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SizeCounter {
    /// Persistent bytes measured from the end of the region.
    tail: usize,
    /// Committed head bytes measured from the start of the region.
    head: usize,
    /// Peak of `tail + front` over the whole sequence.
    peak: usize,
    /// Peak of the front (committed head or live temporaries).
    front_peak: usize,
}

impl SizeCounter {
    /// An empty counter.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            tail: 0,
            head: 0,
            peak: 0,
            front_peak: 0,
        }
    }

    /// Counts a persistent allocation of `len` bytes aligned to `align`.
    ///
    /// # Errors
    /// [`ArenaError::UnsupportedAlignment`] or [`ArenaError::SizeOverflow`].
    pub fn alloc_persistent_bytes(&mut self, len: usize, align: usize) -> Result<(), ArenaError> {
        let tail = self.next_tail(len, align)?;
        let total = self.total(tail, self.head, len)?;
        self.tail = tail;
        self.record(total, self.head);
        Ok(())
    }

    /// Counts a persistent allocation of `count` values of `T`, aligned like
    /// [`Arena::alloc_persistent`](crate::Arena::alloc_persistent).
    ///
    /// # Errors
    /// As [`SizeCounter::alloc_persistent_bytes`].
    pub fn alloc_persistent<T>(&mut self, count: usize) -> Result<(), ArenaError> {
        let (len, align) = typed_layout::<T>(count)?;
        self.alloc_persistent_bytes(len, align)
    }

    /// Counts permanently taking `len` bytes from the front (16-byte aligned),
    /// like [`Arena::commit_head`](crate::Arena::commit_head).
    ///
    /// # Errors
    /// [`ArenaError::SizeOverflow`].
    pub fn commit_head(&mut self, len: usize) -> Result<(), ArenaError> {
        let (_, end) = Self::front_extent(self.head, len, ARENA_ALIGN)?;
        let total = self.total(self.tail, end, len)?;
        self.head = end;
        self.record(total, end);
        Ok(())
    }

    /// Opens a scope of temporary allocations from the front, mirroring
    /// [`Arena::temp`](crate::Arena::temp). They are released when the scope
    /// is dropped.
    pub fn temp(&mut self) -> TempCounter<'_> {
        let front = self.head;
        TempCounter {
            counter: self,
            front,
        }
    }

    /// Persistent bytes, including alignment padding.
    #[must_use]
    pub const fn persistent_used(&self) -> usize {
        self.tail
    }

    /// Bytes permanently committed at the front (the planned head).
    #[must_use]
    pub const fn head_used(&self) -> usize {
        self.head
    }

    /// Highest front position reached by the head or by temporaries.
    #[must_use]
    pub const fn front_peak(&self) -> usize {
        self.front_peak
    }

    /// Peak over time of persistent plus front bytes: the usable region size
    /// the sequence needs.
    #[must_use]
    pub const fn used_bytes(&self) -> usize {
        self.peak
    }

    /// Length a **16-byte aligned** buffer must have for the sequence to fit:
    /// [`used_bytes`](Self::used_bytes) rounded up to 16, because the arena
    /// only uses whole 16-byte granules.
    #[must_use]
    pub const fn required_bytes(&self) -> usize {
        round_to_granule(self.peak)
    }

    /// Length a buffer starting at `address` must have for the sequence to fit
    /// ([`required_bytes`](Self::required_bytes) plus the start padding).
    #[must_use]
    pub const fn required_bytes_at(&self, address: usize) -> usize {
        self.required_bytes() + padding_for_address(address, ARENA_ALIGN)
    }

    /// Length that suffices for a buffer at any address: the worst case of
    /// [`required_bytes_at`](Self::required_bytes_at), 15 bytes more than
    /// [`required_bytes`](Self::required_bytes).
    #[must_use]
    pub const fn required_bytes_any_address(&self) -> usize {
        self.required_bytes() + (ARENA_ALIGN - 1)
    }

    /// Tail size after a persistent allocation of `len` bytes at `align`.
    pub(crate) fn next_tail(&self, len: usize, align: usize) -> Result<usize, ArenaError> {
        if !is_supported_alignment(align) {
            return Err(ArenaError::UnsupportedAlignment { align });
        }
        self.tail
            .checked_add(len)
            .and_then(|end| align_up(end, align))
            .ok_or(ArenaError::SizeOverflow { requested: len })
    }

    /// Start and end offsets of a front allocation of `len` bytes at `align`
    /// placed at or after `front`.
    pub(crate) fn front_extent(
        front: usize,
        len: usize,
        align: usize,
    ) -> Result<(usize, usize), ArenaError> {
        if !is_supported_alignment(align) {
            return Err(ArenaError::UnsupportedAlignment { align });
        }
        let start = align_up(front, align).ok_or(ArenaError::SizeOverflow { requested: len })?;
        let end = start
            .checked_add(len)
            .ok_or(ArenaError::SizeOverflow { requested: len })?;
        Ok((start, end))
    }

    /// `tail + front`, refusing totals too large to report.
    pub(crate) fn total(&self, tail: usize, front: usize, len: usize) -> Result<usize, ArenaError> {
        match tail.checked_add(front) {
            Some(total) if total <= MAX_TOTAL => Ok(total),
            _ => Err(ArenaError::SizeOverflow { requested: len }),
        }
    }

    /// Buffer length (for a buffer with `padding` start bytes) needed if the
    /// usage peak became `total`.
    pub(crate) const fn needed_with(&self, total: usize, padding: usize) -> usize {
        let peak = if total > self.peak { total } else { self.peak };
        round_to_granule(peak) + padding
    }

    /// Records a step that reached `total` with the front at `front`.
    pub(crate) fn record(&mut self, total: usize, front: usize) {
        self.peak = self.peak.max(total);
        self.front_peak = self.front_peak.max(front);
    }

    /// Sets the persistent tail (used by the arena after a successful allocation).
    pub(crate) fn set_tail(&mut self, tail: usize) {
        self.tail = tail;
    }

    /// Sets the committed head (used by the arena after a successful commit).
    pub(crate) fn set_head(&mut self, head: usize) {
        self.head = head;
    }
}

/// Scope of temporary allocations on a [`SizeCounter`]; see
/// [`SizeCounter::temp`].
#[derive(Debug)]
pub struct TempCounter<'c> {
    counter: &'c mut SizeCounter,
    front: usize,
}

impl TempCounter<'_> {
    /// Counts a temporary allocation of `len` bytes aligned to `align`.
    ///
    /// # Errors
    /// [`ArenaError::UnsupportedAlignment`] or [`ArenaError::SizeOverflow`].
    pub fn alloc_bytes(&mut self, len: usize, align: usize) -> Result<(), ArenaError> {
        let (_, end) = SizeCounter::front_extent(self.front, len, align)?;
        let total = self.counter.total(self.counter.tail, end, len)?;
        self.front = end;
        self.counter.record(total, end);
        Ok(())
    }

    /// Counts a temporary allocation of `count` values of `T`, aligned like
    /// [`TempArena::alloc`](crate::TempArena::alloc).
    ///
    /// # Errors
    /// As [`TempCounter::alloc_bytes`].
    pub fn alloc<T>(&mut self, count: usize) -> Result<(), ArenaError> {
        let (len, align) = typed_layout::<T>(count)?;
        self.alloc_bytes(len, align)
    }

    /// Bytes used by this scope so far, including padding.
    #[must_use]
    pub fn used(&self) -> usize {
        self.front.saturating_sub(self.counter.head)
    }
}

/// Byte length and alignment of a typed allocation of `count` values of `T`:
/// aligned to `max(16, align_of::<T>())`.
pub(crate) fn typed_layout<T>(count: usize) -> Result<(usize, usize), ArenaError> {
    if core::mem::size_of::<T>() == 0 {
        return Err(ArenaError::ZeroSizedType);
    }
    let len = count
        .checked_mul(core::mem::size_of::<T>())
        .ok_or(ArenaError::SizeOverflow { requested: count })?;
    let align = core::mem::align_of::<T>().max(ARENA_ALIGN);
    Ok((len, align))
}

/// Rounds up to a whole number of 16-byte granules (callers keep the value at
/// most `MAX_TOTAL`, so this cannot overflow).
const fn round_to_granule(value: usize) -> usize {
    match align_up(value, ARENA_ALIGN) {
        Some(v) => v,
        None => usize::MAX & !(ARENA_ALIGN - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persistent_allocations_round_to_alignment() {
        let mut c = SizeCounter::new();
        c.alloc_persistent_bytes(5, 16).unwrap();
        assert_eq!(c.persistent_used(), 16);
        c.alloc_persistent_bytes(3, 4).unwrap();
        assert_eq!(c.persistent_used(), 20);
        c.alloc_persistent_bytes(1, 1).unwrap();
        assert_eq!(c.persistent_used(), 21);
        // The tail grows downward, so alignment rounds the new tail end:
        // 21 + 8 = 29 -> 32.
        c.alloc_persistent::<u32>(2).unwrap();
        assert_eq!(c.persistent_used(), 32);
        assert_eq!(c.used_bytes(), 32);
        assert_eq!(c.required_bytes(), 32);
        c.alloc_persistent_bytes(1, 1).unwrap();
        assert_eq!(c.used_bytes(), 33);
        assert_eq!(c.required_bytes(), 48);
    }

    #[test]
    fn temporaries_count_only_their_peak() {
        let mut c = SizeCounter::new();
        c.alloc_persistent_bytes(32, 16).unwrap();
        {
            let mut t = c.temp();
            t.alloc_bytes(100, 16).unwrap();
            t.alloc::<u32>(10).unwrap();
            assert_eq!(t.used(), 112 + 40);
        }
        assert_eq!(c.used_bytes(), 32 + 152);
        assert_eq!(c.front_peak(), 152);
        c.commit_head(64).unwrap();
        assert_eq!(c.head_used(), 64);
        // The temporaries were released, so the head alone does not raise the peak.
        assert_eq!(c.used_bytes(), 32 + 152);
        // Persistent growth after the peak counts together with the head only.
        c.alloc_persistent_bytes(80, 16).unwrap();
        assert_eq!(c.used_bytes(), 32 + 152);
        c.alloc_persistent_bytes(100, 16).unwrap();
        assert_eq!(c.persistent_used(), 32 + 80 + 112);
        assert_eq!(c.used_bytes(), 32 + 80 + 112 + 64);
    }

    #[test]
    fn required_bytes_for_addresses() {
        let mut c = SizeCounter::new();
        c.alloc_persistent_bytes(20, 4).unwrap();
        assert_eq!(c.required_bytes(), 32);
        assert_eq!(c.required_bytes_at(0x1000), 32);
        assert_eq!(c.required_bytes_at(0x1001), 47);
        assert_eq!(c.required_bytes_at(0x100F), 33);
        assert_eq!(c.required_bytes_any_address(), 47);
    }

    #[test]
    fn rejects_bad_alignment_and_overflow() {
        let mut c = SizeCounter::new();
        assert_eq!(
            c.alloc_persistent_bytes(1, 32),
            Err(ArenaError::UnsupportedAlignment { align: 32 })
        );
        assert_eq!(
            c.alloc_persistent_bytes(1, 3),
            Err(ArenaError::UnsupportedAlignment { align: 3 })
        );
        assert!(matches!(
            c.alloc_persistent_bytes(usize::MAX, 1),
            Err(ArenaError::SizeOverflow { .. })
        ));
        assert!(matches!(
            c.alloc_persistent::<u64>(usize::MAX / 4),
            Err(ArenaError::SizeOverflow { .. })
        ));
        assert!(matches!(
            c.commit_head(usize::MAX - 3),
            Err(ArenaError::SizeOverflow { .. })
        ));
        // Failed calls leave the counter untouched.
        assert_eq!(c, SizeCounter::new());
    }
}
