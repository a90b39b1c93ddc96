//! CAST against Rust's own casts of typed values (C++'s static_cast where
//! defined; out-of-range floats saturate, as the kernel documents).

use microlite_kernels::cast::{cast, CastType};

use super::{float_value, mismatch, Mismatch};
use crate::decisions::Decisions;

const FROM: [CastType; 6] = [
    CastType::Int8,
    CastType::Int16,
    CastType::Int32,
    CastType::UInt32,
    CastType::Float32,
    CastType::Bool,
];

/// Element `k` of `bytes` (type `t`) as f64 when a float, else as i64.
fn value(t: CastType, bytes: &[u8], k: usize) -> (Option<i64>, Option<f32>) {
    let s = t.size();
    let b = &bytes[k * s..k * s + s];
    match t {
        CastType::Int8 => (Some(i64::from(b[0] as i8)), None),
        CastType::Bool => (Some(i64::from(b[0] != 0)), None),
        CastType::Int16 => (Some(i64::from(i16::from_le_bytes([b[0], b[1]]))), None),
        CastType::Int32 => (
            Some(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            None,
        ),
        CastType::UInt32 => (
            Some(i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            None,
        ),
        _ => (None, Some(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
    }
}

/// The cast of one value to `to`, as little-endian bytes.
fn expected(to: CastType, v: (Option<i64>, Option<f32>)) -> Vec<u8> {
    match (to, v) {
        (CastType::Int8, (Some(i), _)) => vec![i as i8 as u8],
        (CastType::Int8, (_, Some(f))) => vec![f as i8 as u8],
        (CastType::Int16, (Some(i), _)) => (i as i16).to_le_bytes().to_vec(),
        (CastType::Int16, (_, Some(f))) => (f as i16).to_le_bytes().to_vec(),
        (CastType::Int32, (Some(i), _)) => (i as i32).to_le_bytes().to_vec(),
        (CastType::Int32, (_, Some(f))) => (f as i32).to_le_bytes().to_vec(),
        (CastType::UInt32, (Some(i), _)) => (i as u32).to_le_bytes().to_vec(),
        (CastType::UInt32, (_, Some(f))) => (f as u32).to_le_bytes().to_vec(),
        (CastType::Float32, (Some(i), _)) => (i as f32).to_le_bytes().to_vec(),
        (CastType::Float32, (_, Some(f))) => f.to_le_bytes().to_vec(),
        // C++'s conversion to bool: nonzero (NaN included) is true.
        (CastType::Bool, (Some(i), _)) => vec![u8::from(i != 0)],
        (CastType::Bool, (_, Some(f))) => vec![u8::from(f != 0.0)],
        _ => Vec::new(),
    }
}

pub(super) fn cast_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let from = FROM[d.below(FROM.len())];
    let to = FROM[d.below(FROM.len())];
    let n = d.below(24);
    let input: Vec<u8> = match from {
        CastType::Float32 => (0..n).flat_map(|_| float_value(d).to_le_bytes()).collect(),
        _ => (0..n * from.size()).map(|_| d.u8()).collect(),
    };
    let mut output = vec![0u8; n * to.size()];
    if let Err(e) = cast(from, to, n, &input, &mut output) {
        return mismatch("cast", format!("{from:?} -> {to:?} refused: {e}"));
    }
    for k in 0..n {
        let want = expected(to, value(from, &input, k));
        if output[k * to.size()..(k + 1) * to.size()] != want[..] {
            return mismatch("cast", format!("{from:?} -> {to:?} element {k}"));
        }
    }
    Ok(())
}
