//! ADD, SUB and MUL with broadcasting: the int8, int16 and float32 reference
//! kernels against the naive index mapping and TFLM's integer arithmetic,
//! and the optimised same-shape int8 ADD/SUB against the reference.

use microlite_kernels::broadcast::BroadcastShape;
use microlite_kernels::elementwise::{
    add_f32, add_i32, add_int16, add_int8, mul_f32, mul_i32, mul_int16, mul_int8,
    prepare_add_int16, prepare_add_int8, prepare_mul_int8, prepare_sub_int16, prepare_sub_int8,
    sub_f32, sub_i32, sub_int16, sub_int8, AddSubQuantParams, BinaryQuantization, MulQuantParams,
};
use microlite_kernels::optimized::elementwise as optimized;
use microlite_kernels::KernelError;

use super::{
    activation_range, fast_backends, first_f32_difference, float_range, float_value, i8s, mismatch,
    sane_scale, scale_value, Mismatch,
};
use crate::decisions::Decisions;
use crate::naive::clamp_cpp_f32;
use crate::naive::elementwise::{
    add_sub_quantized, broadcast_pairs, broadcast_shape, mul_quantized,
};

/// Two input shapes; usually they broadcast (each extent equal to the other
/// input's or 1, ranks may differ), sometimes not.
pub(super) fn shapes(d: &mut Decisions<'_>) -> (Vec<usize>, Vec<usize>) {
    let rank = if d.one_in(8) {
        1 + d.below(6)
    } else {
        1 + d.below(4)
    };
    let full: Vec<usize> = (0..rank).map(|_| 1 + d.below(4)).collect();
    let input = |d: &mut Decisions<'_>| -> Vec<usize> {
        let dropped = if d.one_in(3) { d.below(rank + 1) } else { 0 };
        full[dropped..]
            .iter()
            .map(|&n| if d.one_in(3) { 1 } else { n })
            .collect()
    };
    let a = input(d);
    let mut b = input(d);
    if d.one_in(16) {
        // Not broadcastable: an extent that is neither 1 nor the other's.
        if let Some(last) = b.last_mut() {
            *last += 2;
        }
    }
    (a, b)
}

/// The operation of a case.
#[derive(Debug, Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
}

fn op(d: &mut Decisions<'_>) -> Op {
    match d.u8() % 3 {
        0 => Op::Add,
        1 => Op::Sub,
        _ => Op::Mul,
    }
}

fn binary_quantization(d: &mut Decisions<'_>) -> BinaryQuantization {
    let scale = |d: &mut Decisions<'_>| {
        if d.one_in(16) {
            scale_value(d)
        } else {
            sane_scale(d)
        }
    };
    let (activation_min, activation_max) = activation_range(d);
    BinaryQuantization {
        input1_scale: scale(d),
        input1_zero_point: d.in_range(-128, 127),
        input2_scale: scale(d),
        input2_zero_point: d.in_range(-128, 127),
        output_scale: scale(d),
        output_zero_point: d.in_range(-128, 127),
        activation_min,
        activation_max,
    }
}

/// The kernel's broadcast shape and, for every output element, the naive
/// pair of input indices.
type Mapping = (BroadcastShape, Vec<(usize, usize)>);

/// The broadcast mapping of a case, or `None` when the shapes do not
/// broadcast; then `BroadcastShape::new` must refuse them.
fn mapping(kernel: &'static str, a: &[usize], b: &[usize]) -> Result<Option<Mapping>, Mismatch> {
    let naive = broadcast_shape(a, b);
    let shape = naive.as_ref().map_or_else(
        || BroadcastShape::new(a, b, a),
        |out| BroadcastShape::new(a, b, out),
    );
    match (naive, shape) {
        (Some(out), Ok(shape)) => Ok(Some((shape, broadcast_pairs(&out, a, b)))),
        (None, Err(_)) => Ok(None),
        (naive, shape) => mismatch(
            kernel,
            format!("shapes {a:?} and {b:?}: naive broadcast {naive:?}, kernel {shape:?}"),
        )
        .map(|()| None),
    }
}

/// A quantized storage type and its reference ADD/SUB/MUL kernels.
trait Lane: Copy + PartialEq + core::fmt::Debug + Default {
    const KERNEL: &'static str;
    fn values(d: &mut Decisions<'_>, n: usize) -> Vec<Self>;
    /// A C++ `static_cast` from `i32`.
    fn truncate(value: i32) -> Self;
    fn widen(self) -> i32;
    fn prepare(q: &BinaryQuantization, subtract: bool) -> Result<AddSubQuantParams, KernelError>;
    fn add_sub(
        p: &AddSubQuantParams,
        shape: &BroadcastShape,
        a: &[Self],
        b: &[Self],
        out: &mut [Self],
        subtract: bool,
    ) -> Result<(), KernelError>;
    fn mul(
        p: &MulQuantParams,
        shape: &BroadcastShape,
        a: &[Self],
        b: &[Self],
        out: &mut [Self],
    ) -> Result<(), KernelError>;
}

impl Lane for i8 {
    const KERNEL: &'static str = "add/sub/mul int8";
    fn values(d: &mut Decisions<'_>, n: usize) -> Vec<Self> {
        i8s(d, n)
    }
    fn truncate(value: i32) -> Self {
        value as i8
    }
    fn widen(self) -> i32 {
        i32::from(self)
    }
    fn prepare(q: &BinaryQuantization, subtract: bool) -> Result<AddSubQuantParams, KernelError> {
        if subtract {
            prepare_sub_int8(q)
        } else {
            prepare_add_int8(q)
        }
    }
    fn add_sub(
        p: &AddSubQuantParams,
        shape: &BroadcastShape,
        a: &[Self],
        b: &[Self],
        out: &mut [Self],
        subtract: bool,
    ) -> Result<(), KernelError> {
        if subtract {
            sub_int8(p, shape, a, b, out)
        } else {
            add_int8(p, shape, a, b, out)
        }
    }
    fn mul(
        p: &MulQuantParams,
        shape: &BroadcastShape,
        a: &[Self],
        b: &[Self],
        out: &mut [Self],
    ) -> Result<(), KernelError> {
        mul_int8(p, shape, a, b, out)
    }
}

impl Lane for i16 {
    const KERNEL: &'static str = "add/sub/mul int16";
    fn values(d: &mut Decisions<'_>, n: usize) -> Vec<Self> {
        (0..n).map(|_| d.u16() as i16).collect()
    }
    fn truncate(value: i32) -> Self {
        value as i16
    }
    fn widen(self) -> i32 {
        i32::from(self)
    }
    fn prepare(q: &BinaryQuantization, subtract: bool) -> Result<AddSubQuantParams, KernelError> {
        if subtract {
            prepare_sub_int16(q)
        } else {
            prepare_add_int16(q)
        }
    }
    fn add_sub(
        p: &AddSubQuantParams,
        shape: &BroadcastShape,
        a: &[Self],
        b: &[Self],
        out: &mut [Self],
        subtract: bool,
    ) -> Result<(), KernelError> {
        if subtract {
            sub_int16(p, shape, a, b, out)
        } else {
            add_int16(p, shape, a, b, out)
        }
    }
    fn mul(
        p: &MulQuantParams,
        shape: &BroadcastShape,
        a: &[Self],
        b: &[Self],
        out: &mut [Self],
    ) -> Result<(), KernelError> {
        mul_int16(p, shape, a, b, out)
    }
}

pub(super) fn int8(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    quantized::<i8>(d)
}

pub(super) fn int16(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    quantized::<i16>(d)
}

/// The quantized reference kernels against the naive definitions.
fn quantized<L: Lane>(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let kernel = L::KERNEL;
    let (a_dims, b_dims) = shapes(d);
    let op = op(d);
    let mut q = binary_quantization(d);
    if L::KERNEL != <i8 as Lane>::KERNEL && d.bool() {
        // int16: the whole range, and symmetric tensors as the converter
        // writes them.
        let (lo, hi) = (d.in_range(-32768, 32767), d.in_range(-32768, 32767));
        (q.activation_min, q.activation_max) = (lo.min(hi), lo.max(hi));
        (
            q.input1_zero_point,
            q.input2_zero_point,
            q.output_zero_point,
        ) = (0, 0, 0);
    }
    let a = L::values(d, a_dims.iter().product());
    let b = L::values(d, b_dims.iter().product());
    let Some((shape, pairs)) = mapping(kernel, &a_dims, &b_dims)? else {
        return Ok(());
    };
    let mut output = vec![L::default(); pairs.len()];
    let (result, expected): (_, Vec<L>) = match op {
        Op::Add | Op::Sub => {
            let subtract = matches!(op, Op::Sub);
            // Scales TFLM's prepare rejects (a multiplier outside (0, 1)).
            let Ok(p) = L::prepare(&q, subtract) else {
                return Ok(());
            };
            let result = L::add_sub(&p, &shape, &a, &b, &mut output, subtract);
            let expected = pairs
                .iter()
                .map(|&(i, j)| {
                    L::truncate(add_sub_quantized(&p, a[i].widen(), b[j].widen(), subtract))
                })
                .collect();
            (result, expected)
        }
        Op::Mul => {
            let Ok(p) = prepare_mul_int8(&q) else {
                return Ok(());
            };
            let result = L::mul(&p, &shape, &a, &b, &mut output);
            let expected = pairs
                .iter()
                .map(|&(i, j)| L::truncate(mul_quantized(&p, a[i].widen(), b[j].widen())))
                .collect();
            (result, expected)
        }
    };
    if let Err(e) = result {
        return mismatch(
            kernel,
            format!("{op:?} {a_dims:?} {b_dims:?} rejected: {e}"),
        );
    }
    if expected != output {
        return mismatch(
            kernel,
            format!(
                "{op:?} {a_dims:?} x {b_dims:?} {q:?}: expected {expected:?}, got {output:?} \
                 (inputs {a:?} {b:?})"
            ),
        );
    }
    Ok(())
}

pub(super) fn float32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "add/sub/mul f32";
    let (a_dims, b_dims) = shapes(d);
    let op = op(d);
    let (min, max) = float_range(d);
    let a: Vec<f32> = (0..a_dims.iter().product())
        .map(|_| float_value(d))
        .collect();
    let b: Vec<f32> = (0..b_dims.iter().product())
        .map(|_| float_value(d))
        .collect();
    let Some((shape, pairs)) = mapping(KERNEL, &a_dims, &b_dims)? else {
        return Ok(());
    };
    let mut output = vec![0f32; pairs.len()];
    let (result, f): (_, fn(f32, f32) -> f32) = match op {
        Op::Add => (add_f32(min, max, &shape, &a, &b, &mut output), |x, y| x + y),
        Op::Sub => (sub_f32(min, max, &shape, &a, &b, &mut output), |x, y| x - y),
        Op::Mul => (mul_f32(min, max, &shape, &a, &b, &mut output), |x, y| x * y),
    };
    if let Err(e) = result {
        return mismatch(
            KERNEL,
            format!("{op:?} {a_dims:?} {b_dims:?} rejected: {e}"),
        );
    }
    let expected: Vec<f32> = pairs
        .iter()
        .map(|&(i, j)| clamp_cpp_f32(f(a[i], b[j]), min, max))
        .collect();
    if let Some(i) = first_f32_difference(&expected, &output) {
        return mismatch(
            KERNEL,
            format!(
                "{op:?} {a_dims:?} x {b_dims:?} clamp [{min}, {max}] output {i}: expected {:?}, \
                 got {:?}",
                expected.get(i),
                output.get(i)
            ),
        );
    }
    Ok(())
}

/// Unquantized int32 ADD/SUB/MUL against the exact `i64` result wrapped to
/// `i32` (C++'s overflow on TFLM's targets), clamped.
pub(super) fn int32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "add/sub/mul i32";
    let (a_dims, b_dims) = shapes(d);
    let op = op(d);
    let (min, max) = match d.u8() % 4 {
        0 => (0, i32::MAX),
        1 => (0, 6),
        2 => (-1, 1),
        _ => (i32::MIN, i32::MAX),
    };
    let value = |d: &mut Decisions<'_>| {
        if d.bool() {
            d.i32()
        } else {
            d.in_range(-100, 100)
        }
    };
    let a: Vec<i32> = (0..a_dims.iter().product()).map(|_| value(d)).collect();
    let b: Vec<i32> = (0..b_dims.iter().product()).map(|_| value(d)).collect();
    let Some((shape, pairs)) = mapping(KERNEL, &a_dims, &b_dims)? else {
        return Ok(());
    };
    let mut output = vec![0i32; pairs.len()];
    let (result, f): (_, fn(i64, i64) -> i64) = match op {
        Op::Add => (add_i32(min, max, &shape, &a, &b, &mut output), |x, y| x + y),
        Op::Sub => (sub_i32(min, max, &shape, &a, &b, &mut output), |x, y| x - y),
        Op::Mul => (mul_i32(min, max, &shape, &a, &b, &mut output), |x, y| x * y),
    };
    if let Err(e) = result {
        return mismatch(
            KERNEL,
            format!("{op:?} {a_dims:?} {b_dims:?} rejected: {e}"),
        );
    }
    for (k, (&(i, j), &got)) in pairs.iter().zip(&output).enumerate() {
        let exact = f(i64::from(a[i]), i64::from(b[j]));
        let want = crate::naive::wrap32(i128::from(exact)).max(min).min(max);
        if got != want {
            return mismatch(
                KERNEL,
                format!(
                    "{op:?} {a_dims:?} x {b_dims:?} clamp [{min}, {max}] output {k}: \
                     {} and {}: expected {want}, got {got}",
                    a[i], b[j]
                ),
            );
        }
    }
    Ok(())
}

/// The optimised same-shape int8 ADD/SUB on every fast backend against the
/// reference with an identity broadcast.
pub(super) fn optimized_same_shape(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    const KERNEL: &str = "add/sub int8 same shape (optimized)";
    let subtract = d.bool();
    let q = binary_quantization(d);
    let prepared = if subtract {
        prepare_sub_int8(&q)
    } else {
        prepare_add_int8(&q)
    };
    let Ok(p) = prepared else { return Ok(()) };
    let n = if d.one_in(8) {
        d.below(1000)
    } else {
        d.below(80)
    };
    let a = i8s(d, n);
    let b = i8s(d, n);
    let Ok(shape) = BroadcastShape::new(&[n], &[n], &[n]) else {
        return mismatch(KERNEL, format!("no identity broadcast of {n}"));
    };
    let mut expected = vec![0i8; n];
    let reference = if subtract {
        sub_int8(&p, &shape, &a, &b, &mut expected)
    } else {
        add_int8(&p, &shape, &a, &b, &mut expected)
    };
    if let Err(e) = reference {
        return mismatch(KERNEL, format!("reference rejected {n} elements: {e}"));
    }
    // A longer output must be refused, never indexed past.
    let extra = usize::from(d.one_in(16));
    for backend in fast_backends() {
        let mut got = vec![0i8; n + extra];
        let result = if subtract {
            optimized::sub_int8_same_shape(backend, &p, &a, &b, &mut got)
        } else {
            optimized::add_int8_same_shape(backend, &p, &a, &b, &mut got)
        };
        match (extra, result) {
            (0, Ok(())) if got == expected => {}
            (1, Err(_)) => {}
            (_, result) => {
                return mismatch(
                    KERNEL,
                    format!(
                        "{backend:?} subtract {subtract} {p:?} on {n} elements (+{extra}): \
                         {result:?}, expected {expected:?}, got {got:?}"
                    ),
                )
            }
        }
    }
    Ok(())
}
