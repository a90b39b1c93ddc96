//! IF, WHILE, CALL_ONCE and the resource variables (VAR_HANDLE,
//! READ_VARIABLE, ASSIGN_VARIABLE): ops the interpreter runs itself
//! ([`crate::Kernel::CALLS_SUBGRAPHS`]). Their prepare makes TFLM's checks
//! (subgraph indices in range, the operator's inputs and outputs matching
//! the called subgraph's in number, dtype and shape) and writes a
//! [`SubgraphCall`] the interpreter reads at eval; their own eval is never
//! called.
//!
//! Resource variables, as TFLM's `MicroResourceVariables`: every
//! VAR_HANDLE naming the same `(container, shared_name)` (in any subgraph)
//! designates one variable. The first of them in model order (subgraphs in
//! order, operators in order) owns its bytes: its op state, kept for the
//! interpreter's life and set to the variable's reset byte at start and by
//! `Interpreter::reset_state` (TFLM's `ResetAll`: the low byte of the value
//! tensor's zero point when it has one, else 0). READ_VARIABLE and
//! ASSIGN_VARIABLE find the VAR_HANDLE producing their resource input in
//! their own subgraph; all of a variable's reads and assignments must have
//! the same byte size (TFLM sizes the variable from its first assignment).

use bytemuck::{Pod, Zeroable};
use microlite_model::{BuiltinOperator, Model, Operator, Subgraph, Tensor, TensorType};

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::kernel::{Kernel, Needs, Prepared};

crate::registry::declare_ops! {
    /// IF: runs the then- or else-subgraph on inputs 1.. as input 0 says.
    if_ => If, IF, "any (bool condition)", versions 1..=1;
    /// WHILE: runs the body subgraph while the cond subgraph says so.
    while_ => While, WHILE, "any", versions 1..=1;
    /// CALL_ONCE: runs the init subgraph at the first invoke.
    call_once => CallOnce, CALL_ONCE, "none", versions 1..=1;
    /// VAR_HANDLE: names a resource variable.
    var_handle => VarHandle, VAR_HANDLE, "resource", versions 1..=1;
    /// READ_VARIABLE: a resource variable's value.
    read_variable => ReadVariable, READ_VARIABLE, "any", versions 1..=1;
    /// ASSIGN_VARIABLE: sets a resource variable.
    assign_variable => AssignVariable, ASSIGN_VARIABLE, "any", versions 1..=1;
}

/// [`SubgraphCall::kind`] of IF: `first` then, `second` else.
pub const CALL_IF: u32 = 1;
/// [`SubgraphCall::kind`] of WHILE: `first` cond, `second` body.
pub const CALL_WHILE: u32 = 2;
/// [`SubgraphCall::kind`] of CALL_ONCE: `first` init (its 4-byte state
/// says whether it ran; `reset_state` leaves it, as TFLM's Reset).
pub const CALL_ONCE: u32 = 3;
/// [`SubgraphCall::kind`] of VAR_HANDLE: `first` the owner's operator
/// ([`SubgraphCall`]); an owner's state is the variable, reset to the low
/// byte of `second`.
pub const VAR_HANDLE: u32 = 4;
/// [`SubgraphCall::kind`] of READ_VARIABLE: `first` the variable's owner.
pub const READ_VARIABLE: u32 = 5;
/// [`SubgraphCall::kind`] of ASSIGN_VARIABLE: `first` the variable's owner.
pub const ASSIGN_VARIABLE: u32 = 6;

/// What the interpreter runs for an op of this module. Operators are
/// numbered across the model: subgraph 0's first, then subgraph 1's, ...
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct SubgraphCall {
    /// [`CALL_IF`], [`CALL_WHILE`], [`CALL_ONCE`], [`VAR_HANDLE`],
    /// [`READ_VARIABLE`] or [`ASSIGN_VARIABLE`].
    pub kind: u32,
    /// The subgraph called (then, cond, init), or for variables the
    /// model-wide index of the VAR_HANDLE operator owning the variable.
    pub first: u32,
    /// The second subgraph (else, body); a variable owner's reset byte.
    pub second: u32,
}

/// The subgraph `field` names: in range, not the main one nor the
/// operator's own (a call cycle TFLM would recurse into forever).
fn callee(ctx: &PrepareContext<'_>, field: &'static str, index: i32) -> Result<usize, OpError> {
    let model = ctx
        .model()
        .ok_or(OpError::Internal("subgraph call without the model"))?;
    let count = model.subgraph_count();
    let bad = OpError::BadSubgraph {
        field,
        index: i64::from(index),
        count,
    };
    let s = usize::try_from(index).map_err(|_| bad)?;
    if s >= count || s == 0 || s == ctx.subgraph().index() {
        return Err(bad);
    }
    Ok(s)
}

fn subgraph<'m>(ctx: &PrepareContext<'m>, s: usize) -> Result<Subgraph<'m>, OpError> {
    ctx.model()
        .and_then(|m| m.subgraph(s))
        .ok_or(OpError::Internal("subgraph"))
}

fn same_layout(a: &Tensor<'_>, b: &Tensor<'_>) -> bool {
    a.dtype() == b.dtype()
        && a.byte_size().is_some()
        && a.byte_size() == b.byte_size()
        && a.shape().rank() == b.shape().rank()
        && a.shape().iter().eq(b.shape().iter())
}

/// Checks that the operator's tensors `ours` (positions `skip..` of its
/// inputs or outputs) match subgraph `s`'s `theirs` in count, dtype and
/// shape.
fn check_io(
    ctx: &PrepareContext<'_>,
    s: usize,
    what: &'static str,
    ours: microlite_model::TensorIndexList<'_>,
    skip: usize,
    theirs: microlite_model::TensorIndexList<'_>,
) -> Result<(), OpError> {
    let callee = subgraph(ctx, s)?;
    let found = ours.len().saturating_sub(skip);
    if found != theirs.len() {
        return Err(OpError::SubgraphIoCount {
            subgraph: s,
            what,
            expected: theirs.len(),
            found,
        });
    }
    for (k, their) in theirs.iter().enumerate() {
        let our = ours
            .get(k + skip)
            .ok_or(OpError::MissingInput { position: k + skip })?;
        let a = ctx
            .subgraph()
            .tensor(our)
            .ok_or(OpError::Internal("tensor"))?;
        let b = callee.tensor(their).ok_or(OpError::Internal("tensor"))?;
        if !same_layout(&a, &b) {
            return Err(OpError::SubgraphTensorMismatch {
                subgraph: s,
                tensor: our,
                callee_tensor: their,
            });
        }
    }
    Ok(())
}

fn call(kind: u32, first: usize, second: usize, state_bytes: usize) -> Prepared<SubgraphCall> {
    Prepared {
        params: SubgraphCall {
            kind,
            first: first as u32,
            second: second as u32,
        },
        needs: Needs {
            state_bytes,
            ..Needs::default()
        },
    }
}

fn never_eval() -> Result<(), OpError> {
    Err(OpError::Internal(
        "control flow and variables run in the interpreter",
    ))
}

/// IF.
pub struct If;

impl Kernel for If {
    type Params = SubgraphCall;
    const CALLS_SUBGRAPHS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SubgraphCall>, OpError> {
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_if_options()
            .ok_or(OpError::MissingOptions)?;
        if ctx.operator().inputs().is_empty() {
            return Err(OpError::InputCount {
                min: 1,
                max: usize::MAX,
                found: 0,
            });
        }
        let cond = ctx.input(0)?;
        if cond.dtype() != TensorType::Bool {
            return Err(OpError::UnsupportedType {
                tensor: cond.index(),
                dtype: cond.dtype(),
            });
        }
        if cond.element_count() != 1 {
            return Err(OpError::ShapeMismatch {
                tensor: cond.index(),
                what: "the condition must have one element",
            });
        }
        let then = callee(ctx, "then_subgraph_index", options.then_subgraph_index())?;
        let other = callee(ctx, "else_subgraph_index", options.else_subgraph_index())?;
        let op = ctx.operator();
        for s in [then, other] {
            let callee = subgraph(ctx, s)?;
            check_io(ctx, s, "inputs", op.inputs(), 1, callee.inputs())?;
            check_io(ctx, s, "outputs", op.outputs(), 0, callee.outputs())?;
        }
        Ok(call(CALL_IF, then, other, 0))
    }

    fn eval(_: &mut EvalContext<'_>, _: &SubgraphCall, _: &[u8]) -> Result<(), OpError> {
        never_eval()
    }
}

/// WHILE.
pub struct While;

impl Kernel for While {
    type Params = SubgraphCall;
    const CALLS_SUBGRAPHS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SubgraphCall>, OpError> {
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_while_options()
            .ok_or(OpError::MissingOptions)?;
        let cond = callee(ctx, "cond_subgraph_index", options.cond_subgraph_index())?;
        let body = callee(ctx, "body_subgraph_index", options.body_subgraph_index())?;
        let op = ctx.operator();
        let (n_in, n_out) = (op.inputs().len(), op.outputs().len());
        if n_in != n_out {
            return Err(OpError::OutputCount {
                expected: n_in,
                found: n_out,
            });
        }
        // The loop variables: op inputs -> outputs (copied first), outputs
        // -> cond and body inputs, body outputs -> op outputs.
        for k in 0..n_in {
            let (a, b) = (ctx.input(k)?, ctx.output(k)?);
            if !same_layout(&a, &b) {
                return Err(OpError::ShapeMismatch {
                    tensor: b.index(),
                    what: "a WHILE output differs from its input in dtype or shape",
                });
            }
        }
        let cond_graph = subgraph(ctx, cond)?;
        let body_graph = subgraph(ctx, body)?;
        check_io(ctx, cond, "inputs", op.inputs(), 0, cond_graph.inputs())?;
        check_io(ctx, body, "inputs", op.inputs(), 0, body_graph.inputs())?;
        check_io(ctx, body, "outputs", op.outputs(), 0, body_graph.outputs())?;
        let verdict = cond_graph
            .outputs()
            .get(0)
            .and_then(|t| cond_graph.tensor(t))
            .ok_or(OpError::SubgraphIoCount {
                subgraph: cond,
                what: "outputs",
                expected: 1,
                found: 0,
            })?;
        if verdict.dtype() != TensorType::Bool || verdict.element_count() < 1 {
            return Err(OpError::SubgraphTensorMismatch {
                subgraph: cond,
                tensor: verdict.index(),
                callee_tensor: verdict.index(),
            });
        }
        Ok(call(CALL_WHILE, cond, body, 0))
    }

    fn eval(_: &mut EvalContext<'_>, _: &SubgraphCall, _: &[u8]) -> Result<(), OpError> {
        never_eval()
    }
}

/// CALL_ONCE.
pub struct CallOnce;

impl Kernel for CallOnce {
    type Params = SubgraphCall;
    const CALLS_SUBGRAPHS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SubgraphCall>, OpError> {
        let options = ctx
            .operator()
            .raw()
            .builtin_options_as_call_once_options()
            .ok_or(OpError::MissingOptions)?;
        let op = ctx.operator();
        if !op.inputs().is_empty() {
            return Err(OpError::InputCount {
                min: 0,
                max: 0,
                found: op.inputs().len(),
            });
        }
        if !op.outputs().is_empty() {
            return Err(OpError::OutputCount {
                expected: 0,
                found: op.outputs().len(),
            });
        }
        let init = callee(ctx, "init_subgraph_index", options.init_subgraph_index())?;
        // State: whether it ran (a u32, 1 once run).
        Ok(call(CALL_ONCE, init, 0, 4))
    }

    fn eval(_: &mut EvalContext<'_>, _: &SubgraphCall, _: &[u8]) -> Result<(), OpError> {
        never_eval()
    }
}

/// A VAR_HANDLE's `(container, shared_name)`.
fn names<'m>(op: &Operator<'m>) -> Result<(Option<&'m str>, &'m str), OpError> {
    let options = op
        .raw()
        .builtin_options_as_var_handle_options()
        .ok_or(OpError::MissingOptions)?;
    Ok((options.container(), options.shared_name().unwrap_or("")))
}

/// Whether two VAR_HANDLEs name the same variable (TFLM's `FindId`: an
/// absent container matches any).
fn same_variable(a: (Option<&str>, &str), b: (Option<&str>, &str)) -> bool {
    a.1 == b.1 && (a.0.is_none() || b.0.is_none() || a.0 == b.0)
}

/// Every operator of the model with its subgraph and model-wide index.
fn all_operators<'m>(model: &Model<'m>) -> impl Iterator<Item = (Subgraph<'m>, Operator<'m>)> + 'm {
    model
        .subgraphs()
        .flat_map(|s| s.operators().map(move |op| (s, op)))
}

/// The VAR_HANDLE of `subgraph` producing tensor `t`.
fn handle_of<'m>(subgraph: &Subgraph<'m>, t: usize) -> Result<Operator<'m>, OpError> {
    subgraph
        .operators()
        .find(|op| op.builtin() == BuiltinOperator::VAR_HANDLE && op.output(0) == Some(t))
        .ok_or(OpError::ShapeMismatch {
            tensor: t,
            what: "a resource input must come from a VAR_HANDLE of the same subgraph",
        })
}

/// The variable `handle` names: its owner's model-wide operator index, its
/// byte size and reset byte (from every READ_VARIABLE and ASSIGN_VARIABLE
/// of it in the model, which must agree; 0 bytes when none).
fn variable(model: &Model<'_>, handle: &Operator<'_>) -> Result<(usize, usize, u8), OpError> {
    let name = names(handle)?;
    let mut owner = None;
    let mut size: Option<usize> = None;
    let mut reset: Option<u8> = None;
    for (global, (s, op)) in all_operators(model).enumerate() {
        let code = op.builtin();
        if code == BuiltinOperator::VAR_HANDLE {
            if owner.is_none() && same_variable(names(&op)?, name) {
                owner = Some(global);
            }
            continue;
        }
        let value = match code {
            BuiltinOperator::READ_VARIABLE => op.output(0),
            BuiltinOperator::ASSIGN_VARIABLE => op.input(1),
            _ => continue,
        };
        let Some(resource) = op.input(0) else {
            continue;
        };
        let Ok(their_handle) = handle_of(&s, resource) else {
            continue;
        };
        if !same_variable(names(&their_handle)?, name) {
            continue;
        }
        let Some(tensor) = value.and_then(|t| s.tensor(t)) else {
            continue;
        };
        let bytes = tensor.byte_size().ok_or(OpError::UnsupportedType {
            tensor: tensor.index(),
            dtype: tensor.dtype(),
        })?;
        if code == BuiltinOperator::ASSIGN_VARIABLE && reset.is_none() {
            // TFLM sets the variable's default from the first assignment
            // prepared: its value's first zero point, if quantized.
            reset = Some(
                tensor
                    .raw()
                    .quantization()
                    .and_then(|q| q.zero_point())
                    .and_then(|z| z.iter().next())
                    .map_or(0, |z| z as u8),
            );
        }
        match size {
            None => size = Some(bytes),
            Some(known) if known != bytes => {
                return Err(OpError::ShapeMismatch {
                    tensor: tensor.index(),
                    what: "the resource variable has another size elsewhere in the model",
                })
            }
            Some(_) => {}
        }
    }
    let owner = owner.ok_or(OpError::Internal("VAR_HANDLE not found in the model"))?;
    Ok((owner, size.unwrap_or(0), reset.unwrap_or(0)))
}

/// The model-wide index of the operator being prepared.
fn global_index(ctx: &PrepareContext<'_>, model: &Model<'_>) -> usize {
    let s = ctx.subgraph().index();
    let before: usize = model.subgraphs().take(s).map(|g| g.operator_count()).sum();
    before + ctx.operator().index()
}

/// VAR_HANDLE.
pub struct VarHandle;

impl Kernel for VarHandle {
    type Params = SubgraphCall;
    const CALLS_SUBGRAPHS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SubgraphCall>, OpError> {
        ctx.expect_io(0, 0, 1)?;
        let model = ctx
            .model()
            .ok_or(OpError::Internal("variables without the model"))?;
        let output = ctx.output(0)?;
        if output.dtype() != TensorType::Resource {
            return Err(OpError::UnsupportedType {
                tensor: output.index(),
                dtype: output.dtype(),
            });
        }
        let (owner, bytes, reset) = variable(model, ctx.operator())?;
        let own = owner == global_index(ctx, model);
        if own && bytes > usize::from(u16::MAX) {
            return Err(OpError::SizeOverflow {
                what: "resource variable over 64 KiB",
            });
        }
        // The owner keeps the bytes (at least 4, so that it has a block).
        let state = if own { bytes.max(4) } else { 0 };
        Ok(call(VAR_HANDLE, owner, usize::from(reset), state))
    }

    fn eval(_: &mut EvalContext<'_>, _: &SubgraphCall, _: &[u8]) -> Result<(), OpError> {
        never_eval()
    }
}

/// READ_VARIABLE and ASSIGN_VARIABLE's checks: the resource input and the
/// value tensor; returns the variable's owner.
fn variable_access(ctx: &PrepareContext<'_>, value: &Tensor<'_>) -> Result<usize, OpError> {
    let model = ctx
        .model()
        .ok_or(OpError::Internal("variables without the model"))?;
    let resource = ctx.input(0)?;
    if !matches!(resource.dtype(), TensorType::Resource | TensorType::Int32) {
        return Err(OpError::UnsupportedType {
            tensor: resource.index(),
            dtype: resource.dtype(),
        });
    }
    let handle = handle_of(ctx.subgraph(), resource.index())?;
    let (owner, bytes, _) = variable(model, &handle)?;
    if value.byte_size() != Some(bytes) {
        return Err(OpError::ShapeMismatch {
            tensor: value.index(),
            what: "differs in size from the resource variable",
        });
    }
    Ok(owner)
}

/// READ_VARIABLE.
pub struct ReadVariable;

impl Kernel for ReadVariable {
    type Params = SubgraphCall;
    const CALLS_SUBGRAPHS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SubgraphCall>, OpError> {
        ctx.expect_io(1, 1, 1)?;
        let owner = variable_access(ctx, &ctx.output(0)?)?;
        Ok(call(READ_VARIABLE, owner, 0, 0))
    }

    fn eval(_: &mut EvalContext<'_>, _: &SubgraphCall, _: &[u8]) -> Result<(), OpError> {
        never_eval()
    }
}

/// ASSIGN_VARIABLE.
pub struct AssignVariable;

impl Kernel for AssignVariable {
    type Params = SubgraphCall;
    const CALLS_SUBGRAPHS: bool = true;

    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<SubgraphCall>, OpError> {
        ctx.expect_io(2, 2, 0)?;
        let owner = variable_access(ctx, &ctx.input(1)?)?;
        Ok(call(ASSIGN_VARIABLE, owner, 0, 0))
    }

    fn eval(_: &mut EvalContext<'_>, _: &SubgraphCall, _: &[u8]) -> Result<(), OpError> {
        never_eval()
    }
}
