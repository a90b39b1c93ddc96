//! Interpreter state prepared ahead of time: the tensor and operator
//! records and every operator's prepared data, as [`Interpreter::new`]
//! leaves them in the arena, written once on the host
//! ([`Interpreter::write_prepared`], or `microlite-build` from `build.rs`)
//! and stored in flash. [`Interpreter::from_prepared`] then needs no
//! prepare code, no planner and no arena for the records: only the head
//! (activations and scratch) lives in RAM, and start-up is a few checks.
//!
//! The image (all words little-endian `u32`, sections 16-byte aligned):
//!
//! ```text
//! header  magic "MLPI", version, model length, model fingerprint,
//!         tensors, operators, prepared-data bytes, head bytes
//! [TensorSlot; tensors]   [OpSlot; operators]   [params size; operators]
//! prepared data
//! ```
//!
//! Records hold only fixed-width integers, and ops' params are `u32`-sized
//! fields (their size is stored and checked per operator), so an image
//! written on a 64-bit host serves a 32-bit core. Scratch sizes are those of
//! the kernels active when it was written: prepare with the backend the
//! target runs (`Backend::BARE_METAL` on bare metal: `Backend::CortexM`, or
//! `Backend::Compact` with the `small-kernels` feature; `microlite-build`'s
//! `prepared_for` takes it). A kernel given less scratch than it needs
//! returns an error, never reads out of bounds.
//!
//! [`Interpreter::new`]: crate::Interpreter::new
//! [`Interpreter::write_prepared`]: crate::Interpreter::write_prepared
//! [`Interpreter::from_prepared`]: crate::Interpreter::from_prepared

use bytemuck::{Pod, Zeroable};

use crate::error::Error;
use crate::layout::{align_up, OpSlot, TensorSlot, ALIGN};

/// Interpreter state prepared ahead of time (see the module docs): bytes
/// that [`crate::Interpreter::write_prepared`] wrote, 16-byte aligned.
/// [`crate::Interpreter::from_prepared`] checks them against the model and
/// the resolver.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<'p> {
    bytes: &'p [u8],
}

impl<'p> Prepared<'p> {
    /// Wraps image bytes (checked when an interpreter is made from them).
    pub const fn from_bytes(bytes: &'p [u8]) -> Self {
        Self { bytes }
    }

    /// The image bytes.
    pub fn bytes(&self) -> &'p [u8] {
        self.bytes
    }
}

/// Prepared-state bytes with the alignment they need, for a `static`
/// (what `microlite-build` emits).
#[repr(C, align(16))]
pub struct PreparedBytes<const N: usize>(pub [u8; N]);

impl<const N: usize> PreparedBytes<N> {
    /// The image.
    pub const fn prepared(&self) -> Prepared<'_> {
        Prepared::from_bytes(&self.0)
    }
}

/// `"MLPI"` read as a native `u32`: a big-endian reader sees another value.
const MAGIC: u32 = u32::from_le_bytes(*b"MLPI");
/// Bumped whenever the records, params or this layout change.
const VERSION: u16 = 5;

/// The image's first 32 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
pub(crate) struct Header {
    magic: u32,
    version: u16,
    /// `Backend::scratch_layout` of the kernels active when it was written.
    pub kernels: u16,
    pub model_len: u32,
    pub model_fingerprint: u32,
    pub tensors: u32,
    pub ops: u32,
    pub chunk_bytes: u32,
    pub head_bytes: u32,
}

/// The sections of an image, borrowed from its bytes.
pub(crate) struct Sections<'p> {
    pub header: Header,
    pub tensors: &'p [TensorSlot],
    pub ops: &'p [OpSlot],
    pub params_sizes: &'p [u32],
    pub chunks: &'p [u8],
}

/// Byte offsets of the sections after the header, and the total length.
struct Offsets {
    tensors: usize,
    ops: usize,
    params_sizes: usize,
    chunks: usize,
    total: usize,
}

fn offsets(tensors: usize, ops: usize, chunk_bytes: usize) -> Option<Offsets> {
    let section = |count: usize, size: usize| count.checked_mul(size).and_then(align_up);
    let tensors_at = core::mem::size_of::<Header>();
    let ops_at = tensors_at.checked_add(section(tensors, core::mem::size_of::<TensorSlot>())?)?;
    let params_at = ops_at.checked_add(section(ops, core::mem::size_of::<OpSlot>())?)?;
    let chunks_at = params_at.checked_add(section(ops, 4)?)?;
    Some(Offsets {
        tensors: tensors_at,
        ops: ops_at,
        params_sizes: params_at,
        chunks: chunks_at,
        total: chunks_at.checked_add(chunk_bytes)?,
    })
}

/// Bytes of an image with these counts.
pub(crate) fn image_len(tensors: usize, ops: usize, chunk_bytes: usize) -> Option<usize> {
    offsets(tensors, ops, chunk_bytes).map(|o| o.total)
}

fn bad(what: &'static str) -> Error {
    Error::BadPrepared { what }
}

/// On bare-metal targets, whether an image written with kernel set
/// `prepared` (a `Backend::scratch_layout`) serves the linked kernels
/// (`Backend::BARE_METAL`): its scratch sizes are theirs. Hosts take any
/// image (their kernels fall back to the reference kernel on short
/// scratch).
pub(crate) fn check_kernels(prepared: u16, bare_metal: bool) -> Result<(), Error> {
    use microlite_kernels::optimized::Backend;
    let linked = Backend::BARE_METAL.scratch_layout();
    // With `reference-only` no kernel takes scratch: any image serves.
    if bare_metal && !cfg!(feature = "reference-only") && prepared != linked {
        return Err(Error::PreparedForOtherKernels {
            prepared: Backend::scratch_layout_name(prepared),
            linked: Backend::scratch_layout_name(linked),
        });
    }
    Ok(())
}

/// The backend whose scratch sizes an image with kernel set `kernels` (a
/// `Backend::scratch_layout`) holds: on bare metal the linked one; on hosts
/// the named microcontroller kernels, or for host images the best this CPU
/// runs.
pub(crate) fn backend_of(kernels: u16) -> microlite_kernels::optimized::Backend {
    use microlite_kernels::optimized::Backend;
    if cfg!(target_os = "none") {
        return Backend::BARE_METAL;
    }
    match kernels {
        1 => Backend::Compact,
        2 => Backend::CortexM,
        _ => Backend::detect(),
    }
}

/// Splits `bytes` into its sections, checking magic, version, alignment
/// and that the length is exactly what the header's counts need.
pub(crate) fn sections(bytes: &[u8]) -> Result<Sections<'_>, Error> {
    if bytes.as_ptr().align_offset(ALIGN) != 0 {
        return Err(bad("not 16-byte aligned"));
    }
    let header_bytes = bytes
        .get(..core::mem::size_of::<Header>())
        .ok_or(bad("shorter than its header"))?;
    let header: Header = bytemuck::pod_read_unaligned(header_bytes);
    if header.magic != MAGIC {
        return Err(bad(
            "no MLPI magic (not prepared state, or another byte order)",
        ));
    }
    if header.version != VERSION {
        return Err(bad("written by another version of microlite"));
    }
    let (tensors, ops, chunk_bytes) = (
        header.tensors as usize,
        header.ops as usize,
        header.chunk_bytes as usize,
    );
    let at = offsets(tensors, ops, chunk_bytes).ok_or(bad("section sizes overflow"))?;
    if bytes.len() != at.total {
        return Err(bad("length differs from what its header describes"));
    }
    let section = |start: usize, len: usize| bytes.get(start..start.saturating_add(len));
    let cast_error = |_| bad("section misaligned");
    let tensor_bytes = section(at.tensors, tensors * core::mem::size_of::<TensorSlot>());
    let op_bytes = section(at.ops, ops * core::mem::size_of::<OpSlot>());
    let params_bytes = section(at.params_sizes, ops * 4);
    let (Some(tensor_bytes), Some(op_bytes), Some(params_bytes), Some(chunks)) = (
        tensor_bytes,
        op_bytes,
        params_bytes,
        section(at.chunks, chunk_bytes),
    ) else {
        return Err(bad("section beyond the image"));
    };
    Ok(Sections {
        header,
        tensors: bytemuck::try_cast_slice(tensor_bytes).map_err(cast_error)?,
        ops: bytemuck::try_cast_slice(op_bytes).map_err(cast_error)?,
        params_sizes: bytemuck::try_cast_slice(params_bytes).map_err(cast_error)?,
        chunks,
    })
}

/// What [`write`] stores.
pub(crate) struct Contents<'c> {
    pub model: &'c [u8],
    pub tensors: &'c [TensorSlot],
    pub ops: &'c [OpSlot],
    /// `size_of` each operator's params.
    pub params_size: &'c dyn Fn(&OpSlot) -> Result<u32, Error>,
    pub chunks: &'c [u8],
    pub head_bytes: usize,
    /// The kernels the state was prepared for.
    pub backend: microlite_kernels::optimized::Backend,
}

/// Writes the image of `contents` to the front of `out`; returns its
/// length.
pub(crate) fn write(contents: &Contents<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let (tensors, ops) = (contents.tensors.len(), contents.ops.len());
    let at = offsets(tensors, ops, contents.chunks.len()).ok_or(Error::SizeOverflow)?;
    let out = out
        .get_mut(..at.total)
        .ok_or(bad("output buffer shorter than Interpreter::prepared_len"))?;
    out.fill(0);
    let to_u32 = |n: usize| u32::try_from(n).map_err(|_| Error::SizeOverflow);
    let header = Header {
        magic: MAGIC,
        version: VERSION,
        kernels: contents.backend.scratch_layout(),
        model_len: to_u32(contents.model.len())?,
        model_fingerprint: fingerprint(contents.model),
        tensors: to_u32(tensors)?,
        ops: to_u32(ops)?,
        chunk_bytes: to_u32(contents.chunks.len())?,
        head_bytes: to_u32(contents.head_bytes)?,
    };
    let mut put = |start: usize, bytes: &[u8]| -> Result<(), Error> {
        out.get_mut(start..start.saturating_add(bytes.len()))
            .ok_or(Error::Internal("prepared section"))?
            .copy_from_slice(bytes);
        Ok(())
    };
    put(0, bytemuck::bytes_of(&header))?;
    put(at.tensors, bytemuck::cast_slice(contents.tensors))?;
    put(at.ops, bytemuck::cast_slice(contents.ops))?;
    for (k, slot) in contents.ops.iter().enumerate() {
        let size = (contents.params_size)(slot)?;
        put(at.params_sizes + 4 * k, &size.to_le_bytes())?;
    }
    put(at.chunks, contents.chunks)?;
    Ok(at.total)
}

/// A 32-bit fingerprint of the model bytes (not a cryptographic hash: it
/// catches prepared state paired with another model): two running sums of
/// the little-endian words (Fletcher's checksum on 32-bit words, modulo
/// 2^32), so any changed word and any reordering changes it. Four words a
/// step: about four instructions per word on a Cortex-M.
pub(crate) fn fingerprint(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (bytes.len() as u32, 0x811C_9DC5_u32);
    let (blocks, tail) = bytes.as_chunks::<16>();
    for block in blocks {
        // Written out: opt-level "s" does not unroll the four steps.
        if let ([w0, w1, w2, w3], []) = block.as_chunks::<4>() {
            a = a.wrapping_add(u32::from_le_bytes(*w0));
            b = b.wrapping_add(a);
            a = a.wrapping_add(u32::from_le_bytes(*w1));
            b = b.wrapping_add(a);
            a = a.wrapping_add(u32::from_le_bytes(*w2));
            b = b.wrapping_add(a);
            a = a.wrapping_add(u32::from_le_bytes(*w3));
            b = b.wrapping_add(a);
        }
    }
    let (words, bytes) = tail.as_chunks::<4>();
    for w in words {
        a = a.wrapping_add(u32::from_le_bytes(*w));
        b = b.wrapping_add(a);
    }
    for &byte in bytes {
        a = a.wrapping_add(u32::from(byte));
        b = b.wrapping_add(a);
    }
    a ^ b.rotate_left(16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use microlite_kernels::optimized::Backend;

    #[test]
    fn images_for_other_kernels_are_refused_on_bare_metal_only() {
        let linked = Backend::BARE_METAL.scratch_layout();
        let other = if linked == 1 { 2 } else { 1 };
        assert_eq!(check_kernels(linked, true), Ok(()));
        assert_eq!(check_kernels(other, false), Ok(()));
        assert_eq!(check_kernels(0, false), Ok(()));
        if !cfg!(feature = "reference-only") {
            assert!(matches!(
                check_kernels(other, true),
                Err(Error::PreparedForOtherKernels { .. })
            ));
        }
    }
}
