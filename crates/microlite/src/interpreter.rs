//! [`Interpreter`]: allocate (init, prepare, plan, commit) and invoke.

use microlite_model::{Model, Subgraph};
use microlite_ops::{EvalContext, OpLookup, PrepareContext, SharedBytes, MAX_OP_INPUTS};

use crate::error::Error;
use crate::head_split::HeadSplit;
use crate::layout::{align_up, OpSlot, TensorHome, TensorSlot, ALIGN, NO_INPUT};
use crate::planning::{self, Commit, OpMemory, PlanInputs};
use crate::profiler::{NoProfiler, Profiler};
use crate::tensor_view::{TensorInfo, TensorView, TensorViewMut};

/// How the interpreter plans memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
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
}

impl Default for Options {
    fn default() -> Self {
        Self {
            preserve_all_tensors: false,
            ignore_offline_plan: false,
            in_place: true,
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
    subgraph: Subgraph<'m>,
    lookup: &'a dyn OpLookup,
    head: &'a mut [u8],
    tensors: &'a [TensorSlot],
    ops: &'a [OpSlot],
    chunks: &'a [u8],
    used_bytes: usize,
    usage: ArenaUsage,
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

/// Sizes of the persistent region, in bytes.
struct PersistentLayout {
    tensor_bytes: usize,
    op_bytes: usize,
    chunk_bytes: usize,
}

impl PersistentLayout {
    fn total(&self) -> Option<usize> {
        self.tensor_bytes
            .checked_add(self.op_bytes)?
            .checked_add(self.chunk_bytes)
    }
}

fn to_u32(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::SizeOverflow)
}

impl<'a, 'm> Interpreter<'a, 'm> {
    /// Do what TFLM's `AllocateTensors` does: resolve every op, prepare it,
    /// plan memory, and lay everything out in `arena`.
    ///
    /// Fails with [`Error::UnsupportedOp`] for an op the resolver lacks,
    /// [`Error::Op`] for an operator an op rejects, and
    /// [`Error::ArenaTooSmall`] (stating the bytes needed) for a small arena.
    pub fn new(
        model: &'a Model<'m>,
        lookup: &'a dyn OpLookup,
        arena: &'a mut [u8],
        options: Options,
    ) -> Result<Self, Error> {
        let subgraph = model.main_subgraph();
        let n_tensors = subgraph.tensor_count();
        let n_ops = subgraph.operator_count();
        to_u32(n_tensors)?;
        to_u32(n_ops)?;

        // Pass 1: resolve and prepare every operator to size its data.
        let mut chunk_bytes = 0usize;
        for (i, op) in subgraph.operators().enumerate() {
            let reg = lookup.find(op.builtin()).ok_or(Error::UnsupportedOp {
                operator: i,
                op: op.op_name(),
                version: op.version(),
            })?;
            if op.inputs().len() > MAX_OP_INPUTS {
                return Err(op_error(
                    i,
                    &op,
                    microlite_ops::OpError::TooManyInputs {
                        found: op.inputs().len(),
                        max: MAX_OP_INPUTS,
                    },
                ));
            }
            let layout = reg
                .prepare(&PrepareContext::new(subgraph, op), None)
                .map_err(|e| op_error(i, &op, e))?;
            let bytes = layout
                .chunk_bytes()
                .and_then(align_up)
                .ok_or(Error::SizeOverflow)?;
            chunk_bytes = chunk_bytes.checked_add(bytes).ok_or(Error::SizeOverflow)?;
        }
        let layout = PersistentLayout {
            tensor_bytes: n_tensors
                .checked_mul(core::mem::size_of::<TensorSlot>())
                .and_then(align_up)
                .ok_or(Error::SizeOverflow)?,
            op_bytes: n_ops
                .checked_mul(core::mem::size_of::<OpSlot>())
                .and_then(align_up)
                .ok_or(Error::SizeOverflow)?,
            chunk_bytes,
        };
        let persistent_bytes = layout.total().ok_or(Error::SizeOverflow)?;

        let op_memory = |i: usize| -> Result<OpMemory, Error> {
            let op = subgraph
                .operator(i)
                .ok_or(Error::Internal("operator index"))?;
            let reg = lookup.find(op.builtin()).ok_or(Error::Internal("lookup"))?;
            let layout = reg
                .prepare(&PrepareContext::new(subgraph, op), None)
                .map_err(|e| op_error(i, &op, e))?;
            Ok(OpMemory {
                aliases_input: layout.needs.output_aliases_input,
                scratch_bytes: to_u32(layout.needs.scratch_bytes)?,
                in_place: layout.needs.in_place,
            })
        };
        let plan_inputs = PlanInputs {
            model,
            subgraph: &subgraph,
            options,
            op_memory: &op_memory,
        };

        // Carve the arena: [pad | head ... | persistent].
        let available = arena.len();
        let pad = (ALIGN - (arena.as_ptr() as usize) % ALIGN) % ALIGN;
        let usable_len = available.saturating_sub(pad) & !(ALIGN - 1);
        let arena = arena.get_mut(pad.min(available)..).unwrap_or_default();
        let usable = arena.get_mut(..usable_len).unwrap_or_default();

        // Size first, planning in the whole arena, so that a small arena can
        // state exactly how many bytes it lacks.
        let sizing = planning::plan(&plan_inputs, usable, None)?;
        let needed = pad
            .checked_add(persistent_bytes)
            .and_then(|n| n.checked_add(sizing.head_bytes))
            .ok_or(Error::SizeOverflow)?;
        if !sizing.exact || needed - pad > usable_len {
            return Err(Error::ArenaTooSmall {
                needed,
                available,
                exact: sizing.exact,
            });
        }
        let head_len = usable_len - persistent_bytes;
        let (head, persistent) = usable.split_at_mut(head_len);
        let (tensor_region, rest) = persistent.split_at_mut(layout.tensor_bytes);
        let (op_region, chunk_region) = rest.split_at_mut(layout.op_bytes);
        let tensors: &mut [TensorSlot] = cast_region(tensor_region, n_tensors)?;
        let ops: &mut [OpSlot] = cast_region(op_region, n_ops)?;

        // Pass 2: fill op slots and prepared chunks.
        let mut chunk_at = 0usize;
        for (i, op) in subgraph.operators().enumerate() {
            let position = lookup
                .position(op.builtin())
                .ok_or(Error::Internal("lookup"))?;
            let reg = lookup.get(position).ok_or(Error::Internal("lookup"))?;
            let ctx = PrepareContext::new(subgraph, op);
            let layout = reg.prepare(&ctx, None).map_err(|e| op_error(i, &op, e))?;
            let len = layout.chunk_bytes().ok_or(Error::SizeOverflow)?;
            let chunk = chunk_region
                .get_mut(chunk_at..chunk_at + len)
                .ok_or(Error::Internal("chunk region"))?;
            reg.prepare(&ctx, Some(chunk))
                .map_err(|e| op_error(i, &op, e))?;
            let slot = ops.get_mut(i).ok_or(Error::Internal("op slot"))?;
            *slot = OpSlot {
                registration: to_u32(position)?,
                skip_eval: u16::from(layout.needs.output_aliases_input),
                in_place_input: NO_INPUT,
                chunk_offset: to_u32(chunk_at)?,
                chunk_len: to_u32(len)?,
                scratch_offset: 0,
                scratch_len: to_u32(layout.needs.scratch_bytes)?,
            };
            chunk_at += align_up(len).ok_or(Error::SizeOverflow)?;
        }

        // Plan for real in the head and record the offsets.
        let plan = planning::plan(&plan_inputs, head, Some(Commit { tensors, ops }))?;
        if plan.head_bytes != sizing.head_bytes {
            return Err(Error::Internal("planning is not deterministic"));
        }
        let (head, _) = head.split_at_mut(plan.head_bytes);
        Ok(Self {
            model,
            subgraph,
            lookup,
            head,
            tensors,
            ops,
            chunks: chunk_region,
            used_bytes: needed,
            usage: ArenaUsage {
                alignment_padding: pad,
                tensor_records: layout.tensor_bytes,
                op_records: layout.op_bytes,
                op_data: layout.chunk_bytes,
                head: plan.head_bytes,
                activations: plan.plan_bytes,
                planning_work: plan.work_bytes,
            },
        })
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
            TensorHome::Constant => constant_data(self.model, slot),
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

    /// Run the model once, calling `profiler` around every operator.
    pub fn invoke_profiled<P: Profiler>(&mut self, profiler: &mut P) -> Result<(), Error> {
        let subgraph = self.subgraph;
        let model = self.model;
        for (i, op) in subgraph.operators().enumerate() {
            let slot = *self.ops.get(i).ok_or(Error::Internal("op slot"))?;
            if slot.skip_eval != 0 {
                continue;
            }
            // The name lookup walks the opcode table: only when someone listens.
            let name = if P::LISTENS { op.op_name() } else { "" };
            if P::LISTENS {
                profiler.begin_op(i, name);
            }
            let reg = self
                .lookup
                .get(slot.registration as usize)
                .ok_or(Error::Internal("registration"))?;
            let chunk = self
                .chunks
                .get(slot.chunk_range())
                .ok_or(Error::Internal("chunk"))?;
            let out_t = op.output(0).ok_or(Error::Internal("output"))?;
            let out = *self
                .tensors
                .get(out_t)
                .ok_or(Error::Internal("tensor slot"))?;
            if out.home() != TensorHome::Head {
                return Err(Error::Internal("operator output not planned in the head"));
            }
            let shared = self.shared_bytes(&op, &slot, &out)?;
            let mutable = match &shared {
                Some((region, _)) => region.clone(),
                None => out.range(),
            };
            let (split, output, scratch) =
                HeadSplit::new(&mut *self.head, mutable, slot.scratch_range())?;
            let mut inputs: [Option<&[u8]>; MAX_OP_INPUTS] = [None; MAX_OP_INPUTS];
            for (k, entry) in inputs.iter_mut().enumerate().take(op.inputs().len()) {
                let Some(t) = op.input(k) else { continue };
                if shared.as_ref().is_some_and(|(_, s)| s.input == k) {
                    continue;
                }
                let s = self.tensors.get(t).ok_or(Error::Internal("tensor slot"))?;
                *entry = Some(match s.home() {
                    TensorHome::Head => split.get(s.range())?,
                    TensorHome::Constant => constant_data(model, s)?,
                    TensorHome::Unused => &[],
                });
            }
            let mut ctx = match shared {
                Some((_, bytes)) => EvalContext::new_in_place(inputs, output, bytes, scratch)
                    .map_err(|e| op_error(i, &op, e))?,
                None => EvalContext::new(inputs, output, scratch),
            };
            reg.eval(&mut ctx, chunk).map_err(|e| op_error(i, &op, e))?;
            if P::LISTENS {
                profiler.end_op(i, name);
            }
        }
        Ok(())
    }
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

fn io_tensor(list: microlite_model::TensorIndexList<'_>, i: usize) -> Result<usize, Error> {
    list.get(i).ok_or(Error::NoSuchIo {
        position: i,
        count: list.len(),
    })
}

fn op_error(i: usize, op: &microlite_model::Operator<'_>, error: microlite_ops::OpError) -> Error {
    Error::Op {
        operator: i,
        op: op.op_name(),
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

/// The constant data `slot` points at in the model file.
fn constant_data<'m>(model: &Model<'m>, slot: &TensorSlot) -> Result<&'m [u8], Error> {
    model
        .bytes()
        .get(slot.range())
        .ok_or(Error::Internal("constant beyond the model file"))
}
