//! The records the interpreter keeps in the arena's persistent region: one
//! [`TensorSlot`] per tensor and one [`OpSlot`] per operator, followed by
//! each operator's prepared data chunk.

use core::ops::Range;

use bytemuck::{Pod, Zeroable};
pub use microlite_ops::{TensorHome, TensorSlot};

/// Alignment of every region the interpreter carves from the arena.
pub const ALIGN: usize = 16;

/// Round `n` up to [`ALIGN`], or `None` on overflow.
pub fn align_up(n: usize) -> Option<usize> {
    n.checked_add(ALIGN - 1).map(|v| v & !(ALIGN - 1))
}

/// `offset..offset + len`, saturating (records may come from prepared
/// state made elsewhere; an impossible range then simply finds no bytes).
fn span(offset: u32, len: u32) -> Range<usize> {
    microlite_ops::span(offset, len)
}

/// [`OpSlot::flags`]: the output aliases input 0, eval is skipped.
pub const ALIASES_INPUT: u16 = 1;
/// [`OpSlot::flags`]: the op runs fused with the next one, band by band,
/// and its output is never materialised ([`crate::fusion`]).
pub const FUSED_WITH_NEXT: u16 = 2;
/// [`OpSlot::flags`]: the op runs within the previous op's fused step.
pub const FUSED_WITH_PREVIOUS: u16 = 4;

/// [`OpSlot::flags`]: the op is evaluated through
/// `Registration::eval_in_head` (it has several outputs, or state).
pub const IN_HEAD_FRAME: u16 = 8;

/// [`OpSlot::flags`]: the interpreter runs the op itself (IF, WHILE,
/// CALL_ONCE, resource variables; `Registration::calls_subgraphs`), with
/// [`IN_HEAD_FRAME`] also set.
pub const CALLS_SUBGRAPH: u16 = 16;

/// [`OpSlot::flags`] of ops whose own eval step is skipped.
pub const ALIAS_OR_FUSED_CONSUMER: u16 = ALIASES_INPUT | FUSED_WITH_PREVIOUS;

/// [`OpSlot::in_place_input`] of an op not running in place.
pub const NO_INPUT: u16 = u16::MAX;

/// Per-operator record: 24 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
pub struct OpSlot {
    /// Index of the registration in the resolver.
    pub registration: u16,
    /// Bytes of the op's own state ([`OpSlot::state_range`]), 0 for
    /// most ops.
    pub state_len: u16,
    /// [`ALIASES_INPUT`], [`FUSED_WITH_NEXT`], [`FUSED_WITH_PREVIOUS`].
    pub flags: u16,
    /// The input whose memory the output may reuse (in-place grant), or
    /// [`NO_INPUT`].
    pub in_place_input: u16,
    /// Offset of the prepared chunk in the chunk region.
    pub chunk_offset: u32,
    /// Length of the prepared chunk.
    pub chunk_len: u32,
    /// Offset of the scratch buffer in the head (a stateful op's state
    /// lies just before it, [`OpSlot::state_range`]).
    pub scratch_offset: u32,
    /// Length of the scratch buffer (0 = none).
    pub scratch_len: u32,
}

impl OpSlot {
    /// Byte range of the prepared chunk in the chunk region.
    pub fn chunk_range(&self) -> Range<usize> {
        span(self.chunk_offset, self.chunk_len)
    }

    /// Byte range of the scratch buffer in the head.
    pub fn scratch_range(&self) -> Range<usize> {
        span(self.scratch_offset, self.scratch_len)
    }

    /// Byte range of the op's state in the head: just before its scratch,
    /// in one block planned for the interpreter's whole life (state is
    /// kept across invokes).
    pub fn state_range(&self) -> Range<usize> {
        let len = u32::from(self.state_len);
        span(self.scratch_offset.saturating_sub(len), len)
    }
}
