//! A small, bounds-checked reader for FlexBuffers, the schemaless format
//! custom operators carry their options in (`Operator.custom_options`, as
//! TFLM's signal library writes them: a map of ints and bools).
//!
//! It reads the subset those options use: the root map (or any root value),
//! maps by key, inline and indirect scalars (int, uint, float, bool, null),
//! untyped vectors and typed int/uint/bool vectors. Strings, blobs and
//! typed float vectors are reported as [`FlexValue::Other`] with their type
//! code. Every read is bounds-checked: a malformed buffer gives a
//! [`FlexError`], never a panic.
//!
//! Format (the FlexBuffers specification): the last byte of a buffer is the
//! byte width of the root value, the byte before it the root's packed type
//! (`type << 2 | log2(child byte width)`); the root value sits just before
//! those two bytes. Values of a vector or map are inline scalars or offsets
//! back (towards the buffer start) to their data; a vector's length sits
//! one element width before its first element, the packed types of an
//! untyped vector's elements after its last one, and a map keeps, before
//! its length, the offset and byte width of its sorted key vector.

use core::fmt;

/// Why a FlexBuffer could not be read.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlexError {
    /// The buffer is shorter than its root or a value needs.
    Truncated,
    /// A byte width is not 1, 2, 4 or 8 (or does not fit the value).
    BadWidth,
    /// An offset points outside the buffer.
    BadOffset,
    /// The value is not of the kind asked for (a map, a vector).
    WrongType {
        /// The FlexBuffers type code found.
        found: u8,
    },
    /// A map key is not terminated by a zero byte.
    UnterminatedKey,
}

impl fmt::Display for FlexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Truncated => write!(f, "flexbuffer is truncated"),
            Self::BadWidth => write!(f, "flexbuffer has a bad byte width"),
            Self::BadOffset => write!(f, "flexbuffer has an offset outside the buffer"),
            Self::WrongType { found } => {
                write!(f, "flexbuffer value has an unexpected type ({found})")
            }
            Self::UnterminatedKey => write!(f, "flexbuffer map key is not terminated"),
        }
    }
}

impl core::error::Error for FlexError {}

// Type codes of the FlexBuffers specification.
const NULL: u8 = 0;
const INT: u8 = 1;
const UINT: u8 = 2;
const FLOAT: u8 = 3;
const INDIRECT_INT: u8 = 6;
const INDIRECT_UINT: u8 = 7;
const INDIRECT_FLOAT: u8 = 8;
const MAP: u8 = 9;
const VECTOR: u8 = 10;
const VECTOR_INT: u8 = 11;
const VECTOR_UINT: u8 = 12;
const BOOL: u8 = 26;
const VECTOR_BOOL: u8 = 36;

/// A value read from a FlexBuffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FlexValue<'a> {
    /// Null.
    Null,
    /// A signed integer (inline or indirect).
    Int(i64),
    /// An unsigned integer (inline or indirect).
    UInt(u64),
    /// A float (4 or 8 bytes wide), as f64.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A map.
    Map(FlexMap<'a>),
    /// A vector (untyped, or of ints, uints or bools).
    Vector(FlexVector<'a>),
    /// Any other type (strings, keys, blobs, typed float vectors): its
    /// FlexBuffers type code.
    Other(u8),
}

impl FlexValue<'_> {
    /// The value as a signed integer: ints, uints that fit and bools
    /// (`false` 0, `true` 1); `None` for other values.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Self::Int(v) => Some(v),
            Self::UInt(v) => i64::try_from(v).ok(),
            Self::Bool(v) => Some(i64::from(v)),
            _ => None,
        }
    }

    /// The value as a boolean: bools, and ints or uints (non-zero is
    /// `true`); `None` for other values.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Self::Bool(v) => Some(v),
            Self::Int(v) => Some(v != 0),
            Self::UInt(v) => Some(v != 0),
            _ => None,
        }
    }
}

fn width_ok(width: usize) -> Result<usize, FlexError> {
    match width {
        1 | 2 | 4 | 8 => Ok(width),
        _ => Err(FlexError::BadWidth),
    }
}

fn bytes_at(buf: &[u8], at: usize, width: usize) -> Result<&[u8], FlexError> {
    let end = at.checked_add(width).ok_or(FlexError::Truncated)?;
    buf.get(at..end).ok_or(FlexError::Truncated)
}

fn read_u64(buf: &[u8], at: usize, width: usize) -> Result<u64, FlexError> {
    let bytes = bytes_at(buf, at, width_ok(width)?)?;
    let mut le = [0u8; 8];
    for (dst, src) in le.iter_mut().zip(bytes) {
        *dst = *src;
    }
    Ok(u64::from_le_bytes(le))
}

fn read_i64(buf: &[u8], at: usize, width: usize) -> Result<i64, FlexError> {
    let raw = read_u64(buf, at, width)?;
    // Sign-extend from `width` bytes.
    let unused = 64 - 8 * u32::try_from(width).map_err(|_| FlexError::BadWidth)?;
    Ok(((raw << unused) as i64) >> unused)
}

fn read_f64(buf: &[u8], at: usize, width: usize) -> Result<f64, FlexError> {
    let bits = read_u64(buf, at, width)?;
    match width {
        4 => Ok(f64::from(f32::from_bits(
            u32::try_from(bits).map_err(|_| FlexError::BadWidth)?,
        ))),
        8 => Ok(f64::from_bits(bits)),
        _ => Err(FlexError::BadWidth),
    }
}

/// The position an offset at `at` (of `width` bytes) points back to.
fn indirect(buf: &[u8], at: usize, width: usize) -> Result<usize, FlexError> {
    let offset = usize::try_from(read_u64(buf, at, width)?).map_err(|_| FlexError::BadOffset)?;
    let target = at.checked_sub(offset).ok_or(FlexError::BadOffset)?;
    if target >= buf.len() {
        return Err(FlexError::BadOffset);
    }
    Ok(target)
}

/// The element count stored one `width` before `data`.
fn length_before(buf: &[u8], data: usize, width: usize) -> Result<usize, FlexError> {
    let at = data.checked_sub(width).ok_or(FlexError::BadOffset)?;
    let len = usize::try_from(read_u64(buf, at, width)?).map_err(|_| FlexError::Truncated)?;
    // Every element takes at least `width` bytes after `data`.
    let end = len
        .checked_mul(width)
        .and_then(|n| n.checked_add(data))
        .ok_or(FlexError::Truncated)?;
    if end > buf.len() {
        return Err(FlexError::Truncated);
    }
    Ok(len)
}

/// A value slot: `at` holds the value (inline) or an offset to it, of
/// `parent_width` bytes; `packed` is its packed type.
fn value_at(
    buf: &[u8],
    at: usize,
    parent_width: usize,
    packed: u8,
) -> Result<FlexValue<'_>, FlexError> {
    let ty = packed >> 2;
    let width = 1usize << (packed & 3);
    Ok(match ty {
        NULL => FlexValue::Null,
        INT => FlexValue::Int(read_i64(buf, at, parent_width)?),
        UINT => FlexValue::UInt(read_u64(buf, at, parent_width)?),
        FLOAT => FlexValue::Float(read_f64(buf, at, parent_width)?),
        BOOL => FlexValue::Bool(read_u64(buf, at, parent_width)? != 0),
        INDIRECT_INT => FlexValue::Int(read_i64(buf, indirect(buf, at, parent_width)?, width)?),
        INDIRECT_UINT => FlexValue::UInt(read_u64(buf, indirect(buf, at, parent_width)?, width)?),
        INDIRECT_FLOAT => FlexValue::Float(read_f64(buf, indirect(buf, at, parent_width)?, width)?),
        MAP => FlexValue::Map(FlexMap::at(buf, indirect(buf, at, parent_width)?, width)?),
        VECTOR | VECTOR_INT | VECTOR_UINT | VECTOR_BOOL => {
            let data = indirect(buf, at, parent_width)?;
            let kind = match ty {
                VECTOR => ElementKind::Untyped,
                VECTOR_INT => ElementKind::Int,
                VECTOR_UINT => ElementKind::UInt,
                _ => ElementKind::Bool,
            };
            FlexValue::Vector(FlexVector::at(buf, data, width, kind)?)
        }
        other => FlexValue::Other(other),
    })
}

/// The root value of the FlexBuffer `buf`.
pub fn root(buf: &[u8]) -> Result<FlexValue<'_>, FlexError> {
    let len = buf.len();
    let width = usize::from(*buf.last().ok_or(FlexError::Truncated)?);
    let packed = *buf
        .get(len.checked_sub(2).ok_or(FlexError::Truncated)?)
        .ok_or(FlexError::Truncated)?;
    let at = len
        .checked_sub(2)
        .and_then(|n| n.checked_sub(width_ok(width).ok()?))
        .ok_or(FlexError::Truncated)?;
    value_at(buf, at, width, packed)
}

/// The root of `buf`, which must be a map (the options of a custom op).
pub fn root_map(buf: &[u8]) -> Result<FlexMap<'_>, FlexError> {
    match root(buf)? {
        FlexValue::Map(map) => Ok(map),
        FlexValue::Vector(_) => Err(FlexError::WrongType { found: VECTOR }),
        FlexValue::Null => Err(FlexError::WrongType { found: NULL }),
        FlexValue::Int(_) | FlexValue::Bool(_) => Err(FlexError::WrongType { found: INT }),
        FlexValue::UInt(_) => Err(FlexError::WrongType { found: UINT }),
        FlexValue::Float(_) => Err(FlexError::WrongType { found: FLOAT }),
        FlexValue::Other(found) => Err(FlexError::WrongType { found }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ElementKind {
    Untyped,
    Int,
    UInt,
    Bool,
}

/// A FlexBuffers vector: untyped (each element has its own type), or of
/// ints, uints or bools.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlexVector<'a> {
    buf: &'a [u8],
    data: usize,
    len: usize,
    width: usize,
    kind: ElementKind,
}

impl<'a> FlexVector<'a> {
    fn at(buf: &'a [u8], data: usize, width: usize, kind: ElementKind) -> Result<Self, FlexError> {
        let width = width_ok(width)?;
        let len = length_before(buf, data, width)?;
        if kind == ElementKind::Untyped {
            // The packed types follow the elements.
            let types_end = len
                .checked_mul(width)
                .and_then(|n| n.checked_add(data))
                .and_then(|n| n.checked_add(len))
                .ok_or(FlexError::Truncated)?;
            if types_end > buf.len() {
                return Err(FlexError::Truncated);
            }
        }
        Ok(Self {
            buf,
            data,
            len,
            width,
            kind,
        })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the vector has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Element `i` (`None` past the end).
    pub fn get(&self, i: usize) -> Option<Result<FlexValue<'a>, FlexError>> {
        if i >= self.len {
            return None;
        }
        Some(self.element(i))
    }

    fn element(&self, i: usize) -> Result<FlexValue<'a>, FlexError> {
        let at = i
            .checked_mul(self.width)
            .and_then(|n| n.checked_add(self.data))
            .ok_or(FlexError::Truncated)?;
        match self.kind {
            ElementKind::Int => Ok(FlexValue::Int(read_i64(self.buf, at, self.width)?)),
            ElementKind::UInt => Ok(FlexValue::UInt(read_u64(self.buf, at, self.width)?)),
            ElementKind::Bool => Ok(FlexValue::Bool(read_u64(self.buf, at, self.width)? != 0)),
            ElementKind::Untyped => {
                let types = self
                    .len
                    .checked_mul(self.width)
                    .and_then(|n| n.checked_add(self.data))
                    .and_then(|n| n.checked_add(i))
                    .ok_or(FlexError::Truncated)?;
                let packed = *self.buf.get(types).ok_or(FlexError::Truncated)?;
                value_at(self.buf, at, self.width, packed)
            }
        }
    }
}

/// A FlexBuffers map: values by key (keys are stored sorted).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlexMap<'a> {
    values: FlexVector<'a>,
    keys: usize,
    keys_width: usize,
}

impl<'a> FlexMap<'a> {
    fn at(buf: &'a [u8], data: usize, width: usize) -> Result<Self, FlexError> {
        let width = width_ok(width)?;
        let values = FlexVector::at(buf, data, width, ElementKind::Untyped)?;
        let keys_at = width
            .checked_mul(3)
            .and_then(|n| data.checked_sub(n))
            .ok_or(FlexError::BadOffset)?;
        let keys = indirect(buf, keys_at, width)?;
        let keys_width = usize::try_from(read_u64(buf, keys_at + width, width)?)
            .map_err(|_| FlexError::BadWidth)?;
        let keys_width = width_ok(keys_width)?;
        if length_before(buf, keys, keys_width)? != values.len {
            return Err(FlexError::Truncated);
        }
        Ok(Self {
            values,
            keys,
            keys_width,
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.values.len
    }

    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.values.len == 0
    }

    /// The key of entry `i` (entries are in key order), without its
    /// terminating zero.
    pub fn key(&self, i: usize) -> Result<&'a [u8], FlexError> {
        let buf = self.values.buf;
        let slot = i
            .checked_mul(self.keys_width)
            .and_then(|n| n.checked_add(self.keys))
            .ok_or(FlexError::Truncated)?;
        let start = indirect(buf, slot, self.keys_width)?;
        let rest = buf.get(start..).ok_or(FlexError::BadOffset)?;
        let len = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(FlexError::UnterminatedKey)?;
        rest.get(..len).ok_or(FlexError::UnterminatedKey)
    }

    /// The value of entry `i` (`None` past the end).
    pub fn value(&self, i: usize) -> Option<Result<FlexValue<'a>, FlexError>> {
        self.values.get(i)
    }

    /// The value for `key`, `Ok(None)` when the map has no such key.
    pub fn get(&self, key: &str) -> Result<Option<FlexValue<'a>>, FlexError> {
        for i in 0..self.len() {
            if self.key(i)? == key.as_bytes() {
                return self.values.element(i).map(Some);
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    //! Buffers written by the Python `flatbuffers.flexbuffers` module
    //! (`flexbuffers.Dumps(obj)`, flatbuffers 25.12.19).
    use super::*;

    const WINDOW: &[u8] = &[115, 104, 105, 102, 116, 0, 1, 7, 1, 1, 1, 12, 4, 2, 36, 1];
    const SPECTRAL_SUBTRACTION: &[u8] = &[
        97, 108, 116, 101, 114, 110, 97, 116, 101, 95, 111, 110, 101, 95, 109, 105, 110, 117, 115,
        95, 115, 109, 111, 111, 116, 104, 105, 110, 103, 0, 97, 108, 116, 101, 114, 110, 97, 116,
        101, 95, 115, 109, 111, 111, 116, 104, 105, 110, 103, 0, 99, 108, 97, 109, 112, 105, 110,
        103, 0, 109, 105, 110, 95, 115, 105, 103, 110, 97, 108, 95, 114, 101, 109, 97, 105, 110,
        105, 110, 103, 0, 110, 117, 109, 95, 99, 104, 97, 110, 110, 101, 108, 115, 0, 111, 110,
        101, 95, 109, 105, 110, 117, 115, 95, 115, 109, 111, 111, 116, 104, 105, 110, 103, 0, 115,
        109, 111, 111, 116, 104, 105, 110, 103, 0, 115, 109, 111, 111, 116, 104, 105, 110, 103, 95,
        98, 105, 116, 115, 0, 115, 112, 101, 99, 116, 114, 97, 108, 95, 115, 117, 98, 116, 114, 97,
        99, 116, 105, 111, 110, 95, 98, 105, 116, 115, 0, 9, 165, 136, 117, 109, 89, 77, 58, 49,
        35, 9, 0, 1, 0, 9, 0, 41, 60, 215, 3, 0, 0, 51, 3, 40, 0, 103, 62, 153, 1, 10, 0, 14, 0, 5,
        5, 105, 5, 5, 5, 5, 5, 5, 27, 37, 1,
    ];
    const RFFT: &[u8] = &[
        84, 0, 102, 102, 116, 95, 108, 101, 110, 103, 116, 104, 0, 2, 14, 13, 2, 0, 1, 0, 2, 0, 7,
        0, 0, 2, 5, 5, 6, 37, 1,
    ];
    /// `{'a': -5, 'b': 70000, 'c': True, 'd': 2**40, 'e': 1.5, 'v': [1, 2, 300],
    /// 'w': [1, True, -7], 'n': None}`
    const WIDE: &[u8] = &[
        97, 0, 98, 0, 99, 0, 100, 0, 101, 0, 118, 0, 3, 0, 1, 0, 2, 0, 44, 1, 5, 5, 5, 119, 0, 3,
        1, 1, 249, 4, 104, 4, 110, 0, 8, 35, 34, 33, 32, 31, 8, 31, 19, 0, 0, 0, 0, 0, 13, 0, 0, 0,
        0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 251, 255, 255, 255, 255, 255,
        255, 255, 112, 17, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
        0, 0, 0, 0, 248, 63, 0, 0, 0, 0, 0, 0, 0, 0, 106, 0, 0, 0, 0, 0, 0, 0, 102, 0, 0, 0, 0, 0,
        0, 0, 7, 7, 107, 7, 15, 3, 41, 40, 72, 39, 1,
    ];
    const EMPTY_MAP: &[u8] = &[0, 0, 1, 0, 0, 36, 1];
    const VECTOR_ROOT: &[u8] = &[2, 1, 2, 4, 4, 4, 40, 1];
    const INT_ROOT: &[u8] = &[5, 4, 1];

    fn int(map: &FlexMap<'_>, key: &str) -> Option<i64> {
        map.get(key).unwrap().and_then(|v| v.as_i64())
    }

    #[test]
    fn reads_the_signal_options() {
        let map = root_map(WINDOW).unwrap();
        assert_eq!(map.len(), 1);
        assert_eq!(map.key(0).unwrap(), b"shift");
        assert_eq!(int(&map, "shift"), Some(12));
        assert_eq!(map.get("other").unwrap(), None);

        let map = root_map(SPECTRAL_SUBTRACTION).unwrap();
        assert_eq!(map.len(), 9);
        assert_eq!(int(&map, "alternate_one_minus_smoothing"), Some(15401));
        assert_eq!(int(&map, "alternate_smoothing"), Some(983));
        assert_eq!(map.get("clamping").unwrap(), Some(FlexValue::Bool(false)));
        assert_eq!(int(&map, "min_signal_remaining"), Some(819));
        assert_eq!(int(&map, "num_channels"), Some(40));
        assert_eq!(int(&map, "one_minus_smoothing"), Some(15975));
        assert_eq!(int(&map, "smoothing"), Some(409));
        assert_eq!(int(&map, "smoothing_bits"), Some(10));
        assert_eq!(int(&map, "spectral_subtraction_bits"), Some(14));

        let map = root_map(RFFT).unwrap();
        assert_eq!(map.key(0).unwrap(), b"T");
        assert_eq!(int(&map, "T"), Some(7));
        assert_eq!(int(&map, "fft_length"), Some(512));
    }

    #[test]
    fn reads_wide_values_vectors_and_null() {
        let map = root_map(WIDE).unwrap();
        assert_eq!(map.len(), 8);
        assert_eq!(map.get("a").unwrap(), Some(FlexValue::Int(-5)));
        assert_eq!(int(&map, "b"), Some(70000));
        assert_eq!(map.get("c").unwrap(), Some(FlexValue::Bool(true)));
        assert_eq!(int(&map, "d"), Some(1 << 40));
        assert_eq!(map.get("e").unwrap(), Some(FlexValue::Float(1.5)));
        assert_eq!(map.get("n").unwrap(), Some(FlexValue::Null));
        let Some(FlexValue::Vector(v)) = map.get("v").unwrap() else {
            panic!("v is a vector")
        };
        let v: std::vec::Vec<_> = (0..v.len()).map(|i| v.get(i).unwrap().unwrap()).collect();
        assert_eq!(
            v.iter()
                .map(|x| x.as_i64().unwrap())
                .collect::<std::vec::Vec<_>>(),
            [1, 2, 300]
        );
        let Some(FlexValue::Vector(w)) = map.get("w").unwrap() else {
            panic!("w is a vector")
        };
        assert_eq!(w.len(), 3);
        assert_eq!(w.get(0).unwrap().unwrap().as_i64(), Some(1));
        assert_eq!(w.get(1).unwrap().unwrap(), FlexValue::Bool(true));
        assert_eq!(w.get(2).unwrap().unwrap(), FlexValue::Int(-7));
        assert!(w.get(3).is_none());
    }

    #[test]
    fn other_roots() {
        assert!(root_map(EMPTY_MAP).unwrap().is_empty());
        assert_eq!(root(INT_ROOT).unwrap(), FlexValue::Int(5));
        assert!(matches!(
            root_map(INT_ROOT),
            Err(FlexError::WrongType { .. })
        ));
        let FlexValue::Vector(v) = root(VECTOR_ROOT).unwrap() else {
            panic!("a vector")
        };
        assert_eq!(v.len(), 2);
        assert_eq!(v.get(1).unwrap().unwrap().as_i64(), Some(2));
        assert!(matches!(
            root_map(VECTOR_ROOT),
            Err(FlexError::WrongType { .. })
        ));
        assert_eq!(root(&[]), Err(FlexError::Truncated));
        assert_eq!(root(&[1]), Err(FlexError::Truncated));
    }

    /// Every truncation and every single-byte corruption of real option
    /// buffers is read without panicking.
    #[test]
    fn malformed_buffers_never_panic() {
        for buf in [
            WINDOW,
            SPECTRAL_SUBTRACTION,
            RFFT,
            WIDE,
            EMPTY_MAP,
            VECTOR_ROOT,
        ] {
            let walk = |b: &[u8]| {
                if let Ok(FlexValue::Map(map)) = root(b) {
                    for i in 0..map.len() {
                        let _ = map.key(i);
                        let _ = map.value(i);
                    }
                    let _ = map.get("shift");
                    let _ = map.get("zzz");
                } else if let Ok(FlexValue::Vector(v)) = root(b) {
                    for i in 0..v.len() {
                        let _ = v.get(i);
                    }
                }
            };
            for end in 0..buf.len() {
                walk(&buf[..end]);
            }
            let mut copy = buf.to_vec();
            for i in 0..copy.len() {
                let saved = copy[i];
                for byte in [0u8, 1, 2, 3, 4, 8, 0x25, 0x7f, 0x80, 0xff] {
                    copy[i] = byte;
                    walk(&copy);
                }
                copy[i] = saved;
            }
        }
    }
}
