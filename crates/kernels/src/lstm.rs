//! UNIDIRECTIONAL_SEQUENCE_LSTM: the standard (Keras) LSTM cell run over a
//! sequence, as TFLM's `lstm_eval` computes it. No peephole, projection,
//! layer norm or CIFG: TFLM refuses those variants, and so does the op.
//!
//! Every time step computes four gates (forget, input, cell, output), each
//! `activation(FC(x_t, W_in) + bias + FC(h, W_rec))`, then updates the cell
//! state `c = forget * c + input * cell_gate` (clipped when a cell clip is
//! set) and the hidden state `h = tanh(c) * output_gate`, which is also the
//! step's output. Time-major sequences step all batches at once; batch-major
//! sequences run batch by batch with one row of state.
//!
//! Types: float32; int8 activations with int8 weights, int32 biases and an
//! int16 cell state ("8x8->16"); int16 activations with int8 weights, int64
//! biases and an int16 cell state ("16x8"). In the integer paths the gate
//! pre-activations are int16 at scale 2^-12 (Q3.12) and the gate outputs
//! int16 at 2^-15 (Q0.15), as TFLM fixes them; the FCs round with TFLM's
//! `MultiplyByQuantizedMultiplier` (the 64-bit variant for 16x8), the
//! sigmoid/tanh are TFLM's int16 table kernels, and the products its
//! element-wise MUL.

use bytemuck::{Pod, Zeroable};

use crate::activations::{logistic_f32, logistic_int16, tanh_f32, tanh_int16, SigmoidQuantParams};
use crate::fixed_point::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};
use crate::quantize::QuantizedInt;
use crate::KernelError;

/// Gate positions in the per-gate arrays ([`LstmWeights`],
/// [`LstmQuantParams::gates`]).
pub const INPUT_GATE: usize = 0;
/// The forget gate's position.
pub const FORGET_GATE: usize = 1;
/// The cell gate's position.
pub const CELL_GATE: usize = 2;
/// The output gate's position.
pub const OUTPUT_GATE: usize = 3;

/// Scratch buffers of `step_batch x state` elements an evaluation needs.
pub const SCRATCH_BUFFERS: usize = 4;

/// Sizes of one LSTM evaluation.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct LstmShape {
    /// Sequences (batch).
    pub batch: u32,
    /// Time steps per sequence.
    pub time_steps: u32,
    /// Features of each input step.
    pub input_size: u32,
    /// Cells (units): the state and output size.
    pub state_size: u32,
    /// Nonzero: the input and output are `[time, batch, features]`,
    /// otherwise `[batch, time, features]`.
    pub time_major: u32,
}

impl LstmShape {
    fn dims(&self) -> (usize, usize, usize, usize) {
        (
            self.batch as usize,
            self.time_steps as usize,
            self.input_size as usize,
            self.state_size as usize,
        )
    }

    /// Rows stepped at once: the whole batch when time-major, else one.
    pub fn step_batch(&self) -> usize {
        if self.time_major != 0 {
            self.batch as usize
        } else {
            1
        }
    }

    /// Elements of each of the [`SCRATCH_BUFFERS`] scratch buffers (TFLM
    /// sizes them `batch x state` whatever the layout).
    pub fn scratch_buffer_len(&self) -> Option<usize> {
        (self.batch as usize).checked_mul(self.state_size as usize)
    }

    /// Elements of the input sequence.
    pub fn input_len(&self) -> Option<usize> {
        let (b, t, i, _) = self.dims();
        b.checked_mul(t)?.checked_mul(i)
    }

    /// Elements of the output sequence.
    pub fn output_len(&self) -> Option<usize> {
        let (b, t, _, s) = self.dims();
        b.checked_mul(t)?.checked_mul(s)
    }

    /// Elements of each state (hidden and cell).
    pub fn state_len(&self) -> Option<usize> {
        self.scratch_buffer_len()
    }

    /// Every step: (first input element, first state element, first output
    /// element), in TFLM's order.
    fn steps(&self) -> impl Iterator<Item = (usize, usize, usize)> {
        let (b, t, i, s) = self.dims();
        let time_major = self.time_major != 0;
        let sequences = if time_major { 1 } else { b };
        let rows = if time_major { b } else { 1 };
        (0..sequences).flat_map(move |seq| {
            (0..t).map(move |step| {
                let row = seq
                    .saturating_mul(t)
                    .saturating_add(step)
                    .saturating_mul(rows);
                (
                    row.saturating_mul(i),
                    seq.saturating_mul(s),
                    row.saturating_mul(s),
                )
            })
        })
    }

    fn check(
        &self,
        buffer: &'static str,
        len: usize,
        expected: Option<usize>,
    ) -> Result<(), KernelError> {
        let expected = expected.ok_or(KernelError::SizeOverflow { what: "lstm shape" })?;
        if len == expected {
            Ok(())
        } else {
            Err(KernelError::LengthMismatch {
                buffer,
                expected,
                actual: len,
            })
        }
    }

    fn check_weights<W, B>(&self, weights: &LstmWeights<'_, W, B>) -> Result<(), KernelError> {
        let (_, _, i, s) = self.dims();
        for gate in 0..4 {
            let input = weights.input.get(gate).map_or(0, |w| w.len());
            let recurrent = weights.recurrent.get(gate).map_or(0, |w| w.len());
            let bias = weights.bias.get(gate).map_or(0, |w| w.len());
            self.check("input weights", input, s.checked_mul(i))?;
            self.check("recurrent weights", recurrent, s.checked_mul(s))?;
            self.check("gate bias", bias, Some(s))?;
        }
        Ok(())
    }
}

impl LstmShape {
    fn check_integer_weights(&self, weights: &LstmIntegerWeights<'_>) -> Result<(), KernelError> {
        let (_, _, i, s) = self.dims();
        for gate in 0..4 {
            let input = weights.input.get(gate).map_or(0, |w| w.len());
            let recurrent = weights.recurrent.get(gate).map_or(0, |w| w.len());
            self.check("input weights", input, s.checked_mul(i))?;
            self.check("recurrent weights", recurrent, s.checked_mul(s))?;
        }
        self.check(
            "folded bias",
            weights.folded_bias.len(),
            folded_bias_len(self),
        )
    }
}

/// The constant tensors: per gate (see [`INPUT_GATE`]...), the input weights
/// `[state, input]`, the recurrent weights `[state, state]` and the bias
/// `[state]`.
#[derive(Debug, Clone, Copy)]
pub struct LstmWeights<'a, W, B> {
    /// Input-to-gate weights.
    pub input: [&'a [W]; 4],
    /// Recurrent (hidden-to-gate) weights.
    pub recurrent: [&'a [W]; 4],
    /// Gate biases.
    pub bias: [&'a [B]; 4],
}

/// The variable tensors the op updates: hidden (output) state and cell state,
/// `batch x state` each.
#[derive(Debug)]
pub struct LstmState<'a, A, C> {
    /// Hidden state, also the previous step's output.
    pub hidden: &'a mut [A],
    /// Cell state.
    pub cell: &'a mut [C],
}

/// The cell gate's activation (the op's `fused_activation_function`; the
/// other gates use sigmoid).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellGateActivation {
    /// Hyperbolic tangent (Keras' default).
    Tanh = 0,
    /// Logistic sigmoid.
    Sigmoid = 1,
}

impl CellGateActivation {
    /// From the stored code (tanh for anything but 1).
    pub fn from_code(code: u32) -> Self {
        if code == 1 {
            Self::Sigmoid
        } else {
            Self::Tanh
        }
    }
}

/// Float parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct LstmFloatParams {
    /// Cell state clip (none when not positive).
    pub cell_clip: f32,
    /// [`CellGateActivation`] as `u32`.
    pub cell_gate_activation: u32,
}

/// Per gate: the rescaling of its input FC and of its recurrent FC to the
/// Q3.12 pre-activation.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct GateScales {
    /// Input FC multiplier (`input_scale x weight_scale / 2^-12`).
    pub input_multiplier: i32,
    /// Input FC shift.
    pub input_shift: i32,
    /// Recurrent FC multiplier (`hidden_scale x weight_scale / 2^-12`).
    pub recurrent_multiplier: i32,
    /// Recurrent FC shift.
    pub recurrent_shift: i32,
}

/// Integer parameters (8x8->16 and 16x8), all computed at prepare.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct LstmQuantParams {
    /// Per gate FC rescaling.
    pub gates: [GateScales; 4],
    /// Minus the input's zero point.
    pub input_offset: i32,
    /// Minus the hidden state's zero point.
    pub hidden_offset: i32,
    /// `forget x cell` multiplier (`2^-15 x cell_scale / cell_scale`).
    pub forget_cell_multiplier: i32,
    /// Its shift.
    pub forget_cell_shift: i32,
    /// `input gate x cell gate` multiplier (`2^-30 / cell_scale`).
    pub input_cell_multiplier: i32,
    /// Its shift.
    pub input_cell_shift: i32,
    /// `tanh(cell) x output gate` multiplier (`2^-30 / hidden_scale`).
    pub hidden_multiplier: i32,
    /// Its shift.
    pub hidden_shift: i32,
    /// The hidden state's zero point.
    pub hidden_zero_point: i32,
    /// Quantized cell clip; no clipping when 0.
    pub cell_clip: i32,
    /// Input multiplier of the tanh of the cell state (see
    /// [`cell_tanh_params`]).
    pub cell_tanh_multiplier: i32,
    /// Input shift of the tanh of the cell state.
    pub cell_tanh_shift: i32,
    /// [`CellGateActivation`] as `u32`.
    pub cell_gate_activation: u32,
}

/// TFLM's `cell_state_scale_power`: `log2(cell_scale)` rounded to the
/// nearest integer (as its `CheckedLog2`, whose power-of-two verdict TFLM
/// ignores here). `None` for a non-positive or non-finite scale.
pub fn cell_state_scale_power(cell_scale: f32) -> Option<i32> {
    crate::activations::checked_log2(cell_scale).map(|(power, _)| power)
}

/// The int16 tanh input rescaling TFLM uses for a Q(-power) cell state, as
/// (multiplier, right shift) of [`SigmoidQuantParams`]: TFLM's left shift
/// `15 + power - 3` becomes the multiplier `3 << shift` with no shift; a
/// negative one becomes multiplier 3 and a rounding right shift
/// (`(3x + round) >> shift`). Shifts beyond 29 (cell scales of 2^17 and
/// up, where TFLM's multiplier overflows) are clamped.
pub fn cell_tanh_params(cell_scale_power: i32) -> (i32, i32) {
    let left_shift = 12i32.saturating_add(cell_scale_power);
    if left_shift < 0 {
        (3, left_shift.saturating_neg().min(31))
    } else {
        (3 << left_shift.min(29), 0)
    }
}

/// TFLM's quantized cell clip: `cell_clip / cell_scale` in double, clamped to
/// the int16 range and truncated. 0 (no clipping) unless `cell_clip > 0`.
pub fn quantized_cell_clip(cell_clip: f32, cell_scale: f32) -> i32 {
    if cell_clip > 0.0 {
        let q = (f64::from(cell_clip) / f64::from(cell_scale)).clamp(-32768.0, 32767.0);
        // Finite and within i16: the truncation is exact.
        q as i32
    } else {
        0
    }
}

/// The multiplier TFLM's `CreateInterGateMulParams` computes:
/// `s1 x s2 / out` in double, then `QuantizeMultiplier`.
pub fn inter_gate_multiplier(scale1: f32, scale2: f32, output_scale: f32) -> (i32, i32) {
    let real = f64::from(scale1) * f64::from(scale2) / f64::from(output_scale);
    crate::quantization::quantize_multiplier(real)
}

/// An integer bias type: how a 64-bit accumulated FC sum is rescaled.
pub trait LstmBias: Copy {
    /// The bias widened.
    fn to_i64(self) -> i64;
    /// `acc` (bias included) rescaled by `multiplier x 2^(shift - 31)`.
    fn rescale(acc: i64, multiplier: i32, shift: i32) -> i32;
}

impl LstmBias for i32 {
    fn to_i64(self) -> i64 {
        i64::from(self)
    }
    fn rescale(acc: i64, multiplier: i32, shift: i32) -> i32 {
        // TFLM accumulates in int32: the same bits as the wrapped sum.
        multiply_by_quantized_multiplier(acc as i32, multiplier, shift)
    }
}

impl LstmBias for i64 {
    fn to_i64(self) -> i64 {
        self
    }
    fn rescale(acc: i64, multiplier: i32, shift: i32) -> i32 {
        multiply_by_quantized_multiplier_i64(acc, multiplier, shift)
    }
}

/// Splits the scratch into the four gate buffers of `len` elements.
fn scratch_buffers<T>(scratch: &mut [T], len: usize) -> Result<[&mut [T]; 4], KernelError> {
    let need = len
        .checked_mul(SCRATCH_BUFFERS)
        .ok_or(KernelError::SizeOverflow {
            what: "lstm scratch",
        })?;
    let short = KernelError::LengthMismatch {
        buffer: "scratch",
        expected: need,
        actual: scratch.len(),
    };
    let scratch = scratch.get_mut(..need).ok_or(short)?;
    let (b0, rest) = scratch.split_at_mut(len);
    let (b1, rest) = rest.split_at_mut(len);
    let (b2, b3) = rest.split_at_mut(len);
    Ok([b0, b1, b2, b3])
}

/// Runs `step(x, hidden, cell, buffers)` for every step and copies the new
/// hidden rows to the output.
#[allow(clippy::type_complexity)]
fn run_steps<A: Copy, C>(
    shape: &LstmShape,
    input: &[A],
    state: LstmState<'_, A, C>,
    output: &mut [A],
    scratch: &mut [C],
    mut step: impl FnMut(&[A], &mut [A], &mut [C], &mut [&mut [C]; 4]) -> Result<(), KernelError>,
) -> Result<(), KernelError> {
    shape.check("input", input.len(), shape.input_len())?;
    shape.check("output", output.len(), shape.output_len())?;
    shape.check("hidden state", state.hidden.len(), shape.state_len())?;
    shape.check("cell state", state.cell.len(), shape.state_len())?;
    let (_, _, i, s) = shape.dims();
    let rows = shape.step_batch();
    let in_len = rows.saturating_mul(i);
    let state_len = rows.saturating_mul(s);
    let mut buffers = scratch_buffers(scratch, state_len)?;
    let range = |start: usize, len: usize| start..start.saturating_add(len);
    let out_of_range = KernelError::InvalidParameter {
        what: "lstm step beyond its tensors",
        value: 0,
    };
    for (x_at, state_at, out_at) in shape.steps() {
        let x = input.get(range(x_at, in_len)).ok_or(out_of_range)?;
        let hidden = state
            .hidden
            .get_mut(range(state_at, state_len))
            .ok_or(out_of_range)?;
        let cell = state
            .cell
            .get_mut(range(state_at, state_len))
            .ok_or(out_of_range)?;
        step(x, hidden, cell, &mut buffers)?;
        output
            .get_mut(range(out_at, state_len))
            .ok_or(out_of_range)?
            .copy_from_slice(hidden);
    }
    Ok(())
}

// ------------------------------------------------------------------- integer

/// One integer FC to the Q3.12 int16 gate pre-activation:
/// `out[r][o] = sat16(rescale(sum_d w[o][d] x[r][d] + folded[o]))`, where
/// the folded bias holds the bias and the zero-point term
/// `offset x sum_d w[o][d]` ([`fold_biases`]): the same sum as TFLM's
/// `sum_d w (x + offset) + bias` (exactly, or modulo 2^32 where its int32
/// accumulator wraps).
fn fc_to_i16<A: QuantizedInt, B: LstmBias>(
    x: &[A],
    weights: &[i8],
    folded: &[i64],
    (multiplier, shift): (i32, i32),
    (depth, out_depth): (usize, usize),
    out: &mut [i16],
) {
    for (row, out_row) in x
        .chunks_exact(depth.max(1))
        .zip(out.chunks_exact_mut(out_depth.max(1)))
    {
        for ((w_row, out), &bias) in weights
            .chunks_exact(depth.max(1))
            .zip(out_row.iter_mut())
            .zip(folded)
        {
            let mut acc: i64 = bias;
            for (&w, &v) in w_row.iter().zip(row) {
                acc = acc.wrapping_add(i64::from(i32::from(w) * v.to_i32()));
            }
            *out = i16::saturating_from_i32(B::rescale(acc, multiplier, shift));
        }
    }
}

/// Elements of the folded biases [`fold_biases`] writes: 8 x cells.
pub fn folded_bias_len(shape: &LstmShape) -> Option<usize> {
    (shape.state_size as usize).checked_mul(8)
}

/// The int8 weights of an integer LSTM, with the biases folded at prepare
/// ([`fold_biases`]).
#[derive(Debug, Clone, Copy)]
pub struct LstmIntegerWeights<'a> {
    /// Input-to-gate weights, `[cells, inputs]` per gate.
    pub input: [&'a [i8]; 4],
    /// Recurrent weights, `[cells, cells]` per gate.
    pub recurrent: [&'a [i8]; 4],
    /// [`fold_biases`]'s output: per gate the input FC's folded bias, then
    /// per gate the recurrent FC's (8 x cells).
    pub folded_bias: &'a [i64],
}

/// Prepare-time folding of the zero points into the biases: for gate `g`
/// and cell `o`, `bias(g, o) + input_offset x sum_d input[g][o][d]`, then
/// (after the four input FCs) `hidden_offset x sum_d recurrent[g][o][d]`
/// (TFLM's recurrent FCs have no bias). `bias(g, o)` reads the gate bias.
pub fn fold_biases(
    params: &LstmQuantParams,
    shape: &LstmShape,
    input: [&[i8]; 4],
    recurrent: [&[i8]; 4],
    bias: impl Fn(usize, usize) -> Option<i64>,
    folded: &mut [i64],
) -> Result<(), KernelError> {
    let (_, _, i, s) = shape.dims();
    shape.check("folded bias", folded.len(), folded_bias_len(shape))?;
    let missing = KernelError::LengthMismatch {
        buffer: "gate bias",
        expected: s,
        actual: 0,
    };
    let (input_part, recurrent_part) = folded.split_at_mut(4 * s);
    for (g, (w, out)) in input
        .iter()
        .zip(input_part.chunks_exact_mut(s.max(1)))
        .enumerate()
    {
        shape.check("input weights", w.len(), s.checked_mul(i))?;
        for (o, (row, out)) in w.chunks_exact(i.max(1)).zip(out.iter_mut()).enumerate() {
            let sum: i64 = row.iter().map(|&v| i64::from(v)).sum();
            *out = bias(g, o)
                .ok_or(missing)?
                .wrapping_add(i64::from(params.input_offset).wrapping_mul(sum));
        }
    }
    for (w, out) in recurrent
        .iter()
        .zip(recurrent_part.chunks_exact_mut(s.max(1)))
    {
        shape.check("recurrent weights", w.len(), s.checked_mul(s))?;
        for (row, out) in w.chunks_exact(s.max(1)).zip(out.iter_mut()) {
            let sum: i64 = row.iter().map(|&v| i64::from(v)).sum();
            *out = i64::from(params.hidden_offset).wrapping_mul(sum);
        }
    }
    Ok(())
}

const SIGMOID_Q312: SigmoidQuantParams = SigmoidQuantParams {
    input_zero_point: 0,
    input_range_radius: 0,
    input_multiplier: 3,
    input_left_shift: 0,
};

/// Element-wise MUL of two Q0.15 (or cell) int16 vectors into `T`:
/// `clamp(zp + MultiplyByQuantizedMultiplier(a x b))`.
fn mul_i16<T: QuantizedInt>(a: i16, b: i16, multiplier: i32, shift: i32, zero_point: i32) -> T {
    let product = i32::from(a) * i32::from(b);
    T::saturating_from_i32(
        zero_point.wrapping_add(multiply_by_quantized_multiplier(product, multiplier, shift)),
    )
}

#[allow(clippy::too_many_arguments)]
fn gate_integer<A: QuantizedInt, B: LstmBias>(
    params: &LstmQuantParams,
    weights: &LstmIntegerWeights<'_>,
    gate: usize,
    (input_size, state_size): (usize, usize),
    x: &[A],
    hidden: &[A],
    dest: &mut [i16],
    tmp: &mut [i16],
    sigmoid: bool,
) -> Result<(), KernelError> {
    let missing = KernelError::InvalidParameter {
        what: "lstm gate",
        value: 4,
    };
    let scales = params.gates.get(gate).ok_or(missing)?;
    let w_in = weights.input.get(gate).ok_or(missing)?;
    let w_rec = weights.recurrent.get(gate).ok_or(missing)?;
    let folded = |k: usize| {
        let start = k.checked_mul(state_size)?;
        weights
            .folded_bias
            .get(start..start.checked_add(state_size)?)
    };
    let input_bias = folded(gate).ok_or(missing)?;
    let recurrent_bias = folded(gate + 4).ok_or(missing)?;
    fc_to_i16::<A, B>(
        x,
        w_in,
        input_bias,
        (scales.input_multiplier, scales.input_shift),
        (input_size, state_size),
        dest,
    );
    fc_to_i16::<A, B>(
        hidden,
        w_rec,
        recurrent_bias,
        (scales.recurrent_multiplier, scales.recurrent_shift),
        (state_size, state_size),
        tmp,
    );
    for (t, &d) in tmp.iter_mut().zip(dest.iter()) {
        *t = i16::saturating_from_i32(i32::from(d) + i32::from(*t));
    }
    if sigmoid {
        logistic_int16(&SIGMOID_Q312, tmp, dest)
    } else {
        tanh_int16(&SIGMOID_Q312, tmp, dest)
    }
}

/// Integer LSTM: int8 (with int32 biases) or int16 (with int64 biases)
/// activations `A`, int8 weights, int16 cell state; `B` (the bias type)
/// picks the accumulator's rescaling. `scratch` holds [`SCRATCH_BUFFERS`] x
/// `step_batch x state` elements.
pub fn lstm_integer<A: QuantizedInt, B: LstmBias>(
    params: &LstmQuantParams,
    shape: &LstmShape,
    weights: &LstmIntegerWeights<'_>,
    input: &[A],
    state: LstmState<'_, A, i16>,
    output: &mut [A],
    scratch: &mut [i16],
) -> Result<(), KernelError> {
    shape.check_integer_weights(weights)?;
    let (_, _, input_size, state_size) = shape.dims();
    let cell_tanh = SigmoidQuantParams {
        input_zero_point: 0,
        input_range_radius: 0,
        input_multiplier: params.cell_tanh_multiplier,
        input_left_shift: params.cell_tanh_shift,
    };
    let cell_gate_sigmoid =
        CellGateActivation::from_code(params.cell_gate_activation) == CellGateActivation::Sigmoid;
    let clip = params.cell_clip;
    run_steps(
        shape,
        input,
        state,
        output,
        scratch,
        |x, hidden, cell, buffers| {
            let [b0, b1, b2, b3] = buffers;
            let gate = |gate, dest: &mut [i16], tmp: &mut [i16], sigmoid, hidden: &[A]| {
                gate_integer::<A, B>(
                    params,
                    weights,
                    gate,
                    (input_size, state_size),
                    x,
                    hidden,
                    dest,
                    tmp,
                    sigmoid,
                )
            };
            gate(FORGET_GATE, b0, b3, true, hidden)?;
            gate(INPUT_GATE, b1, b3, true, hidden)?;
            gate(CELL_GATE, b2, b3, cell_gate_sigmoid, hidden)?;
            // c = forget x c + input x cell_gate (each product saturated to int16,
            // the sum too), then clipped.
            for (c, &f) in cell.iter_mut().zip(b0.iter()) {
                *c = mul_i16(
                    f,
                    *c,
                    params.forget_cell_multiplier,
                    params.forget_cell_shift,
                    0,
                );
            }
            for (i, &g) in b1.iter_mut().zip(b2.iter()) {
                *i = mul_i16(
                    *i,
                    g,
                    params.input_cell_multiplier,
                    params.input_cell_shift,
                    0,
                );
            }
            for (c, &i) in cell.iter_mut().zip(b1.iter()) {
                *c = i16::saturating_from_i32(i32::from(*c) + i32::from(i));
            }
            if clip > 0 {
                for c in cell.iter_mut() {
                    *c = i16::from_i32_truncating(i32::from(*c).clamp(-clip, clip));
                }
            }
            gate(OUTPUT_GATE, b1, b3, true, hidden)?;
            tanh_int16(&cell_tanh, cell, b0)?;
            for (h, (&t, &o)) in hidden.iter_mut().zip(b0.iter().zip(b1.iter())) {
                *h = mul_i16(
                    t,
                    o,
                    params.hidden_multiplier,
                    params.hidden_shift,
                    params.hidden_zero_point,
                );
            }
            Ok(())
        },
    )
}

// --------------------------------------------------------------------- float

/// `min(max(x, lowest), max)` as C++ `std::min/max` (NaN passes through):
/// only infinities change.
fn clamp_finite(x: f32) -> f32 {
    x.clamp(f32::MIN, f32::MAX)
}

fn fc_f32(
    x: &[f32],
    weights: &[f32],
    bias: Option<&[f32]>,
    depth: usize,
    out_depth: usize,
    out: &mut [f32],
) {
    for (row, out_row) in x
        .chunks_exact(depth.max(1))
        .zip(out.chunks_exact_mut(out_depth.max(1)))
    {
        for (o, (w_row, out)) in weights
            .chunks_exact(depth.max(1))
            .zip(out_row.iter_mut())
            .enumerate()
        {
            let mut total = 0.0f32;
            for (&w, &v) in w_row.iter().zip(row) {
                total += v * w;
            }
            let b = bias.and_then(|b| b.get(o)).copied().unwrap_or(0.0);
            *out = clamp_finite(total + b);
        }
    }
}

/// Float LSTM. `scratch` holds [`SCRATCH_BUFFERS`] x `step_batch x state`
/// elements.
pub fn lstm_f32(
    params: &LstmFloatParams,
    shape: &LstmShape,
    weights: &LstmWeights<'_, f32, f32>,
    input: &[f32],
    state: LstmState<'_, f32, f32>,
    output: &mut [f32],
    scratch: &mut [f32],
) -> Result<(), KernelError> {
    shape.check_weights(weights)?;
    let (_, _, input_size, state_size) = shape.dims();
    let cell_gate_sigmoid =
        CellGateActivation::from_code(params.cell_gate_activation) == CellGateActivation::Sigmoid;
    let clip = params.cell_clip;
    let missing = KernelError::InvalidParameter {
        what: "lstm gate",
        value: 4,
    };
    run_steps(
        shape,
        input,
        state,
        output,
        scratch,
        |x, hidden, cell, buffers| {
            let [b0, b1, b2, b3] = buffers;
            let gate =
                |gate: usize, dest: &mut [f32], tmp: &mut [f32], sigmoid: bool, hidden: &[f32]| {
                    let w_in = weights.input.get(gate).ok_or(missing)?;
                    let w_rec = weights.recurrent.get(gate).ok_or(missing)?;
                    let bias = weights.bias.get(gate).ok_or(missing)?;
                    fc_f32(x, w_in, Some(bias), input_size, state_size, dest);
                    fc_f32(hidden, w_rec, None, state_size, state_size, tmp);
                    for (t, &d) in tmp.iter_mut().zip(dest.iter()) {
                        *t += d;
                    }
                    if sigmoid {
                        logistic_f32(tmp, dest)
                    } else {
                        tanh_f32(tmp, dest)
                    }
                };
            gate(FORGET_GATE, b0, b3, true, hidden)?;
            gate(INPUT_GATE, b1, b3, true, hidden)?;
            gate(CELL_GATE, b2, b3, cell_gate_sigmoid, hidden)?;
            for (c, &f) in cell.iter_mut().zip(b0.iter()) {
                *c = clamp_finite(f * *c);
            }
            for (i, &g) in b1.iter_mut().zip(b2.iter()) {
                *i = clamp_finite(*i * g);
            }
            for (c, &i) in cell.iter_mut().zip(b1.iter()) {
                *c += i;
            }
            if clip > 0.0 {
                for c in cell.iter_mut() {
                    // std::max(std::min(clip, c), -clip).
                    let low = if *c < clip { *c } else { clip };
                    *c = if low < -clip { -clip } else { low };
                }
            }
            gate(OUTPUT_GATE, b1, b3, true, hidden)?;
            tanh_f32(cell, b0)?;
            for (h, (&t, &o)) in hidden.iter_mut().zip(b0.iter().zip(b1.iter())) {
                *h = clamp_finite(t * o);
            }
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(batch: u32, time: u32, input: u32, state: u32, time_major: bool) -> LstmShape {
        LstmShape {
            batch,
            time_steps: time,
            input_size: input,
            state_size: state,
            time_major: u32::from(time_major),
        }
    }

    #[test]
    fn steps_follow_tflm_offsets() {
        let bm: std::vec::Vec<_> = shape(2, 3, 4, 5, false).steps().collect();
        assert_eq!(
            bm,
            [
                (0, 0, 0),
                (4, 0, 5),
                (8, 0, 10),
                (12, 5, 15),
                (16, 5, 20),
                (20, 5, 25)
            ]
        );
        let tm: std::vec::Vec<_> = shape(2, 3, 4, 5, true).steps().collect();
        assert_eq!(tm, [(0, 0, 0), (8, 0, 10), (16, 0, 20)]);
    }

    #[test]
    fn cell_tanh_shift_follows_the_scale_power() {
        // 2^-12: x 3; 2^-11: x 6; 2^-15: (3x + 4) >> 3.
        assert_eq!(cell_tanh_params(-12), (3, 0));
        assert_eq!(cell_tanh_params(-11), (6, 0));
        assert_eq!(cell_tanh_params(-15), (3, 3));
        assert_eq!(cell_state_scale_power(1.0 / 2048.0), Some(-11));
        assert_eq!(quantized_cell_clip(0.5, 1.0 / 2048.0), 1024);
        assert_eq!(quantized_cell_clip(100.0, 1.0 / 2048.0), 32767);
        assert_eq!(quantized_cell_clip(0.0, 1.0 / 2048.0), 0);
    }

    fn lstm_f32_once(
        params: &LstmFloatParams,
        sh: &LstmShape,
        weights: &LstmWeights<'_, f32, f32>,
        input: &[f32],
        hidden: &mut [f32],
        cell: &mut [f32],
    ) -> std::vec::Vec<f32> {
        let mut output = std::vec![0.0; sh.output_len().unwrap()];
        let mut scratch = std::vec![0.0; 4 * sh.scratch_buffer_len().unwrap()];
        lstm_f32(
            params,
            sh,
            weights,
            input,
            LstmState { hidden, cell },
            &mut output,
            &mut scratch,
        )
        .unwrap();
        output
    }

    #[test]
    fn float_single_unit_matches_the_formula() {
        // One unit, one feature: weights per gate (w_in, w_rec, bias).
        let w = [[0.5f32], [-0.25], [0.75], [1.0]];
        let r = [[0.1f32], [0.2], [-0.3], [0.4]];
        let b = [[0.0f32], [1.0], [0.1], [-0.2]];
        let weights = LstmWeights {
            input: [&w[0][..], &w[1], &w[2], &w[3]],
            recurrent: [&r[0][..], &r[1], &r[2], &r[3]],
            bias: [&b[0][..], &b[1], &b[2], &b[3]],
        };
        let params = LstmFloatParams {
            cell_clip: 0.0,
            cell_gate_activation: 0,
        };
        let sh = shape(1, 2, 1, 1, false);
        let (mut h, mut c) = ([0.0f32], [0.0f32]);
        let xs = [0.8f32, -0.6];
        let out = lstm_f32_once(&params, &sh, &weights, &xs, &mut h, &mut c);
        let sig = |v: f32| 1.0 / (1.0 + (-v).exp());
        let (mut eh, mut ec) = (0.0f32, 0.0f32);
        for (k, &x) in xs.iter().enumerate() {
            let g = |n: usize| w[n][0] * x + b[n][0] + r[n][0] * eh;
            let (i, f, cg, o) = (sig(g(0)), sig(g(1)), g(2).tanh(), sig(g(3)));
            ec = f * ec + i * cg;
            eh = ec.tanh() * o;
            assert!((out[k] - eh).abs() < 1e-6, "step {k}: {} vs {eh}", out[k]);
        }
        assert!((h[0] - eh).abs() < 1e-6 && (c[0] - ec).abs() < 1e-6);
        // State carries over: a second run continues from (h, c).
        let again = lstm_f32_once(&params, &sh, &weights, &xs, &mut h, &mut c);
        assert_ne!(again, out);
    }

    #[test]
    fn float_cell_clip_bounds_the_cell_state() {
        let one = [1.0f32];
        let big = [10.0f32];
        let weights = LstmWeights {
            input: [&big[..], &big, &big, &big],
            recurrent: [&one[..], &one, &one, &one],
            bias: [&one[..], &one, &one, &one],
        };
        let params = LstmFloatParams {
            cell_clip: 0.5,
            cell_gate_activation: 0,
        };
        let sh = shape(1, 3, 1, 1, true);
        let (mut h, mut c) = ([0.0f32], [0.0f32]);
        lstm_f32_once(&params, &sh, &weights, &[1.0, 1.0, 1.0], &mut h, &mut c);
        assert_eq!(c[0], 0.5);
    }

    /// A Q0.15-ish int8 LSTM of one unit whose gates saturate: with big
    /// positive pre-activations every sigmoid is 32767 and the cell gate
    /// tanh too, so c grows by about 1 per step and h = tanh(c).
    #[test]
    fn int8_saturated_gates_accumulate_the_cell() {
        let w = [127i8];
        let zero = [0i8];
        // input scale 1/16, weight scale 1/16: pre-activation 127 x 127 / 256 ≈ 63 >> 8.
        let (gm, gs) =
            crate::quantization::quantize_multiplier((1.0 / 16.0) * (1.0 / 16.0) / (1.0 / 4096.0));
        let g = GateScales {
            input_multiplier: gm,
            input_shift: gs,
            recurrent_multiplier: gm,
            recurrent_shift: gs,
        };
        let cell_scale = 1.0f32 / 2048.0;
        let q15 = 1.0f32 / 32768.0;
        let hidden_scale = 1.0f32 / 128.0;
        let (fm, fs) = inter_gate_multiplier(q15, cell_scale, cell_scale);
        let (im, is) = inter_gate_multiplier(q15, q15, cell_scale);
        let (hm, hs) = inter_gate_multiplier(q15, q15, hidden_scale);
        let (tm, ts) = cell_tanh_params(cell_state_scale_power(cell_scale).unwrap());
        let params = LstmQuantParams {
            gates: [g; 4],
            input_offset: 0,
            hidden_offset: 0,
            forget_cell_multiplier: fm,
            forget_cell_shift: fs,
            input_cell_multiplier: im,
            input_cell_shift: is,
            hidden_multiplier: hm,
            hidden_shift: hs,
            hidden_zero_point: 0,
            cell_clip: 0,
            cell_tanh_multiplier: tm,
            cell_tanh_shift: ts,
            cell_gate_activation: 0,
        };
        let sh = shape(1, 3, 1, 1, false);
        let mut folded = [0i64; 8];
        fold_biases(
            &params,
            &sh,
            [&w[..], &w, &w, &w],
            [&zero[..], &zero, &zero, &zero],
            |_, _| Some(0),
            &mut folded,
        )
        .unwrap();
        let weights = LstmIntegerWeights {
            input: [&w[..], &w, &w, &w],
            recurrent: [&zero[..], &zero, &zero, &zero],
            folded_bias: &folded,
        };
        let (mut h, mut c) = ([0i8], [0i16]);
        let mut out = [0i8; 3];
        let mut scratch = [0i16; 4];
        lstm_integer::<i8, i32>(
            &params,
            &sh,
            &weights,
            &[127, 127, 127],
            LstmState {
                hidden: &mut h,
                cell: &mut c,
            },
            &mut out,
            &mut scratch,
        )
        .unwrap();
        // c ≈ 1, 2, 3 (x 2048); h = tanh(c) x 128: 97, 123, 127.
        assert!((i32::from(c[0]) - 3 * 2048).abs() <= 8, "{c:?}");
        for (got, want) in out.iter().zip([1.0f32, 2.0, 3.0]) {
            let expected = (want.tanh() * 128.0).round().min(127.0) as i8;
            assert!((got - expected).abs() <= 1, "{out:?}");
        }
        // A short scratch is refused, not a panic.
        let err = lstm_integer::<i8, i32>(
            &params,
            &sh,
            &weights,
            &[127, 127, 127],
            LstmState {
                hidden: &mut h,
                cell: &mut c,
            },
            &mut out,
            &mut [0i16; 3],
        );
        assert!(matches!(err, Err(KernelError::LengthMismatch { .. })));
    }
}
