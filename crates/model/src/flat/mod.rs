//! A small, safe reader of the flatbuffer wire format: tables, vectors and
//! strings over a byte slice.
//!
//! Every read is bounds-checked and falls back to the schema default (for
//! scalars) or `None` (for offsets) when the bytes are not there, so no
//! input, verified or not, can make a read panic or leave the slice.
//! [`verify`] checks a whole file against the schema's layout once, so that
//! on a verified model those fall-backs are never taken.
//!
//! All multi-byte values are little-endian and read byte-wise, so nothing
//! here depends on the host's alignment rules.

pub(crate) mod verify;

use core::marker::PhantomData;

/// A scalar the reader can decode from little-endian bytes.
pub trait Scalar: Copy + sealed::Sealed {
    /// Bytes on the wire.
    const SIZE: usize;
    /// Decodes the value at `pos` of `buf`, or `None` if out of bounds.
    fn read(buf: &[u8], pos: usize) -> Option<Self>;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! scalar {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Scalar for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            #[inline]
            fn read(buf: &[u8], pos: usize) -> Option<Self> {
                let bytes = buf.get(pos..pos.checked_add(Self::SIZE)?)?;
                Some(<$t>::from_le_bytes(bytes.try_into().ok()?))
            }
        }
    )*};
}

scalar!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

impl sealed::Sealed for bool {}
impl Scalar for bool {
    const SIZE: usize = 1;
    #[inline]
    fn read(buf: &[u8], pos: usize) -> Option<Self> {
        buf.get(pos).map(|&b| b != 0)
    }
}

/// The position an unsigned 32-bit offset stored at `pos` points to.
#[inline]
pub(crate) fn follow(buf: &[u8], pos: usize) -> Option<usize> {
    let offset = u32::read(buf, pos)?;
    pos.checked_add(usize::try_from(offset).ok()?)
}

/// A table in a flatbuffer: the whole buffer and the table's position.
#[derive(Clone, Copy)]
pub struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Table<'a> {
    /// The table at `pos` of `buf` (no check: reads that find no table
    /// there give defaults).
    pub(crate) fn at(buf: &'a [u8], pos: usize) -> Self {
        Self { buf, pos }
    }

    /// The root table of a flatbuffer (its first four bytes point to it).
    #[cfg(feature = "trusted")]
    pub(crate) fn root(buf: &'a [u8]) -> Option<Self> {
        follow(buf, 0).map(|pos| Self { buf, pos })
    }

    /// Position of the table in the buffer.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The buffer the table lives in.
    pub fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    /// Position of the table's vtable.
    fn vtable(&self) -> Option<usize> {
        let soffset = i32::read(self.buf, self.pos)?;
        let pos = isize::try_from(self.pos).ok()?;
        usize::try_from(pos.checked_sub(isize::try_from(soffset).ok()?)?).ok()
    }

    /// Offset of the field at vtable offset `vt` from the table's start, or
    /// 0 when the field is absent.
    #[inline]
    pub fn field_offset(&self, vt: u16) -> u16 {
        let Some(vtable) = self.vtable() else {
            return 0;
        };
        let len = u16::read(self.buf, vtable).unwrap_or(0);
        if vt >= len {
            return 0;
        }
        vtable
            .checked_add(usize::from(vt))
            .and_then(|p| u16::read(self.buf, p))
            .unwrap_or(0)
    }

    /// Position of the field at vtable offset `vt`, if present. (Not
    /// inlined, like the other out-of-line readers below: every field read
    /// of the model shares one copy, which keeps firmware small.)
    #[inline(never)]
    fn field(&self, vt: u16) -> Option<usize> {
        match self.field_offset(vt) {
            0 => None,
            offset => self.pos.checked_add(usize::from(offset)),
        }
    }

    /// Scalar field, or `default` when absent.
    #[inline]
    pub fn scalar<T: Scalar>(&self, vt: u16, default: T) -> T {
        self.field(vt)
            .and_then(|p| T::read(self.buf, p))
            .unwrap_or(default)
    }

    /// Position an offset field at vtable offset `vt` points to.
    #[inline(never)]
    fn target(&self, vt: u16) -> Option<usize> {
        follow(self.buf, self.field(vt)?)
    }

    /// Sub-table field.
    #[inline]
    pub fn table(&self, vt: u16) -> Option<Table<'a>> {
        let pos = self.target(vt)?;
        Some(Table { buf: self.buf, pos })
    }

    /// Vector-of-scalars field.
    #[inline]
    pub fn vector<T: Scalar>(&self, vt: u16) -> Option<Vector<'a, T>> {
        Vector::at(self.buf, self.target(vt)?)
    }

    /// Vector-of-tables field.
    #[inline]
    pub fn table_vector<T: FromTable<'a>>(&self, vt: u16) -> Option<TableVector<'a, T>> {
        let offsets = Vector::<u32>::at(self.buf, self.target(vt)?)?;
        Some(TableVector {
            offsets,
            _type: PhantomData,
        })
    }

    /// String field; `None` when absent or not UTF-8.
    #[inline]
    pub fn string(&self, vt: u16) -> Option<&'a str> {
        let bytes = Vector::<u8>::at(self.buf, self.target(vt)?)?;
        core::str::from_utf8(bytes.bytes()).ok()
    }
}

/// A generated table type: a typed wrapper of a [`Table`].
pub trait FromTable<'a>: Copy {
    /// The table's index in the schema's layout tables.
    const ID: u8;
    /// Wraps `table`.
    fn from_table(table: Table<'a>) -> Self;
    /// The untyped table.
    fn table(&self) -> Table<'a>;
}

/// A vector of scalars.
#[derive(Clone, Copy)]
pub struct Vector<'a, T> {
    buf: &'a [u8],
    /// Position of element 0 in `buf`.
    start: usize,
    /// Number of elements; `start + len * T::SIZE` lies inside `buf`.
    len: usize,
    _type: PhantomData<T>,
}

impl<T> Default for Vector<'_, T> {
    fn default() -> Self {
        Self {
            buf: &[],
            start: 0,
            len: 0,
            _type: PhantomData,
        }
    }
}

/// Start and length of the vector of `element_size`-byte elements whose
/// length prefix is at `pos`; `None` if it does not fit in `buf`.
#[inline(never)]
fn vector_span(buf: &[u8], pos: usize, element_size: usize) -> Option<(usize, usize)> {
    let len = usize::try_from(u32::read(buf, pos)?).ok()?;
    let start = pos.checked_add(4)?;
    let end = start.checked_add(len.checked_mul(element_size)?)?;
    (end <= buf.len()).then_some((start, len))
}

impl<'a, T: Scalar> Vector<'a, T> {
    /// The vector whose length prefix is at `pos`; `None` if it does not
    /// fit in `buf`.
    #[inline]
    fn at(buf: &'a [u8], pos: usize) -> Option<Self> {
        let (start, len) = vector_span(buf, pos, T::SIZE)?;
        Some(Self {
            buf,
            start,
            len,
            _type: PhantomData,
        })
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the vector has no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Element `i`, or `None` if `i >= len()`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<T> {
        if i >= self.len {
            return None;
        }
        T::read(self.buf, self.start.checked_add(i.checked_mul(T::SIZE)?)?)
    }

    /// Position of element `i` in the buffer (no range check).
    fn position(&self, i: usize) -> Option<usize> {
        self.start.checked_add(i.checked_mul(T::SIZE)?)
    }

    /// The elements in order.
    pub fn iter(&self) -> VectorIter<'a, T> {
        VectorIter {
            vector: *self,
            next: 0,
        }
    }
}

impl<'a, T: Scalar> Vector<'a, T> {
    /// The elements' bytes as stored (little-endian).
    pub fn raw_bytes(&self) -> &'a [u8] {
        let end = self.start.saturating_add(self.len.saturating_mul(T::SIZE));
        self.buf.get(self.start..end).unwrap_or_default()
    }
}

impl<'a> Vector<'a, u8> {
    /// The bytes of a `[ubyte]` vector.
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.raw_bytes()
    }
}

impl<T: Scalar + core::fmt::Debug> core::fmt::Debug for Vector<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: Scalar> IntoIterator for Vector<'a, T> {
    type Item = T;
    type IntoIter = VectorIter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over a [`Vector`].
#[derive(Clone)]
pub struct VectorIter<'a, T> {
    vector: Vector<'a, T>,
    next: usize,
}

impl<T: Scalar> Iterator for VectorIter<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        let item = self.vector.get(self.next)?;
        self.next += 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.vector.len.saturating_sub(self.next);
        (left, Some(left))
    }
}

impl<T: Scalar> ExactSizeIterator for VectorIter<'_, T> {}

/// A vector of tables of type `T`.
#[derive(Clone, Copy)]
pub struct TableVector<'a, T> {
    offsets: Vector<'a, u32>,
    _type: PhantomData<T>,
}

impl<T> Default for TableVector<'_, T> {
    fn default() -> Self {
        Self {
            offsets: Vector::default(),
            _type: PhantomData,
        }
    }
}

impl<'a, T: FromTable<'a>> TableVector<'a, T> {
    /// Number of tables.
    #[inline]
    pub fn len(&self) -> usize {
        self.offsets.len
    }

    /// Whether the vector has no tables.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.offsets.len == 0
    }

    /// Table `i`, or `None` if `i >= len()`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<T> {
        // Each element is an offset counted from the element's own position.
        let element = self.offsets.position(i)?;
        let offset = usize::try_from(self.offsets.get(i)?).ok()?;
        let pos = element.checked_add(offset)?;
        Some(T::from_table(Table::at(self.offsets.buf, pos)))
    }

    /// The tables in order.
    pub fn iter(&self) -> TableVectorIter<'a, T> {
        TableVectorIter {
            vector: *self,
            next: 0,
        }
    }
}

impl<'a, T: FromTable<'a>> IntoIterator for TableVector<'a, T> {
    type Item = T;
    type IntoIter = TableVectorIter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over a [`TableVector`].
#[derive(Clone)]
pub struct TableVectorIter<'a, T> {
    vector: TableVector<'a, T>,
    next: usize,
}

impl<'a, T: FromTable<'a>> Iterator for TableVectorIter<'a, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        let item = self.vector.get(self.next)?;
        self.next += 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.vector.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl<'a, T: FromTable<'a>> ExactSizeIterator for TableVectorIter<'a, T> {}
