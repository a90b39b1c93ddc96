//! UNIDIRECTIONAL_SEQUENCE_LSTM (`microlite_kernels::lstm`) against a
//! straightforward per-sequence loop.
//!
//! The oracle steps each batch row on its own (rows never interact, so one
//! loop serves time- and batch-major layouts, which only change where row
//! `b`, step `t` lies), computing every gate element as one dot product.
//!
//! - Float: in `f64`, from the LSTM definition (`sigmoid`, `tanh`, the cell
//!   clip), within 1e-4 (absolute and relative) of the kernel's `f32`, for
//!   moderate weights and inputs.
//! - Integer (int8 activations with int32 biases, int16 with int64 biases,
//!   int16 cell state): bit for bit with TFLM's arithmetic: exact sums
//!   reduced as TFLM's int32 (or int64) accumulator, the naive
//!   `MultiplyByQuantizedMultiplier`s, int16 saturation of each FC, of their
//!   sum, of the products and of the cell sum, the clip, the zero point of
//!   the hidden state. The int16 sigmoid and tanh are microlite's table
//!   kernels (`activations::{logistic_int16, tanh_int16}`, compared with
//!   `f64` by `sigmoid_int16.rs`), fed the input rescaling derived here from
//!   the cell scale power.
//!
//! A state, input or output buffer one element too long must give `Err`.

use microlite_kernels::activations::{logistic_int16, tanh_int16, SigmoidQuantParams};
use microlite_kernels::lstm::{
    fold_biases, lstm_f32, lstm_integer, GateScales, LstmFloatParams, LstmIntegerWeights,
    LstmQuantParams, LstmShape, LstmState, LstmWeights,
};

use super::{len_for, mismatch, multiplier_and_shift, Mismatch};
use crate::decisions::Decisions;
use crate::naive::window::multiply_by_quantized_multiplier_i64;
use crate::naive::{multiply_by_quantized_multiplier, quantize_multiplier, wrap32};

const KERNEL: &str = "unidirectional_sequence_lstm";

struct Dims {
    batch: usize,
    time: usize,
    input: usize,
    state: usize,
    time_major: bool,
}

impl Dims {
    fn draw(d: &mut Decisions<'_>) -> Self {
        Self {
            batch: 1 + d.below(3),
            time: 1 + d.below(4),
            input: 1 + d.below(5),
            state: 1 + d.below(5),
            time_major: d.bool(),
        }
    }

    /// Row of step `t` of sequence `b` in the input/output.
    fn row(&self, b: usize, t: usize) -> usize {
        if self.time_major {
            t * self.batch + b
        } else {
            b * self.time + t
        }
    }

    fn shape(&self) -> LstmShape {
        LstmShape {
            batch: self.batch as u32,
            time_steps: self.time as u32,
            input_size: self.input as u32,
            state_size: self.state as u32,
            time_major: u32::from(self.time_major),
        }
    }

    fn step_rows(&self) -> usize {
        if self.time_major {
            self.batch
        } else {
            1
        }
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub(super) fn float32_case(d: &mut Decisions<'_>) -> Result<(), Mismatch> {
    let dims = Dims::draw(d);
    let (b_n, s, i) = (dims.batch, dims.state, dims.input);
    let value = |d: &mut Decisions<'_>| f32::from(d.u8() as i8) / 64.0;
    let w_in: Vec<Vec<f32>> = (0..4)
        .map(|_| (0..s * i).map(|_| value(d)).collect())
        .collect();
    let w_rec: Vec<Vec<f32>> = (0..4)
        .map(|_| (0..s * s).map(|_| value(d)).collect())
        .collect();
    let bias: Vec<Vec<f32>> = (0..4).map(|_| (0..s).map(|_| value(d)).collect()).collect();
    let x: Vec<f32> = (0..b_n * dims.time * i).map(|_| value(d)).collect();
    let h0: Vec<f32> = (0..b_n * s).map(|_| value(d) / 2.0).collect();
    let c0: Vec<f32> = (0..b_n * s).map(|_| value(d)).collect();
    let clip = if d.bool() {
        0.0
    } else {
        f32::from(d.u8()) / 64.0
    };
    let corrupt = d.one_in(8).then(|| d.u8() % 3);

    let params = LstmFloatParams {
        cell_clip: clip,
        cell_gate_activation: 0,
    };
    let weights = LstmWeights {
        input: [&w_in[0][..], &w_in[1], &w_in[2], &w_in[3]],
        recurrent: [&w_rec[0][..], &w_rec[1], &w_rec[2], &w_rec[3]],
        bias: [&bias[0][..], &bias[1], &bias[2], &bias[3]],
    };
    let mut hidden = h0.clone();
    hidden.resize(len_for(corrupt, 0, h0.len()), 0.0);
    let mut cell = c0.clone();
    let mut out = vec![0.0f32; len_for(corrupt, 1, b_n * dims.time * s)];
    let mut xs = x.clone();
    xs.resize(len_for(corrupt, 2, x.len()), 0.0);
    let mut scratch = vec![0.0f32; 4 * dims.step_rows() * s];
    let result = lstm_f32(
        &params,
        &dims.shape(),
        &weights,
        &xs,
        LstmState {
            hidden: &mut hidden,
            cell: &mut cell,
        },
        &mut out,
        &mut scratch,
    );
    if corrupt.is_some() {
        return match result {
            Err(_) => Ok(()),
            Ok(()) => mismatch(KERNEL, format!("accepted a corrupted length ({corrupt:?})")),
        };
    }
    if let Err(e) = result {
        return mismatch(KERNEL, format!("float rejected its arguments: {e}"));
    }
    let clip = f64::from(clip);
    for b in 0..b_n {
        let mut h: Vec<f64> = h0[b * s..][..s].iter().map(|&v| f64::from(v)).collect();
        let mut c: Vec<f64> = c0[b * s..][..s].iter().map(|&v| f64::from(v)).collect();
        for t in 0..dims.time {
            let row = dims.row(b, t);
            let xr = &x[row * i..][..i];
            let gate = |g: usize, o: usize, h: &[f64]| {
                let mut acc = f64::from(bias[g][o]);
                for k in 0..i {
                    acc += f64::from(w_in[g][o * i + k]) * f64::from(xr[k]);
                }
                for k in 0..s {
                    acc += f64::from(w_rec[g][o * s + k]) * h[k];
                }
                acc
            };
            let mut new_h = vec![0.0; s];
            for o in 0..s {
                let ig = sigmoid(gate(0, o, &h));
                let fg = sigmoid(gate(1, o, &h));
                let cg = gate(2, o, &h).tanh();
                let og = sigmoid(gate(3, o, &h));
                let mut cell = fg * c[o] + ig * cg;
                if clip > 0.0 {
                    cell = cell.clamp(-clip, clip);
                }
                c[o] = cell;
                new_h[o] = cell.tanh() * og;
            }
            h = new_h;
            for o in 0..s {
                let got = f64::from(out[row * s + o]);
                if (got - h[o]).abs() > 1e-4 * (1.0 + h[o].abs()) {
                    return mismatch(
                        KERNEL,
                        format!(
                            "float batch {b} step {t} cell {o} (time_major {}, clip {clip}): \
                             expected {}, got {got}",
                            dims.time_major, h[o]
                        ),
                    );
                }
            }
        }
    }
    Ok(())
}

/// The int16 sigmoid/tanh rescaling for a 2^power cell state, derived as
/// TFLM's `Tanh(cell_state_scale_power, ...)`.
fn tanh_rescaling(power: i32) -> (i32, i32) {
    let shift = 15 + power - 3;
    if shift < 0 {
        (3, -shift)
    } else {
        (3 << shift, 0)
    }
}

fn table(multiplier: i32, shift: i32) -> SigmoidQuantParams {
    SigmoidQuantParams {
        input_zero_point: 0,
        input_range_radius: 0,
        input_multiplier: multiplier,
        input_left_shift: shift,
    }
}

/// An int16 table kernel (`logistic_int16` or `tanh_int16`).
type Table16 =
    fn(&SigmoidQuantParams, &[i16], &mut [i16]) -> Result<(), microlite_kernels::KernelError>;

fn one(f: Table16, p: &SigmoidQuantParams, x: i16) -> i16 {
    let mut out = [0i16];
    match f(p, &[x], &mut out) {
        Ok(()) => out[0],
        Err(_) => i16::MIN,
    }
}

fn sat16(x: i64) -> i64 {
    x.clamp(-32768, 32767)
}

/// `int8 == true`: int8 activations, int32 biases; else int16, int64.
pub(super) fn integer_case(d: &mut Decisions<'_>, int8: bool) -> Result<(), Mismatch> {
    let dims = Dims::draw(d);
    let (b_n, s, i) = (dims.batch, dims.state, dims.input);
    let (act_min, act_max) = if int8 {
        (-128i64, 127i64)
    } else {
        (-32768, 32767)
    };
    let act = |d: &mut Decisions<'_>| -> i64 {
        if int8 {
            i64::from(d.u8() as i8)
        } else {
            i64::from(d.u16() as i16)
        }
    };
    let weight = |d: &mut Decisions<'_>| i64::from(d.u8() as i8);
    let w_in: Vec<Vec<i64>> = (0..4)
        .map(|_| (0..s * i).map(|_| weight(d)).collect())
        .collect();
    let w_rec: Vec<Vec<i64>> = (0..4)
        .map(|_| (0..s * s).map(|_| weight(d)).collect())
        .collect();
    let bias: Vec<Vec<i64>> = (0..4)
        .map(|_| {
            (0..s)
                .map(|_| {
                    if int8 {
                        i64::from(d.in_range(-(1 << 20), 1 << 20))
                    } else {
                        i64::from(d.i32()) * i64::from(d.in_range(-64, 64))
                    }
                })
                .collect()
        })
        .collect();
    let x: Vec<i64> = (0..b_n * dims.time * i).map(|_| act(d)).collect();
    let h0: Vec<i64> = (0..b_n * s).map(|_| act(d)).collect();
    let c0: Vec<i64> = (0..b_n * s).map(|_| i64::from(d.u16() as i16)).collect();
    let (input_zp, hidden_zp) = if int8 {
        (d.in_range(-128, 127), d.in_range(-128, 127))
    } else {
        (0, 0)
    };
    let mut gates = [GateScales::default(); 4];
    for g in &mut gates {
        let (im, is) = multiplier_and_shift(d);
        let (rm, rs) = multiplier_and_shift(d);
        // The 64-bit rescaling takes shifts below 8 (TFLM's contract).
        let cap = |shift: i32| if int8 { shift } else { shift.min(7) };
        *g = GateScales {
            input_multiplier: im,
            input_shift: cap(is),
            recurrent_multiplier: rm,
            recurrent_shift: cap(rs),
        };
    }
    let power = d.in_range(-15, -9);
    let cell_scale = (f64::from(power)).exp2();
    let hidden_scale = f64::from(d.in_range(1, 255)) / if int8 { 16384.0 } else { 4.0e6 };
    let q15 = 1.0 / 32768.0;
    let (fm, fs) = quantize_multiplier(q15 * cell_scale / cell_scale);
    let (im, is) = quantize_multiplier(q15 * q15 / cell_scale);
    let (hm, hs) = quantize_multiplier(q15 * q15 / hidden_scale);
    let clip = if d.bool() { 0 } else { d.in_range(1, 32767) };
    let (tm, ts) = tanh_rescaling(power);
    let params = LstmQuantParams {
        gates,
        input_offset: -input_zp,
        hidden_offset: -hidden_zp,
        forget_cell_multiplier: fm,
        forget_cell_shift: fs,
        input_cell_multiplier: im,
        input_cell_shift: is,
        hidden_multiplier: hm,
        hidden_shift: hs,
        hidden_zero_point: hidden_zp,
        cell_clip: clip,
        cell_tanh_multiplier: tm,
        cell_tanh_shift: ts,
        cell_gate_activation: 0,
    };
    let corrupt = d.one_in(8).then(|| d.u8() % 3);

    let out = if int8 {
        run_integer::<i8, i32>(&dims, &params, &w_in, &w_rec, &bias, &x, &h0, &c0, corrupt)
    } else {
        run_integer::<i16, i64>(&dims, &params, &w_in, &w_rec, &bias, &x, &h0, &c0, corrupt)
    };
    if corrupt.is_some() {
        return match out {
            Err(_) => Ok(()),
            Ok(_) => mismatch(KERNEL, format!("accepted a corrupted length ({corrupt:?})")),
        };
    }
    let out = match out {
        Ok(out) => out,
        Err(e) => return mismatch(KERNEL, format!("integer rejected its arguments: {e}")),
    };

    // The oracle.
    let sig = table(3, 0);
    let cell_tanh = table(tm, ts);
    let mul = |a: i64, b: i64, m: i32, shift: i32| {
        i64::from(multiply_by_quantized_multiplier(
            wrap32(i128::from(a * b)),
            m,
            shift,
        ))
    };
    for b in 0..b_n {
        let mut h: Vec<i64> = h0[b * s..][..s].to_vec();
        let mut c: Vec<i64> = c0[b * s..][..s].to_vec();
        for t in 0..dims.time {
            let row = dims.row(b, t);
            let xr = &x[row * i..][..i];
            let pre = |g: usize, o: usize, h: &[i64]| {
                let p = &params.gates[g];
                let a = fc(
                    &w_in[g][o * i..][..i],
                    xr,
                    i64::from(-input_zp),
                    bias[g][o],
                    (p.input_multiplier, p.input_shift),
                    int8,
                );
                let r = fc(
                    &w_rec[g][o * s..][..s],
                    h,
                    i64::from(-hidden_zp),
                    0,
                    (p.recurrent_multiplier, p.recurrent_shift),
                    int8,
                );
                sat16(a + r) as i16
            };
            let mut new_h = vec![0i64; s];
            for o in 0..s {
                let ig = i64::from(one(logistic_int16, &sig, pre(0, o, &h)));
                let fg = i64::from(one(logistic_int16, &sig, pre(1, o, &h)));
                let cg = i64::from(one(tanh_int16, &sig, pre(2, o, &h)));
                let forget = sat16(mul(fg, c[o], fm, fs));
                let input = sat16(mul(ig, cg, im, is));
                let mut cell = sat16(forget + input);
                if clip > 0 {
                    cell = cell.clamp(-i64::from(clip), i64::from(clip));
                }
                c[o] = cell;
                let og = i64::from(one(logistic_int16, &sig, pre(3, o, &h)));
                let th = i64::from(one(tanh_int16, &cell_tanh, cell as i16));
                new_h[o] = (i64::from(hidden_zp) + mul(th, og, hm, hs)).clamp(act_min, act_max);
            }
            h = new_h;
            for o in 0..s {
                let got = out[row * s + o];
                if got != h[o] {
                    return mismatch(
                        KERNEL,
                        format!(
                            "{} batch {b} step {t} cell {o} (time_major {}, clip {clip}, cell \
                             2^{power}): expected {}, got {got}",
                            if int8 { "int8" } else { "16x8" },
                            dims.time_major,
                            h[o]
                        ),
                    );
                }
            }
        }
    }
    Ok(())
}

/// One FC output: the exact sum (bias included), reduced as TFLM's int32
/// accumulator (`int8`) or int64 one, rescaled, saturated to int16.
fn fc(w: &[i64], v: &[i64], offset: i64, bias: i64, (m, shift): (i32, i32), int8: bool) -> i64 {
    let acc: i64 = bias
        + w.iter()
            .zip(v)
            .map(|(&w, &v)| w * (v + offset))
            .sum::<i64>();
    let scaled = if int8 {
        multiply_by_quantized_multiplier(wrap32(i128::from(acc)), m, shift)
    } else {
        multiply_by_quantized_multiplier_i64(acc, m, shift)
    };
    sat16(i64::from(scaled))
}

trait Narrow: Copy + Default {
    fn narrow(v: i64) -> Self;
    fn widen(self) -> i64;
}

impl Narrow for i8 {
    fn narrow(v: i64) -> Self {
        v as i8
    }
    fn widen(self) -> i64 {
        i64::from(self)
    }
}

impl Narrow for i16 {
    fn narrow(v: i64) -> Self {
        v as i16
    }
    fn widen(self) -> i64 {
        i64::from(self)
    }
}

impl Narrow for i32 {
    fn narrow(v: i64) -> Self {
        v as i32
    }
    fn widen(self) -> i64 {
        i64::from(self)
    }
}

impl Narrow for i64 {
    fn narrow(v: i64) -> Self {
        v
    }
    fn widen(self) -> i64 {
        self
    }
}

#[allow(clippy::too_many_arguments)]
fn run_integer<A, B>(
    dims: &Dims,
    params: &LstmQuantParams,
    w_in: &[Vec<i64>],
    w_rec: &[Vec<i64>],
    bias: &[Vec<i64>],
    x: &[i64],
    h0: &[i64],
    c0: &[i64],
    corrupt: Option<u8>,
) -> Result<Vec<i64>, microlite_kernels::KernelError>
where
    A: Narrow + microlite_kernels::quantize::QuantizedInt,
    B: Narrow + microlite_kernels::lstm::LstmBias,
{
    let w8 = |w: &[i64]| w.iter().map(|&v| v as i8).collect::<Vec<i8>>();
    let wi: Vec<Vec<i8>> = w_in.iter().map(|w| w8(w)).collect();
    let wr: Vec<Vec<i8>> = w_rec.iter().map(|w| w8(w)).collect();
    let bs: Vec<Vec<B>> = bias
        .iter()
        .map(|b| b.iter().map(|&v| B::narrow(v)).collect())
        .collect();
    let input = [&wi[0][..], &wi[1], &wi[2], &wi[3]];
    let recurrent = [&wr[0][..], &wr[1], &wr[2], &wr[3]];
    let mut folded = vec![0i64; 8 * dims.state];
    fold_biases(
        params,
        &dims.shape(),
        input,
        recurrent,
        |g, o| Some(bs.get(g)?.get(o)?.widen()),
        &mut folded,
    )?;
    let weights = LstmIntegerWeights {
        input,
        recurrent,
        folded_bias: &folded,
    };
    let mut hidden: Vec<A> = h0.iter().map(|&v| A::narrow(v)).collect();
    hidden.resize(len_for(corrupt, 0, h0.len()), A::default());
    let mut cell: Vec<i16> = c0.iter().map(|&v| v as i16).collect();
    let mut xs: Vec<A> = x.iter().map(|&v| A::narrow(v)).collect();
    xs.resize(len_for(corrupt, 2, x.len()), A::default());
    let out_len = dims.batch * dims.time * dims.state;
    let mut out = vec![A::default(); len_for(corrupt, 1, out_len)];
    let mut scratch = vec![0i16; 4 * dims.step_rows() * dims.state];
    lstm_integer::<A, B>(
        params,
        &dims.shape(),
        &weights,
        &xs,
        LstmState {
            hidden: &mut hidden,
            cell: &mut cell,
        },
        &mut out,
        &mut scratch,
    )?;
    Ok(out.iter().map(|v| v.widen()).collect())
}
