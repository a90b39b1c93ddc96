//! SVDF (`microlite_kernels::svdf`): a sequence of invokes, the state
//! carried, against a straightforward model of the op: the state as
//! `[batch][filter]` queues of `memory` values (drop the oldest, push the
//! new feature value), sums written out per output unit. Float32 bit for
//! bit (the fused TANH within 1e-6: the libm may differ from the kernel's);
//! full-integer with int16 and int8 state bit for bit, in i64 arithmetic
//! wrapped to i32 where TFLM's int32 wraps. `SvdfQuantized::new` against
//! the naive multipliers of the scale products in f64. A buffer one element
//! too long must be refused.

use std::collections::VecDeque;

use microlite_kernels::activation::FusedActivation;
use microlite_kernels::quantize::QuantizedInt;
use microlite_kernels::svdf::{svdf_f32, svdf_integer, SvdfQuantized, SvdfShape};

use super::{bias_value, float_value, len_for, mismatch, multiplier_and_shift, sane_scale};
use super::{i8s, Mismatch};
use crate::decisions::Decisions;
use crate::naive::{multiply_by_quantized_multiplier, quantize_multiplier};

const KERNEL: &str = "svdf";

/// The sizes of a case.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    batches: usize,
    input: usize,
    units: usize,
    rank: usize,
    memory: usize,
}

impl Sizes {
    fn filters(&self) -> usize {
        self.units * self.rank
    }

    fn shape(&self) -> SvdfShape {
        SvdfShape {
            batches: self.batches as u32,
            input_size: self.input as u32,
            units: self.units as u32,
            rank: self.rank as u32,
            memory: self.memory as u32,
        }
    }
}

fn sizes(d: &mut Decisions<'_>) -> Sizes {
    Sizes {
        batches: 1 + d.below(3),
        input: d.below(9),
        units: 1 + d.below(4),
        rank: 1 + d.below(3),
        memory: 1 + d.below(5),
    }
}

/// The state queues of a naive SVDF: `[batch][filter]`, oldest first.
type Queues<T> = Vec<Vec<VecDeque<T>>>;

fn queues<T: Copy>(s: &Sizes, initial: T) -> Queues<T> {
    vec![vec![VecDeque::from(vec![initial; s.memory]); s.filters()]; s.batches]
}

/// The queues laid out as the kernel's state buffer.
fn flatten<T: Copy>(q: &Queues<T>) -> Vec<T> {
    q.iter()
        .flat_map(|b| b.iter().flat_map(|f| f.iter().copied()))
        .collect()
}

fn naive_activation(a: FusedActivation, x: f32) -> f32 {
    // TFLM's fmax/fmin ignore a NaN operand.
    match a {
        FusedActivation::None => x,
        FusedActivation::Relu => {
            if x > 0.0 {
                x
            } else {
                0.0
            }
        }
        FusedActivation::ReluN1To1 => {
            if x.is_nan() || x > 1.0 {
                1.0
            } else if x < -1.0 {
                -1.0
            } else {
                x
            }
        }
        FusedActivation::Relu6 => {
            if x.is_nan() || x > 6.0 {
                6.0
            } else if x > 0.0 {
                x
            } else {
                0.0
            }
        }
        FusedActivation::Tanh => x.tanh(),
        FusedActivation::SignBit => {
            if x.is_sign_negative() {
                1.0
            } else {
                0.0
            }
        }
    }
}

fn same_value(a: f32, b: f32, tanh: bool) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (tanh && (a - b).abs() <= 1e-6)
}

pub(super) fn svdf_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    match d.u8() % 3 {
        0 => float32(d),
        1 => integer::<i16>(d, "int16 state"),
        _ => integer::<i8>(d, "int8 state"),
    }
}

fn float32(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let s = sizes(d);
    let activation = d.pick(&[
        FusedActivation::None,
        FusedActivation::Relu,
        FusedActivation::ReluN1To1,
        FusedActivation::Relu6,
        FusedActivation::Tanh,
        FusedActivation::SignBit,
    ]);
    let f = s.filters();
    let floats = |d: &mut Decisions<'_>, n: usize| (0..n).map(|_| float_value(d)).collect();
    let wf: Vec<f32> = floats(d, f * s.input);
    let wt: Vec<f32> = floats(d, f * s.memory);
    let bias: Option<Vec<f32>> = d.bool().then(|| floats(d, s.units));
    let mut naive = queues(&s, 0.0f32);
    let mut state = flatten(&naive);
    let mut out = vec![0f32; s.batches * s.units];
    for invoke in 0..1 + d.below(4) {
        let input: Vec<f32> = floats(d, s.batches * s.input);
        if let Err(e) = svdf_f32(
            &s.shape(),
            activation,
            &input,
            &wf,
            &wt,
            bias.as_deref(),
            &mut state,
            &mut out,
        ) {
            return mismatch(KERNEL, format!("float32 {s:?}: refused: {e:?}"));
        }
        for b in 0..s.batches {
            for filter in 0..f {
                let mut dot = 0.0f32;
                for i in 0..s.input {
                    dot += wf[filter * s.input + i] * input[b * s.input + i];
                }
                naive[b][filter].pop_front();
                naive[b][filter].push_back(dot);
            }
            for u in 0..s.units {
                let mut acc = bias.as_ref().map_or(0.0, |bias| bias[u]);
                for j in 0..s.rank {
                    let filter = u * s.rank + j;
                    let mut sum = 0.0f32;
                    for (m, value) in naive[b][filter].iter().enumerate() {
                        sum += wt[filter * s.memory + m] * value;
                    }
                    acc += sum;
                }
                let want = naive_activation(activation, acc);
                let got = out[b * s.units + u];
                if !same_value(got, want, activation == FusedActivation::Tanh) {
                    return mismatch(
                        KERNEL,
                        format!(
                            "float32 {s:?} {activation:?} invoke {invoke}: output [{b}, {u}] \
                             {want} vs {got}"
                        ),
                    );
                }
            }
        }
        let want_state = flatten(&naive);
        if let Some(i) =
            (0..want_state.len()).find(|&i| !same_value(state[i], want_state[i], false))
        {
            return mismatch(
                KERNEL,
                format!(
                    "float32 {s:?} invoke {invoke}: state [{i}] {} vs {}",
                    want_state[i], state[i]
                ),
            );
        }
    }
    length_check_f32(d, &s)
}

fn length_check_f32(d: &mut Decisions<'_>, s: &Sizes) -> Result<(), Mismatch> {
    let corrupt = Some(d.u8() % 6);
    let f = s.filters();
    let input = vec![0f32; len_for(corrupt, 0, s.batches * s.input)];
    let wf = vec![0f32; len_for(corrupt, 1, f * s.input)];
    let wt = vec![0f32; len_for(corrupt, 2, f * s.memory)];
    let bias = vec![0f32; len_for(corrupt, 3, s.units)];
    let mut state = vec![0f32; len_for(corrupt, 4, s.batches * f * s.memory)];
    let mut out = vec![0f32; len_for(corrupt, 5, s.batches * s.units)];
    let result = svdf_f32(
        &s.shape(),
        FusedActivation::None,
        &input,
        &wf,
        &wt,
        Some(&bias),
        &mut state,
        &mut out,
    );
    if result.is_ok() {
        return mismatch(
            KERNEL,
            format!("{s:?}: buffer {corrupt:?} too long accepted"),
        );
    }
    Ok(())
}

/// A value of `T` from two decision bytes.
trait Draw: QuantizedInt + Default + std::fmt::Debug + PartialEq {
    fn draw(d: &mut Decisions<'_>) -> Self;
}

impl Draw for i8 {
    fn draw(d: &mut Decisions<'_>) -> Self {
        d.u8() as i8
    }
}

impl Draw for i16 {
    fn draw(d: &mut Decisions<'_>) -> Self {
        d.u16() as i16
    }
}

fn integer<T: Draw>(d: &mut Decisions<'_>, what: &str) -> Result<(), Mismatch> {
    let s = sizes(d);
    let f = s.filters();
    // The constructor against the naive multipliers of the f64 products.
    let scales = [
        sane_scale(d),
        sane_scale(d),
        sane_scale(d),
        sane_scale(d),
        sane_scale(d),
    ];
    let [si, swf, swt, ss, so] = scales.map(f64::from);
    let built = SvdfQuantized::new(
        (scales[0], 0),
        scales[1],
        scales[2],
        (scales[3], 0),
        (scales[4], 0),
    );
    let want = (
        quantize_multiplier(si * swf / ss),
        quantize_multiplier(ss * swt / so),
    );
    let got = (
        (built.feature_multiplier, built.feature_shift),
        (built.output_multiplier, built.output_shift),
    );
    if got != want {
        return mismatch(
            KERNEL,
            format!("multipliers of {scales:?}: {want:?} vs {got:?}"),
        );
    }

    let (feature_multiplier, feature_shift) = multiplier_and_shift(d);
    let (output_multiplier, output_shift) = multiplier_and_shift(d);
    let q = SvdfQuantized {
        input_zero_point: d.in_range(-128, 127),
        state_zero_point: if d.bool() {
            0
        } else {
            d.in_range(T::MIN, T::MAX)
        },
        output_zero_point: d.in_range(-128, 127),
        feature_multiplier,
        feature_shift,
        output_multiplier,
        output_shift,
    };
    let wf = i8s(d, f * s.input);
    let wt: Vec<T> = (0..f * s.memory).map(|_| T::draw(d)).collect();
    let bias: Option<Vec<i32>> = d
        .bool()
        .then(|| (0..s.units).map(|_| bias_value(d)).collect());
    // TFLM's ResetVariableTensors: int8 state at its zero point, int16 at 0.
    let initial = if T::MIN == i32::from(i8::MIN) {
        T::from_i32_truncating(q.state_zero_point)
    } else {
        T::default()
    };
    let mut naive = queues(&s, initial);
    let mut state = flatten(&naive);
    let mut out = vec![0i8; s.batches * s.units];
    for invoke in 0..1 + d.below(4) {
        let input = i8s(d, s.batches * s.input);
        if let Err(e) = svdf_integer(
            &s.shape(),
            &q,
            &input,
            &wf,
            &wt,
            bias.as_deref(),
            &mut state,
            &mut out,
        ) {
            return mismatch(KERNEL, format!("{what} {s:?}: refused: {e:?}"));
        }
        for b in 0..s.batches {
            for filter in 0..f {
                let mut dot = 0i64;
                for i in 0..s.input {
                    let x = i64::from(input[b * s.input + i]) - i64::from(q.input_zero_point);
                    dot += i64::from(wf[filter * s.input + i]) * x;
                }
                let scaled =
                    multiply_by_quantized_multiplier(dot as i32, feature_multiplier, feature_shift)
                        .clamp(T::MIN, T::MAX);
                let stored = T::from_i32_truncating(
                    (i64::from(scaled) + i64::from(q.state_zero_point)) as i32,
                );
                naive[b][filter].pop_front();
                naive[b][filter].push_back(stored);
            }
            for u in 0..s.units {
                let mut acc = i64::from(bias.as_ref().map_or(0, |bias| bias[u]));
                for j in 0..s.rank {
                    let filter = u * s.rank + j;
                    for (m, value) in naive[b][filter].iter().enumerate() {
                        let centered = i64::from(value.to_i32()) - i64::from(q.state_zero_point);
                        acc += i64::from(wt[filter * s.memory + m].to_i32()) * centered;
                    }
                }
                let scaled =
                    multiply_by_quantized_multiplier(acc as i32, output_multiplier, output_shift);
                let want = (i64::from(scaled) + i64::from(q.output_zero_point)).clamp(-128, 127);
                let got = i64::from(out[b * s.units + u]);
                if got != want {
                    return mismatch(
                        KERNEL,
                        format!(
                            "{what} {s:?} {q:?} invoke {invoke}: output [{b}, {u}] {want} vs {got}"
                        ),
                    );
                }
            }
        }
        let want_state = flatten(&naive);
        if state != want_state {
            return mismatch(
                KERNEL,
                format!("{what} {s:?} {q:?} invoke {invoke}: state {want_state:?} vs {state:?}"),
            );
        }
    }
    let corrupt = Some(d.u8() % 6);
    let input = vec![0i8; len_for(corrupt, 0, s.batches * s.input)];
    let wf = vec![0i8; len_for(corrupt, 1, f * s.input)];
    let wt = vec![T::default(); len_for(corrupt, 2, f * s.memory)];
    let bias = vec![0i32; len_for(corrupt, 3, s.units)];
    let mut state = vec![T::default(); len_for(corrupt, 4, s.batches * f * s.memory)];
    let mut out = vec![0i8; len_for(corrupt, 5, s.batches * s.units)];
    if svdf_integer(
        &s.shape(),
        &q,
        &input,
        &wf,
        &wt,
        Some(&bias),
        &mut state,
        &mut out,
    )
    .is_ok()
    {
        return mismatch(
            KERNEL,
            format!("{what} {s:?}: buffer {corrupt:?} too long accepted"),
        );
    }
    Ok(())
}
