//! The records the interpreter keeps in the arena's persistent region: one
//! [`TensorSlot`] per tensor and one [`OpSlot`] per operator, followed by
//! each operator's prepared data chunk.

use core::ops::Range;

use bytemuck::{Pod, Zeroable};

/// Alignment of every region the interpreter carves from the arena.
pub const ALIGN: usize = 16;

/// Round `n` up to [`ALIGN`], or `None` on overflow.
pub fn align_up(n: usize) -> Option<usize> {
    n.checked_add(ALIGN - 1).map(|v| v & !(ALIGN - 1))
}

/// `offset..offset + len`, saturating (records may come from prepared
/// state made elsewhere; an impossible range then simply finds no bytes).
fn span(offset: u32, len: u32) -> Range<usize> {
    let start = offset as usize;
    start..start.saturating_add(len as usize)
}

/// Where a tensor's bytes live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorHome {
    /// Not read or written by any operator, nor a model input or output.
    Unused,
    /// In the planned head, at `offset`.
    Head,
    /// In the model's constant buffer.
    Constant,
}

/// Per-tensor record: 12 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
pub struct TensorSlot {
    /// Byte offset in the head ([`TensorHome::Head`]), or of the constant
    /// data in the model file ([`TensorHome::Constant`]).
    pub offset: u32,
    /// Byte length.
    pub len: u32,
    pub(crate) home: u32,
}

impl TensorSlot {
    /// A tensor in the head at `offset`.
    pub fn head(offset: u32, len: u32) -> Self {
        Self {
            offset,
            len,
            home: 1,
        }
    }

    /// A tensor viewing `len` bytes of constant data at `offset` in the
    /// model file.
    pub fn constant(offset: u32, len: u32) -> Self {
        Self {
            offset,
            len,
            home: 2,
        }
    }

    /// Byte range in the head ([`TensorHome::Head`]) or the model file
    /// ([`TensorHome::Constant`]).
    pub fn range(&self) -> Range<usize> {
        span(self.offset, self.len)
    }

    /// Where the bytes live.
    pub fn home(&self) -> TensorHome {
        match self.home {
            1 => TensorHome::Head,
            2 => TensorHome::Constant,
            _ => TensorHome::Unused,
        }
    }
}

/// [`OpSlot::flags`]: the output aliases input 0, eval is skipped.
pub const ALIASES_INPUT: u16 = 1;
/// [`OpSlot::flags`]: the op runs fused with the next one, band by band,
/// and its output is never materialised ([`crate::fusion`]).
pub const FUSED_WITH_NEXT: u16 = 2;
/// [`OpSlot::flags`]: the op runs within the previous op's fused step.
pub const FUSED_WITH_PREVIOUS: u16 = 4;

/// [`OpSlot::flags`] of ops whose own eval step is skipped.
pub const ALIAS_OR_FUSED_CONSUMER: u16 = ALIASES_INPUT | FUSED_WITH_PREVIOUS;

/// [`OpSlot::in_place_input`] of an op not running in place.
pub const NO_INPUT: u16 = u16::MAX;

/// Per-operator record: 24 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
pub struct OpSlot {
    /// Index of the registration in the resolver.
    pub registration: u32,
    /// [`ALIASES_INPUT`], [`FUSED_WITH_NEXT`], [`FUSED_WITH_PREVIOUS`].
    pub flags: u16,
    /// The input whose memory the output may reuse (in-place grant), or
    /// [`NO_INPUT`].
    pub in_place_input: u16,
    /// Offset of the prepared chunk in the chunk region.
    pub chunk_offset: u32,
    /// Length of the prepared chunk.
    pub chunk_len: u32,
    /// Offset of the scratch buffer in the head.
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
}
