//! CAST between int8, int16, int32, uint32, float32 and bool (inputs only),
//! as TFLM's `static_cast`: integers wrap to narrower integers, floats
//! truncate toward zero (saturating here where C++ leaves out-of-range and
//! NaN undefined), integers round to the nearest float.

use crate::KernelError;

/// An element type CAST reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CastType {
    /// `i8`.
    Int8,
    /// `i16`.
    Int16,
    /// `i32`.
    Int32,
    /// `u32`.
    UInt32,
    /// `f32`.
    Float32,
    /// `bool` (1 byte; read only).
    Bool,
}

impl CastType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Self::Int8 | Self::Bool => 1,
            Self::Int16 => 2,
            Self::Int32 | Self::UInt32 | Self::Float32 => 4,
        }
    }

    /// A small code for prepared params.
    pub fn code(self) -> u32 {
        match self {
            Self::Int8 => 0,
            Self::Int16 => 1,
            Self::Int32 => 2,
            Self::UInt32 => 3,
            Self::Float32 => 4,
            Self::Bool => 5,
        }
    }

    /// The type of `code`.
    pub fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => Self::Int8,
            1 => Self::Int16,
            2 => Self::Int32,
            3 => Self::UInt32,
            4 => Self::Float32,
            5 => Self::Bool,
            _ => return None,
        })
    }
}

/// A value between reading and writing.
#[derive(Clone, Copy)]
enum Value {
    Int(i64),
    Float(f32),
}

fn read(t: CastType, b: &[u8]) -> Value {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    match t {
        CastType::Int8 => Value::Int(i64::from(at(0) as i8)),
        CastType::Bool => Value::Int(i64::from(at(0) != 0)),
        CastType::Int16 => Value::Int(i64::from(i16::from_le_bytes([at(0), at(1)]))),
        CastType::Int32 => Value::Int(i64::from(i32::from_le_bytes([at(0), at(1), at(2), at(3)]))),
        CastType::UInt32 => Value::Int(i64::from(u32::from_le_bytes([at(0), at(1), at(2), at(3)]))),
        CastType::Float32 => Value::Float(f32::from_le_bytes([at(0), at(1), at(2), at(3)])),
    }
}

fn write(t: CastType, v: Value, out: &mut [u8]) {
    let bytes: [u8; 4] = match (t, v) {
        (CastType::Float32, Value::Int(i)) => (i as f32).to_le_bytes(),
        (CastType::Float32, Value::Float(f)) => f.to_le_bytes(),
        (CastType::Int8, Value::Int(i)) => [i as i8 as u8, 0, 0, 0],
        (CastType::Int8, Value::Float(f)) => [f as i8 as u8, 0, 0, 0],
        // C++'s conversion to bool: nonzero (NaN included) is true.
        (CastType::Bool, Value::Int(i)) => [u8::from(i != 0), 0, 0, 0],
        (CastType::Bool, Value::Float(f)) => [u8::from(f != 0.0), 0, 0, 0],
        (CastType::Int16, Value::Int(i)) => pad2((i as i16).to_le_bytes()),
        (CastType::Int16, Value::Float(f)) => pad2((f as i16).to_le_bytes()),
        (CastType::Int32, Value::Int(i)) => (i as i32).to_le_bytes(),
        (CastType::Int32, Value::Float(f)) => (f as i32).to_le_bytes(),
        (CastType::UInt32, Value::Int(i)) => (i as u32).to_le_bytes(),
        (CastType::UInt32, Value::Float(f)) => (f as u32).to_le_bytes(),
    };
    for (slot, byte) in out.iter_mut().zip(bytes) {
        *slot = byte;
    }
}

fn pad2(b: [u8; 2]) -> [u8; 4] {
    [b[0], b[1], 0, 0]
}

/// Casts `count` elements of `from` in `input` to `to` in `output` (raw
/// little-endian bytes; to bool, nonzero is true).
pub fn cast(
    from: CastType,
    to: CastType,
    count: usize,
    input: &[u8],
    output: &mut [u8],
) -> Result<(), KernelError> {
    let bytes = |t: CastType| {
        count.checked_mul(t.size()).ok_or(KernelError::TooLarge {
            what: "cast element count",
        })
    };
    crate::check_len("input", bytes(from)?, input.len())?;
    crate::check_len("output", bytes(to)?, output.len())?;
    for (source, target) in input
        .chunks_exact(from.size())
        .zip(output.chunks_exact_mut(to.size()))
    {
        write(to, read(from, source), target);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_cast_semantics() {
        let mut out = [0u8; 4];
        cast(
            CastType::Int32,
            CastType::Int8,
            1,
            &300i32.to_le_bytes(),
            &mut out[..1],
        )
        .unwrap();
        assert_eq!(out[0] as i8, 44);
        cast(
            CastType::Float32,
            CastType::Int32,
            1,
            &(-2.75f32).to_le_bytes(),
            &mut out,
        )
        .unwrap();
        assert_eq!(i32::from_le_bytes(out), -2);
        cast(
            CastType::Int32,
            CastType::Float32,
            1,
            &16_777_217i32.to_le_bytes(),
            &mut out,
        )
        .unwrap();
        assert_eq!(f32::from_le_bytes(out), 16_777_216.0);
        cast(CastType::Bool, CastType::Float32, 1, &[7], &mut out).unwrap();
        assert_eq!(f32::from_le_bytes(out), 1.0);
        let mut flags = [9u8; 4];
        cast(
            CastType::Int8,
            CastType::Bool,
            4,
            &[0, 2, 0x80, 0],
            &mut flags,
        )
        .unwrap();
        assert_eq!(flags, [0, 1, 1, 0]);
        let nan_and_negative_zero = [f32::NAN.to_le_bytes(), (-0.0f32).to_le_bytes()].concat();
        cast(
            CastType::Float32,
            CastType::Bool,
            2,
            &nan_and_negative_zero,
            &mut flags[..2],
        )
        .unwrap();
        assert_eq!(flags[..2], [1, 0]);
    }
}
