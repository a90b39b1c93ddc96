//! Tensor element types.

use core::fmt;

use crate::schema;

/// Element type of a tensor.
///
/// Mirrors the schema's `TensorType` enum; codes this crate does not know are
/// kept as [`TensorType::Unknown`] so they can still be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TensorType {
    /// 32-bit IEEE float.
    Float32,
    /// 16-bit IEEE float.
    Float16,
    /// 64-bit IEEE float.
    Float64,
    /// Signed 8-bit integer.
    Int8,
    /// Unsigned 8-bit integer.
    UInt8,
    /// Signed 16-bit integer.
    Int16,
    /// Unsigned 16-bit integer.
    UInt16,
    /// Signed 32-bit integer.
    Int32,
    /// Unsigned 32-bit integer.
    UInt32,
    /// Signed 64-bit integer.
    Int64,
    /// Unsigned 64-bit integer.
    UInt64,
    /// Signed 4-bit integer, two per byte (low nibble first).
    Int4,
    /// Unsigned 4-bit integer, two per byte.
    UInt4,
    /// Signed 2-bit integer, four per byte.
    Int2,
    /// Boolean, one byte each.
    Bool,
    /// Variable-length strings (TFLite string tensor encoding).
    String,
    /// Complex number of two 32-bit floats.
    Complex64,
    /// Complex number of two 64-bit floats.
    Complex128,
    /// Resource handle (experimental upstream).
    Resource,
    /// Variant (experimental upstream).
    Variant,
    /// bfloat16.
    BFloat16,
    /// 8-bit float, 4 exponent / 3 mantissa bits, finite only.
    Float8E4M3FN,
    /// 8-bit float, 5 exponent / 2 mantissa bits.
    Float8E5M2,
    /// A type code this crate does not know.
    Unknown(i8),
}

impl TensorType {
    /// Converts a schema type code.
    pub fn from_schema(t: schema::TensorType) -> Self {
        use schema::TensorType as S;
        match t {
            S::FLOAT32 => Self::Float32,
            S::FLOAT16 => Self::Float16,
            S::INT32 => Self::Int32,
            S::UINT8 => Self::UInt8,
            S::INT64 => Self::Int64,
            S::STRING => Self::String,
            S::BOOL => Self::Bool,
            S::INT16 => Self::Int16,
            S::COMPLEX64 => Self::Complex64,
            S::INT8 => Self::Int8,
            S::FLOAT64 => Self::Float64,
            S::COMPLEX128 => Self::Complex128,
            S::UINT64 => Self::UInt64,
            S::RESOURCE => Self::Resource,
            S::VARIANT => Self::Variant,
            S::UINT32 => Self::UInt32,
            S::UINT16 => Self::UInt16,
            S::INT4 => Self::Int4,
            S::BFLOAT16 => Self::BFloat16,
            S::INT2 => Self::Int2,
            S::UINT4 => Self::UInt4,
            S::FLOAT8_E4M3FN => Self::Float8E4M3FN,
            S::FLOAT8_E5M2 => Self::Float8E5M2,
            other => Self::Unknown(other.0),
        }
    }

    /// The schema type code.
    pub fn to_schema(self) -> schema::TensorType {
        use schema::TensorType as S;
        match self {
            Self::Float32 => S::FLOAT32,
            Self::Float16 => S::FLOAT16,
            Self::Float64 => S::FLOAT64,
            Self::Int8 => S::INT8,
            Self::UInt8 => S::UINT8,
            Self::Int16 => S::INT16,
            Self::UInt16 => S::UINT16,
            Self::Int32 => S::INT32,
            Self::UInt32 => S::UINT32,
            Self::Int64 => S::INT64,
            Self::UInt64 => S::UINT64,
            Self::Int4 => S::INT4,
            Self::UInt4 => S::UINT4,
            Self::Int2 => S::INT2,
            Self::Bool => S::BOOL,
            Self::String => S::STRING,
            Self::Complex64 => S::COMPLEX64,
            Self::Complex128 => S::COMPLEX128,
            Self::Resource => S::RESOURCE,
            Self::Variant => S::VARIANT,
            Self::BFloat16 => S::BFLOAT16,
            Self::Float8E4M3FN => S::FLOAT8_E4M3FN,
            Self::Float8E5M2 => S::FLOAT8_E5M2,
            Self::Unknown(code) => S(code),
        }
    }

    /// Bytes per element for byte-addressable fixed-size types.
    ///
    /// `None` for sub-byte types ([`Int4`](Self::Int4), [`UInt4`](Self::UInt4),
    /// [`Int2`](Self::Int2); see [`bits_per_element`](Self::bits_per_element)),
    /// variable-size types ([`String`](Self::String), [`Resource`](Self::Resource),
    /// [`Variant`](Self::Variant)) and unknown codes.
    pub fn element_size(self) -> Option<usize> {
        match self {
            Self::Int8 | Self::UInt8 | Self::Bool | Self::Float8E4M3FN | Self::Float8E5M2 => {
                Some(1)
            }
            Self::Int16 | Self::UInt16 | Self::Float16 | Self::BFloat16 => Some(2),
            Self::Int32 | Self::UInt32 | Self::Float32 => Some(4),
            Self::Int64 | Self::UInt64 | Self::Float64 | Self::Complex64 => Some(8),
            Self::Complex128 => Some(16),
            Self::Int4
            | Self::UInt4
            | Self::Int2
            | Self::String
            | Self::Resource
            | Self::Variant
            | Self::Unknown(_) => None,
        }
    }

    /// Bits per element for fixed-size types, including packed sub-byte
    /// types (4 for int4, 2 for int2). `None` for variable-size types and
    /// unknown codes.
    pub fn bits_per_element(self) -> Option<usize> {
        match self {
            Self::Int4 | Self::UInt4 => Some(4),
            Self::Int2 => Some(2),
            other => other.element_size().and_then(|s| s.checked_mul(8)),
        }
    }

    /// Bytes needed to store `count` packed elements (sub-byte types round
    /// up to whole bytes). `None` for variable-size types, unknown codes and
    /// on overflow.
    pub fn storage_bytes(self, count: usize) -> Option<usize> {
        match self {
            Self::Int4 | Self::UInt4 => Some(count.div_ceil(2)),
            Self::Int2 => Some(count.div_ceil(4)),
            other => other.element_size()?.checked_mul(count),
        }
    }

    /// Alignment constant data of this type needs to be read in place: the
    /// size of its scalar component (complex types align like their parts,
    /// packed and variable-size types to 1).
    pub fn alignment(self) -> usize {
        match self {
            Self::Complex64 => 4,
            Self::Complex128 => 8,
            other => other.element_size().unwrap_or(1),
        }
    }

    /// Lower-case name as TensorFlow prints it ("int8", "float32", ...);
    /// "unknown" for unknown codes.
    pub fn name(self) -> &'static str {
        match self {
            Self::Float32 => "float32",
            Self::Float16 => "float16",
            Self::Float64 => "float64",
            Self::Int8 => "int8",
            Self::UInt8 => "uint8",
            Self::Int16 => "int16",
            Self::UInt16 => "uint16",
            Self::Int32 => "int32",
            Self::UInt32 => "uint32",
            Self::Int64 => "int64",
            Self::UInt64 => "uint64",
            Self::Int4 => "int4",
            Self::UInt4 => "uint4",
            Self::Int2 => "int2",
            Self::Bool => "bool",
            Self::String => "string",
            Self::Complex64 => "complex64",
            Self::Complex128 => "complex128",
            Self::Resource => "resource",
            Self::Variant => "variant",
            Self::BFloat16 => "bfloat16",
            Self::Float8E4M3FN => "float8_e4m3fn",
            Self::Float8E5M2 => "float8_e5m2",
            Self::Unknown(_) => "unknown",
        }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(code) => write!(f, "unknown({code})"),
            other => f.write_str(other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_round_trip_covers_every_code() {
        for code in i8::MIN..=i8::MAX {
            let t = TensorType::from_schema(schema::TensorType(code));
            assert_eq!(t.to_schema().0, code);
            let known =
                (schema::TensorType::ENUM_MIN..=schema::TensorType::ENUM_MAX).contains(&code);
            assert_eq!(matches!(t, TensorType::Unknown(_)), !known, "code {code}");
            if known {
                // Our names are the schema's enum names in lower case.
                let schema_name = schema::TensorType(code).variant_name().unwrap_or("");
                assert!(t.name().eq_ignore_ascii_case(schema_name), "{code}");
            }
        }
    }

    #[test]
    fn storage_bytes_packs_sub_byte_types() {
        assert_eq!(TensorType::Int4.storage_bytes(5), Some(3));
        assert_eq!(TensorType::Int4.storage_bytes(4), Some(2));
        assert_eq!(TensorType::Int2.storage_bytes(5), Some(2));
        assert_eq!(TensorType::Float32.storage_bytes(3), Some(12));
        assert_eq!(TensorType::Float32.storage_bytes(usize::MAX), None);
        assert_eq!(TensorType::String.storage_bytes(1), None);
        assert_eq!(
            TensorType::Int4.storage_bytes(usize::MAX),
            Some(usize::MAX / 2 + 1)
        );
    }

    #[test]
    fn alignment_never_exceeds_flatbuffer_buffer_alignment() {
        for code in i8::MIN..=i8::MAX {
            let a = TensorType::from_schema(schema::TensorType(code)).alignment();
            assert!(a.is_power_of_two() && a <= 16);
        }
    }
}
