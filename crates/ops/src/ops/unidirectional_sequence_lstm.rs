//! UNIDIRECTIONAL_SEQUENCE_LSTM: the standard (Keras) LSTM over a sequence,
//! as TFLM's kernel: float32, int8 activations with int8 weights, int32
//! biases and an int16 cell state ("8x8->16"), and int16 activations with
//! int8 weights, int64 biases and an int16 cell state ("16x8"); time- or
//! batch-major.
//!
//! The hidden state (input 18) and the cell state (input 19) are variable
//! tensors: the op updates them in place, so the state carries from one
//! invoke to the next, as in TFLM. The gate arithmetic is fixed at prepare
//! (multipliers, shifts, the cell tanh rescaling and clip); TFLM uses no
//! intermediate tensors for it (the converter's are ignored). The integer
//! paths also fold the input and hidden zero points into the gate biases at
//! prepare (`sum w (x - zp) + b = sum w x + (b - zp sum w)`, the same sums),
//! so their weights and biases must be constant.
//!
//! TFLM's kernel supports no LSTM variant: CIFG (no input gate: inputs 1
//! and 5 absent) is refused as a missing input, and peephole (inputs 9-11),
//! projection (16-17) and layer norm (20-23) tensors as unsupported options
//! naming the tensor, as TFLM's prepare refuses them. Weights must be
//! per-tensor quantized with zero point 0 (TFLM reads one scale; it
//! debug-asserts the zero point).

use bytemuck::{Pod, Zeroable};
use microlite_kernels::lstm::{
    cell_state_scale_power, cell_tanh_params, fold_biases, folded_bias_len, inter_gate_multiplier,
    lstm_f32, lstm_integer, quantized_cell_clip, CellGateActivation, GateScales, LstmBias,
    LstmFloatParams, LstmIntegerWeights, LstmQuantParams, LstmShape, LstmState, LstmWeights,
    SCRATCH_BUFFERS,
};
use microlite_kernels::quantization::{quantize_multiplier, quantized_convolution_multiplier};
use microlite_kernels::quantize::QuantizedInt;
use microlite_model::schema::ActivationFunctionType;
use microlite_model::{Tensor, TensorType};

use crate::context::{expect_type, EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};
use crate::quant_params::{affine, symmetric};
use crate::shape_check::{dim, to_u32};

crate::registry::declare_ops! {
    /// UNIDIRECTIONAL_SEQUENCE_LSTM.
    unidirectional_sequence_lstm => UnidirectionalSequenceLstm, UNIDIRECTIONAL_SEQUENCE_LSTM,
        "float32, int8 (int8 weights, int32 bias, int16 cell state), int16 (16x8: int8 weights, int64 bias, int16 cell state)",
        versions 1..=5;
}

/// Input positions (TFLM's `lstm_shared.h`).
const INPUT: usize = 0;
const INPUT_WEIGHTS: [usize; 4] = [1, 2, 3, 4];
const RECURRENT_WEIGHTS: [usize; 4] = [5, 6, 7, 8];
const GATE_BIASES: [usize; 4] = [12, 13, 14, 15];
const HIDDEN_STATE: usize = 18;
const CELL_STATE: usize = 19;
/// Inputs of the LSTM variants TFLM's kernel refuses, with the option they
/// stand for.
const VARIANT_INPUTS: [(usize, &str); 9] = [
    (9, "peephole cell_to_input_weights (input 9)"),
    (10, "peephole cell_to_forget_weights (input 10)"),
    (11, "peephole cell_to_output_weights (input 11)"),
    (16, "projection_weights (input 16)"),
    (17, "projection_bias (input 17)"),
    (20, "input_layer_norm_coefficients (input 20)"),
    (21, "forget_layer_norm_coefficients (input 21)"),
    (22, "cell_layer_norm_coefficients (input 22)"),
    (23, "output_layer_norm_coefficients (input 23)"),
];

const FLOAT: u32 = 0;
const INT8: u32 = 1;
const INT16: u32 = 2;

/// Q3.12: the scale of the gate pre-activations (TFLM's fixed 2^-12).
const GATE_INPUT_SCALE: f32 = 1.0 / 4096.0;
/// Q0.15: the scale of the gate outputs (2^-15).
const GATE_OUTPUT_SCALE: f32 = 1.0 / 32768.0;

/// Prepared UNIDIRECTIONAL_SEQUENCE_LSTM parameters.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct LstmParams {
    kind: u32,
    shape: LstmShape,
    float: LstmFloatParams,
    quant: LstmQuantParams,
}

/// UNIDIRECTIONAL_SEQUENCE_LSTM.
pub struct UnidirectionalSequenceLstm;

fn unsupported_variant(ctx: &PrepareContext<'_>) -> Result<(), OpError> {
    for (k, field) in VARIANT_INPUTS {
        if let Some(t) = ctx.optional_input(k) {
            return Err(OpError::UnsupportedOption {
                field,
                value: i64::try_from(t.index()).unwrap_or(i64::MAX),
            });
        }
    }
    Ok(())
}

fn shape_is(tensor: &Tensor<'_>, dims: &[usize], what: &'static str) -> Result<(), OpError> {
    let shape = tensor.shape();
    let same = shape.rank() == dims.len()
        && dims
            .iter()
            .enumerate()
            .all(|(k, &d)| shape.dim(k) == Some(d));
    if same {
        Ok(())
    } else {
        Err(OpError::ShapeMismatch {
            tensor: tensor.index(),
            what,
        })
    }
}

fn variable(tensor: &Tensor<'_>) -> Result<(), OpError> {
    if tensor.is_variable() {
        Ok(())
    } else {
        Err(OpError::ShapeMismatch {
            tensor: tensor.index(),
            what: "LSTM state must be a variable tensor",
        })
    }
}

/// The one scale of a weight tensor (per-tensor, zero point 0).
fn weight_scale(tensor: &Tensor<'_>) -> Result<f32, OpError> {
    if tensor.quantization().is_some_and(|q| q.len() > 1) {
        return Err(OpError::BadQuantization {
            tensor: tensor.index(),
            what: "per-channel LSTM weights (TFLM's LSTM reads one scale)",
        });
    }
    Ok(symmetric(tensor)?.scale)
}

fn multiplier(input_scale: f32, weights: &Tensor<'_>) -> Result<(i32, i32), OpError> {
    let real = quantized_convolution_multiplier(
        input_scale,
        weight_scale(weights)?,
        None,
        GATE_INPUT_SCALE,
    )
    .map_err(OpError::from)?;
    Ok(quantize_multiplier(real))
}

impl Kernel for UnidirectionalSequenceLstm {
    type Params = LstmParams;
    const STATEFUL: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<LstmParams>, OpError> {
        ctx.expect_io(24, 24, 1)?;
        let raw = ctx.operator().raw();
        let options = raw
            .builtin_options_as_unidirectional_sequence_lstm_options()
            .ok_or(OpError::MissingOptions)?;
        // The cell gate runs tanh (or sigmoid, which the schema cannot
        // name); TFLM's eval asserts on anything else.
        if options.fused_activation_function() != ActivationFunctionType::TANH {
            return Err(OpError::UnsupportedOption {
                field: "fused_activation_function",
                value: i64::from(options.fused_activation_function().0),
            });
        }
        if options.diagonal_recurrent_tensors() {
            return Err(OpError::UnsupportedOption {
                field: "diagonal_recurrent_tensors",
                value: 1,
            });
        }
        unsupported_variant(ctx)?;

        let input = ctx.input(INPUT)?;
        let hidden = ctx.input(HIDDEN_STATE)?;
        let cell = ctx.input(CELL_STATE)?;
        let output = ctx.output(0)?;
        variable(&hidden)?;
        variable(&cell)?;
        expect_type(&hidden, input.dtype())?;
        expect_type(&output, input.dtype())?;
        let mut weights = [input; 8];
        for (slot, k) in weights
            .iter_mut()
            .zip(INPUT_WEIGHTS.iter().chain(RECURRENT_WEIGHTS.iter()))
        {
            *slot = ctx.input(*k)?;
        }
        let mut biases = [input; 4];
        for (slot, k) in biases.iter_mut().zip(GATE_BIASES) {
            *slot = ctx.input(k)?;
        }

        // Sizes: input [T, B, I] (time-major) or [B, T, I]; hidden [B, S].
        let time_major = options.time_major();
        if input.shape().rank() != 3 {
            return Err(OpError::UnsupportedRank {
                tensor: input.index(),
                rank: input.shape().rank(),
                max: 3,
            });
        }
        if hidden.shape().rank() != 2 {
            return Err(OpError::ShapeMismatch {
                tensor: hidden.index(),
                what: "hidden state must be [batch, cells]",
            });
        }
        let (d0, d1, input_size) = (dim(&input, 0)?, dim(&input, 1)?, dim(&input, 2)?);
        let (batch, time_steps) = if time_major { (d1, d0) } else { (d0, d1) };
        let state_size = dim(&hidden, 1)?;
        for (k, w) in weights.iter().enumerate() {
            let cols = if k < 4 { input_size } else { state_size };
            shape_is(
                w,
                &[state_size, cols],
                "LSTM weights must be [cells, inputs or cells]",
            )?;
        }
        for b in &biases {
            shape_is(b, &[state_size], "LSTM gate bias must be [cells]")?;
        }
        let state_len = batch
            .checked_mul(state_size)
            .ok_or(OpError::SizeOverflow { what: "LSTM state" })?;
        for state in [&hidden, &cell] {
            if state.element_count() != state_len {
                return Err(OpError::ShapeMismatch {
                    tensor: state.index(),
                    what: "LSTM state must hold batch x cells elements",
                });
            }
        }
        shape_is(
            &output,
            &[d0, d1, state_size],
            "LSTM output must be the input's [time, batch] or [batch, time] by cells",
        )?;
        let shape = LstmShape {
            batch: to_u32(batch)?,
            time_steps: to_u32(time_steps)?,
            input_size: to_u32(input_size)?,
            state_size: to_u32(state_size)?,
            time_major: u32::from(time_major),
        };

        let weight_type = weights[1].dtype();
        let bias_type = biases[1].dtype();
        for w in &weights {
            expect_type(w, weight_type)?;
        }
        for b in &biases {
            expect_type(b, bias_type)?;
        }
        let cell_gate_activation = CellGateActivation::Tanh as u32;
        let mut params = LstmParams {
            kind: FLOAT,
            shape,
            float: LstmFloatParams {
                cell_clip: options.cell_clip(),
                cell_gate_activation,
            },
            quant: LstmQuantParams::zeroed(),
        };
        let cell_bytes = match cell.dtype() {
            TensorType::Float32 => {
                expect_type(&input, TensorType::Float32)?;
                expect_type(&weights[1], TensorType::Float32)?;
                expect_type(&biases[1], TensorType::Float32)?;
                4
            }
            TensorType::Int16 => {
                let (kind, bias) = match input.dtype() {
                    TensorType::Int8 => (INT8, TensorType::Int32),
                    TensorType::Int16 => (INT16, TensorType::Int64),
                    other => {
                        return Err(OpError::UnsupportedType {
                            tensor: input.index(),
                            dtype: other,
                        })
                    }
                };
                expect_type(&weights[1], TensorType::Int8)?;
                expect_type(&biases[1], bias)?;
                // The zero points fold into the biases at prepare.
                for t in weights.iter().chain(biases.iter()) {
                    if !t.is_constant() {
                        return Err(OpError::NotConstant { tensor: t.index() });
                    }
                }
                params.kind = kind;
                params.quant = quant_params(&input, &hidden, &cell, &weights, options.cell_clip())?;
                params.quant.cell_gate_activation = cell_gate_activation;
                2
            }
            other => {
                return Err(OpError::UnsupportedType {
                    tensor: cell.index(),
                    dtype: other,
                })
            }
        };
        let scratch_bytes = shape
            .scratch_buffer_len()
            .and_then(|n| n.checked_mul(SCRATCH_BUFFERS * cell_bytes))
            .ok_or(OpError::SizeOverflow {
                what: "LSTM scratch",
            })?;
        let extra_bytes = if params.kind == FLOAT {
            0
        } else {
            folded_bias_len(&shape)
                .and_then(|n| n.checked_mul(8))
                .ok_or(OpError::SizeOverflow {
                    what: "LSTM folded biases",
                })?
        };
        Ok(Prepared {
            params,
            needs: Needs {
                scratch_bytes,
                extra_bytes,
                ..Needs::default()
            },
        })
    }

    fn fill(
        ctx: &PrepareContext<'_>,
        params: &LstmParams,
        extra: &mut [u8],
    ) -> Result<(), OpError> {
        let bias_bytes = match params.kind {
            INT8 => 4,
            INT16 => 8,
            _ => return Ok(()),
        };
        let weight = |k: usize| -> Result<&[i8], OpError> {
            let t = ctx.input(k)?;
            t.data()
                .map(bytemuck::cast_slice)
                .ok_or(OpError::NotConstant { tensor: t.index() })
        };
        let input = [weight(1)?, weight(2)?, weight(3)?, weight(4)?];
        let recurrent = [weight(5)?, weight(6)?, weight(7)?, weight(8)?];
        let mut biases: [&[u8]; 4] = [&[]; 4];
        for (slot, k) in biases.iter_mut().zip(GATE_BIASES) {
            let t = ctx.input(k)?;
            *slot = t.data().ok_or(OpError::NotConstant { tensor: t.index() })?;
        }
        // Little-endian, possibly unaligned (converters may misalign int64
        // biases).
        let bias = |g: usize, o: usize| -> Option<i64> {
            let at = o.checked_mul(bias_bytes)?;
            let bytes = biases.get(g)?.get(at..at.checked_add(bias_bytes)?)?;
            Some(match *bytes {
                [b0, b1, b2, b3] => i64::from(i32::from_le_bytes([b0, b1, b2, b3])),
                [b0, b1, b2, b3, b4, b5, b6, b7] => {
                    i64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7])
                }
                _ => return None,
            })
        };
        let folded: &mut [i64] = bytemuck::try_cast_slice_mut(extra)
            .map_err(|_| OpError::Internal("LSTM folded biases misaligned"))?;
        fold_biases(&params.quant, &params.shape, input, recurrent, bias, folded)
            .map_err(OpError::from)
    }

    fn eval(ctx: &mut EvalContext<'_>, params: &LstmParams, extra: &[u8]) -> Result<(), OpError> {
        match params.kind {
            FLOAT => {
                let weights = weights::<f32, f32>(ctx)?;
                let input = ctx.input::<f32>(INPUT)?;
                let hidden = ctx.take_variable_input::<f32>(HIDDEN_STATE)?;
                let cell = ctx.take_variable_input::<f32>(CELL_STATE)?;
                let (output, scratch) = ctx.output_and_scratch::<f32, f32>()?;
                lstm_f32(
                    &params.float,
                    &params.shape,
                    &weights,
                    input,
                    LstmState { hidden, cell },
                    output,
                    scratch,
                )
                .map_err(OpError::from)
            }
            INT8 => eval_integer::<i8, i32>(ctx, params, extra),
            INT16 => eval_integer::<i16, i64>(ctx, params, extra),
            _ => Err(OpError::Internal("LSTM kind")),
        }
    }
}

fn eval_integer<A: QuantizedInt + Pod, B: LstmBias>(
    ctx: &mut EvalContext<'_>,
    params: &LstmParams,
    extra: &[u8],
) -> Result<(), OpError> {
    let w = |k: usize| ctx.input::<i8>(k);
    let weights = LstmIntegerWeights {
        input: [w(1)?, w(2)?, w(3)?, w(4)?],
        recurrent: [w(5)?, w(6)?, w(7)?, w(8)?],
        folded_bias: bytemuck::try_cast_slice(extra)
            .map_err(|_| OpError::Internal("LSTM folded biases misaligned"))?,
    };
    let input = ctx.input::<A>(INPUT)?;
    let hidden = ctx.take_variable_input::<A>(HIDDEN_STATE)?;
    let cell = ctx.take_variable_input::<i16>(CELL_STATE)?;
    let (output, scratch) = ctx.output_and_scratch::<A, i16>()?;
    lstm_integer::<A, B>(
        &params.quant,
        &params.shape,
        &weights,
        input,
        LstmState { hidden, cell },
        output,
        scratch,
    )
    .map_err(OpError::from)
}

fn weights<'h, W: Pod, B: Pod>(ctx: &EvalContext<'h>) -> Result<LstmWeights<'h, W, B>, OpError> {
    let w = |k: usize| ctx.input::<W>(k);
    let b = |k: usize| ctx.input::<B>(k);
    Ok(LstmWeights {
        input: [w(1)?, w(2)?, w(3)?, w(4)?],
        recurrent: [w(5)?, w(6)?, w(7)?, w(8)?],
        bias: [b(12)?, b(13)?, b(14)?, b(15)?],
    })
}

/// TFLM's `PrepareGateParametersInteger` and `CreateLstmCellStateInfo`.
fn quant_params(
    input: &Tensor<'_>,
    hidden: &Tensor<'_>,
    cell: &Tensor<'_>,
    weights: &[Tensor<'_>; 8],
    cell_clip: f32,
) -> Result<LstmQuantParams, OpError> {
    let input_q = affine(input)?;
    let hidden_q = affine(hidden)?;
    let cell_scale = affine(cell)?.scale;
    let mut gates = [GateScales::default(); 4];
    for (gate, scales) in gates.iter_mut().enumerate() {
        let (w_in, w_rec) = (
            weights.get(gate).ok_or(OpError::Internal("LSTM weights"))?,
            weights
                .get(gate + 4)
                .ok_or(OpError::Internal("LSTM weights"))?,
        );
        let (im, is) = multiplier(input_q.scale, w_in)?;
        let (rm, rs) = multiplier(hidden_q.scale, w_rec)?;
        *scales = GateScales {
            input_multiplier: im,
            input_shift: is,
            recurrent_multiplier: rm,
            recurrent_shift: rs,
        };
    }
    let power = cell_state_scale_power(cell_scale).ok_or(OpError::BadScale {
        tensor: cell.index(),
        channel: 0,
        scale: cell_scale,
    })?;
    let (tanh_multiplier, tanh_shift) = cell_tanh_params(power);
    let (fm, fs) = inter_gate_multiplier(GATE_OUTPUT_SCALE, cell_scale, cell_scale);
    let (im, is) = inter_gate_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, cell_scale);
    let (hm, hs) = inter_gate_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, hidden_q.scale);
    Ok(LstmQuantParams {
        gates,
        input_offset: -input_q.zero_point,
        hidden_offset: -hidden_q.zero_point,
        forget_cell_multiplier: fm,
        forget_cell_shift: fs,
        input_cell_multiplier: im,
        input_cell_shift: is,
        hidden_multiplier: hm,
        hidden_shift: hs,
        hidden_zero_point: hidden_q.zero_point,
        cell_clip: quantized_cell_clip(cell_clip, cell_scale),
        cell_tanh_multiplier: tanh_multiplier,
        cell_tanh_shift: tanh_shift,
        cell_gate_activation: 0,
    })
}
