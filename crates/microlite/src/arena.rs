//! [`Arena`]: arena memory at the 16-byte alignment the interpreter uses.

use core::ops::{Deref, DerefMut};

use crate::layout::ALIGN;

/// `N` bytes of arena memory at a 16-byte aligned address, zeroed, for a
/// `static` or a local: pass it (or [`Arena::as_mut_slice`]) to
/// [`Interpreter::new`](crate::Interpreter::new) or
/// [`Interpreter::from_prepared`](crate::Interpreter::from_prepared).
///
/// The interpreter aligns every region it carves to 16 bytes and skips up to
/// 15 bytes at the start of an unaligned arena
/// ([`ArenaUsage::alignment_padding`](crate::ArenaUsage::alignment_padding)).
/// An `Arena` starts aligned, so nothing is skipped and `N` can be exactly
/// the arena size `microlite run model.tflite` prints (`arena_used_bytes`,
/// measured in an aligned arena) or that
/// [`Interpreter::required_arena_bytes`](crate::Interpreter::required_arena_bytes)
/// returns, for the same model, options and kernel backend (some kernels'
/// scratch depends on the backend: size a Cortex-M arena with the figure
/// of a Cortex-M build). One byte less fails with
/// [`Error::ArenaTooSmall`](crate::Error::ArenaTooSmall). (Those figures are
/// for `Interpreter::new`; `from_prepared` needs only the activations and
/// scratch, its `arena_used_bytes`.)
///
/// ```
/// use microlite::Arena;
///
/// let mut arena = Arena::<4096>::new();
/// let bytes: &mut [u8] = &mut arena; // or arena.as_mut_slice()
/// assert_eq!(bytes.len(), 4096);
/// assert_eq!(bytes.as_ptr() as usize % 16, 0);
/// ```
///
/// As a `static`, hand out the one `&mut` with your runtime's singleton
/// helper (e.g. `cortex_m::singleton!`, `static_cell`) or an
/// `addr_of_mut!` in a function that runs once.
#[repr(C, align(16))]
pub struct Arena<const N: usize>([u8; N]);

// The type's alignment is what the interpreter aligns regions to.
const _: () = assert!(core::mem::align_of::<Arena<0>>() == ALIGN);

impl<const N: usize> Arena<N> {
    /// `N` zero bytes, 16-byte aligned; `const`, so it can initialise a
    /// `static` (placed in `.bss`).
    pub const fn new() -> Self {
        Self([0; N])
    }

    /// The bytes, starting at a 16-byte aligned address.
    pub const fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, mutable, starting at a 16-byte aligned address: the arena
    /// to give the interpreter.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl<const N: usize> Default for Arena<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Deref for Arena<N> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl<const N: usize> DerefMut for Arena<N> {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl<const N: usize> core::fmt::Debug for Arena<N> {
    /// The size, not the `N` bytes.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Arena").field("len", &N).finish()
    }
}
