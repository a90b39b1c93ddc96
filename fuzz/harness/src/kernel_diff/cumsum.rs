//! CUMSUM (`microlite_kernels::cumsum`): float32 against running sums per
//! line in TFLM's order, int8 against TFLM's definition written out (each
//! input offset, shifted and rescaled; the sum starting at the rescaled
//! offset; rescaled to the output, offset, clamped).

use microlite_kernels::cumsum::{cumsum_f32, cumsum_int8, prepare_cumsum_int8, CumSumShape};

use super::{float_value, i8s, mismatch, same_f32, sane_scale, Mismatch};
use crate::decisions::Decisions;
use crate::naive::{divide_by_pot, doubling_high_mul, wrap32};

const KERNEL: &str = "cumsum";

fn rescale(x: i32, m: i32, shift: i32) -> i32 {
    divide_by_pot(doubling_high_mul(x, m), -shift)
}

/// The element indices of each line along the axis, in summing order.
fn lines(shape: &CumSumShape) -> Vec<Vec<usize>> {
    let mut all = Vec::new();
    for o in 0..shape.outer {
        for i in 0..shape.inner {
            let mut line: Vec<usize> = (0..shape.depth)
                .map(|d| (o * shape.depth + d) * shape.inner + i)
                .collect();
            if shape.reverse {
                line.reverse();
            }
            all.push(line);
        }
    }
    all
}

pub(super) fn cumsum_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let shape = CumSumShape {
        outer: 1 + d.below(3),
        depth: 1 + d.below(6),
        inner: 1 + d.below(3),
        exclusive: d.bool(),
        reverse: d.bool(),
    };
    let n = shape.outer * shape.depth * shape.inner;
    if d.bool() {
        let input: Vec<f32> = (0..n).map(|_| float_value(d)).collect();
        let mut got = vec![0f32; n];
        if let Err(e) = cumsum_f32(&shape, &input, &mut got) {
            return mismatch(KERNEL, format!("float rejected: {e}"));
        }
        for line in lines(&shape) {
            let mut acc = 0f32;
            for &k in &line {
                let want = if shape.exclusive {
                    let before = acc;
                    acc += input[k];
                    before
                } else {
                    acc += input[k];
                    acc
                };
                if !same_f32(want, got[k]) {
                    return mismatch(
                        KERNEL,
                        format!("{shape:?} element {k}: {want} vs {}", got[k]),
                    );
                }
            }
        }
        return Ok(());
    }
    let Ok(p) = prepare_cumsum_int8(
        sane_scale(d),
        d.in_range(-128, 127),
        sane_scale(d),
        d.in_range(-128, 127),
    ) else {
        return Ok(());
    };
    let input = i8s(d, n);
    let mut got = vec![0i8; n];
    if let Err(e) = cumsum_int8(&shape, &p, &input, &mut got) {
        return mismatch(KERNEL, format!("int8 rejected: {e}"));
    }
    let scale = |v: i128| rescale(wrap32(v << 20), p.input_multiplier, p.input_shift);
    for line in lines(&shape) {
        let mut acc = i128::from(scale(i128::from(p.input_offset)));
        for &k in &line {
            let y = i128::from(scale(i128::from(p.input_offset) + i128::from(input[k])));
            let summed = if shape.exclusive {
                let before = acc;
                acc = i128::from(wrap32(acc + y));
                before
            } else {
                acc = i128::from(wrap32(acc + y));
                acc
            };
            let out = wrap32(
                i128::from(rescale(wrap32(summed), p.output_multiplier, p.output_shift))
                    + i128::from(p.output_offset),
            )
            .clamp(-128, 127) as i8;
            if out != got[k] {
                return mismatch(
                    KERNEL,
                    format!("{shape:?} {p:?} element {k}: {out} vs {}", got[k]),
                );
            }
        }
    }
    Ok(())
}
