//! The structural verifier: checks once that every table, vector, string and
//! union value the schema lets a file contain lies inside the file, is
//! aligned, and is well formed, walking the schema's layout tables
//! ([`crate::schema::layout`]) instead of generated per-table code.
//!
//! Its rules are those of the `flatbuffers` crate's verifier with default
//! options (the same limits: 64 nested tables, 1,000,000 tables, an apparent
//! size of 2 GiB), so it accepts and rejects the same files; union values
//! with a NONE or unknown tag are skipped here, as there, and rejected by
//! the model checks that follow. It allocates nothing and its recursion is
//! bounded by the schema's nesting depth (the schema's types form no cycle).

use super::{Scalar, Table};
use crate::error::{FieldName, FlatbufferError, FlatbufferErrorKind as Kind};
use crate::schema::layout;

/// Most tables nested inside each other.
const MAX_DEPTH: usize = 64;
/// Most tables visited.
const MAX_TABLES: usize = 1_000_000;
/// Most bytes visited, counting shared objects once per visit.
const MAX_APPARENT_SIZE: usize = 1 << 31;

// Field kinds in `layout::FIELDS` (written by schema/generate_rust.py).
const KIND_SKIP: u8 = 0;
const KIND_SCALAR: u8 = 1;
const KIND_STRING: u8 = 2;
const KIND_VECTOR: u8 = 3;
const KIND_TABLE_VECTOR: u8 = 4;
const KIND_STRING_VECTOR: u8 = 5;
const KIND_TABLE: u8 = 6;
const KIND_UNION_TYPE: u8 = 7;
const KIND_UNION_VALUE: u8 = 8;

/// Verifies the whole flatbuffer `buf` and returns its root table.
pub(crate) fn verify_root(buf: &[u8]) -> Result<Table<'_>, FlatbufferError> {
    let mut v = Verifier {
        buf,
        depth: 0,
        tables: 0,
        apparent: 0,
        field: None,
    };
    let root = v.uoffset(0)?;
    v.table(layout::ROOT, root)?;
    Ok(Table::at(buf, root))
}

struct Verifier<'a> {
    buf: &'a [u8],
    depth: usize,
    tables: usize,
    apparent: usize,
    /// The innermost field being verified, for error messages.
    field: Option<FieldName>,
}

impl Verifier<'_> {
    fn error(&self, kind: Kind, position: Option<usize>) -> FlatbufferError {
        FlatbufferError {
            kind,
            position,
            field: self.field,
        }
    }

    fn aligned(&self, pos: usize, align: usize) -> Result<(), FlatbufferError> {
        if align > 1 && !pos.is_multiple_of(align) {
            return Err(self.error(Kind::Unaligned, Some(pos)));
        }
        Ok(())
    }

    fn range(&mut self, pos: usize, size: usize) -> Result<(), FlatbufferError> {
        if pos.saturating_add(size) > self.buf.len() {
            return Err(self.error(Kind::RangeOutOfBounds, Some(pos)));
        }
        self.apparent = self.apparent.saturating_add(size);
        if self.apparent > MAX_APPARENT_SIZE {
            return Err(self.error(Kind::ApparentSizeTooLarge, None));
        }
        Ok(())
    }

    /// A scalar of `size` bytes at `pos`.
    fn scalar(&mut self, pos: usize, size: usize) -> Result<(), FlatbufferError> {
        self.aligned(pos, size)?;
        self.range(pos, size)
    }

    fn read<T: Scalar>(&mut self, pos: usize) -> Result<T, FlatbufferError> {
        self.scalar(pos, T::SIZE)?;
        T::read(self.buf, pos).ok_or(self.error(Kind::RangeOutOfBounds, Some(pos)))
    }

    /// Follows the unsigned offset stored at `pos`.
    fn uoffset(&mut self, pos: usize) -> Result<usize, FlatbufferError> {
        let offset = self.read::<u32>(pos)?;
        Ok(pos.saturating_add(offset as usize))
    }

    /// A vector of `len` elements of `size` bytes whose length is at `pos`;
    /// returns (position of element 0, length).
    fn vector(&mut self, pos: usize, size: usize) -> Result<(usize, usize), FlatbufferError> {
        let len = self.read::<u32>(pos)? as usize;
        let start = pos.saturating_add(4);
        self.aligned(start, size)?;
        self.range(start, len.saturating_mul(size))?;
        Ok((start, len))
    }

    fn string(&mut self, pos: usize) -> Result<(), FlatbufferError> {
        let (start, len) = self.vector(pos, 1)?;
        let end = start.saturating_add(len);
        let bytes = self.buf.get(start..end).unwrap_or_default();
        if core::str::from_utf8(bytes).is_err() {
            return Err(self.error(Kind::InvalidUtf8, Some(start)));
        }
        if self.buf.get(end) != Some(&0) {
            return Err(self.error(Kind::MissingNullTerminator, Some(start)));
        }
        Ok(())
    }

    /// Table `id` of the layout at `pos`, and everything it refers to.
    fn table(&mut self, id: u8, pos: usize) -> Result<(), FlatbufferError> {
        let soffset = self.read::<i32>(pos)?;
        let vtable = if soffset > 0 {
            pos.checked_sub(soffset.unsigned_abs() as usize)
        } else {
            pos.checked_add(soffset.unsigned_abs() as usize)
        }
        .filter(|&p| p < self.buf.len())
        .ok_or(self.error(Kind::SignedOffsetOutOfBounds, Some(pos)))?;
        let vtable_len = usize::from(self.read::<u16>(vtable)?);
        self.aligned(vtable.saturating_add(vtable_len), 2)?;
        self.range(vtable, vtable_len)?;
        self.tables += 1;
        if self.tables > MAX_TABLES {
            return Err(self.error(Kind::TooManyTables, None));
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(Kind::DepthLimitReached, None));
        }
        let fields = entries(&layout::FIELDS, &layout::TABLE_START, id);
        // The vtable's range was checked above: its entries are read
        // directly (and counted towards the apparent size, as the
        // flatbuffers verifier counts them). Slots past its end are absent.
        let present_slots = vtable_len.saturating_sub(4) / 2;
        let mut union_type_at = None;
        for (slot, &[kind, arg]) in fields.iter().enumerate().take(present_slots) {
            let entry = vtable + 4 + 2 * slot;
            let at = usize::from(u16::read(self.buf, entry).unwrap_or(0));
            self.apparent = self.apparent.saturating_add(2);
            if at == 0 && kind != KIND_UNION_VALUE {
                continue;
            }
            let field_pos = (at != 0).then(|| pos.saturating_add(at));
            self.field = Some(FieldName {
                table: id,
                slot: u16::try_from(slot).unwrap_or(u16::MAX),
            });
            if kind == KIND_UNION_TYPE {
                union_type_at = field_pos;
                continue;
            }
            if kind == KIND_UNION_VALUE {
                self.union(arg, union_type_at.take(), field_pos)?;
                continue;
            }
            let Some(field_pos) = field_pos else { continue };
            match kind {
                KIND_SCALAR => self.scalar(field_pos, usize::from(arg))?,
                KIND_STRING => {
                    let target = self.uoffset(field_pos)?;
                    self.string(target)?;
                }
                KIND_VECTOR => {
                    let target = self.uoffset(field_pos)?;
                    self.vector(target, usize::from(arg))?;
                }
                KIND_TABLE_VECTOR | KIND_STRING_VECTOR => {
                    let target = self.uoffset(field_pos)?;
                    let (start, len) = self.vector(target, 4)?;
                    for i in 0..len {
                        let element = self.uoffset(start.saturating_add(4 * i))?;
                        if kind == KIND_TABLE_VECTOR {
                            self.table(arg, element)?;
                        } else {
                            self.string(element)?;
                        }
                    }
                }
                KIND_TABLE => {
                    let target = self.uoffset(field_pos)?;
                    self.table(arg, target)?;
                }
                KIND_SKIP => {}
                _ => return Err(self.error(Kind::MissingRequiredField, Some(field_pos))),
            }
        }
        // A union tag in the vtable whose value slot lies past its end.
        if let Some(at) = union_type_at {
            return Err(self.error(Kind::InconsistentUnion, Some(at)));
        }
        self.depth -= 1;
        Ok(())
    }

    /// A union value of union `id`: its tag at `type_at`, its value at
    /// `value_at`. Tags the schema does not name (and NONE) are skipped.
    fn union(
        &mut self,
        id: u8,
        type_at: Option<usize>,
        value_at: Option<usize>,
    ) -> Result<(), FlatbufferError> {
        match (type_at, value_at) {
            (None, None) => Ok(()),
            (Some(type_at), Some(value_at)) => {
                let tag = self.read::<u8>(type_at)?;
                let members = entries(&layout::UNION_MEMBERS, &layout::UNION_START, id);
                let member = usize::from(tag).checked_sub(1).and_then(|k| members.get(k));
                match member {
                    Some(&table) => {
                        let target = self.uoffset(value_at)?;
                        self.table(table, target)
                    }
                    None => Ok(()),
                }
            }
            (_, at) => Err(self.error(Kind::InconsistentUnion, at)),
        }
    }
}

/// Entries `starts[id]..starts[id + 1]` of `all` (the slots of a table, the
/// members of a union).
fn entries<'t, T>(all: &'t [T], starts: &[u16], id: u8) -> &'t [T] {
    let at = |k: usize| starts.get(k).map(|&s| usize::from(s));
    let id = usize::from(id);
    match (at(id), at(id + 1)) {
        (Some(first), Some(end)) => all.get(first..end).unwrap_or_default(),
        _ => &[],
    }
}
