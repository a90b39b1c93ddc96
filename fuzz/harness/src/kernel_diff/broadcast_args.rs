//! BROADCAST_ARGS (`microlite_kernels::broadcast_args`) against the
//! broadcasting rule written out on right-aligned extents (TFLM reads them
//! as 32-bit), and FILL (`microlite_kernels::fill`) against its definition.

use microlite_kernels::broadcast_args::broadcast_args;
use microlite_kernels::fill::fill;

use super::{mismatch, Mismatch};
use crate::decisions::Decisions;

const KERNEL: &str = "broadcast_args/fill";

fn extents(d: &mut Decisions<'_>) -> Vec<i64> {
    let n = d.below(5);
    (0..n)
        .map(|_| match d.u8() % 8 {
            0 => 1,
            1 => i64::from(d.i32()) << 8,
            _ => i64::from(d.u8() % 4),
        })
        .collect()
}

pub(super) fn broadcast_args_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let (a, b) = (extents(d), extents(d));
    let rank = a.len().max(b.len()) + usize::from(d.one_in(8));
    let at = |s: &[i64], back: usize| s.len().checked_sub(1 + back).map_or(1, |k| s[k] as i32);
    let mut expected = vec![0i64; rank];
    let mut compatible = true;
    for back in 0..rank {
        let (x, y) = (at(&a, back), at(&b, back));
        expected[rank - 1 - back] = i64::from(match (x, y) {
            (1, y) => y,
            (x, 1) => x,
            (x, y) if x == y => x,
            _ => {
                compatible = false;
                0
            }
        });
    }
    let mut got = vec![0i64; rank];
    let result = broadcast_args(&a, &b, &mut got);
    match (compatible, result) {
        (true, Ok(())) if got == expected => {}
        (false, Err(_)) => {}
        (_, result) => {
            return mismatch(
                KERNEL,
                format!(
                    "{a:?} and {b:?} to rank {rank}: expected {expected:?}, got {result:?} {got:?}"
                ),
            )
        }
    }
    let value = d.i32();
    let mut out = vec![0i32; d.below(20)];
    fill(value, &mut out);
    if out.iter().any(|&v| v != value) {
        return mismatch(KERNEL, format!("fill with {value}: {out:?}"));
    }
    Ok(())
}
