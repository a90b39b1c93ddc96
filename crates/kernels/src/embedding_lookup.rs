//! EMBEDDING_LOOKUP: rows of a table picked by int32 ids (TFLM's
//! `EvalSimple`), or int8 rows dequantized to float32 with the table's
//! scale (`EvalHybrid`).

use crate::KernelError;

fn row_of<T>(value: &[T], rows: usize, id: i32, position: usize) -> Result<&[T], KernelError> {
    let columns = value.len().checked_div(rows).unwrap_or(0);
    usize::try_from(id)
        .ok()
        .filter(|&r| r < rows)
        .and_then(|r| value.get(r * columns..(r + 1) * columns))
        .ok_or(KernelError::InvalidValue {
            what: "EMBEDDING_LOOKUP id outside the table",
            position,
        })
}

/// Copies row `ids[i]` of `value` (`rows` rows) to row `i` of `output`.
pub fn embedding_lookup<T: Copy>(
    ids: &[i32],
    rows: usize,
    value: &[T],
    output: &mut [T],
) -> Result<(), KernelError> {
    let columns = value.len().checked_div(rows).unwrap_or(0);
    crate::check_len("output", ids.len().saturating_mul(columns), output.len())?;
    for (i, (&id, out)) in ids
        .iter()
        .zip(output.chunks_exact_mut(columns.max(1)))
        .enumerate()
    {
        out.copy_from_slice(row_of(value, rows, id, i)?);
    }
    Ok(())
}

/// As [`embedding_lookup`], each int8 value `x` written as `scale * x`
/// (`f32`; the table's zero point is 0).
pub fn embedding_lookup_dequantize(
    ids: &[i32],
    rows: usize,
    value: &[i8],
    scale: f32,
    output: &mut [f32],
) -> Result<(), KernelError> {
    let columns = value.len().checked_div(rows).unwrap_or(0);
    crate::check_len("output", ids.len().saturating_mul(columns), output.len())?;
    for (i, (&id, out)) in ids
        .iter()
        .zip(output.chunks_exact_mut(columns.max(1)))
        .enumerate()
    {
        for (o, &x) in out.iter_mut().zip(row_of(value, rows, id, i)?) {
            *o = scale * f32::from(x);
        }
    }
    Ok(())
}
