//! AVERAGE_POOL_2D and MAX_POOL_2D (int8 and float32) against the naive
//! window loops: exact means and maxima over the clipped windows; zero
//! strides or filters, windows entirely outside the input, and inconsistent
//! shapes or lengths must be errors.

use microlite_kernels::pooling::{
    average_pool_f32, average_pool_int16, average_pool_int8, l2_pool_f32, max_pool_f32,
    max_pool_int16, max_pool_int8, PoolParams,
};

use super::{
    activation_range, extent, first_f32_difference, float_range, float_value, i8s, mismatch,
    Mismatch,
};
use crate::decisions::Decisions;
use crate::naive::window::{self, Pool};

/// A pooling case; `valid` is false when the kernel must reject it (zero
/// geometry, mismatched shapes, a wrong buffer length).
struct Case {
    pool: Pool,
    input_len: usize,
    output_len: usize,
    valid: bool,
}

fn case(d: &mut Decisions<'_>) -> Case {
    let batches = 1 + d.below(2);
    let channels = extent(d, 4, 12);
    let (in_h, in_w) = (extent(d, 6, 12), extent(d, 6, 12));
    let mut filter = (1 + d.below(4), 1 + d.below(4));
    let mut stride = (1 + d.below(3), 1 + d.below(3));
    // Padding below the filter size keeps the first window non-empty; the
    // rare larger padding makes windows that miss the input (an error).
    let padding = if d.one_in(8) {
        (d.below(4), d.below(4))
    } else {
        (d.below(filter.0), d.below(filter.1))
    };
    let out_axis = |d: &mut Decisions<'_>, input: usize, f: usize, s: usize| {
        if d.one_in(4) {
            d.below(6)
        } else {
            (input + 2 * (f / 2)).saturating_sub(f) / s + 1
        }
    };
    let out_h = out_axis(d, in_h, filter.0, stride.0);
    let out_w = out_axis(d, in_w, filter.1, stride.1);
    let mut output_channels = channels;
    let mut valid = true;
    match d.u8() % 32 {
        0 => filter.0 = 0,
        1 => stride.1 = 0,
        2 => output_channels += 1,
        _ => {}
    }
    valid &= filter.0 > 0 && stride.1 > 0 && output_channels == channels;
    let input_len = batches * in_h * in_w * channels;
    let mut output_len = batches * out_h * out_w * output_channels;
    if d.one_in(32) {
        output_len += 1;
        valid = false;
    }
    Case {
        pool: Pool {
            input: [batches, in_h, in_w, channels],
            output: [batches, out_h, out_w, output_channels],
            filter,
            stride,
            padding,
        },
        input_len,
        output_len,
        valid,
    }
}

fn u32s(d: [usize; 4]) -> [u32; 4] {
    d.map(|x| x as u32)
}

fn params(c: &Case, int_range: (i32, i32), float_range: (f32, f32)) -> PoolParams {
    let p = &c.pool;
    PoolParams {
        input_shape: u32s(p.input),
        output_shape: u32s(p.output),
        filter_height: p.filter.0 as u32,
        filter_width: p.filter.1 as u32,
        stride_height: p.stride.0 as u32,
        stride_width: p.stride.1 as u32,
        padding_top: p.padding.0 as u32,
        padding_left: p.padding.1 as u32,
        quantized_activation_min: int_range.0,
        quantized_activation_max: int_range.1,
        float_activation_min: float_range.0,
        float_activation_max: float_range.1,
    }
}

/// Runs the int8, int16 or float kernel (`average` or max) and compares it
/// with the naive windows.
fn run(d: &mut Decisions<'_>, average: bool) -> Result<(), Mismatch> {
    let kernel = match average {
        true => "average_pool",
        false => "max_pool",
    };
    let c = case(d);
    let int16 = d.one_in(3);
    let int_range = if int16 {
        let (a, b) = (d.in_range(-32768, 32767), d.in_range(-32768, 32767));
        if d.bool() {
            (-32768, 32767)
        } else {
            (a.min(b), a.max(b))
        }
    } else {
        activation_range(d)
    };
    let float_range = float_range(d);
    let p = params(&c, int_range, float_range);
    let (result, expected_windows_empty, difference) = if int16 {
        let input: Vec<i16> = (0..c.input_len).map(|_| d.u16() as i16).collect();
        let mut output = vec![0i16; c.output_len];
        let result = if average {
            average_pool_int16(&p, &input, &mut output)
        } else {
            max_pool_int16(&p, &input, &mut output)
        };
        let windows = if c.valid {
            c.pool.windows(&input)
        } else {
            None
        };
        let difference = windows.as_ref().filter(|_| result.is_ok()).and_then(|w| {
            let expected = if average {
                window::average_pool_i16(w, int_range.0, int_range.1)
            } else {
                window::max_pool_i16(w, int_range.0, int_range.1)
            };
            (expected != output).then(|| format!("int16: expected {expected:?}, got {output:?}"))
        });
        (result, c.valid && windows.is_none(), difference)
    } else if d.bool() {
        let input = i8s(d, c.input_len);
        let mut output = vec![0i8; c.output_len];
        let result = if average {
            average_pool_int8(&p, &input, &mut output)
        } else {
            max_pool_int8(&p, &input, &mut output)
        };
        let windows = if c.valid {
            c.pool.windows(&input)
        } else {
            None
        };
        let difference = windows.as_ref().filter(|_| result.is_ok()).and_then(|w| {
            let expected = if average {
                window::average_pool_i8(w, int_range.0, int_range.1)
            } else {
                window::max_pool_i8(w, int_range.0, int_range.1)
            };
            (expected != output).then(|| format!("int8: expected {expected:?}, got {output:?}"))
        });
        (result, c.valid && windows.is_none(), difference)
    } else {
        let input: Vec<f32> = (0..c.input_len).map(|_| float_value(d)).collect();
        let mut output = vec![0f32; c.output_len];
        let result = if average {
            average_pool_f32(&p, &input, &mut output)
        } else {
            max_pool_f32(&p, &input, &mut output)
        };
        let windows = if c.valid {
            c.pool.windows(&input)
        } else {
            None
        };
        let difference = windows.as_ref().filter(|_| result.is_ok()).and_then(|w| {
            let expected = if average {
                window::average_pool_f32(w, float_range.0, float_range.1)
            } else {
                window::max_pool_f32(w, float_range.0, float_range.1)
            };
            first_f32_difference(&expected, &output).map(|i| {
                format!(
                    "float output {i}: expected {:?}, got {:?}",
                    expected.get(i),
                    output.get(i)
                )
            })
        });
        (result, c.valid && windows.is_none(), difference)
    };
    let must_fail = !c.valid || expected_windows_empty;
    match (must_fail, &result) {
        (true, Ok(())) => mismatch(kernel, format!("accepted an invalid case: {:?}", c.pool)),
        (false, Err(e)) => mismatch(kernel, format!("rejected {:?}: {e}", c.pool)),
        _ => match difference {
            Some(detail) => mismatch(kernel, format!("{:?} {p:?}: {detail}", c.pool)),
            None => Ok(()),
        },
    }
}

pub(super) fn average(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    run(d, true)
}

pub(super) fn max(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    run(d, false)
}

/// Float L2 pooling against `sqrt(sum of squares / count)` over the naive
/// windows (summed in window order in `f32`, as TFLM), clamped.
pub(super) fn l2(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "l2_pool";
    let c = case(d);
    let float_range = float_range(d);
    let p = params(&c, activation_range(d), float_range);
    let input: Vec<f32> = (0..c.input_len).map(|_| float_value(d)).collect();
    let mut output = vec![0f32; c.output_len];
    let result = l2_pool_f32(&p, &input, &mut output);
    let windows = if c.valid {
        c.pool.windows(&input)
    } else {
        None
    };
    let must_fail = !c.valid || windows.is_none();
    match (must_fail, &result) {
        (true, Ok(())) => {
            return mismatch(KERNEL, format!("accepted an invalid case: {:?}", c.pool))
        }
        (false, Err(e)) => return mismatch(KERNEL, format!("rejected {:?}: {e}", c.pool)),
        (true, Err(_)) => return Ok(()),
        (false, Ok(())) => {}
    }
    let expected: Vec<f32> = windows
        .unwrap_or_default()
        .iter()
        .map(|w| {
            let sum = w.iter().fold(0f32, |acc, &v| acc + v * v);
            crate::naive::clamp_cpp_f32((sum / w.len() as f32).sqrt(), float_range.0, float_range.1)
        })
        .collect();
    match first_f32_difference(&expected, &output) {
        Some(i) => mismatch(
            KERNEL,
            format!(
                "{:?} output {i}: expected {:?}, got {:?}",
                c.pool,
                expected.get(i),
                output.get(i)
            ),
        ),
        None => Ok(()),
    }
}
