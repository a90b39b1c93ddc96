//! The `Kernel` trait every op implements, and the type-erased
//! [`Registration`] the resolver stores.
//!
//! An op runs in three steps:
//! 1. **prepare** ([`Kernel::prepare`]): parse options, check every tensor and
//!    option, and compute all parameters (multipliers, shifts, clamps, loop
//!    bounds) into a `Pod` params struct. The interpreter calls it once per
//!    operator; the params go straight into the arena chunk a [`ChunkSink`]
//!    hands out.
//! 2. **fill** ([`Kernel::fill`]): write variable-length persistent data (e.g.
//!    per-channel multipliers) into the bytes prepare asked for.
//! 3. **eval** ([`Kernel::eval`]): run the math. No checks; it cannot fail on
//!    prepared data (its `Result` only reports broken internal invariants).

use core::mem::size_of;

use bytemuck::Pod;
use microlite_model::BuiltinOperator;

use crate::context::{EvalContext, PrepareContext};
use crate::error::OpError;
use crate::head_frame::HeadFrame;
use crate::ops::Rows;

/// What prepare decided, besides the params themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// Bytes of persistent data after the params, filled by [`Kernel::fill`].
    pub extra_bytes: usize,
    /// Bytes of scratch memory needed during eval only.
    pub scratch_bytes: usize,
    /// Bytes of the operator's own state, kept across invokes (a
    /// [`Kernel::STATEFUL`] op reads and updates it through
    /// [`crate::EvalContext::take_state`]). The interpreter keeps it in the
    /// head for its whole life and zeroes it at start and at
    /// `Interpreter::reset_state`, as TFLM's `Reset`.
    pub state_bytes: usize,
    /// The output is a view of input 0's bytes (RESHAPE, SQUEEZE): the
    /// interpreter shares their memory and skips eval.
    pub output_aliases_input: bool,
    /// The op can write its output over one of its inputs if that input
    /// dies here (see [`InPlaceOffer`]).
    pub in_place: Option<InPlaceOffer>,
}

/// An op's offer to compute its output in the memory of an input that is
/// not needed afterwards ("in-place execution").
///
/// If the interpreter grants it, eval sees the input and the output as one
/// mutable region ([`crate::EvalContext::in_place`]) in which the output
/// starts at least `lead_bytes` bytes before the input
/// (`output_start + lead_bytes <= input_start`; a negative lead lets the
/// output start up to `-lead_bytes` after the input). Eval must then produce
/// exactly the bits it produces with separate buffers, reading every input
/// byte before overwriting it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InPlaceOffer {
    /// Bit `k` set: input `k` may be overwritten (the interpreter picks the
    /// lowest one it can grant).
    pub inputs: u16,
    /// Least displacement of the output before the input, in bytes.
    pub lead_bytes: i32,
    /// Scratch bytes eval needs, besides [`Needs::scratch_bytes`], when the
    /// offer is granted (the interpreter adds them to the op's scratch).
    pub scratch_bytes: u32,
}

impl InPlaceOffer {
    /// An offer to overwrite input `k` with the given lead.
    pub const fn input(k: usize, lead_bytes: i32) -> Self {
        Self {
            inputs: if k < 16 { 1 << k } else { 0 },
            lead_bytes,
            scratch_bytes: 0,
        }
    }

    /// Whether input `k` may be overwritten.
    pub const fn offers(&self, k: usize) -> bool {
        k < 16 && self.inputs & (1 << k) != 0
    }
}

/// The result of a successful prepare.
#[derive(Debug, Clone, Copy)]
pub struct Prepared<P> {
    /// Parameters eval will receive.
    pub params: P,
    /// Memory the op needs.
    pub needs: Needs,
}

impl<P> Prepared<P> {
    /// Params with no extra memory needs.
    pub fn new(params: P) -> Self {
        Self {
            params,
            needs: Needs::default(),
        }
    }
}

/// An operator implementation.
pub trait Kernel {
    /// Parameters computed by prepare and stored in the persistent arena.
    type Params: Pod;

    /// Whether the op may have several outputs (SPLIT, UNPACK, ...): the
    /// interpreter then evaluates it through
    /// [`Registration::eval_in_head`], whose code only such ops link.
    const SEVERAL_OUTPUTS: bool = false;

    /// Whether the op keeps state across invokes: it updates its
    /// variable-tensor inputs in place
    /// ([`crate::EvalContext::take_variable_input`]) or its own state bytes
    /// ([`Needs::state_bytes`], [`crate::EvalContext::take_state`]). Like
    /// [`Kernel::SEVERAL_OUTPUTS`], the interpreter then evaluates it
    /// through [`Registration::eval_in_head`].
    const STATEFUL: bool = false;

    /// Whether the op calls other subgraphs (IF, WHILE, CALL_ONCE) or uses
    /// resource variables: the interpreter runs it itself from its params
    /// ([`crate::ops::SubgraphCall`]); its own eval is never called.
    const CALLS_SUBGRAPHS: bool = false;

    /// Check everything and compute params (see the module docs).
    fn prepare(ctx: &PrepareContext<'_>) -> Result<Prepared<Self::Params>, OpError>;

    /// Fill the `extra` persistent bytes requested in [`Needs::extra_bytes`].
    fn fill(
        _ctx: &PrepareContext<'_>,
        _params: &Self::Params,
        _extra: &mut [u8],
    ) -> Result<(), OpError> {
        Ok(())
    }

    /// Compute the output from the inputs.
    fn eval(ctx: &mut EvalContext<'_>, params: &Self::Params, extra: &[u8]) -> Result<(), OpError>;

    /// The op's vertical geometry when it can evaluate bands of output
    /// rows ([`EvalContext::band`]): windowed ops with batch 1. The
    /// interpreter then may run it fused with its neighbour, band by band,
    /// without materialising the tensor between them. `None` (the default):
    /// whole evaluations only.
    fn rows(_params: &Self::Params) -> Option<Rows> {
        None
    }
}

/// Largest alignment a params struct may need.
pub const PARAMS_ALIGN: usize = 16;

/// What [`Registration::prepare`] reports: sizes of the persistent chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLayout {
    /// Bytes of the params struct, rounded up to [`PARAMS_ALIGN`].
    pub params_bytes: usize,
    /// Everything else prepare asked for.
    pub needs: Needs,
    /// [`Kernel::rows`] of the prepared params.
    pub rows: Option<Rows>,
}

impl ChunkLayout {
    /// Total persistent bytes of the chunk (params + extra).
    pub fn chunk_bytes(&self) -> Option<usize> {
        self.params_bytes.checked_add(self.needs.extra_bytes)
    }
}

/// Where prepared data goes: hands out the persistent chunk of an operator
/// once its size is known.
pub trait ChunkSink {
    /// A 16-byte aligned chunk of exactly `len` bytes, or `None` when there
    /// is no room (prepare then only reports the layout).
    fn chunk(&mut self, len: usize) -> Option<&mut [u8]>;
}

/// A [`ChunkSink`] with no room: prepare only computes the layout.
#[derive(Debug, Clone, Copy, Default)]
pub struct LayoutOnly;

impl ChunkSink for LayoutOnly {
    fn chunk(&mut self, _len: usize) -> Option<&mut [u8]> {
        None
    }
}

type PrepareFn = fn(&PrepareContext<'_>, &mut dyn ChunkSink) -> Result<ChunkLayout, OpError>;
type EvalFn = fn(&mut EvalContext<'_>, &[u8]) -> Result<(), OpError>;
type RowsFn = fn(&[u8]) -> Option<Rows>;
type EvalInHeadFn = fn(HeadFrame<'_, '_>, &[u8]) -> Result<(), OpError>;

/// One op's entry in an [`crate::OpResolver`]: its builtin code and the
/// type-erased steps of its [`Kernel`].
///
/// An eval-only registration ([`Registration::eval_only`], the functions
/// of [`crate::ops::eval_only`]) has no prepare step, so none of the op's
/// prepare code is linked: it serves interpreters whose prepared state was
/// computed ahead of time (`Interpreter::from_prepared` in `microlite`).
#[derive(Clone, Copy)]
pub struct Registration {
    op: BuiltinOperator,
    /// For a custom op (`op` is `CUSTOM`): the custom code it answers to.
    custom_code: Option<&'static str>,
    prepare: Option<PrepareFn>,
    eval: EvalFn,
    /// For ops with several outputs or state: eval with the head split
    /// for them.
    eval_in_head: Option<EvalInHeadFn>,
    /// [`Kernel::SEVERAL_OUTPUTS`].
    several_outputs: bool,
    /// [`Kernel::STATEFUL`].
    stateful: bool,
    /// [`Kernel::CALLS_SUBGRAPHS`].
    calls_subgraphs: bool,
    rows: RowsFn,
    /// `size_of` the kernel's params: prepared state made elsewhere is
    /// checked against it.
    params_size: u32,
}

impl core::fmt::Debug for Registration {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Registration")
            .field("op", &self.op)
            .field("custom_code", &self.custom_code)
            .finish()
    }
}

impl Registration {
    /// Registration of kernel `K` for builtin `op`.
    pub fn of<K: Kernel>(op: BuiltinOperator) -> Self {
        Self {
            prepare: Some(prepare_erased::<K>),
            ..Self::eval_only::<K>(op)
        }
    }

    /// Registration of kernel `K` for builtin `op` without its prepare
    /// step: [`Registration::prepare`] fails with [`OpError::EvalOnly`].
    pub fn eval_only<K: Kernel>(op: BuiltinOperator) -> Self {
        Self {
            op,
            custom_code: None,
            prepare: None,
            eval: eval_erased::<K>,
            eval_in_head: if K::SEVERAL_OUTPUTS || K::STATEFUL {
                Some(eval_in_head_erased::<K>)
            } else {
                None
            },
            several_outputs: K::SEVERAL_OUTPUTS,
            stateful: K::STATEFUL,
            calls_subgraphs: K::CALLS_SUBGRAPHS,
            rows: rows_erased::<K>,
            // Params are small records: their size fits easily.
            params_size: u32::try_from(size_of::<K::Params>()).unwrap_or(u32::MAX),
        }
    }

    /// Registration of kernel `K` as a custom op: add it to a resolver with
    /// [`crate::OpResolver::add_custom`], which names its custom code (as
    /// TFLM's `AddCustom`).
    pub fn custom<K: Kernel>() -> Self {
        Self::of::<K>(BuiltinOperator::CUSTOM)
    }

    /// This registration answering to custom code `code` (its op becomes
    /// `CUSTOM`); [`crate::OpResolver::add_custom`] makes it.
    pub(crate) fn with_custom_code(self, code: &'static str) -> Self {
        Self {
            op: BuiltinOperator::CUSTOM,
            custom_code: Some(code),
            ..self
        }
    }

    /// The builtin operator this registration implements (`CUSTOM` for a
    /// custom op).
    pub fn op(&self) -> BuiltinOperator {
        self.op
    }

    /// The custom code a custom op's registration answers to.
    pub fn custom_code(&self) -> Option<&'static str> {
        self.custom_code
    }

    /// Whether this registration runs operators of `op` with custom code
    /// `custom_code` (read only for `CUSTOM`).
    pub fn serves(&self, op: BuiltinOperator, custom_code: Option<&str>) -> bool {
        self.op == op && (op != BuiltinOperator::CUSTOM || self.custom_code == custom_code)
    }

    /// This registration without its prepare step (as
    /// [`Registration::eval_only`]). Firmware should prefer the functions of
    /// [`crate::ops::eval_only`], which never reference the prepare code.
    pub fn without_prepare(self) -> Self {
        Self {
            prepare: None,
            ..self
        }
    }

    /// Whether this registration can prepare (it is not eval-only).
    pub fn can_prepare(&self) -> bool {
        self.prepare.is_some()
    }

    /// `size_of` the kernel's prepared params, the start of every chunk it
    /// evaluates.
    pub fn params_size(&self) -> u32 {
        self.params_size
    }

    /// Run prepare once: compute the layout, ask `sink` for a chunk of
    /// [`ChunkLayout::chunk_bytes`] bytes and, if it gives one, write the
    /// params and the extra data into it.
    pub fn prepare(
        &self,
        ctx: &PrepareContext<'_>,
        sink: &mut dyn ChunkSink,
    ) -> Result<ChunkLayout, OpError> {
        match self.prepare {
            Some(prepare) => prepare(ctx, sink),
            None => Err(OpError::EvalOnly),
        }
    }

    /// [`Kernel::rows`] of the params in `chunk` (what prepare filled).
    pub fn rows(&self, chunk: &[u8]) -> Option<Rows> {
        (self.rows)(chunk)
    }

    /// Whether the op may have several outputs
    /// ([`Kernel::SEVERAL_OUTPUTS`]).
    pub fn several_outputs(&self) -> bool {
        self.several_outputs
    }

    /// Whether the op keeps state across invokes ([`Kernel::STATEFUL`]):
    /// it is always evaluated through [`Registration::eval_in_head`].
    pub fn stateful(&self) -> bool {
        self.stateful
    }

    /// Whether the interpreter runs the op itself
    /// ([`Kernel::CALLS_SUBGRAPHS`]: IF, WHILE, CALL_ONCE, resource
    /// variables).
    pub fn calls_subgraphs(&self) -> bool {
        self.calls_subgraphs
    }

    /// Run eval for an operator with several outputs or state, laid out
    /// in the interpreter's head as `frame` says (only for a registration
    /// with [`Registration::several_outputs`] or
    /// [`Registration::stateful`]).
    pub fn eval_in_head(&self, frame: HeadFrame<'_, '_>, chunk: &[u8]) -> Result<(), OpError> {
        match self.eval_in_head {
            Some(eval) => eval(frame, chunk),
            None => Err(OpError::Internal(
                "op without several outputs or state given a head frame",
            )),
        }
    }

    /// Run eval with the chunk that prepare filled.
    pub fn eval(&self, ctx: &mut EvalContext<'_>, chunk: &[u8]) -> Result<(), OpError> {
        (self.eval)(ctx, chunk)
    }
}

fn params_bytes<P>() -> usize {
    size_of::<P>().div_ceil(PARAMS_ALIGN) * PARAMS_ALIGN
}

fn prepare_erased<K: Kernel>(
    ctx: &PrepareContext<'_>,
    sink: &mut dyn ChunkSink,
) -> Result<ChunkLayout, OpError> {
    let prepared = K::prepare(ctx)?;
    let layout = ChunkLayout {
        params_bytes: params_bytes::<K::Params>(),
        needs: prepared.needs,
        rows: K::rows(&prepared.params),
    };
    let total = layout
        .chunk_bytes()
        .ok_or(OpError::SizeOverflow { what: "op data" })?;
    if let Some(chunk) = sink.chunk(total) {
        if chunk.len() != total {
            return Err(OpError::Internal("op data chunk has the wrong size"));
        }
        let (params_part, extra) = chunk.split_at_mut(layout.params_bytes);
        let params_dst = params_part
            .get_mut(..size_of::<K::Params>())
            .ok_or(OpError::Internal("params region too small"))?;
        params_dst.copy_from_slice(bytemuck::bytes_of(&prepared.params));
        K::fill(ctx, &prepared.params, extra)?;
    }
    Ok(layout)
}

fn rows_erased<K: Kernel>(chunk: &[u8]) -> Option<Rows> {
    let params = bytemuck::try_from_bytes(chunk.get(..size_of::<K::Params>())?).ok()?;
    K::rows(params)
}

fn eval_in_head_erased<K: Kernel>(frame: HeadFrame<'_, '_>, chunk: &[u8]) -> Result<(), OpError> {
    crate::head_frame::run(frame, chunk, eval_erased::<K>, K::STATEFUL)
}

fn eval_erased<K: Kernel>(ctx: &mut EvalContext<'_>, chunk: &[u8]) -> Result<(), OpError> {
    let split = params_bytes::<K::Params>();
    let (params_part, extra) = chunk
        .split_at_checked(split)
        .ok_or(OpError::Internal("op data chunk shorter than its params"))?;
    let params_src = params_part
        .get(..size_of::<K::Params>())
        .ok_or(OpError::Internal("params region too small"))?;
    let params: &K::Params = bytemuck::try_from_bytes(params_src)
        .map_err(|_| OpError::Internal("params region misaligned"))?;
    K::eval(ctx, params, extra)
}
