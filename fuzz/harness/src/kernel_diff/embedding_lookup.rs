//! EMBEDDING_LOOKUP (`microlite_kernels::embedding_lookup`): each output
//! row is the table row its id names (or `scale * x` of it), and any id
//! outside the table is an error.

use microlite_kernels::embedding_lookup::{embedding_lookup, embedding_lookup_dequantize};

use super::{i8s, mismatch, same_f32, sane_scale, Mismatch};
use crate::decisions::Decisions;

const KERNEL: &str = "embedding_lookup";

pub(super) fn embedding_lookup_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (rows, columns) = (1 + d.below(5), 1 + d.below(5));
    let ids: Vec<i32> = (0..d.below(6))
        .map(|_| {
            if d.one_in(12) {
                d.in_range(-2, 8)
            } else {
                d.below(rows) as i32
            }
        })
        .collect();
    let valid = ids.iter().all(|&i| (0..rows as i32).contains(&i));
    let table = i8s(d, rows * columns);
    let expected_rows = |i: i32| &table[i as usize * columns..(i as usize + 1) * columns];
    if d.bool() {
        let mut got = vec![0i8; ids.len() * columns];
        let result = embedding_lookup(&ids, rows, &table, &mut got);
        let want: Vec<i8> = if valid {
            ids.iter()
                .flat_map(|&i| expected_rows(i).to_vec())
                .collect()
        } else {
            Vec::new()
        };
        return match (valid, result) {
            (true, Ok(())) if got == want => Ok(()),
            (false, Err(_)) => Ok(()),
            (_, r) => mismatch(
                KERNEL,
                format!("ids {ids:?} of {rows} rows: {r:?} {got:?} vs {want:?}"),
            ),
        };
    }
    let scale = sane_scale(d);
    let mut got = vec![0f32; ids.len() * columns];
    let result = embedding_lookup_dequantize(&ids, rows, &table, scale, &mut got);
    match (valid, result) {
        (false, Err(_)) => Ok(()),
        (true, Ok(())) => {
            let want = ids
                .iter()
                .flat_map(|&i| expected_rows(i).iter().map(|&x| scale * f32::from(x)));
            if want.zip(&got).all(|(w, &g)| same_f32(w, g)) {
                Ok(())
            } else {
                mismatch(KERNEL, format!("dequantized ids {ids:?}: {got:?}"))
            }
        }
        (_, r) => mismatch(KERNEL, format!("ids {ids:?} of {rows} rows: {r:?}")),
    }
}
