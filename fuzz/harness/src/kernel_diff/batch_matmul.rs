//! BATCH_MATMUL against the naive definition: for every output element,
//! its batch coordinates mapped into each operand (a dimension of 1
//! broadcasts), its row of the left operand and column of the right one
//! (read transposed under `adj_x` / `adj_y`) multiplied and summed in order.
//! Float32 sums in `f32` as the kernel must (bits compared); int8 sums
//! exactly and wraps to `i32`, int16 sums in `i64`; then the naive
//! requantization. Shapes with a batch mismatch must be refused.

use microlite_kernels::batch_matmul::{
    batch_matmul_f32, batch_matmul_i16, batch_matmul_i8, BatchMatMulQuant, BatchMatMulShape,
};

use super::{first_f32_difference, float_value, i8s, mismatch, multiplier_and_shift, Mismatch};
use crate::decisions::Decisions;
use crate::naive::window::multiply_by_quantized_multiplier_i64;
use crate::naive::{multiply_by_quantized_multiplier, wrap32};

pub(super) fn batch_matmul_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let dims = |d: &mut Decisions<'_>| -> [u32; 3] {
        core::array::from_fn(|_| if d.bool() { 1 } else { 1 + d.below(3) as u32 })
    };
    let lhs_batch = dims(d);
    let mut rhs_batch = dims(d);
    // Mostly broadcastable: copy the left's dimension unless either is 1.
    for (r, l) in rhs_batch.iter_mut().zip(lhs_batch) {
        if *r != 1 && l != 1 && !d.one_in(16) {
            *r = l;
        }
    }
    let shape = BatchMatMulShape {
        lhs_batch,
        rhs_batch,
        rows: 1 + d.below(5) as u32,
        depth: if d.one_in(8) {
            d.below(300) as u32
        } else {
            d.below(9) as u32
        },
        cols: 1 + d.below(5) as u32,
        adj_x: u32::from(d.bool()),
        adj_y: u32::from(d.bool()),
    };
    let broadcasts = lhs_batch
        .iter()
        .zip(rhs_batch)
        .all(|(&l, r)| l == r || l == 1 || r == 1);
    let lengths = |s: &BatchMatMulShape| {
        let n = |b: [u32; 3]| b.iter().product::<u32>() as usize;
        let out: u32 = (0..3).map(|k| s.lhs_batch[k].max(s.rhs_batch[k])).product();
        let (m, k, nn) = (s.rows as usize, s.depth as usize, s.cols as usize);
        [
            n(s.lhs_batch) * m * k,
            n(s.rhs_batch) * k * nn,
            out as usize * m * nn,
        ]
    };
    let [lhs_len, rhs_len, out_len] = lengths(&shape);
    match d.u8() % 3 {
        0 => {
            let lhs: Vec<f32> = (0..lhs_len).map(|_| float_value(d)).collect();
            let rhs: Vec<f32> = (0..rhs_len).map(|_| float_value(d)).collect();
            let mut got = vec![0f32; out_len];
            let result = batch_matmul_f32(&shape, &lhs, &rhs, &mut got);
            check_refusal("batch_matmul_f32", &shape, broadcasts, result.is_ok())?;
            if broadcasts {
                let want = naive(&shape, &lhs, &rhs, 0f32, |t, a, b| t + a * b, |t| t);
                if let Some(i) = first_f32_difference(&want, &got) {
                    return mismatch(
                        "batch_matmul_f32",
                        format!(
                            "{shape:?} element {i}: expected {}, got {}",
                            want[i], got[i]
                        ),
                    );
                }
            }
        }
        1 => {
            let lhs = i8s(d, lhs_len);
            let rhs = i8s(d, rhs_len);
            let quant = quant(d, false);
            let mut got = vec![0i8; out_len];
            let result = batch_matmul_i8(&shape, &quant, &lhs, &rhs, &mut got);
            check_refusal("batch_matmul_i8", &shape, broadcasts, result.is_ok())?;
            if broadcasts {
                let want = naive(
                    &shape,
                    &lhs,
                    &rhs,
                    0i128,
                    |t, a, b| {
                        t + (i128::from(a) + i128::from(quant.lhs_offset))
                            * (i128::from(b) + i128::from(quant.rhs_offset))
                    },
                    |t| {
                        let scaled = multiply_by_quantized_multiplier(
                            wrap32(t),
                            quant.multiplier,
                            quant.shift,
                        );
                        (i64::from(scaled) + i64::from(quant.output_offset)).clamp(-128, 127) as i8
                    },
                );
                compare("batch_matmul_i8", &shape, &want, &got)?;
            }
        }
        _ => {
            // Full-range values saturate most outputs; small ones keep
            // every product visible.
            let small = d.bool();
            let value = |d: &mut Decisions<'_>| {
                if small {
                    d.in_range(-64, 64) as i16
                } else {
                    d.u16() as i16
                }
            };
            let lhs: Vec<i16> = (0..lhs_len).map(|_| value(d)).collect();
            let rhs: Vec<i16> = (0..rhs_len).map(|_| value(d)).collect();
            let quant = quant(d, true);
            let mut got = vec![0i16; out_len];
            let result = batch_matmul_i16(&shape, &quant, &lhs, &rhs, &mut got);
            check_refusal("batch_matmul_i16", &shape, broadcasts, result.is_ok())?;
            if broadcasts {
                let want = naive(
                    &shape,
                    &lhs,
                    &rhs,
                    0i64,
                    |t, a, b| t + i64::from(a) * i64::from(b),
                    |t| {
                        let scaled =
                            multiply_by_quantized_multiplier_i64(t, quant.multiplier, quant.shift);
                        i64::from(scaled).clamp(-32768, 32767) as i16
                    },
                );
                compare("batch_matmul_i16", &shape, &want, &got)?;
            }
        }
    }
    Ok(())
}

/// Offsets (int8: any zero points; int16: 0 as TFLM requires) and an
/// output multiplier; int16 shifts stay in TFLM's `< 8` contract, mostly
/// in `[-24, 0]`, where sums of small products stay visible.
fn quant(d: &mut Decisions<'_>, int16: bool) -> BatchMatMulQuant {
    let (multiplier, shift) = multiplier_and_shift(d);
    if int16 {
        return BatchMatMulQuant {
            lhs_offset: 0,
            rhs_offset: 0,
            output_offset: 0,
            multiplier,
            shift: if d.bool() {
                d.in_range(-24, 0)
            } else {
                shift.clamp(-31, 7)
            },
        };
    }
    BatchMatMulQuant {
        lhs_offset: -i32::from(d.u8() as i8),
        rhs_offset: -i32::from(d.u8() as i8),
        output_offset: i32::from(d.u8() as i8),
        multiplier,
        shift,
    }
}

fn check_refusal(
    kernel: &'static str,
    shape: &BatchMatMulShape,
    broadcasts: bool,
    ok: bool,
) -> Result<(), Mismatch> {
    if ok != broadcasts {
        return mismatch(
            kernel,
            format!("{shape:?}: broadcastable {broadcasts}, kernel accepted {ok}"),
        );
    }
    Ok(())
}

fn compare<T: PartialEq + std::fmt::Debug>(
    kernel: &'static str,
    shape: &BatchMatMulShape,
    want: &[T],
    got: &[T],
) -> Result<(), Mismatch> {
    match want.iter().zip(got).position(|(w, g)| w != g) {
        Some(i) => mismatch(
            kernel,
            format!(
                "{shape:?} element {i}: expected {:?}, got {:?}",
                want[i], got[i]
            ),
        ),
        None => Ok(()),
    }
}

/// The naive product: `sum` folds one element's pairs from `zero`, `finish`
/// turns the sum into the output.
fn naive<T: Copy, A: Copy, O>(
    s: &BatchMatMulShape,
    lhs: &[T],
    rhs: &[T],
    zero: A,
    sum: impl Fn(A, T, T) -> A,
    finish: impl Fn(A) -> O,
) -> Vec<O> {
    let (m, k, n) = (s.rows as usize, s.depth as usize, s.cols as usize);
    let out_batch: Vec<usize> = (0..3)
        .map(|i| s.lhs_batch[i].max(s.rhs_batch[i]) as usize)
        .collect();
    // Flat matrix index of batch coordinates `b` in an operand with `dims`.
    let matrix = |dims: [u32; 3], b: [usize; 3]| {
        (0..3).fold(0, |acc, i| {
            let extent = dims[i] as usize;
            acc * extent + if extent == 1 { 0 } else { b[i] }
        })
    };
    let mut out = Vec::new();
    for b0 in 0..out_batch[0] {
        for b1 in 0..out_batch[1] {
            for b2 in 0..out_batch[2] {
                let b = [b0, b1, b2];
                let lhs_base = matrix(s.lhs_batch, b) * m * k;
                let rhs_base = matrix(s.rhs_batch, b) * k * n;
                for i in 0..m {
                    for j in 0..n {
                        let mut total = zero;
                        for kk in 0..k {
                            // Row i, column kk of the left operand as read.
                            let a = if s.adj_x != 0 { kk * m + i } else { i * k + kk };
                            let c = if s.adj_y != 0 { j * k + kk } else { kk * n + j };
                            total = sum(total, lhs[lhs_base + a], rhs[rhs_base + c]);
                        }
                        out.push(finish(total));
                    }
                }
            }
        }
    }
    out
}
