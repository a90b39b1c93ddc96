//! [`TensorSlot`]: where the interpreter keeps a tensor's bytes (its head
//! or the model's constant data), as one 12-byte record per tensor.

use core::ops::Range;

use bytemuck::{Pod, Zeroable};

/// `offset..offset + len`, saturating (records may come from prepared
/// state made elsewhere; an impossible range then simply finds no bytes).
pub fn span(offset: u32, len: u32) -> Range<usize> {
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
    /// A copy of constant data that the model stores misaligned for its
    /// type, kept with the prepared op data (at `offset` there).
    Copied,
}

/// Per-tensor record: 12 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
pub struct TensorSlot {
    /// Byte offset in the head ([`TensorHome::Head`]), of the constant
    /// data in the model file ([`TensorHome::Constant`]), or of its copy in
    /// the prepared op data ([`TensorHome::Copied`]).
    pub offset: u32,
    /// Byte length.
    pub len: u32,
    /// The [`TensorHome`] in the low byte, [`VARIABLE`] above it, a
    /// variable's reset byte in bits 16 to 23.
    home: u32,
}

/// [`TensorSlot`]'s mark of a variable tensor (state kept across invokes,
/// in the head for the interpreter's whole life).
const VARIABLE: u32 = 0x100;

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

    /// A copy of constant data, `len` bytes at `offset` in the prepared op
    /// data ([`TensorHome::Copied`]).
    pub fn copied(offset: u32, len: u32) -> Self {
        Self {
            offset,
            len,
            home: 3,
        }
    }

    /// A tensor with no bytes placed yet, `len` bytes long.
    pub fn unused(len: u32) -> Self {
        Self {
            offset: 0,
            len,
            home: 0,
        }
    }

    /// This record marked as a variable tensor's
    /// ([`TensorSlot::is_variable`]) whose bytes reset to `reset_byte`.
    pub fn variable(self, reset_byte: u8) -> Self {
        Self {
            home: (self.home & 0xff) | VARIABLE | (u32::from(reset_byte) << 16),
            ..self
        }
    }

    /// The byte a variable tensor's bytes are set to at start and at reset
    /// (TFLM's `ResetVariableTensors`: an int8 tensor's zero point, else 0).
    pub fn reset_byte(&self) -> u8 {
        (self.home >> 16) as u8
    }

    /// Whether the tensor is a variable: state a stateful op updates in
    /// place, kept across invokes.
    pub fn is_variable(&self) -> bool {
        self.home & VARIABLE != 0
    }

    /// This record with length `len` (a view of its bytes).
    pub fn with_len(self, len: u32) -> Self {
        Self { len, ..self }
    }

    /// Byte range in the head ([`TensorHome::Head`]), the model file
    /// ([`TensorHome::Constant`]) or the prepared op data
    /// ([`TensorHome::Copied`]).
    pub fn range(&self) -> Range<usize> {
        span(self.offset, self.len)
    }

    /// Where the bytes live.
    pub fn home(&self) -> TensorHome {
        match self.home & 0xff {
            1 => TensorHome::Head,
            2 => TensorHome::Constant,
            3 => TensorHome::Copied,
            _ => TensorHome::Unused,
        }
    }
}
