//! Several subgraphs (the `subgraphs` feature): the interpreter runs IF,
//! WHILE and CALL_ONCE itself, as TFLM's kernels do through its
//! `MicroGraph` (copy the operator's inputs into the called subgraph's
//! inputs, run its operators, copy its outputs back), and the resource
//! variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE), whose bytes are
//! their owning VAR_HANDLE's op state.
//!
//! Each subgraph's tensors are planned in a head region of its own
//! (`plan_subgraphs`), so a called subgraph never overwrites its caller's
//! tensors, and its records follow the previous subgraph's: the running
//! subgraph's records are swapped in for the call and swapped back after.

use core::mem::size_of;

use microlite_model::{Operator, Subgraph};
use microlite_ops::ops::{
    SubgraphCall, ASSIGN_VARIABLE, CALL_IF, CALL_ONCE, CALL_WHILE, READ_VARIABLE, VAR_HANDLE,
};
use microlite_ops::OpError;

use super::{constant_data, op_error, plan_regions, Interpreter, Options};
use crate::error::Error;
use crate::layout::align_up;
use crate::layout::{
    OpSlot, TensorHome, TensorSlot, ALIAS_OR_FUSED_CONSUMER, CALLS_SUBGRAPH, FUSED_WITH_NEXT,
};
use crate::planning::{OpFacts, PlanOutcome};

/// Most subgraph calls in progress at once (IF in a WHILE body in ...): a
/// cycle of calls stops here instead of overflowing the stack.
pub const MAX_NESTING: u8 = 8;

/// The subgraphs operator `op` calls (IF: then and else; WHILE: cond and
/// body; CALL_ONCE: init); prepare checked them.
fn callees(op: &Operator<'_>) -> [Option<usize>; 2] {
    let raw = op.raw();
    let index = |i: i32| usize::try_from(i).ok();
    match op.builtin() {
        microlite_model::BuiltinOperator::IF => {
            raw.builtin_options_as_if_options().map_or([None; 2], |o| {
                [
                    index(o.then_subgraph_index()),
                    index(o.else_subgraph_index()),
                ]
            })
        }
        microlite_model::BuiltinOperator::WHILE => {
            raw.builtin_options_as_while_options()
                .map_or([None; 2], |o| {
                    [
                        index(o.cond_subgraph_index()),
                        index(o.body_subgraph_index()),
                    ]
                })
        }
        microlite_model::BuiltinOperator::CALL_ONCE => raw
            .builtin_options_as_call_once_options()
            .map_or([None; 2], |o| [index(o.init_subgraph_index()), None]),
        _ => [None; 2],
    }
}

/// Plans every subgraph's head in a region of its own, where regions of
/// subgraphs never active at once overlap: a called subgraph's region
/// starts after the regions of every subgraph calling it (so above every
/// subgraph on any call path to it), and siblings (IF's branches, WHILE's
/// cond and body, ...) share memory. When a subgraph other than the main
/// one keeps state across invokes (variable tensors, op state), or calls
/// form a cycle, the regions follow one another instead.
///
/// Each subgraph is planned twice (once for its size, once at its place);
/// the `[base, size]` table lives at the end of `work`, counted in the
/// planning work memory, so the arena size stays exact.
pub(super) fn plan_overlapping(
    model: &microlite_model::Model<'_>,
    options: Options,
    facts: &[OpFacts],
    work: &mut [u8],
    commit: Option<(&mut [TensorSlot], &mut [OpSlot])>,
) -> Result<PlanOutcome, Error> {
    let n = model.subgraph_count();
    let table_bytes = n
        .checked_mul(2 * size_of::<u32>())
        .and_then(align_up)
        .ok_or(Error::SizeOverflow)?;
    let split = work.len().saturating_sub(table_bytes) & !15;
    if work.len() < table_bytes {
        return Ok(PlanOutcome {
            head_bytes: table_bytes,
            exact: false,
            plan_bytes: 0,
            work_bytes: 0,
        });
    }
    let (front, back) = work.split_at_mut(split);
    let table: &mut [u32] = back
        .get_mut(..n * 2 * size_of::<u32>())
        .and_then(|bytes| bytemuck::try_cast_slice_mut(bytes).ok())
        .ok_or(Error::Internal("region table"))?;
    let with_table = |mut outcome: PlanOutcome| -> Result<PlanOutcome, Error> {
        outcome.work_bytes = outcome
            .work_bytes
            .checked_add(table_bytes)
            .ok_or(Error::SizeOverflow)?;
        outcome.head_bytes = outcome
            .head_bytes
            .max(align_up(outcome.work_bytes).ok_or(Error::SizeOverflow)?);
        Ok(outcome)
    };
    let sizes = plan_regions(
        model,
        options,
        facts,
        front,
        None,
        Some((&mut *table, false)),
    )?;
    if !sizes.exact {
        return with_table(sizes);
    }
    place_regions(model, facts, table)?;
    let outcome = plan_regions(model, options, facts, front, commit, Some((table, true)))?;
    with_table(outcome)
}

/// Sets each subgraph's base in `table` (`[base, size]` per subgraph, the
/// sizes filled), as [`plan_overlapping`] says.
fn place_regions(
    model: &microlite_model::Model<'_>,
    facts: &[OpFacts],
    table: &mut [u32],
) -> Result<(), Error> {
    let n = model.subgraph_count();
    let end_of = |table: &[u32], s: usize| -> Result<u32, Error> {
        let base = *table.get(2 * s).ok_or(Error::Internal("regions"))?;
        let size = *table.get(2 * s + 1).ok_or(Error::Internal("regions"))?;
        base.checked_add(size)
            .and_then(|end| u32::try_from(align_up(end as usize)?).ok())
            .ok_or(Error::SizeOverflow)
    };
    let mut op_base = 0usize;
    let mut stateful = false;
    for subgraph in model.subgraphs() {
        let n_ops = subgraph.operator_count();
        if subgraph.index() != 0 {
            let ops = facts
                .get(op_base..op_base + n_ops)
                .ok_or(Error::Internal("op facts"))?;
            stateful |= ops.iter().any(|f| f.state_bytes() > 0)
                || subgraph.tensors().any(|t| t.is_variable());
        }
        op_base += n_ops;
    }
    for s in 0..n {
        *table.get_mut(2 * s).ok_or(Error::Internal("regions"))? = 0;
    }
    // Relax base(callee) >= end(caller) over the call edges; acyclic calls
    // settle within n rounds.
    let mut settled = false;
    for _ in 0..=n {
        if stateful {
            break;
        }
        let mut changed = false;
        for caller in model.subgraphs() {
            let c = caller.index();
            for op in caller.operators() {
                for s in callees(&op).into_iter().flatten() {
                    if s == 0 || s == c || s >= n {
                        continue;
                    }
                    let want = end_of(table, c)?;
                    let base = table.get_mut(2 * s).ok_or(Error::Internal("regions"))?;
                    if want > *base {
                        *base = want;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            settled = true;
            break;
        }
    }
    if !settled {
        // One region after another.
        let mut at = 0u32;
        for s in 0..n {
            *table.get_mut(2 * s).ok_or(Error::Internal("regions"))? = at;
            at = end_of(table, s)?;
        }
    }
    Ok(())
}

/// One subgraph with its records.
#[derive(Clone, Copy)]
struct Graph<'a, 'm> {
    subgraph: Subgraph<'m>,
    tensors: &'a [TensorSlot],
    ops: &'a [OpSlot],
}

impl<'a, 'm> Graph<'a, 'm> {
    fn slot(&self, t: Option<usize>) -> Result<TensorSlot, Error> {
        t.and_then(|t| self.tensors.get(t))
            .copied()
            .ok_or(Error::Internal("subgraph tensor"))
    }
}

/// The call's params at the front of an operator's chunk.
fn call_of(chunk: &[u8]) -> Result<SubgraphCall, Error> {
    chunk
        .get(..size_of::<SubgraphCall>())
        .and_then(|bytes| bytemuck::try_from_bytes::<SubgraphCall>(bytes).ok())
        .copied()
        .ok_or(Error::Internal("subgraph call params"))
}

impl<'a, 'm> Interpreter<'a, 'm> {
    /// Subgraph `s` with its records.
    fn graph(&self, s: usize) -> Result<Graph<'a, 'm>, Error> {
        let subgraph = self
            .model
            .subgraph(s)
            .ok_or(Error::Internal("subgraph index"))?;
        let (mut tensor_base, mut op_base) = (0usize, 0usize);
        for before in self.model.subgraphs().take(s) {
            tensor_base += before.tensor_count();
            op_base += before.operator_count();
        }
        let tensors = self
            .all_tensors
            .get(tensor_base..tensor_base + subgraph.tensor_count())
            .ok_or(Error::Internal("subgraph records"))?;
        let ops = self
            .all_ops
            .get(op_base..op_base + subgraph.operator_count())
            .ok_or(Error::Internal("subgraph records"))?;
        Ok(Graph {
            subgraph,
            tensors,
            ops,
        })
    }

    /// The running subgraph.
    fn current(&self) -> Graph<'a, 'm> {
        Graph {
            subgraph: self.subgraph,
            tensors: self.tensors,
            ops: self.ops,
        }
    }

    /// Copies tensor `from` to tensor `to` (in the head), as TFLM's
    /// `CopyOpInputsToSubgraphInputs` and its kin (prepare checked that
    /// dtypes and shapes match).
    fn copy_tensor(&mut self, from: TensorSlot, to: TensorSlot) -> Result<(), Error> {
        let internal = Error::Internal("subgraph tensor copy");
        let dst = to.range();
        if dst.is_empty() {
            return Ok(());
        }
        if to.home() != TensorHome::Head || from.len != to.len {
            return Err(internal);
        }
        match from.home() {
            TensorHome::Head => {
                let src = from.range();
                if src.end > self.head.len() || dst.end > self.head.len() {
                    return Err(internal);
                }
                if src.start != dst.start {
                    self.head.copy_within(src, dst.start);
                }
            }
            TensorHome::Constant | TensorHome::Copied => {
                let data = constant_data(self.model.bytes(), self.chunks, &from)?;
                self.head
                    .get_mut(dst)
                    .ok_or(internal)?
                    .copy_from_slice(data);
            }
            TensorHome::Unused => return Err(internal),
        }
        Ok(())
    }

    /// The first byte of a bool tensor, as true or false.
    fn flag(&self, slot: TensorSlot) -> Result<bool, Error> {
        let byte = match slot.home() {
            TensorHome::Head => self.head.get(slot.range()),
            TensorHome::Constant | TensorHome::Copied => {
                constant_data(self.model.bytes(), self.chunks, &slot).ok()
            }
            TensorHome::Unused => None,
        }
        .and_then(|bytes| bytes.first().copied())
        .ok_or(Error::Internal("condition tensor"))?;
        Ok(byte != 0)
    }

    /// Runs subgraph `callee` from the operator calling it.
    fn run_graph(&mut self, callee: Graph<'a, 'm>) -> Result<(), Error> {
        let saved = self.current();
        self.subgraph = callee.subgraph;
        self.tensors = callee.tensors;
        self.ops = callee.ops;
        self.depth += 1;
        let result = self.run_ops();
        self.depth -= 1;
        self.subgraph = saved.subgraph;
        self.tensors = saved.tensors;
        self.ops = saved.ops;
        result
    }

    /// Runs the operators of the running subgraph (as `invoke`).
    fn run_ops(&mut self) -> Result<(), Error> {
        let subgraph = self.subgraph;
        for (i, op) in subgraph.operators().enumerate() {
            let slot = *self.ops.get(i).ok_or(Error::Internal("op slot"))?;
            if slot.flags & ALIAS_OR_FUSED_CONSUMER != 0 {
                continue;
            }
            if slot.flags & FUSED_WITH_NEXT != 0 {
                self.eval_fused(i, &op, &slot)?;
            } else {
                self.eval_op(i, &op, &slot)?;
            }
        }
        Ok(())
    }

    /// Evaluates operator `i`, one the interpreter runs itself (IF, WHILE,
    /// CALL_ONCE, the resource variables).
    pub(super) fn eval_call(
        &mut self,
        i: usize,
        op: &Operator<'m>,
        slot: &OpSlot,
        chunk: &[u8],
    ) -> Result<(), Error> {
        let call = call_of(chunk)?;
        let caller = self.current();
        let first = call.first as usize;
        let nesting = |s: usize| {
            op_error(
                i,
                op,
                OpError::SubgraphNesting {
                    subgraph: s,
                    max: usize::from(MAX_NESTING),
                },
            )
        };
        match call.kind {
            CALL_IF => {
                let cond = self.flag(caller.slot(op.input(0))?)?;
                let s = if cond { first } else { call.second as usize };
                if self.depth >= MAX_NESTING {
                    return Err(nesting(s));
                }
                let callee = self.graph(s)?;
                for (k, t) in callee.subgraph.inputs().iter().enumerate() {
                    let from = caller.slot(op.input(k + 1))?;
                    self.copy_tensor(from, callee.slot(Some(t))?)?;
                }
                self.run_graph(callee)?;
                for (k, t) in callee.subgraph.outputs().iter().enumerate() {
                    let to = caller.slot(op.output(k))?;
                    self.copy_tensor(callee.slot(Some(t))?, to)?;
                }
                Ok(())
            }
            CALL_WHILE => {
                if self.depth >= MAX_NESTING {
                    return Err(nesting(first));
                }
                let cond = self.graph(first)?;
                let body = self.graph(call.second as usize)?;
                let n = op.inputs().len();
                // As TFLM's WhileEval: inputs -> cond's inputs and the
                // outputs; then cond, and while it says so: outputs ->
                // body, body -> outputs, outputs -> cond, cond.
                for k in 0..n {
                    let input = caller.slot(op.input(k))?;
                    self.copy_tensor(input, cond.slot(cond.subgraph.inputs().get(k))?)?;
                    self.copy_tensor(input, caller.slot(op.output(k))?)?;
                }
                let verdict = cond.slot(cond.subgraph.outputs().get(0))?;
                self.run_graph(cond)?;
                while self.flag(verdict)? {
                    for k in 0..n {
                        let output = caller.slot(op.output(k))?;
                        self.copy_tensor(output, body.slot(body.subgraph.inputs().get(k))?)?;
                    }
                    self.run_graph(body)?;
                    // All of the body's outputs out before the cond's inputs
                    // are written: their regions may overlap.
                    for k in 0..n {
                        let output = caller.slot(op.output(k))?;
                        self.copy_tensor(body.slot(body.subgraph.outputs().get(k))?, output)?;
                    }
                    for k in 0..n {
                        let output = caller.slot(op.output(k))?;
                        self.copy_tensor(output, cond.slot(cond.subgraph.inputs().get(k))?)?;
                    }
                    self.run_graph(cond)?;
                }
                Ok(())
            }
            CALL_ONCE => {
                let state = slot.state_range();
                let ran = self
                    .head
                    .get(state.clone())
                    .is_some_and(|s| s.iter().any(|&b| b != 0));
                if ran {
                    return Ok(());
                }
                if self.depth >= MAX_NESTING {
                    return Err(nesting(first));
                }
                self.run_graph(self.graph(first)?)?;
                if let Some(flag) = self.head.get_mut(state).and_then(|s| s.first_mut()) {
                    *flag = 1;
                }
                Ok(())
            }
            VAR_HANDLE => Ok(()),
            READ_VARIABLE | ASSIGN_VARIABLE => {
                let owner = self
                    .all_ops
                    .get(first)
                    .ok_or(Error::Internal("variable owner"))?;
                let variable = owner.state_range();
                let internal = Error::Internal("resource variable");
                if call.kind == READ_VARIABLE {
                    let to = caller.slot(op.output(0))?;
                    let from = variable.start
                        ..variable
                            .start
                            .checked_add(to.range().len())
                            .ok_or(internal)?;
                    if from.end > variable.end || to.home() != TensorHome::Head {
                        return Err(internal);
                    }
                    let dst = to.range();
                    if from.end > self.head.len() || dst.end > self.head.len() {
                        return Err(internal);
                    }
                    self.head.copy_within(from, dst.start);
                    Ok(())
                } else {
                    let from = caller.slot(op.input(1))?;
                    let len = from.range().len();
                    if len > variable.len() {
                        return Err(internal);
                    }
                    let start = u32::try_from(variable.start).map_err(|_| internal)?;
                    let to = TensorSlot::head(start, from.len);
                    self.copy_tensor(from, to)
                }
            }
            _ => Err(Error::Internal("unknown subgraph call")),
        }
    }

    /// Sets the state kept across invokes to its reset value (see
    /// [`Interpreter::reset_state`]): variable tensors, op state, resource
    /// variables (their reset byte); CALL_ONCE's "ran" flag only with
    /// `rearm`.
    pub(super) fn reset(&mut self, rearm: bool) {
        let variables = self
            .all_tensors
            .iter()
            .filter(|slot| slot.is_variable())
            .map(|slot| (slot.range(), slot.reset_byte()));
        for (range, byte) in variables {
            if let Some(bytes) = self.head.get_mut(range) {
                bytes.fill(byte);
            }
        }
        for slot in self.all_ops {
            let mut byte = 0;
            if slot.flags & CALLS_SUBGRAPH != 0 {
                let call = self
                    .chunks
                    .get(slot.chunk_range())
                    .and_then(|c| call_of(c).ok());
                match call.map(|c| (c.kind, c.second)) {
                    Some((CALL_ONCE, _)) if !rearm => continue,
                    Some((VAR_HANDLE, reset)) => byte = reset as u8,
                    _ => {}
                }
            }
            if let Some(bytes) = self.head.get_mut(slot.state_range()) {
                bytes.fill(byte);
            }
        }
    }

    /// [`Error::PreparedUnsupported`] for a model whose prepared image
    /// would need several subgraphs or resource variables.
    pub(super) fn check_preparable(&self) -> Result<(), Error> {
        if self.all_tensors.len() != self.tensors.len() || self.all_ops.len() != self.ops.len() {
            return Err(Error::PreparedUnsupported {
                what: "several subgraphs",
            });
        }
        if self
            .all_ops
            .iter()
            .any(|slot| slot.flags & CALLS_SUBGRAPH != 0)
        {
            return Err(Error::PreparedUnsupported {
                what: "control flow or resource variables",
            });
        }
        Ok(())
    }
}
