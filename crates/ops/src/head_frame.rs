//! Evaluating an operator in the interpreter's head through a frame
//! ([`crate::Registration::eval_in_head`]): for operators with several
//! outputs (SPLIT, SPLIT_V, UNPACK) and stateful ones (SVDF, LSTM, signal
//! ops), the head is split into every output, the variable inputs a
//! stateful op updates, its state, the scratch, and the read-only gaps
//! between them where the other inputs lie. Only kernels that declare
//! [`crate::Kernel::SEVERAL_OUTPUTS`] or [`crate::Kernel::STATEFUL`]
//! reference this code, so firmware without such ops links none of it.

use core::ops::Range;

use microlite_kernels::optimized::Backend;
use microlite_model::Operator;

use crate::context::{
    EvalContext, FrameParts, MAX_FRAME_INPUTS, MAX_OP_INPUTS, MAX_OP_OUTPUTS, MAX_VARIABLE_INPUTS,
};
use crate::error::OpError;
use crate::tensor_slot::{TensorHome, TensorSlot};

/// An operator with several outputs or state as the interpreter laid it
/// out.
pub struct HeadFrame<'f, 'm> {
    /// The kernels to run.
    pub backend: Backend,
    /// The operator.
    pub operator: Operator<'m>,
    /// The interpreter's head (activations and scratch).
    pub head: &'f mut [u8],
    /// The operator's scratch in `head`.
    pub scratch: Range<usize>,
    /// The operator's own state in `head` ([`crate::Needs::state_bytes`]).
    pub state: Range<usize>,
    /// Where each tensor's bytes are (outputs always in the head).
    pub tensors: &'f [TensorSlot],
    /// The model file (constant tensors' bytes).
    pub model: &'m [u8],
    /// The prepared op data (copies of misaligned constants).
    pub op_data: &'f [u8],
}

/// Most mutable ranges: every output, the variable inputs, the scratch and
/// the state.
const MAX_RANGES: usize = MAX_OP_OUTPUTS + MAX_VARIABLE_INPUTS + 2;

/// The type-erased eval the frame runs.
pub(crate) type EvalFn = fn(&mut EvalContext<'_>, &[u8]) -> Result<(), OpError>;

/// Splits the frame's head and runs `eval` on the operator's chunk; with
/// `stateful`, the operator's variable inputs in the head come out mutable
/// ([`EvalContext::take_variable_input`]) instead of readable.
pub(crate) fn run(
    frame: HeadFrame<'_, '_>,
    chunk: &[u8],
    eval: EvalFn,
    stateful: bool,
) -> Result<(), OpError> {
    let internal = OpError::Internal;
    let outputs = frame.operator.outputs();
    let op_inputs = frame.operator.inputs();
    if outputs.is_empty() || outputs.len() > MAX_OP_OUTPUTS {
        return Err(OpError::TooManyOutputs {
            found: outputs.len(),
            max: MAX_OP_OUTPUTS,
        });
    }
    if op_inputs.len() > MAX_FRAME_INPUTS {
        return Err(internal("inputs beyond the table"));
    }
    let slot = |t: usize| frame.tensors.get(t).ok_or(internal("tensor slot"));
    // Ranges: outputs 0.., variable inputs, the scratch, the state.
    let mut ranges: [Range<usize>; MAX_RANGES] = Default::default();
    let mut count = 0usize;
    let mut push = |range: Range<usize>| -> Result<(), OpError> {
        *ranges.get_mut(count).ok_or(internal("ranges"))? = range;
        count += 1;
        Ok(())
    };
    for t in outputs.iter() {
        let output = slot(t)?;
        if output.home() != TensorHome::Head {
            return Err(internal("output outside the head"));
        }
        push(output.range())?;
    }
    // Input positions of the variable inputs, in range order.
    let mut variable_positions = [0usize; MAX_VARIABLE_INPUTS];
    let mut n_variables = 0usize;
    if stateful {
        for k in 0..op_inputs.len() {
            let Some(t) = frame.operator.input(k) else {
                continue;
            };
            let input = slot(t)?;
            if input.home() != TensorHome::Head || !input.is_variable() {
                continue;
            }
            *variable_positions
                .get_mut(n_variables)
                .ok_or(internal("variable inputs beyond the table"))? = k;
            n_variables += 1;
            push(input.range())?;
        }
    }
    push(frame.scratch)?;
    push(frame.state)?;
    let ranges = ranges.get(..count).ok_or(internal("ranges"))?;
    let mut pieces: [&mut [u8]; MAX_RANGES] = Default::default();
    let mut gaps: [(usize, &[u8]); MAX_RANGES + 1] = Default::default();
    let mut taken = [false; MAX_RANGES];
    let mut gap_slots = gaps.iter_mut();
    let mut rest: &mut [u8] = frame.head;
    let mut at = 0usize;
    // The non-empty ranges by start (a scan per range).
    loop {
        let next = ranges
            .iter()
            .zip(taken)
            .enumerate()
            .filter(|(_, (range, taken))| !range.is_empty() && !taken)
            .min_by_key(|(_, (range, _))| range.start);
        let Some((k, (range, _))) = next else { break };
        let (gap, after) = rest
            .split_at_mut_checked(range.start.checked_sub(at).ok_or(internal("overlap"))?)
            .ok_or(internal("range beyond head"))?;
        let (piece, after) = after
            .split_at_mut_checked(range.len())
            .ok_or(internal("range beyond head"))?;
        *gap_slots.next().ok_or(internal("gaps"))? = (at, gap);
        *pieces.get_mut(k).ok_or(internal("pieces"))? = piece;
        *taken.get_mut(k).ok_or(internal("pieces"))? = true;
        rest = after;
        at = range.end;
    }
    *gap_slots.next().ok_or(internal("gaps"))? = (at, rest);
    let in_gap = |start: usize, end: usize| {
        gaps.iter()
            .find(|(from, gap)| start >= *from && end <= from + gap.len())
            .and_then(|(from, gap)| gap.get(start - from..end - from))
            .ok_or(internal("input overlaps an output"))
    };
    let variable_positions = variable_positions
        .get(..n_variables)
        .ok_or(internal("variable inputs"))?;
    let mut inputs: [Option<&[u8]>; MAX_FRAME_INPUTS] = [None; MAX_FRAME_INPUTS];
    for (k, entry) in inputs.iter_mut().enumerate().take(op_inputs.len()) {
        let Some(t) = frame.operator.input(k) else {
            continue;
        };
        if variable_positions.contains(&k) {
            continue;
        }
        let input = slot(t)?;
        let range = input.range();
        *entry = Some(match input.home() {
            TensorHome::Head => in_gap(range.start, range.end)?,
            TensorHome::Constant | TensorHome::Copied => {
                let source = if input.home() == TensorHome::Copied {
                    frame.op_data
                } else {
                    frame.model
                };
                source.get(range).ok_or(internal("constant"))?
            }
            TensorHome::Unused => &[],
        });
    }
    // Pieces: output 0, outputs 1.., variable inputs, scratch, state.
    let (output, rest) = pieces.split_first_mut().ok_or(internal("output 0"))?;
    let (more, rest) = rest
        .split_at_mut_checked(outputs.len() - 1)
        .ok_or(internal("outputs"))?;
    let (variable_pieces, rest) = rest
        .split_at_mut_checked(n_variables)
        .ok_or(internal("variable inputs"))?;
    let [scratch, state, ..] = rest else {
        return Err(internal("scratch and state"));
    };
    let mut variables: [(usize, &mut [u8]); MAX_VARIABLE_INPUTS] = Default::default();
    for ((entry, &k), piece) in variables
        .iter_mut()
        .zip(variable_positions)
        .zip(variable_pieces.iter_mut())
    {
        *entry = (k, core::mem::take(piece));
    }
    let variables = variables
        .get_mut(..n_variables)
        .ok_or(internal("variable inputs"))?;
    let (first, beyond) = inputs.split_at(MAX_OP_INPUTS);
    let (mut first_inputs, mut more_inputs) = (
        [None; MAX_OP_INPUTS],
        [None; MAX_FRAME_INPUTS - MAX_OP_INPUTS],
    );
    first_inputs.copy_from_slice(first);
    more_inputs.copy_from_slice(beyond);
    let mut parts = FrameParts {
        more_outputs: more,
        variables,
        state,
        more_inputs,
    };
    let mut ctx =
        EvalContext::new(frame.backend, first_inputs, output, scratch).with_frame(&mut parts);
    eval(&mut ctx, chunk)
}
