//! Evaluating an operator with several outputs (SPLIT, SPLIT_V, UNPACK) in
//! the interpreter's head ([`crate::Registration::eval_in_head`]): the head
//! split into every output, the scratch, and the read-only gaps between
//! them where the inputs lie. Only kernels that declare
//! [`crate::Kernel::SEVERAL_OUTPUTS`] reference this code, so firmware
//! without such ops links none of it.

use core::ops::Range;

use microlite_kernels::optimized::Backend;
use microlite_model::Operator;

use crate::context::{EvalContext, MAX_OP_INPUTS, MAX_OP_OUTPUTS};
use crate::error::OpError;
use crate::tensor_slot::{TensorHome, TensorSlot};

/// An operator with several outputs as the interpreter laid it out.
pub struct HeadFrame<'f, 'm> {
    /// The kernels to run.
    pub backend: Backend,
    /// The operator.
    pub operator: Operator<'m>,
    /// The interpreter's head (activations and scratch).
    pub head: &'f mut [u8],
    /// The operator's scratch in `head`.
    pub scratch: Range<usize>,
    /// Where each tensor's bytes are (outputs always in the head).
    pub tensors: &'f [TensorSlot],
    /// The model file (constant tensors' bytes).
    pub model: &'m [u8],
    /// The prepared op data (copies of misaligned constants).
    pub op_data: &'f [u8],
}

/// Most mutable ranges: every output and the scratch.
const MAX_RANGES: usize = MAX_OP_OUTPUTS + 1;

/// The type-erased eval the frame runs.
pub(crate) type EvalFn = fn(&mut EvalContext<'_>, &[u8]) -> Result<(), OpError>;

/// Splits the frame's head and runs `eval` on the operator's chunk.
pub(crate) fn run(frame: HeadFrame<'_, '_>, chunk: &[u8], eval: EvalFn) -> Result<(), OpError> {
    let internal = OpError::Internal;
    let outputs = frame.operator.outputs();
    let count = outputs.len() + 1;
    if !(2..=MAX_RANGES).contains(&count) {
        return Err(OpError::TooManyOutputs {
            found: outputs.len(),
            max: MAX_OP_OUTPUTS,
        });
    }
    // Outputs 0.., then the scratch.
    let mut ranges: [Range<usize>; MAX_RANGES] = Default::default();
    let slot = |t: usize| frame.tensors.get(t).ok_or(internal("tensor slot"));
    for (range, t) in ranges.iter_mut().zip(outputs.iter()) {
        let output = slot(t)?;
        if output.home() != TensorHome::Head {
            return Err(internal("output outside the head"));
        }
        *range = output.range();
    }
    *ranges.get_mut(count - 1).ok_or(internal("scratch"))? = frame.scratch;
    let ranges = ranges.get(..count).ok_or(internal("ranges"))?;
    let mut pieces: [&mut [u8]; MAX_RANGES] = Default::default();
    let mut gaps: [(usize, &[u8]); MAX_RANGES + 1] = Default::default();
    let mut taken = [false; MAX_RANGES];
    let mut gap_slots = gaps.iter_mut();
    let mut rest: &mut [u8] = frame.head;
    let mut at = 0usize;
    // The non-empty ranges by start (at most 17: a scan per range).
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
    let mut inputs: [Option<&[u8]>; MAX_OP_INPUTS] = [None; MAX_OP_INPUTS];
    let op_inputs = frame.operator.inputs();
    if op_inputs.len() > MAX_OP_INPUTS {
        return Err(internal("inputs beyond the table"));
    }
    for (k, entry) in inputs.iter_mut().enumerate().take(op_inputs.len()) {
        let Some(t) = frame.operator.input(k) else {
            continue;
        };
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
    // Pieces: output 0, outputs 1..count - 1, the scratch.
    let (output, rest) = pieces.split_first_mut().ok_or(internal("output 0"))?;
    let (more, rest) = rest
        .split_at_mut_checked(count - 2)
        .ok_or(internal("outputs"))?;
    let scratch = rest.first_mut().ok_or(internal("scratch"))?;
    let mut ctx = EvalContext::new(frame.backend, inputs, output, scratch).with_outputs(more);
    eval(&mut ctx, chunk)
}
