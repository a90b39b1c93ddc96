//! [`Interpreter`]: allocate (init, prepare, plan, commit) and invoke.

use microlite_kernels::optimized::Backend;
use microlite_model::{Model, Subgraph};
use microlite_ops::ops::Rows;
use microlite_ops::{
    position_in, ChunkSink, EvalContext, HeadFrame, LayoutOnly, OpLookup, PrepareContext,
    Registration, SharedBytes, MAX_FRAME_INPUTS, MAX_OP_INPUTS, MAX_OP_OUTPUTS,
};

use crate::error::{Error, MissingOp, MissingOps, OpCode};
use crate::fusion::{self, FusedScratch};
use crate::head_split::HeadSplit;
use crate::layout::{
    align_up, OpSlot, TensorHome, TensorSlot, ALIASES_INPUT, ALIAS_OR_FUSED_CONSUMER, ALIGN,
    CALLS_SUBGRAPH, FUSED_WITH_NEXT, FUSED_WITH_PREVIOUS, IN_HEAD_FRAME, NO_INPUT,
};

#[cfg(feature = "subgraphs")]
#[path = "subgraphs.rs"]
mod subgraphs;
use crate::planning::{self, Commit, OpFacts, OpMemory, PlanInputs, PlanSearch};
use crate::prepared::{self, Prepared};
use crate::profiler::{NoProfiler, Profiler};
use crate::tensor_view::{TensorInfo, TensorView, TensorViewMut};

/// How the interpreter runs: its kernels, and how it plans memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Which int8 kernels run (all give the same bits). Default
    /// [`Backend::detect`]: the fastest this CPU supports (with the `std`
    /// feature AVX2 is detected at run time; on `no_std` x86-64 hosts pass
    /// `Backend::Avx2(unsafe { Avx2::new_unchecked() })`). Bare-metal
    /// targets always run [`Backend::BARE_METAL`], whatever is asked, so
    /// that only one kernel set is linked. Each interpreter has its own:
    /// two interpreters may run different kernels at once.
    pub backend: Backend,
    /// Keep every tensor alive to the end of `invoke` (linear planner, no
    /// reuse, no in-place execution), so every operator output can be read
    /// afterwards. For debugging; needs much more arena.
    pub preserve_all_tensors: bool,
    /// Ignore an `OfflineMemoryAllocation` plan in the model's metadata.
    pub ignore_offline_plan: bool,
    /// In-place execution (default on): an operator that supports it (CONV_2D
    /// and DEPTHWISE_CONV_2D with batch 1, elementwise activations,
    /// QUANTIZE, ...) may write its output over an input that no later
    /// operator reads, model inputs included, and the planner may overlap
    /// the two buffers. Outputs are the same bits either way; off, every
    /// operator gets an output buffer of its own (more arena).
    pub in_place: bool,
    /// Operator fusion (default on): a windowed op (CONV_2D,
    /// DEPTHWISE_CONV_2D, the pools; batch 1) whose output only the next
    /// windowed op reads, with disjoint windows (a pool with stride >=
    /// filter), runs with it band by band, and the tensor between them is
    /// never stored (see `crates/microlite/src/fusion.rs`). Same bits; the
    /// fused tensor then reads as empty after an invoke, and a profiler sees
    /// the pair as the first operator. Off with `preserve_all_tensors`.
    pub fuse: bool,
    /// How hard `new` searches for a small arena: [`PlanSearch::QUICK`]
    /// (default) or [`PlanSearch::THOROUGH`].
    pub plan_search: PlanSearch,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            backend: Backend::detect(),
            preserve_all_tensors: false,
            ignore_offline_plan: false,
            in_place: true,
            fuse: true,
            plan_search: PlanSearch::QUICK,
        }
    }
}

/// Where an interpreter's arena bytes go ([`Interpreter::arena_usage`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArenaUsage {
    /// Bytes skipped to align the arena's start to 16.
    pub alignment_padding: usize,
    /// Per-tensor records.
    pub tensor_records: usize,
    /// Per-operator records.
    pub op_records: usize,
    /// Prepared operator data (parameters, per-channel tables, ...).
    pub op_data: usize,
    /// The planned head: activations and scratch, or the planning working
    /// memory when that is larger.
    pub head: usize,
    /// Activations and scratch as planned.
    pub activations: usize,
    /// Working memory planning used (in the head, before the plan exists).
    pub planning_work: usize,
    /// Of `op_data`: copies of constants the model stores misaligned for
    /// their type (read from there instead of the model).
    pub constant_copies: usize,
}

impl ArenaUsage {
    /// Total bytes: padding + records + op data + head
    /// ([`Interpreter::arena_used_bytes`]).
    pub fn total(&self) -> usize {
        self.alignment_padding + self.tensor_records + self.op_records + self.op_data + self.head
    }
}

/// Runs one model in one caller-supplied arena.
///
/// All per-model state (tensor records, prepared op data, activations,
/// scratch) lives in the arena; the struct itself is a handful of pointers.
/// Inputs must be written before every [`Interpreter::invoke`]: as in TFLM,
/// an invoke may overwrite a model input once no operator needs it any more
/// (its memory reused for later tensors, or an operator's output written over
/// it in place, see [`Options::in_place`]).
pub struct Interpreter<'a, 'm> {
    model: &'a Model<'m>,
    /// The subgraph running (the main one outside IF, WHILE and
    /// CALL_ONCE), with its records.
    subgraph: Subgraph<'m>,
    lookup: &'a dyn OpLookup,
    head: &'a mut [u8],
    tensors: &'a [TensorSlot],
    ops: &'a [OpSlot],
    /// Every subgraph's records, subgraph by subgraph.
    #[cfg(feature = "subgraphs")]
    all_tensors: &'a [TensorSlot],
    #[cfg(feature = "subgraphs")]
    all_ops: &'a [OpSlot],
    /// Subgraph calls in progress.
    #[cfg(feature = "subgraphs")]
    depth: u8,
    chunks: &'a [u8],
    used_bytes: usize,
    usage: ArenaUsage,
    backend: Backend,
}

impl core::fmt::Debug for Interpreter<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Interpreter")
            .field("tensors", &self.tensors.len())
            .field("ops", &self.ops.len())
            .field("used_bytes", &self.used_bytes)
            .finish()
    }
}

fn to_u32(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::SizeOverflow)
}

/// Bytes of `count` records of `T`, rounded up to [`ALIGN`].
fn records_bytes<T>(count: usize) -> Result<usize, Error> {
    count
        .checked_mul(core::mem::size_of::<T>())
        .and_then(align_up)
        .ok_or(Error::SizeOverflow)
}

/// Hands out prepared-data chunks from the front of a region, each 16-byte
/// aligned; once one does not fit, it hands out none and only counts.
struct ChunkCursor<'r> {
    region: &'r mut [u8],
    /// Bytes handed out (aligned), or counted once `full`.
    used: usize,
    full: bool,
}

impl ChunkSink for ChunkCursor<'_> {
    fn chunk(&mut self, len: usize) -> Option<&mut [u8]> {
        let start = self.used;
        let next = start.checked_add(len).and_then(align_up);
        match next {
            Some(next) if !self.full && next <= self.region.len() => {
                self.used = next;
                self.region.get_mut(start..start + len)
            }
            _ => {
                self.full = true;
                self.used = next.unwrap_or(usize::MAX);
                None
            }
        }
    }
}

impl<'a, 'm> Interpreter<'a, 'm> {
    /// Do what TFLM's `AllocateTensors` does: resolve every op, prepare it
    /// (once), plan memory, and lay everything out in `arena`:
    /// `[tensor records | op records | prepared op data | head]`, where the
    /// head holds activations and scratch.
    ///
    /// Fails with [`Error::UnsupportedOp`] for an op the resolver lacks,
    /// [`Error::Op`] for an operator an op rejects, and
    /// [`Error::ArenaTooSmall`] (stating the bytes needed) for a small arena.
    #[inline(never)]
    pub fn new(
        model: &'a Model<'m>,
        lookup: &'a dyn OpLookup,
        arena: &'a mut [u8],
        options: Options,
    ) -> Result<Self, Error> {
        let subgraph = model.main_subgraph();
        for s in model.subgraphs().take(subgraph_count(model)) {
            check_resolvable(&s, lookup)?;
        }
        let (n_tensors, n_ops) = record_counts(model)?;
        to_u32(n_tensors)?;
        to_u32(n_ops)?;
        let tensor_bytes = records_bytes::<TensorSlot>(n_tensors)?;
        let op_bytes = records_bytes::<OpSlot>(n_ops)?;
        // Planning's input, kept at the arena's end until planning is done;
        // then the head may grow over it.
        let facts_bytes = records_bytes::<OpFacts>(n_ops)?;
        let records = tensor_bytes + op_bytes;
        // Constants stored misaligned for their type, copied after the
        // operators' prepared data (usually none).
        let constant_copies = constant_copy_bytes(model)?;

        let available = arena.len();
        let pad = (ALIGN - (arena.as_ptr() as usize) % ALIGN) % ALIGN;
        let usable_len = available.saturating_sub(pad) & !(ALIGN - 1);
        let arena = arena.get_mut(pad.min(available)..).unwrap_or_default();
        let usable = arena.get_mut(..usable_len).unwrap_or_default();
        let too_small = |needed: usize, exact: bool| Error::ArenaTooSmall {
            needed: pad.saturating_add(needed),
            available,
            exact,
        };
        if records.saturating_add(facts_bytes) > usable_len {
            let chunks = layout_bytes(model, lookup, options.backend)?;
            return Err(too_small(records + facts_bytes + chunks, false));
        }
        let facts_at = usable_len - facts_bytes;

        // Prepare every operator once, its data going straight into the
        // arena after the records. Then plan the head after that data, or,
        // when the planner's working memory does not fit there, over it
        // (the data is written again afterwards): the arena needed is the
        // smaller of the two, and the final layout the same.
        let (chunk_bytes, plan, rewrite) = {
            let (record_region, rest) = usable.split_at_mut(records);
            let (tensor_region, op_region) = record_region.split_at_mut(tensor_bytes);
            let tensors: &mut [TensorSlot] = cast_region(tensor_region, n_tensors)?;
            let ops: &mut [OpSlot] = cast_region(op_region, n_ops)?;
            let (middle, facts_region) = rest.split_at_mut(facts_at - records);
            let facts: &mut [OpFacts] = cast_region(facts_region, n_ops)?;
            let fuse = options.fuse && !options.preserve_all_tensors;
            let written = prepare_all(
                model,
                lookup,
                options.backend,
                middle,
                ops,
                Some(facts),
                (fuse, constant_copies > 0),
            )?;
            let after = match written {
                Written::All(chunk_bytes) => {
                    let head = middle.get_mut(chunk_bytes..).unwrap_or_default();
                    let commit = Some((&mut *tensors, &mut *ops));
                    let plan = plan_subgraphs(model, options, facts, head, commit)?;
                    let fits = plan.exact && records + chunk_bytes + plan.plan_bytes <= usable_len;
                    fits.then_some(plan)
                }
                Written::Partly(_) => None,
            };
            match after {
                Some(plan) => (written.bytes(), plan, false),
                None => {
                    let commit = Some((tensors, ops));
                    let plan = plan_subgraphs(model, options, facts, middle, commit)?;
                    (written.bytes(), plan, true)
                }
            }
        };
        // The arena the layout needs: planning over the data's room takes
        // the working memory and the facts from the records' end on.
        let work = plan
            .work_bytes
            .checked_add(facts_bytes)
            .ok_or(Error::SizeOverflow)?;
        let needed = chunk_bytes
            .checked_add(plan.plan_bytes)
            .map(|n| n.max(work))
            .and_then(align_up)
            .and_then(|n| n.checked_add(records))
            .ok_or(Error::SizeOverflow)?;
        if !plan.exact {
            // The working memory did not fit even over the data's room: size
            // the arena by planning once more in all of it but the facts
            // (the records are scratch now; nothing is committed).
            let (front, facts_region) = usable.split_at_mut(facts_at);
            let facts: &mut [OpFacts] = cast_region(facts_region, n_ops)?;
            let sizing = plan_subgraphs(model, options, facts, front, None)?;
            let work = sizing
                .work_bytes
                .checked_add(facts_bytes)
                .ok_or(Error::SizeOverflow)?;
            let needed = chunk_bytes
                .checked_add(sizing.plan_bytes)
                .map(|n| n.max(work))
                .and_then(align_up)
                .and_then(|n| n.checked_add(records))
                .ok_or(Error::SizeOverflow)?;
            let bound = records + sizing.head_bytes + facts_bytes;
            return Err(if sizing.exact {
                too_small(needed, true)
            } else {
                too_small(needed.max(bound).max(usable_len + 1), false)
            });
        }
        if needed > usable_len {
            return Err(too_small(needed, true));
        }
        let (record_region, rest) = usable.split_at_mut(records);
        let (tensor_region, op_region) = record_region.split_at_mut(tensor_bytes);
        let ops: &mut [OpSlot] = cast_region(op_region, n_ops)?;
        if rewrite {
            // Planning used the data's room: prepare again, data only.
            let copy = constant_copies > 0;
            let written = prepare_all(
                model,
                lookup,
                options.backend,
                rest,
                ops,
                None,
                (false, copy),
            )?;
            if written != Written::All(chunk_bytes) {
                return Err(Error::Internal("prepare is not deterministic"));
            }
        }
        let (chunk_region, head) = rest.split_at_mut(chunk_bytes);
        let head = head
            .get_mut(..plan.plan_bytes)
            .ok_or(Error::Internal("head"))?;
        let tensors: &mut [TensorSlot] = cast_region(tensor_region, n_tensors)?;
        if constant_copies > 0 {
            let copies_at = chunk_bytes
                .checked_sub(constant_copies)
                .ok_or(Error::Internal("constant copies"))?;
            point_at_copies(model, tensors, copies_at)?;
        }
        let tensors: &'a [TensorSlot] = tensors;
        let ops: &'a [OpSlot] = ops;
        let main_tensors = tensors
            .get(..subgraph.tensor_count())
            .ok_or(Error::Internal("main records"))?;
        let main_ops = ops
            .get(..subgraph.operator_count())
            .ok_or(Error::Internal("main records"))?;
        let mut interpreter = Self {
            model,
            subgraph,
            lookup,
            head,
            tensors: main_tensors,
            ops: main_ops,
            #[cfg(feature = "subgraphs")]
            all_tensors: tensors,
            #[cfg(feature = "subgraphs")]
            all_ops: ops,
            #[cfg(feature = "subgraphs")]
            depth: 0,
            chunks: chunk_region,
            used_bytes: pad + needed,
            usage: ArenaUsage {
                alignment_padding: pad,
                tensor_records: tensor_bytes,
                op_records: op_bytes,
                op_data: chunk_bytes,
                head: needed - records - chunk_bytes,
                activations: plan.plan_bytes,
                planning_work: plan.work_bytes + facts_bytes,
                constant_copies,
            },
            backend: options.backend,
        };
        interpreter.reset(true);
        Ok(interpreter)
    }

    /// An interpreter from state prepared ahead of time (see
    /// [`crate::Prepared`]): the records and prepared op data are read from
    /// `prepared` (typically in flash), and `arena` holds only the head,
    /// activations and scratch, whose size the image states. No op is
    /// prepared and nothing is planned, so eval-only registrations
    /// ([`crate::ops::eval_only`]) suffice and firmware links neither
    /// prepare code nor the planner.
    ///
    /// Checks that the image is one this version wrote
    /// ([`Error::BadPrepared`]), for this model
    /// ([`Error::PreparedForAnotherModel`], by length and a fingerprint of
    /// every byte), and that `lookup` holds, at each position the image
    /// names, a registration for that operator's op with params of the same
    /// size ([`Error::PreparedOpMismatch`]; custom ops' codes are not
    /// compared again, to keep that code out of firmware: give the resolver
    /// the image was written with); then the head must fit
    /// ([`Error::ArenaTooSmall`]). The image is otherwise trusted to be what
    /// [`Interpreter::write_prepared`] wrote for the same options: altered
    /// records give wrong outputs or errors, never a panic or unsafety.
    #[inline(never)]
    pub fn from_prepared(
        model: &'a Model<'m>,
        lookup: &'a dyn OpLookup,
        prepared: Prepared<'a>,
        arena: &'a mut [u8],
    ) -> Result<Self, Error> {
        let image = prepared::sections(prepared.bytes())?;
        prepared::check_kernels(image.header.kernels, cfg!(target_os = "none"))?;
        let subgraph = model.main_subgraph();
        let model_bytes = model.bytes();
        let same_model = image.header.model_len as usize == model_bytes.len()
            && image.header.model_fingerprint == prepared::fingerprint(model_bytes)
            && image.tensors.len() == subgraph.tensor_count()
            && image.ops.len() == subgraph.operator_count();
        if !same_model {
            return Err(Error::PreparedForAnotherModel);
        }
        let per_op = image.ops.iter().zip(image.params_sizes);
        for (i, (op, (slot, &params_size))) in subgraph.operators().zip(per_op).enumerate() {
            let code = op.builtin();
            let matches = lookup
                .get(slot.registration as usize)
                .is_some_and(|reg| reg.op() == code && reg.params_size() == params_size);
            if !matches {
                return Err(Error::PreparedOpMismatch {
                    operator: i,
                    op: code,
                });
            }
        }
        let head_bytes = image.header.head_bytes as usize;
        let available = arena.len();
        let pad = (ALIGN - (arena.as_ptr() as usize) % ALIGN) % ALIGN;
        let needed = pad.saturating_add(head_bytes);
        let head = arena.get_mut(pad..needed).ok_or(Error::ArenaTooSmall {
            needed,
            available,
            exact: true,
        })?;
        let mut interpreter = Self {
            model,
            subgraph,
            lookup,
            head,
            tensors: image.tensors,
            ops: image.ops,
            #[cfg(feature = "subgraphs")]
            all_tensors: image.tensors,
            #[cfg(feature = "subgraphs")]
            all_ops: image.ops,
            #[cfg(feature = "subgraphs")]
            depth: 0,
            chunks: image.chunks,
            used_bytes: needed,
            usage: ArenaUsage {
                alignment_padding: pad,
                head: head_bytes,
                activations: head_bytes,
                ..ArenaUsage::default()
            },
            backend: prepared::backend_of(image.header.kernels),
        };
        interpreter.reset(true);
        Ok(interpreter)
    }

    /// Reset all state kept across invokes, as TFLM's
    /// `MicroInterpreter::Reset`: every variable tensor is set to 0 (an
    /// int8 one to its zero point, as TFLM's `ResetVariableTensors`) and
    /// every stateful op's own state is zeroed. [`Interpreter::new`] and
    /// [`Interpreter::from_prepared`] start from this state.
    pub fn reset_state(&mut self) {
        self.reset(false);
    }

    /// [`Interpreter::reset_state`]; with `rearm`, CALL_ONCE operators
    /// too run again (at start; TFLM's Reset leaves them run).
    #[cfg(not(feature = "subgraphs"))]
    fn reset(&mut self, _rearm: bool) {
        let variables = self
            .tensors
            .iter()
            .filter(|slot| slot.is_variable())
            .map(|slot| (slot.range(), slot.reset_byte()));
        let op_states = self.ops.iter().map(|slot| (slot.state_range(), 0));
        for (range, byte) in variables.chain(op_states) {
            // Records made elsewhere may name bytes beyond the head: those
            // are not state this interpreter keeps.
            if let Some(bytes) = self.head.get_mut(range) {
                bytes.fill(byte);
            }
        }
    }

    /// Bytes [`Interpreter::write_prepared`] writes.
    pub fn prepared_len(&self) -> Result<usize, Error> {
        #[cfg(feature = "subgraphs")]
        self.check_preparable()?;
        prepared::image_len(self.tensors.len(), self.ops.len(), self.chunks.len())
            .ok_or(Error::SizeOverflow)
    }

    /// Writes this interpreter's prepared state (records, prepared op data,
    /// head size; see [`crate::Prepared`]) to the front of `out`, which
    /// must hold [`Interpreter::prepared_len`] bytes, and returns the
    /// length. [`Interpreter::from_prepared`] with the same model and a
    /// resolver with the same ops in the same order (eval-only ones will
    /// do) gives an interpreter with the same outputs and head.
    pub fn write_prepared(&self, out: &mut [u8]) -> Result<usize, Error> {
        #[cfg(feature = "subgraphs")]
        self.check_preparable()?;
        let lookup = self.lookup;
        let params_size = |slot: &OpSlot| {
            lookup
                .get(slot.registration as usize)
                .map(Registration::params_size)
                .ok_or(Error::Internal("registration"))
        };
        let contents = prepared::Contents {
            model: self.model.bytes(),
            tensors: self.tensors,
            ops: self.ops,
            params_size: &params_size,
            chunks: self.chunks,
            head_bytes: self.head.len(),
            backend: self.backend,
        };
        prepared::write(&contents, out)
    }

    /// The exact arena size [`Interpreter::new`] needs for `model`, for a
    /// 16-byte aligned arena. `work` is scratch memory for the computation:
    /// it must hold the persistent data and planner workspace (when it is
    /// too small, the result is [`Error::ArenaTooSmall`] with `exact: false`).
    pub fn required_arena_bytes(
        model: &'a Model<'m>,
        lookup: &'a dyn OpLookup,
        work: &'a mut [u8],
        options: Options,
    ) -> Result<usize, Error> {
        let pad = (ALIGN - (work.as_ptr() as usize) % ALIGN) % ALIGN;
        match Self::new(model, lookup, work, options) {
            Ok(interpreter) => Ok(interpreter.used_bytes - pad),
            Err(Error::ArenaTooSmall {
                needed,
                exact: true,
                ..
            }) => Ok(needed - pad),
            Err(e) => Err(e),
        }
    }

    /// Arena bytes in use: alignment padding + persistent data + planned head.
    pub fn arena_used_bytes(&self) -> usize {
        self.used_bytes
    }

    /// The input whose memory operator `op` writes its output over (an
    /// in-place grant whose buffers the plan overlaps), or `None` when the
    /// op runs with a separate output buffer.
    pub fn in_place_input(&self, op: usize) -> Result<Option<usize>, Error> {
        let count = self.ops.len();
        let slot = self
            .ops
            .get(op)
            .ok_or(Error::NoSuchOperator { index: op, count })?;
        let operator = self
            .subgraph
            .operator(op)
            .ok_or(Error::Internal("operator index"))?;
        let Some(out_t) = operator.output(0) else {
            return Ok(None);
        };
        let out = *self
            .tensors
            .get(out_t)
            .ok_or(Error::Internal("tensor slot"))?;
        Ok(self
            .shared_bytes(&operator, slot, &out)?
            .map(|(_, shared)| shared.input))
    }

    /// The kernels this interpreter runs ([`Options::backend`]).
    pub fn backend(&self) -> Backend {
        self.backend.effective()
    }

    /// [`Interpreter::arena_used_bytes`] broken down.
    pub fn arena_usage(&self) -> ArenaUsage {
        self.usage
    }

    /// The model.
    pub fn model(&self) -> &'a Model<'m> {
        self.model
    }

    /// Number of model inputs.
    pub fn input_count(&self) -> usize {
        self.subgraph.inputs().len()
    }

    /// Number of model outputs.
    pub fn output_count(&self) -> usize {
        self.subgraph.outputs().len()
    }

    fn info(&self, t: usize) -> Result<TensorInfo<'m>, Error> {
        let tensor = self
            .subgraph
            .tensor(t)
            .ok_or(Error::Internal("tensor index"))?;
        Ok(TensorInfo {
            index: t,
            dtype: tensor.dtype(),
            shape: tensor.shape(),
            quantization: tensor.quantization(),
        })
    }

    fn bytes(&self, t: usize) -> Result<&[u8], Error> {
        let slot = self.tensors.get(t).ok_or(Error::Internal("tensor index"))?;
        match slot.home() {
            TensorHome::Head => self
                .head
                .get(slot.range())
                .ok_or(Error::Internal("tensor beyond head")),
            TensorHome::Constant | TensorHome::Copied => {
                constant_data(self.model.bytes(), self.chunks, slot)
            }
            TensorHome::Unused => Ok(&[]),
        }
    }

    /// Model input `i`, writable. Write it before every
    /// [`Interpreter::invoke`]: an invoke may overwrite it (as TFLM may).
    pub fn input_mut(&mut self, i: usize) -> Result<TensorViewMut<'_, 'm>, Error> {
        let t = io_tensor(self.subgraph.inputs(), i)?;
        let info = self.info(t)?;
        let slot = *self.tensors.get(t).ok_or(Error::Internal("tensor index"))?;
        if slot.home() != TensorHome::Head {
            return Err(Error::Internal("model input not planned in the head"));
        }
        let bytes = self
            .head
            .get_mut(slot.range())
            .ok_or(Error::Internal("tensor beyond head"))?;
        Ok(TensorViewMut { info, bytes })
    }

    /// Model input `i` (after an invoke it may hold other data: see
    /// [`Interpreter::input_mut`]).
    pub fn input(&self, i: usize) -> Result<TensorView<'_, 'm>, Error> {
        self.tensor(io_tensor(self.subgraph.inputs(), i)?)
    }

    /// Model output `i`.
    pub fn output(&self, i: usize) -> Result<TensorView<'_, 'm>, Error> {
        self.tensor(io_tensor(self.subgraph.outputs(), i)?)
    }

    /// Any tensor of subgraph 0 by index. Intermediate tensors hold their
    /// last value only while their memory has not been reused: use
    /// [`Options::preserve_all_tensors`] to read them all after an invoke.
    pub fn tensor(&self, t: usize) -> Result<TensorView<'_, 'm>, Error> {
        let count = self.subgraph.tensor_count();
        if t >= count {
            return Err(Error::NoSuchIo { position: t, count });
        }
        Ok(TensorView {
            info: self.info(t)?,
            bytes: self.bytes(t)?,
        })
    }

    /// Run the model once. The model inputs must have been written since the
    /// last invoke: it may overwrite them once they are dead, as TFLM does.
    pub fn invoke(&mut self) -> Result<(), Error> {
        self.invoke_profiled(&mut NoProfiler)
    }

    /// Run the model once, calling `profiler` around every operator (a
    /// fused pair counts as its first operator, see [`Options::fuse`]).
    pub fn invoke_profiled<P: Profiler>(&mut self, profiler: &mut P) -> Result<(), Error> {
        let subgraph = self.subgraph;
        for (i, op) in subgraph.operators().enumerate() {
            let slot = *self.ops.get(i).ok_or(Error::Internal("op slot"))?;
            if slot.flags & ALIAS_OR_FUSED_CONSUMER != 0 {
                continue;
            }
            // The opcode lookup reads the model: only when someone listens.
            let code = if P::LISTENS {
                op.builtin()
            } else {
                microlite_model::BuiltinOperator::ADD
            };
            if P::LISTENS {
                profiler.begin_op(i, code);
            }
            if slot.flags & FUSED_WITH_NEXT != 0 {
                self.eval_fused(i, &op, &slot)?;
            } else {
                self.eval_op(i, &op, &slot)?;
            }
            if P::LISTENS {
                profiler.end_op(i, code);
            }
        }
        Ok(())
    }

    /// Evaluates operator `i` alone.
    fn eval_op(
        &mut self,
        i: usize,
        op: &microlite_model::Operator<'m>,
        slot: &OpSlot,
    ) -> Result<(), Error> {
        let (reg, chunk) = self.registration_and_chunk(slot)?;
        if slot.flags & IN_HEAD_FRAME != 0 {
            return self.eval_several_outputs(i, op, slot, reg, chunk);
        }
        let out = self.head_slot(op.output(0))?;
        let shared = self.shared_bytes(op, slot, &out)?;
        let mutable = match &shared {
            Some((region, _)) => region.clone(),
            None => out.range(),
        };
        let (split, output, scratch) =
            HeadSplit::new(&mut *self.head, mutable, slot.scratch_range())?;
        let skip = shared.as_ref().map(|(_, s)| s.input);
        let inputs = gather_inputs(op, self.tensors, (self.model, self.chunks), &split, skip)?;
        let mut ctx = match shared {
            Some((_, bytes)) => {
                EvalContext::new_in_place(self.backend, inputs, output, bytes, scratch)
                    .map_err(|e| op_error(i, op, e))?
            }
            None => EvalContext::new(self.backend, inputs, output, scratch),
        };
        reg.eval(&mut ctx, chunk).map_err(|e| op_error(i, op, e))
    }

    /// Evaluates operator `i`, which has several outputs: the op splits
    /// the head itself ([`Registration::eval_in_head`]); never in place
    /// (in-place grants need a single output). Not inlined, to keep its
    /// frame out of models without such ops.
    #[inline(never)]
    fn eval_several_outputs(
        &mut self,
        i: usize,
        op: &microlite_model::Operator<'m>,
        slot: &OpSlot,
        reg: &Registration,
        chunk: &[u8],
    ) -> Result<(), Error> {
        #[cfg(feature = "subgraphs")]
        if slot.flags & CALLS_SUBGRAPH != 0 {
            return self.eval_call(i, op, slot, chunk);
        }
        let frame = HeadFrame {
            backend: self.backend,
            operator: *op,
            head: &mut *self.head,
            scratch: slot.scratch_range(),
            state: slot.state_range(),
            tensors: self.tensors,
            model: self.model.bytes(),
            op_data: self.chunks,
        };
        reg.eval_in_head(frame, chunk)
            .map_err(|e| op_error(i, op, e))
    }

    /// Evaluates operators `i` (producer) and `i + 1` (consumer) as one
    /// fused step, band by band ([`crate::fusion`]).
    fn eval_fused(
        &mut self,
        i: usize,
        producer: &microlite_model::Operator<'m>,
        slot: &OpSlot,
    ) -> Result<(), Error> {
        let consumer = self
            .subgraph
            .operator(i + 1)
            .ok_or(Error::Internal("fused consumer"))?;
        let consumer_slot = *self.ops.get(i + 1).ok_or(Error::Internal("op slot"))?;
        let (producer_reg, producer_chunk) = self.registration_and_chunk(slot)?;
        let (consumer_reg, consumer_chunk) = self.registration_and_chunk(&consumer_slot)?;
        let (Some(p_rows), Some(c_rows)) = (
            producer_reg.rows(producer_chunk),
            consumer_reg.rows(consumer_chunk),
        ) else {
            return Err(Error::Internal("fused ops without row geometry"));
        };
        let c_rows = fusion::steps(&p_rows, &c_rows);
        let element_size = |t: Option<usize>| {
            t.and_then(|t| self.subgraph.tensor(t))
                .and_then(|tensor| tensor.dtype().element_size())
                .ok_or(Error::Internal("fused tensor type"))
        };
        // The step's scratch: [band | consumer's | producer's]; the
        // consumer's slot says where its part starts (FusedScratch).
        let consumer_at = consumer_slot.scratch_offset as usize;
        let producer_at = (consumer_slot.scratch_len as usize)
            .checked_add(consumer_at)
            .and_then(align_up)
            .ok_or(Error::Internal("fused scratch"))?;
        let band_element = element_size(producer.output(0))?;
        let row_bytes = |elements: usize, size: usize| {
            elements
                .checked_mul(size)
                .ok_or(Error::Internal("fused row size"))
        };
        let input_row = row_bytes(p_rows.input_row, element_size(producer.input(0))?)?;
        let band_row = row_bytes(c_rows.input_row, band_element)?;
        let output_row = row_bytes(c_rows.output_row, element_size(consumer.output(0))?)?;
        let out = self.head_slot(consumer.output(0))?;
        let (split, output, scratch) =
            HeadSplit::new(&mut *self.head, out.range(), slot.scratch_range())?;
        let sources = (self.model, self.chunks);
        let mut producer_inputs = gather_inputs(producer, self.tensors, sources, &split, None)?;
        let consumer_inputs = gather_inputs(&consumer, self.tensors, sources, &split, Some(0))?;
        let whole_input = producer_inputs[0].ok_or(Error::Internal("fused input"))?;
        let (band, rest) = scratch
            .split_at_mut_checked(consumer_at)
            .ok_or(Error::Internal("fused scratch"))?;
        let (consumer_scratch, producer_scratch) = rest
            .split_at_mut_checked(producer_at.saturating_sub(consumer_at))
            .ok_or(Error::Internal("fused scratch"))?;
        for rows in c_rows.chunks() {
            // The intermediate rows this chunk reads, computed into the band.
            let needed = c_rows.window(rows.clone()).rows;
            let reads = p_rows.window(needed.clone()).rows;
            producer_inputs[0] = bytes_of_rows(&reads, input_row).and_then(|r| whole_input.get(r));
            let band_now = bytes_of_rows(&(0..needed.len()), band_row)
                .and_then(|r| band.get_mut(r))
                .ok_or(Error::Internal("fused band"))?;
            let mut ctx = EvalContext::new_band(
                self.backend,
                producer_inputs,
                &mut *band_now,
                &mut *producer_scratch,
                needed,
            );
            producer_reg
                .eval(&mut ctx, producer_chunk)
                .map_err(|e| op_error(i, producer, e))?;
            // A copy per band: the band's borrow ends with the band.
            let mut inputs: [Option<&[u8]>; MAX_OP_INPUTS] = consumer_inputs;
            inputs[0] = Some(&*band_now);
            let out_now = bytes_of_rows(&rows, output_row)
                .and_then(|r| output.get_mut(r))
                .ok_or(Error::Internal("fused output rows"))?;
            let mut ctx =
                EvalContext::new_band(self.backend, inputs, out_now, &mut *consumer_scratch, rows);
            consumer_reg
                .eval(&mut ctx, consumer_chunk)
                .map_err(|e| op_error(i + 1, &consumer, e))?;
        }
        Ok(())
    }

    /// The registration and prepared chunk of the op in `slot`.
    fn registration_and_chunk(&self, slot: &OpSlot) -> Result<(&'a Registration, &'a [u8]), Error> {
        let reg = self
            .lookup
            .get(slot.registration as usize)
            .ok_or(Error::Internal("registration"))?;
        let chunk = self
            .chunks
            .get(slot.chunk_range())
            .ok_or(Error::Internal("chunk"))?;
        Ok((reg, chunk))
    }

    /// The slot of output tensor `t`, which must lie in the head.
    fn head_slot(&self, t: Option<usize>) -> Result<TensorSlot, Error> {
        let t = t.ok_or(Error::Internal("output"))?;
        let out = *self.tensors.get(t).ok_or(Error::Internal("tensor slot"))?;
        if out.home() != TensorHome::Head {
            return Err(Error::Internal("operator output not planned in the head"));
        }
        Ok(out)
    }
}

/// The byte range of `rows` rows of `row` bytes, or `None` on overflow.
fn bytes_of_rows(rows: &core::ops::Range<usize>, row: usize) -> Option<core::ops::Range<usize>> {
    Some(rows.start.checked_mul(row)?..rows.end.checked_mul(row)?)
}

/// The bytes of `op`'s inputs (`skip`: an input read another way, left
/// `None`): head tensors from `split`, constants from the model.
fn gather_inputs<'h>(
    op: &microlite_model::Operator<'_>,
    tensors: &[TensorSlot],
    (model, op_data): (&Model<'h>, &'h [u8]),
    split: &HeadSplit<'h>,
    skip: Option<usize>,
) -> Result<[Option<&'h [u8]>; MAX_OP_INPUTS], Error> {
    let mut inputs: [Option<&[u8]>; MAX_OP_INPUTS] = [None; MAX_OP_INPUTS];
    for (k, entry) in inputs.iter_mut().enumerate().take(op.inputs().len()) {
        let Some(t) = op.input(k) else { continue };
        if skip == Some(k) {
            continue;
        }
        let s = tensors.get(t).ok_or(Error::Internal("tensor slot"))?;
        *entry = Some(match s.home() {
            TensorHome::Head => split.get(s.range())?,
            TensorHome::Constant | TensorHome::Copied => constant_data(model.bytes(), op_data, s)?,
            TensorHome::Unused => &[],
        });
    }
    Ok(inputs)
}

impl Interpreter<'_, '_> {
    /// When operator `op` runs in place (its grant's input and its output
    /// actually overlap in the plan): the head range covering both, and
    /// where each lies in it.
    fn shared_bytes(
        &self,
        op: &microlite_model::Operator<'_>,
        slot: &OpSlot,
        out: &TensorSlot,
    ) -> Result<Option<(core::ops::Range<usize>, SharedBytes)>, Error> {
        if slot.in_place_input == NO_INPUT {
            return Ok(None);
        }
        let k = usize::from(slot.in_place_input);
        let t = op.input(k).ok_or(Error::Internal("in-place input"))?;
        let input = *self.tensors.get(t).ok_or(Error::Internal("tensor slot"))?;
        let (a, b) = (input.range(), out.range());
        let overlap = input.home() == TensorHome::Head && a.start < b.end && b.start < a.end;
        if !overlap {
            return Ok(None);
        }
        let region = a.start.min(b.start)..a.end.max(b.end);
        Ok(Some((
            region.clone(),
            SharedBytes {
                input: k,
                input_at: a.start - region.start,
                input_len: a.len(),
                output_at: b.start - region.start,
                output_len: b.len(),
            },
        )))
    }
}

/// [`Error::UnsupportedOp`] listing every op of `subgraph` that `lookup`
/// lacks, if any.
fn check_resolvable(subgraph: &Subgraph<'_>, lookup: &dyn OpLookup) -> Result<(), Error> {
    let mut missing = MissingOps::default();
    let mut first = None;
    for (i, op) in subgraph.operators().enumerate() {
        let (code, custom, version) = (op.builtin(), op.custom_code(), op.version());
        if position_in(lookup, code, custom).is_some() {
            continue;
        }
        let same = |earlier: &microlite_model::Operator<'_>| {
            earlier.builtin() == code
                && earlier.version() == version
                && earlier.custom_code() == custom
        };
        // An earlier operator of the same op is missing too, and listed.
        if subgraph.operators().take(i).any(|earlier| same(&earlier)) {
            continue;
        }
        missing.add(MissingOp { op: code, version });
        first.get_or_insert((i, code, version, custom));
    }
    match first {
        None => Ok(()),
        Some((operator, op, version, custom)) => Err(Error::UnsupportedOp {
            operator,
            op,
            version,
            custom_code: OpCode::new(custom),
            missing,
        }),
    }
}

/// The registration of operator `i` and its position in the resolver.
fn resolve<'r>(
    lookup: &'r dyn OpLookup,
    i: usize,
    op: &microlite_model::Operator<'_>,
) -> Result<(usize, &'r Registration), Error> {
    let unsupported = Error::Internal("op not in the resolver after the check");
    let position = position_in(lookup, op.builtin(), op.custom_code()).ok_or(unsupported)?;
    let reg = lookup.get(position).ok_or(unsupported)?;
    // Ops evaluated in a head frame (several outputs or state) take up to
    // MAX_FRAME_INPUTS inputs (UNIDIRECTIONAL_SEQUENCE_LSTM's 24).
    let max_inputs = if reg.several_outputs() || reg.stateful() {
        MAX_FRAME_INPUTS
    } else {
        MAX_OP_INPUTS
    };
    if op.inputs().len() > max_inputs {
        return Err(op_error(
            i,
            op,
            microlite_ops::OpError::TooManyInputs {
                found: op.inputs().len(),
                max: max_inputs,
            },
        ));
    }
    if op.outputs().len() > MAX_OP_OUTPUTS {
        return Err(op_error(
            i,
            op,
            microlite_ops::OpError::TooManyOutputs {
                found: op.outputs().len(),
                max: MAX_OP_OUTPUTS,
            },
        ));
    }
    Ok((position, reg))
}

/// How much of the prepared data [`prepare_all`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    /// All of it, in this many bytes.
    All(usize),
    /// Not all of it fitted; this many bytes in all.
    Partly(usize),
}

impl Written {
    fn bytes(self) -> usize {
        match self {
            Self::All(n) | Self::Partly(n) => n,
        }
    }
}

/// Prepares every operator once: its data into the next chunk of `region`
/// (16-byte aligned, from the front) and, with `facts`, its record into
/// `ops` and its memory facts into `facts`. Without `facts` (writing the
/// data again after planning) only the records' data positions change.
///
/// With `fuse`, a windowed op whose output only the next op, also
/// windowed, reads is marked to run fused with it ([`crate::fusion`]). With
/// `copy_constants`, the constants stored misaligned for their type are
/// copied after the data ([`misaligned_constants`]).
fn prepare_all(
    model: &Model<'_>,
    lookup: &dyn OpLookup,
    backend: Backend,
    region: &mut [u8],
    ops: &mut [OpSlot],
    mut facts: Option<&mut [OpFacts]>,
    (fuse, copy_constants): (bool, bool),
) -> Result<Written, Error> {
    let mut sink = ChunkCursor {
        region,
        used: 0,
        full: false,
    };
    let mut g = 0usize;
    for subgraph in model.subgraphs().take(subgraph_count(model)) {
        let s = subgraph.index();
        let op_error = |i: usize, op: &microlite_model::Operator<'_>, e| op_error_in(s, i, op, e);
        // The previous operator, when it may produce for a fused step.
        let mut producer: Option<(microlite_model::Operator<'_>, Rows)> = None;
        for (i, op) in subgraph.operators().enumerate() {
            let at = g;
            g += 1;
            let (position, reg) = resolve(lookup, i, &op).map_err(|e| in_subgraph(s, e))?;
            let chunk_offset = sink.used;
            let outputs = op.outputs().len();
            let calls = reg.calls_subgraphs();
            if calls && !cfg!(feature = "subgraphs") {
                return Err(op_error(i, &op, microlite_ops::OpError::SubgraphsDisabled));
            }
            if outputs > 1 && !reg.several_outputs() && !calls {
                let error = microlite_ops::OpError::OutputCount {
                    expected: 1,
                    found: outputs,
                };
                return Err(op_error(i, &op, error));
            }
            let context = PrepareContext::new(subgraph, op, backend).with_model(*model);
            let layout = reg
                .prepare(&context, &mut sink)
                .map_err(|e| op_error(i, &op, e))?;
            let len = layout.chunk_bytes().ok_or(Error::SizeOverflow)?;
            let slot = ops.get_mut(at).ok_or(Error::Internal("op slot"))?;
            slot.chunk_offset = u32::try_from(chunk_offset).unwrap_or(u32::MAX);
            slot.chunk_len = to_u32(len)?;
            let Some(facts) = facts.as_deref_mut() else {
                continue;
            };
            if layout.needs.state_bytes > 0 && !reg.stateful() && !calls {
                let error = microlite_ops::OpError::Internal("state asked by an op not stateful");
                return Err(op_error(i, &op, error));
            }
            // A stateful op runs in its frame, never in place.
            let in_place = layout.needs.in_place.filter(|_| !reg.stateful());
            let memory = OpMemory {
                aliases_input: layout.needs.output_aliases_input,
                scratch_bytes: to_u32(layout.needs.scratch_bytes)?,
                in_place,
                fused: 0,
                step_offset: 0,
                state_bytes: u16::try_from(layout.needs.state_bytes).map_err(|_| {
                    op_error(
                        i,
                        &op,
                        microlite_ops::OpError::SizeOverflow {
                            what: "op state over 64 KiB",
                        },
                    )
                })?,
            };
            *facts.get_mut(at).ok_or(Error::Internal("op facts"))? = OpFacts::of(&memory);
            slot.registration = u16::try_from(position).map_err(|_| Error::SizeOverflow)?;
            slot.flags = if memory.aliases_input {
                ALIASES_INPUT
            } else {
                0
            } | if outputs > 1 || reg.stateful() || calls {
                IN_HEAD_FRAME
            } else {
                0
            } | if calls { CALLS_SUBGRAPH } else { 0 };
            slot.in_place_input = NO_INPUT;
            slot.scratch_offset = 0;
            slot.scratch_len = memory.scratch_bytes;
            slot.state_len = memory.state_bytes;
            let rows = layout.rows.filter(|_| fuse && !memory.aliases_input);
            let band = match (&producer, &rows) {
                (Some((before, p)), Some(c)) => fusion::fusable(&subgraph, before, p, &op, c),
                _ => None,
            };
            producer = rows.map(|rows| (op, rows));
            let Some(band) = band else {
                continue;
            };
            // Operators i - 1 and i may run fused (planning decides): the
            // step's scratch is the band, the consumer's and the producer's own.
            let h = at - 1;
            let own = facts
                .get(h)
                .ok_or(Error::Internal("op facts"))?
                .scratch_bytes();
            let step = FusedScratch::new(band, memory.scratch_bytes as usize, own as usize)
                .ok_or(Error::SizeOverflow)?;
            facts
                .get_mut(h)
                .ok_or(Error::Internal("op facts"))?
                .may_fuse(FUSED_WITH_NEXT, to_u32(step.total)?);
            facts
                .get_mut(at)
                .ok_or(Error::Internal("op facts"))?
                .may_fuse(FUSED_WITH_PREVIOUS, to_u32(step.consumer_at)?);
            // A consumer does not produce for another fused step.
            producer = None;
        }
    }
    if copy_constants {
        for (_, data) in misaligned_constants(model) {
            if let Some(copy) = sink.chunk(data.len()) {
                copy.copy_from_slice(data);
            }
        }
    }
    Ok(if sink.full {
        Written::Partly(sink.used)
    } else {
        Written::All(sink.used)
    })
}

/// Bytes of prepared data of every operator (prepared for their layout
/// only), for a lower bound when the arena cannot even hold the records.
fn layout_bytes(
    model: &Model<'_>,
    lookup: &dyn OpLookup,
    backend: Backend,
) -> Result<usize, Error> {
    let mut total = 0usize;
    let all = model.subgraphs().take(subgraph_count(model));
    for (subgraph, (i, op)) in all.flat_map(|s| s.operators().enumerate().map(move |o| (s, o))) {
        let s = subgraph.index();
        let (_, reg) = resolve(lookup, i, &op).map_err(|e| in_subgraph(s, e))?;
        if reg.calls_subgraphs() && !cfg!(feature = "subgraphs") {
            let error = microlite_ops::OpError::SubgraphsDisabled;
            return Err(op_error_in(s, i, &op, error));
        }
        let context = PrepareContext::new(subgraph, op, backend).with_model(*model);
        let layout = reg
            .prepare(&context, &mut LayoutOnly)
            .map_err(|e| op_error_in(s, i, &op, e))?;
        let bytes = layout.chunk_bytes().and_then(align_up);
        total = total
            .checked_add(bytes.ok_or(Error::SizeOverflow)?)
            .ok_or(Error::SizeOverflow)?;
    }
    total
        .checked_add(constant_copy_bytes(model)?)
        .ok_or(Error::SizeOverflow)
}

fn io_tensor(list: microlite_model::TensorIndexList<'_>, i: usize) -> Result<usize, Error> {
    list.get(i).ok_or(Error::NoSuchIo {
        position: i,
        count: list.len(),
    })
}

/// The subgraphs the interpreter prepares and runs: every one with the
/// `subgraphs` feature (as TFLM), else the main one only.
fn subgraph_count(model: &Model<'_>) -> usize {
    if cfg!(feature = "subgraphs") {
        model.subgraph_count()
    } else {
        1
    }
}

/// Tensor and operator records of every prepared subgraph.
fn record_counts(model: &Model<'_>) -> Result<(usize, usize), Error> {
    model
        .subgraphs()
        .take(subgraph_count(model))
        .try_fold((0usize, 0usize), |(t, o), s| {
            Some((
                t.checked_add(s.tensor_count())?,
                o.checked_add(s.operator_count())?,
            ))
        })
        .ok_or(Error::SizeOverflow)
}

/// Plans every prepared subgraph's head: each in a region of its own
/// (16-byte aligned), so that a subgraph running inside an IF or WHILE
/// never overwrites the tensors of the subgraphs calling it. With several
/// subgraphs the regions of subgraphs never active together may overlap
/// (`subgraphs::plan_overlapping`); otherwise they follow one another.
fn plan_subgraphs(
    model: &Model<'_>,
    options: Options,
    facts: &[OpFacts],
    work: &mut [u8],
    commit: Option<(&mut [TensorSlot], &mut [OpSlot])>,
) -> Result<planning::PlanOutcome, Error> {
    #[cfg(feature = "subgraphs")]
    if subgraph_count(model) > 1 {
        return subgraphs::plan_overlapping(model, options, facts, work, commit);
    }
    plan_regions(model, options, facts, work, commit, None)
}

/// [`plan_subgraphs`] with the regions `regions` gives (`[base, size]` per
/// subgraph: with `(regions, true)` the bases are read, else each region
/// follows the previous one), recording each subgraph's planned size in it.
/// Planning memory is reused from one subgraph to the next.
fn plan_regions(
    model: &Model<'_>,
    options: Options,
    facts: &[OpFacts],
    work: &mut [u8],
    mut commit: Option<(&mut [TensorSlot], &mut [OpSlot])>,
    mut regions: Option<(&mut [u32], bool)>,
) -> Result<planning::PlanOutcome, Error> {
    let mut total = planning::PlanOutcome {
        head_bytes: 0,
        exact: true,
        plan_bytes: 0,
        work_bytes: 0,
    };
    let (mut tensor_base, mut op_base) = (0usize, 0usize);
    for subgraph in model.subgraphs().take(subgraph_count(model)) {
        let s = subgraph.index();
        let (n_tensors, n_ops) = (subgraph.tensor_count(), subgraph.operator_count());
        let tensor_end = tensor_base
            .checked_add(n_tensors)
            .ok_or(Error::SizeOverflow)?;
        let op_end = op_base.checked_add(n_ops).ok_or(Error::SizeOverflow)?;
        let base = match regions.as_ref() {
            Some((table, true)) => *table.get(2 * s).ok_or(Error::Internal("regions"))? as usize,
            _ if s == 0 => 0,
            _ => align_up(total.plan_bytes).ok_or(Error::SizeOverflow)?,
        };
        let mut options = options;
        // An offline plan places the main subgraph's tensors.
        options.ignore_offline_plan |= s != 0;
        let inputs = PlanInputs {
            model,
            subgraph: &subgraph,
            options,
            facts: facts
                .get(op_base..op_end)
                .ok_or(Error::Internal("op facts"))?,
        };
        let records = match commit.as_mut() {
            Some((tensors, ops)) => Some(Commit {
                tensors: tensors
                    .get_mut(tensor_base..tensor_end)
                    .ok_or(Error::Internal("tensor records"))?,
                ops: ops
                    .get_mut(op_base..op_end)
                    .ok_or(Error::Internal("op records"))?,
                base,
            }),
            None => None,
        };
        let outcome = planning::plan(&inputs, work, records)?;
        if !outcome.exact {
            return Ok(planning::PlanOutcome {
                head_bytes: base.saturating_add(outcome.head_bytes),
                ..outcome
            });
        }
        if let Some((table, _)) = regions.as_mut() {
            *table.get_mut(2 * s + 1).ok_or(Error::Internal("regions"))? =
                to_u32(outcome.plan_bytes)?;
        }
        let end = base
            .checked_add(outcome.plan_bytes)
            .ok_or(Error::SizeOverflow)?;
        total.plan_bytes = total.plan_bytes.max(end);
        total.work_bytes = total.work_bytes.max(outcome.work_bytes);
        (tensor_base, op_base) = (tensor_end, op_end);
    }
    total.head_bytes =
        align_up(total.plan_bytes.max(total.work_bytes)).ok_or(Error::SizeOverflow)?;
    Ok(total)
}

/// `error` of operator `i` of subgraph `s`: [`Error::Op`] in the main
/// subgraph, [`Error::SubgraphOp`] in another.
fn op_error_in(
    s: usize,
    i: usize,
    op: &microlite_model::Operator<'_>,
    error: microlite_ops::OpError,
) -> Error {
    in_subgraph(s, op_error(i, op, error))
}

/// `error` (an operator's, for the main subgraph) moved to subgraph `s`.
#[cfg(not(feature = "subgraphs"))]
fn in_subgraph(_: usize, error: Error) -> Error {
    error
}

/// `error` (an operator's, for the main subgraph) moved to subgraph `s`.
#[cfg(feature = "subgraphs")]
fn in_subgraph(s: usize, error: Error) -> Error {
    match error {
        Error::Op {
            operator,
            op,
            version,
            error,
        } if s != 0 => Error::SubgraphOp {
            subgraph: s,
            operator,
            op,
            version,
            error,
        },
        e => e,
    }
}

fn op_error(i: usize, op: &microlite_model::Operator<'_>, error: microlite_ops::OpError) -> Error {
    Error::Op {
        operator: i,
        op: op.builtin(),
        version: op.version(),
        error,
    }
}

fn cast_region<T: bytemuck::Pod>(region: &mut [u8], count: usize) -> Result<&mut [T], Error> {
    let bytes = count
        .checked_mul(core::mem::size_of::<T>())
        .ok_or(Error::SizeOverflow)?;
    let region = region
        .get_mut(..bytes)
        .ok_or(Error::Internal("region size"))?;
    bytemuck::try_cast_slice_mut(region).map_err(|_| Error::Internal("region alignment"))
}

/// The constant tensors of the main subgraph that the model stores
/// misaligned for their type, with their data, in tensor order: each gets
/// an aligned copy after the operators' prepared data.
fn misaligned_constants<'m>(
    model: &Model<'m>,
) -> impl Iterator<Item = (usize, &'m [u8])> + use<'m> {
    // Each subgraph's records follow the previous one's.
    let bases = model.subgraphs().scan(0usize, |base, s| {
        let at = *base;
        *base = base.saturating_add(s.tensor_count());
        Some((s, at))
    });
    let all = bases.take(subgraph_count(model));
    all.flat_map(|(subgraph, base)| {
        misaligned_in(subgraph).map(move |(t, data)| (base.saturating_add(t), data))
    })
}

/// [`misaligned_constants`] of one subgraph, by tensor index in it.
fn misaligned_in(subgraph: Subgraph<'_>) -> impl Iterator<Item = (usize, &'_ [u8])> {
    (0..subgraph.tensor_count()).filter_map(move |t| {
        let tensor = subgraph.tensor(t)?;
        // Bytes (int8 weights, most activations) are never misaligned:
        // skip them without looking up their buffer.
        let alignment = tensor.dtype().alignment();
        if alignment <= 1 {
            return None;
        }
        let data = tensor.data()?;
        (!(data.as_ptr() as usize).is_multiple_of(alignment)).then_some((t, data))
    })
}

/// Bytes the copies of misaligned constants take (each aligned).
fn constant_copy_bytes(model: &Model<'_>) -> Result<usize, Error> {
    misaligned_constants(model).try_fold(0usize, |total, (_, data)| {
        align_up(data.len())
            .and_then(|n| total.checked_add(n))
            .ok_or(Error::SizeOverflow)
    })
}

/// Points the records of misaligned constants at their copies, which
/// [`prepare_all`] wrote from `start` on in the prepared op data.
fn point_at_copies(
    model: &Model<'_>,
    tensors: &mut [TensorSlot],
    start: usize,
) -> Result<(), Error> {
    let mut at = start;
    for (t, data) in misaligned_constants(model) {
        let slot = tensors.get_mut(t).ok_or(Error::Internal("tensor slot"))?;
        *slot = TensorSlot::copied(to_u32(at)?, to_u32(data.len())?);
        at = align_up(at + data.len()).ok_or(Error::SizeOverflow)?;
    }
    Ok(())
}

/// The constant data `slot` points at: in the model file, or its copy in
/// the prepared op data ([`TensorHome::Copied`]).
fn constant_data<'m>(
    model: &'m [u8],
    op_data: &'m [u8],
    slot: &TensorSlot,
) -> Result<&'m [u8], Error> {
    let source = if slot.home() == TensorHome::Copied {
        op_data
    } else {
        model
    };
    source
        .get(slot.range())
        .ok_or(Error::Internal("constant data out of range"))
}
