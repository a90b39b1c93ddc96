//! The arena: one caller-supplied byte buffer holding everything.

use bytemuck::Pod;

use crate::align::{padding_for_address, ARENA_ALIGN};
use crate::error::ArenaError;
use crate::size_counter::{typed_layout, SizeCounter};

/// Bump allocator over a caller-supplied `&'a mut [u8]`.
///
/// ```text
///  buffer: [pad | front: head + temporaries ->   free   <- tail: persistent | unused]
///          ^ up to 15 bytes to reach 16-byte alignment            < 16 bytes ^
/// ```
///
/// * **Persistent tail** ([`Arena::alloc_persistent`]): allocated from the end
///   downward, lives as long as the buffer borrow `'a` (per-op data, tensor
///   metadata, precomputed multipliers).
/// * **Temporaries** ([`Arena::temp`]): scoped allocations from the front, e.g.
///   planner scratch, released when the [`TempArena`] is dropped.
/// * **Head** ([`Arena::commit_head`]): permanently takes bytes from the front,
///   e.g. the planned activation region of `planned_size` bytes.
///
/// All bookkeeping goes through a [`SizeCounter`], so a counter fed the same
/// sequence reports exactly the buffer size the arena needs.
#[derive(Debug)]
pub struct Arena<'a> {
    /// Bytes between the committed head and the persistent tail.
    free: &'a mut [u8],
    /// Usage bookkeeping, shared logic with buffer-free counting.
    counter: SizeCounter,
    /// Usable, 16-aligned region length (a multiple of 16).
    capacity: usize,
    /// Length of the caller's buffer.
    buffer_len: usize,
    /// Bytes skipped at the start to reach 16-byte alignment.
    padding: usize,
}

impl<'a> Arena<'a> {
    /// Wraps `buffer`. The usable region starts at the first 16-byte aligned
    /// address inside it and ends at the last whole 16-byte granule.
    #[must_use]
    pub fn new(buffer: &'a mut [u8]) -> Self {
        let buffer_len = buffer.len();
        let padding = padding_for_address(buffer.as_ptr().addr(), ARENA_ALIGN).min(buffer_len);
        let (_, aligned) = buffer.split_at_mut(padding);
        let capacity = aligned.len() & !(ARENA_ALIGN - 1);
        let (free, _) = aligned.split_at_mut(capacity);
        Self {
            free,
            counter: SizeCounter::new(),
            capacity,
            buffer_len,
            padding,
        }
    }

    /// Allocates `count` zeroed values of `T` that live as long as the buffer,
    /// aligned to `max(16, align_of::<T>())`.
    ///
    /// # Errors
    /// [`ArenaError::TooSmall`] if the buffer cannot hold it,
    /// [`ArenaError::UnsupportedAlignment`] if `align_of::<T>() > 16`,
    /// [`ArenaError::SizeOverflow`] if the byte size overflows,
    /// [`ArenaError::ZeroSizedType`] if `T` is zero-sized.
    pub fn alloc_persistent<T: Pod>(&mut self, count: usize) -> Result<&'a mut [T], ArenaError> {
        let (len, align) = typed_layout::<T>(count)?;
        let bytes = self.alloc_persistent_bytes(len, align)?;
        cast_zeroed(bytes, align)
    }

    /// Allocates `len` zeroed bytes aligned to `align` (a power of two at most
    /// 16) that live as long as the buffer.
    ///
    /// # Errors
    /// As [`Arena::alloc_persistent`].
    pub fn alloc_persistent_bytes(
        &mut self,
        len: usize,
        align: usize,
    ) -> Result<&'a mut [u8], ArenaError> {
        let head = self.counter.head_used();
        let tail = self.counter.next_tail(len, align)?;
        let total = self.counter.total(tail, head, len)?;
        let grow = tail.saturating_sub(self.counter.persistent_used());
        let Some(keep) = self.free.len().checked_sub(grow) else {
            return Err(self.too_small(total));
        };
        let (rest, taken) = core::mem::take(&mut self.free).split_at_mut(keep);
        self.free = rest;
        self.counter.set_tail(tail);
        self.counter.record(total, head);
        // `taken` starts at an `align`-aligned offset and holds `len` plus padding.
        let bytes = taken.get_mut(..len).unwrap_or_default();
        bytes.fill(0);
        Ok(bytes)
    }

    /// Permanently takes `len` zeroed, 16-byte aligned bytes from the front:
    /// the planned head (activations and scratch). Temporaries must have been
    /// released (which the borrow checker enforces).
    ///
    /// # Errors
    /// [`ArenaError::TooSmall`] or [`ArenaError::SizeOverflow`].
    pub fn commit_head(&mut self, len: usize) -> Result<&'a mut [u8], ArenaError> {
        let head = self.counter.head_used();
        let (start, end) = SizeCounter::front_extent(head, len, ARENA_ALIGN)?;
        let total = self
            .counter
            .total(self.counter.persistent_used(), end, len)?;
        let grow = end.saturating_sub(head);
        if grow > self.free.len() {
            return Err(self.too_small(total));
        }
        let (taken, rest) = core::mem::take(&mut self.free).split_at_mut(grow);
        self.free = rest;
        self.counter.set_head(end);
        self.counter.record(total, end);
        let bytes = taken
            .get_mut(start.saturating_sub(head)..)
            .unwrap_or_default();
        bytes.fill(0);
        Ok(bytes)
    }

    /// Opens a scope of temporary front allocations (e.g. planner scratch).
    /// Everything allocated through the returned [`TempArena`] is released
    /// when it is dropped; its peak still counts in [`Arena::used_bytes`].
    pub fn temp(&mut self) -> TempArena<'_> {
        let front = self.counter.head_used();
        TempArena {
            free: &mut *self.free,
            counter: &mut self.counter,
            front,
            padding: self.padding,
            buffer_len: self.buffer_len,
        }
    }

    /// Length of the caller's buffer.
    #[must_use]
    pub const fn buffer_len(&self) -> usize {
        self.buffer_len
    }

    /// Usable bytes: the buffer minus start padding, rounded down to 16.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes skipped at the start of the buffer to reach 16-byte alignment.
    #[must_use]
    pub const fn padding(&self) -> usize {
        self.padding
    }

    /// Bytes still free between the committed head and the persistent tail.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.free.len()
    }

    /// Persistent bytes in use, including alignment padding.
    #[must_use]
    pub const fn persistent_used(&self) -> usize {
        self.counter.persistent_used()
    }

    /// Bytes committed to the head.
    #[must_use]
    pub const fn head_used(&self) -> usize {
        self.counter.head_used()
    }

    /// Peak usage of the usable region so far (persistent plus front,
    /// including temporaries and alignment padding).
    #[must_use]
    pub const fn used_bytes(&self) -> usize {
        self.counter.used_bytes()
    }

    /// Smallest buffer length that would have sufficed for everything so far,
    /// for a 16-byte aligned buffer; see [`SizeCounter::required_bytes`].
    #[must_use]
    pub const fn required_bytes(&self) -> usize {
        self.counter.required_bytes()
    }

    /// The bookkeeping, identical to a [`SizeCounter`] fed the same sequence.
    #[must_use]
    pub const fn counter(&self) -> &SizeCounter {
        &self.counter
    }

    fn too_small(&self, total: usize) -> ArenaError {
        ArenaError::TooSmall {
            needed: self.counter.needed_with(total, self.padding),
            available: self.buffer_len,
            padding: self.padding,
        }
    }
}

/// Scope of temporary allocations from the front of an [`Arena`]; see
/// [`Arena::temp`]. Slices it hands out borrow the arena until the scope ends.
#[derive(Debug)]
pub struct TempArena<'t> {
    /// Free bytes after the temporaries allocated so far.
    free: &'t mut [u8],
    counter: &'t mut SizeCounter,
    /// Front position (region offset) after the temporaries so far.
    front: usize,
    padding: usize,
    buffer_len: usize,
}

impl<'t> TempArena<'t> {
    /// Allocates `count` zeroed values of `T`, aligned to
    /// `max(16, align_of::<T>())`.
    ///
    /// # Errors
    /// As [`Arena::alloc_persistent`].
    pub fn alloc<T: Pod>(&mut self, count: usize) -> Result<&'t mut [T], ArenaError> {
        let (len, align) = typed_layout::<T>(count)?;
        let bytes = self.alloc_bytes(len, align)?;
        cast_zeroed(bytes, align)
    }

    /// Allocates `len` zeroed bytes aligned to `align` (a power of two at most
    /// 16).
    ///
    /// # Errors
    /// As [`Arena::alloc_persistent`].
    pub fn alloc_bytes(&mut self, len: usize, align: usize) -> Result<&'t mut [u8], ArenaError> {
        let (start, end) = SizeCounter::front_extent(self.front, len, align)?;
        let total = self
            .counter
            .total(self.counter.persistent_used(), end, len)?;
        let grow = end.saturating_sub(self.front);
        if grow > self.free.len() {
            return Err(ArenaError::TooSmall {
                needed: self.counter.needed_with(total, self.padding),
                available: self.buffer_len,
                padding: self.padding,
            });
        }
        let (taken, rest) = core::mem::take(&mut self.free).split_at_mut(grow);
        self.free = rest;
        let bytes = taken
            .get_mut(start.saturating_sub(self.front)..)
            .unwrap_or_default();
        self.front = end;
        self.counter.record(total, end);
        bytes.fill(0);
        Ok(bytes)
    }

    /// Bytes used by this scope so far, including padding.
    #[must_use]
    pub fn used(&self) -> usize {
        self.front.saturating_sub(self.counter.head_used())
    }

    /// Bytes still available to this scope.
    #[must_use]
    pub fn remaining(&self) -> usize {
        self.free.len()
    }
}

/// Views zeroed `bytes` as `[T]`; `bytes` is `align`-aligned and a whole
/// number of `T`s by construction.
fn cast_zeroed<T: Pod>(bytes: &mut [u8], align: usize) -> Result<&mut [T], ArenaError> {
    bytemuck::try_cast_slice_mut(bytes).map_err(|_| ArenaError::UnsupportedAlignment { align })
}
