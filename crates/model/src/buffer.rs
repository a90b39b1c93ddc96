//! Locating the bytes of a `Model.buffers` entry.

use crate::schema;

/// The bytes a buffer holds: the region `offset..offset + size` of the file
/// when `offset > 1` (data stored after the flatbuffer, as large-model
/// writers do), otherwise the inline `data` vector (empty if absent).
///
/// Returns `None` if the external region does not lie inside `file`.
pub(crate) fn buffer_bytes<'a>(file: &'a [u8], buffer: schema::Buffer<'a>) -> Option<&'a [u8]> {
    let offset = buffer.offset();
    if offset > 1 {
        let start = usize::try_from(offset).ok()?;
        let len = usize::try_from(buffer.size()).ok()?;
        file.get(start..start.checked_add(len)?)
    } else {
        Some(buffer.data().map_or(&[][..], |d| d.bytes()))
    }
}
