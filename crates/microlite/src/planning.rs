//! Planning the head: lifetimes → buffer requests → planner → offsets.
//!
//! All working memory comes from a caller-given byte region, so planning
//! needs no heap. The interpreter plans twice: once in the whole arena to
//! learn the exact size (so a too-small arena can state the bytes it needs),
//! then for real in the head, writing offsets into the tensor and op slots.

use bytemuck::{Pod, Zeroable};
use microlite_arena::planner::{
    BufferRequest, GreedyPlanner, LinearPlanner, OfflinePlan, RequestFn,
};
use microlite_model::{Model, Subgraph};

use crate::error::Error;
use crate::interpreter::Options;
use crate::layout::{align_up, OpSlot, TensorSlot};
use crate::lifetimes::{self, TensorLife, NONE};

/// What planning needs to know about operator `i`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpMemory {
    /// The output aliases input 0 (no buffer of its own; eval skipped).
    pub aliases_input: bool,
    /// Scratch bytes during eval.
    pub scratch_bytes: u32,
}

/// What planning reads.
pub struct PlanInputs<'p, 'm> {
    /// The model (for its offline plan).
    pub model: &'p Model<'m>,
    /// Subgraph 0.
    pub subgraph: &'p Subgraph<'m>,
    /// Interpreter options.
    pub options: Options,
    /// Memory facts of operator `i`.
    pub op_memory: &'p dyn Fn(usize) -> Result<OpMemory, Error>,
}

/// The outcome of planning.
#[derive(Debug, Clone, Copy)]
pub struct PlanOutcome {
    /// Bytes of head needed: the larger of the plan and the working memory
    /// planning used (a lower bound when `exact` is false).
    pub head_bytes: usize,
    /// False when the work region could not even hold the planner's working
    /// memory; then `head_bytes` is only a lower bound.
    pub exact: bool,
}

/// Where to write the plan.
pub struct Commit<'c> {
    /// One slot per tensor: receives its home and offset.
    pub tensors: &'c mut [TensorSlot],
    /// One slot per operator: receives its scratch offset.
    pub ops: &'c mut [OpSlot],
}

/// One buffer to plan, stored compactly in working memory.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct PlanRequest {
    size: u32,
    first: u32,
    last: u32,
    /// Offline offset, or `NONE` to plan online.
    offline: u32,
}

impl PlanRequest {
    fn to_request(self) -> BufferRequest {
        let request =
            BufferRequest::new(self.size as usize, self.first as usize, self.last as usize);
        if self.offline == NONE {
            request
        } else {
            BufferRequest {
                offline_offset: Some(self.offline as usize),
                ..request
            }
        }
    }
}

/// Carve `len` elements of `T` (16-byte aligned) from the front of `work`.
fn take<'w, T: Pod>(work: &mut &'w mut [u8], len: usize) -> Option<&'w mut [T]> {
    let bytes = len.checked_mul(core::mem::size_of::<T>())?;
    let padded = align_up(bytes)?;
    if padded > work.len() {
        return None;
    }
    let (front, back) = core::mem::take(work).split_at_mut(padded);
    *work = back;
    bytemuck::try_cast_slice_mut(front.get_mut(..bytes)?).ok()
}

/// A lower bound on the head when planning cannot run: the lifetime table,
/// the first thing planning needs, must fit.
fn head_lower_bound(n_tensors: usize) -> usize {
    align_up(n_tensors.saturating_mul(core::mem::size_of::<TensorLife>())).unwrap_or(usize::MAX)
}

/// Plan the head of `inputs` using `work` as working memory, and write the
/// result into `commit` when given.
pub fn plan(
    inputs: &PlanInputs<'_, '_>,
    work: &mut [u8],
    commit: Option<Commit<'_>>,
) -> Result<PlanOutcome, Error> {
    let PlanInputs {
        model,
        subgraph,
        options,
        op_memory,
    } = *inputs;
    let n_tensors = subgraph.tensor_count();
    let n_ops = subgraph.operator_count();
    let max_requests = n_tensors.checked_add(n_ops).ok_or(Error::SizeOverflow)?;
    let work_len = work.len();
    let mut work: &mut [u8] = work;
    let lower_bound = PlanOutcome {
        head_bytes: head_lower_bound(n_tensors),
        exact: false,
    };

    let Some(lives) = take::<TensorLife>(&mut work, n_tensors) else {
        return Ok(lower_bound);
    };
    let aliases = |i: usize| op_memory(i).is_ok_and(|m| m.aliases_input);
    lifetimes::compute(subgraph, lives, aliases, options.preserve_all_tensors)?;

    let offline = if options.ignore_offline_plan || options.preserve_all_tensors {
        None
    } else {
        model
            .metadata(OfflinePlan::METADATA_NAME)
            .map(OfflinePlan::parse)
            .transpose()?
    };

    let Some(requests) = take::<PlanRequest>(&mut work, max_requests) else {
        return Ok(lower_bound);
    };
    // Requests: first every tensor owning head bytes, then one scratch per op.
    let mut n_requests = 0usize;
    let mut push = |request: PlanRequest| -> Result<(), Error> {
        *requests
            .get_mut(n_requests)
            .ok_or(Error::Internal("requests"))? = request;
        n_requests += 1;
        Ok(())
    };
    for (t, life) in lives.iter().enumerate() {
        let tensor = subgraph.tensor(t).ok_or(Error::Internal("tensor index"))?;
        if !owns_head_bytes(life, t) || tensor.is_constant() {
            continue;
        }
        let size = tensor
            .byte_size()
            .ok_or(Error::BadGraphTensor { tensor: t })?;
        let offline = match offline.as_ref().and_then(|p| p.offset_for_tensor(t)) {
            Some(offset) => u32::try_from(offset).map_err(|_| Error::SizeOverflow)?,
            None => NONE,
        };
        push(PlanRequest {
            size: to_u32(size)?,
            first: life.first,
            last: life.last,
            offline,
        })?;
    }
    for i in 0..n_ops {
        let scratch = op_memory(i)?.scratch_bytes;
        if scratch > 0 {
            let at = to_u32(i)?;
            push(PlanRequest {
                size: scratch,
                first: at,
                last: at,
                offline: NONE,
            })?;
        }
    }
    let requests = &*requests;
    let source = RequestFn::new(n_requests, |k| requests.get(k).map(|r| r.to_request()));
    let Some(offsets) = take::<usize>(&mut work, n_requests) else {
        return Ok(lower_bound);
    };
    let plan_bytes = if options.preserve_all_tensors {
        LinearPlanner::default().plan(&source, offsets)?
    } else {
        let Some(scratch) = take::<u32>(&mut work, GreedyPlanner::scratch_len(n_requests)) else {
            return Ok(lower_bound);
        };
        GreedyPlanner::default().plan(&source, offsets, scratch)?
    };
    let work_used = work_len - work.len();
    let head_bytes = align_up(plan_bytes.max(work_used)).ok_or(Error::SizeOverflow)?;
    if let Some(commit) = commit {
        write_plan(subgraph, lives, offsets, commit)?;
    }
    Ok(PlanOutcome {
        head_bytes,
        exact: true,
    })
}

fn owns_head_bytes(life: &TensorLife, t: usize) -> bool {
    life.is_used() && life.root as usize == t
}

fn to_u32(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::SizeOverflow)
}

/// Write homes and offsets: owned tensors first, then views (aliases) copy
/// their root's home; then op scratch offsets.
fn write_plan(
    subgraph: &Subgraph<'_>,
    lives: &[TensorLife],
    offsets: &[usize],
    commit: Commit<'_>,
) -> Result<(), Error> {
    let Commit { tensors, ops } = commit;
    let mut next = offsets.iter();
    for (t, life) in lives.iter().enumerate() {
        let tensor = subgraph.tensor(t).ok_or(Error::Internal("tensor index"))?;
        let slot = tensors.get_mut(t).ok_or(Error::Internal("tensor slot"))?;
        let len = to_u32(tensor.byte_size().unwrap_or(0))?;
        *slot = if tensor.is_constant() {
            TensorSlot::constant(to_u32(t)?, len)
        } else if owns_head_bytes(life, t) {
            let offset = *next.next().ok_or(Error::Internal("offsets"))?;
            TensorSlot::head(to_u32(offset)?, len)
        } else {
            // Not placed yet; a view (alias) gets its root's home below but
            // keeps its own length.
            TensorSlot {
                len,
                ..TensorSlot::default()
            }
        };
    }
    for (t, life) in lives.iter().enumerate() {
        if life.is_used() && life.root as usize != t && life.root != NONE {
            let root = *tensors
                .get(life.root as usize)
                .ok_or(Error::Internal("alias root"))?;
            let slot = tensors.get_mut(t).ok_or(Error::Internal("tensor slot"))?;
            *slot = TensorSlot {
                len: slot.len.min(root.len),
                ..root
            };
        }
    }
    for op in ops.iter_mut().filter(|o| o.scratch_len > 0) {
        op.scratch_offset = to_u32(*next.next().ok_or(Error::Internal("offsets"))?)?;
    }
    Ok(())
}
