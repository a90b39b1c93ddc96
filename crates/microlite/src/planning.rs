//! Planning the head: lifetimes → in-place grants → buffer requests →
//! planner → offsets.
//!
//! All working memory comes from a caller-given byte region, so planning
//! needs no heap. The interpreter plans twice: once in the whole arena to
//! learn the exact size (so a too-small arena can state the bytes it needs),
//! then for real in the head, writing offsets into the tensor and op slots.
//!
//! In-place grants ([`crate::in_place`]) are kept only where they make the
//! head smaller: the plan with every grant is compared with the plan without
//! any, then each grant is dropped in turn and kept dropped if the head does
//! not grow (one placement per try, within a work budget). Both planning
//! passes take the same decisions, so the size stays exact.

use bytemuck::{Pod, Zeroable};
use microlite_arena::planner::{
    BufferRequest, CompactRequest, GreedyPlanner, LinearPlanner, MultiOrderPlanner, OfflinePlan,
    RequestFn, Trial, TrialSet,
};
use microlite_model::{Model, Subgraph};
use microlite_ops::InPlaceOffer;

use crate::error::Error;
use crate::in_place;
use crate::interpreter::Options;
use crate::layout::{
    align_up, OpSlot, TensorSlot, ALIASES_INPUT, CALLS_SUBGRAPH, FUSED_WITH_NEXT,
    FUSED_WITH_PREVIOUS, IN_HEAD_FRAME, NO_INPUT,
};
use crate::lifetimes::{self, TensorLife, NONE};

/// What planning needs to know about operator `i`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpMemory {
    /// The output aliases input 0 (no buffer of its own; eval skipped).
    pub aliases_input: bool,
    /// Scratch bytes during eval.
    pub scratch_bytes: u32,
    /// The op's offer to run in place.
    pub in_place: Option<InPlaceOffer>,
    /// [`FUSED_WITH_NEXT`] or [`FUSED_WITH_PREVIOUS`] when the op runs in
    /// a fused step ([`crate::fusion`]); 0 otherwise.
    pub fused: u16,
    /// For a fused consumer: where its scratch lies in the step's scratch.
    pub step_offset: u32,
    /// Bytes of the op's own state, kept for the interpreter's whole life:
    /// its head block is then `[state | scratch]`, planned for the whole
    /// life too.
    pub state_bytes: u16,
}

impl OpMemory {
    /// Bytes of the op's head block (state, then scratch) with input
    /// `granted` overwritten in place (or not).
    fn scratch_with(&self, granted: Option<usize>) -> Result<u32, Error> {
        let extra = match (granted, self.in_place) {
            (Some(_), Some(offer)) => offer.scratch_bytes,
            _ => 0,
        };
        self.scratch_bytes
            .checked_add(extra)
            .and_then(|n| n.checked_add(u32::from(self.state_bytes)))
            .ok_or(Error::SizeOverflow)
    }
}

/// [`OpMemory`] stored compactly in the arena: what prepare told the
/// interpreter about operator `i`, planning's input.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct OpFacts {
    scratch_bytes: u32,
    offer_scratch_bytes: u32,
    lead_bytes: i32,
    offer_inputs: u16,
    /// Bit 0: output aliases input 0; bit 1: an in-place offer is made;
    /// above them the fusion roles the op may take ([`FUSED_WITH_NEXT`],
    /// [`FUSED_WITH_PREVIOUS`]), if planning fuses.
    flags: u16,
    /// The scratch of the whole fused step, for a producer; the offset of
    /// its own scratch in the step's, for a consumer.
    fused_scratch_bytes: u32,
    state_bytes: u32,
}

/// [`OpFacts::flags`] bits the fusion roles are shifted by.
const FUSED_SHIFT: u16 = 2;

impl OpFacts {
    /// The compact form of `memory`.
    pub fn of(memory: &OpMemory) -> Self {
        let offer = memory.in_place.unwrap_or_default();
        Self {
            scratch_bytes: memory.scratch_bytes,
            offer_scratch_bytes: offer.scratch_bytes,
            lead_bytes: offer.lead_bytes,
            offer_inputs: offer.inputs,
            flags: u16::from(memory.aliases_input)
                | (u16::from(memory.in_place.is_some()) << 1)
                | (memory.fused << FUSED_SHIFT),
            fused_scratch_bytes: 0,
            state_bytes: u32::from(memory.state_bytes),
        }
    }

    /// Records that the op may take fusion role `role` (a layout flag):
    /// `step` is the fused step's scratch bytes for a producer, the offset
    /// of the consumer's own scratch in it for a consumer.
    pub fn may_fuse(&mut self, role: u16, step: u32) {
        self.flags |= role << FUSED_SHIFT;
        self.fused_scratch_bytes = step;
    }

    /// Bytes of the op's own state (kept across invokes).
    #[cfg(feature = "subgraphs")]
    pub fn state_bytes(&self) -> u32 {
        self.state_bytes
    }

    /// The op's own scratch bytes.
    pub fn scratch_bytes(&self) -> u32 {
        self.scratch_bytes
    }

    /// The fusion roles the op may take.
    fn fusion_roles(&self) -> u16 {
        (self.flags >> FUSED_SHIFT) & (FUSED_WITH_NEXT | FUSED_WITH_PREVIOUS)
    }

    /// The op's memory facts, fused where it may be when `fuse`.
    fn memory(&self, fuse: bool) -> OpMemory {
        let fused = if fuse { self.fusion_roles() } else { 0 };
        OpMemory {
            aliases_input: self.flags & 1 != 0,
            fused,
            scratch_bytes: if fused & FUSED_WITH_NEXT != 0 {
                self.fused_scratch_bytes
            } else {
                self.scratch_bytes
            },
            step_offset: if fused & FUSED_WITH_PREVIOUS != 0 {
                self.fused_scratch_bytes
            } else {
                0
            },
            state_bytes: u16::try_from(self.state_bytes).unwrap_or(u16::MAX),
            in_place: (self.flags & 2 != 0).then_some(InPlaceOffer {
                inputs: self.offer_inputs,
                lead_bytes: self.lead_bytes,
                scratch_bytes: self.offer_scratch_bytes,
            }),
        }
    }
}

/// What planning reads.
pub struct PlanInputs<'p, 'm> {
    /// The model (for its offline plan).
    pub model: &'p Model<'m>,
    /// The subgraph planned.
    pub subgraph: &'p Subgraph<'m>,
    /// Interpreter options.
    pub options: Options,
    /// Memory facts of every operator.
    pub facts: &'p [OpFacts],
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
    /// Bytes of the plan itself (activations and scratch).
    pub plan_bytes: usize,
    /// Bytes of working memory planning used.
    pub work_bytes: usize,
}

/// Where to write the plan.
pub struct Commit<'c> {
    /// One slot per tensor: receives its home and offset.
    pub tensors: &'c mut [TensorSlot],
    /// One slot per operator: receives its scratch offset.
    pub ops: &'c mut [OpSlot],
    /// Added to every head offset written (where the subgraph's region
    /// starts in the head; 0 for the main subgraph).
    pub base: usize,
}

/// One buffer to plan, stored compactly in working memory and planned in
/// place.
type PlanRequest = CompactRequest;

/// The request as the generic planners take it.
fn to_request(r: &PlanRequest) -> BufferRequest {
    let mut request = BufferRequest::new(r.size as usize, r.first as usize, r.last as usize);
    if r.offline != NONE {
        request.offline_offset = Some(r.offline as usize);
    }
    if r.partner != NONE {
        request = request.in_place_of(r.partner as usize, r.lead as isize);
    }
    request
}

/// Carve `len` elements of `T` (8-byte aligned, enough for every `T` here)
/// from the front of `work`.
fn take<'w, T: Pod>(work: &mut &'w mut [u8], len: usize) -> Option<&'w mut [T]> {
    let bytes = len.checked_mul(core::mem::size_of::<T>())?;
    let padded = bytes.checked_add(7)? & !7;
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
///
/// When operators may fuse ([`crate::fusion`]), the head is planned with
/// every fusion and without any, and the smaller kept (fusion gives up
/// in-place execution of the pair and holds scratch over two steps, which
/// can cost more than the tensor it saves).
pub fn plan(
    inputs: &PlanInputs<'_, '_>,
    work: &mut [u8],
    commit: Option<Commit<'_>>,
) -> Result<PlanOutcome, Error> {
    let fusable = inputs.options.fuse
        && !inputs.options.preserve_all_tensors
        && inputs.facts.iter().any(|f| f.fusion_roles() != 0);
    if !fusable {
        return plan_with(inputs, work, commit, false);
    }
    // Unfused first, to size; then fused, committed at once (candidates
    // are bulges, so it usually wins); the unfused plan again if not.
    let unfused = plan_with(inputs, work, None, false)?;
    if !unfused.exact {
        return Ok(unfused);
    }
    let (fused, outcome) = match commit {
        Some(Commit { tensors, ops, base }) => {
            let fused = plan_with(
                inputs,
                work,
                Some(Commit {
                    tensors: &mut *tensors,
                    ops: &mut *ops,
                    base,
                }),
                true,
            )?;
            let outcome = if !fused.exact || fused.head_bytes < unfused.head_bytes {
                fused
            } else {
                plan_with(inputs, work, Some(Commit { tensors, ops, base }), false)?
            };
            (fused, outcome)
        }
        None => {
            let fused = plan_with(inputs, work, None, true)?;
            let wins = !fused.exact || fused.head_bytes < unfused.head_bytes;
            (fused, if wins { fused } else { unfused })
        }
    };
    let mut outcome = outcome;
    // Every run used the same work region: the arena must hold the largest.
    outcome.work_bytes = outcome
        .work_bytes
        .max(fused.work_bytes)
        .max(unfused.work_bytes);
    outcome.head_bytes = outcome
        .head_bytes
        .max(align_up(outcome.work_bytes).unwrap_or(usize::MAX));
    Ok(outcome)
}

/// [`plan`] with fusions applied or not.
fn plan_with(
    inputs: &PlanInputs<'_, '_>,
    work: &mut [u8],
    commit: Option<Commit<'_>>,
    fuse: bool,
) -> Result<PlanOutcome, Error> {
    let PlanInputs {
        model,
        subgraph,
        options,
        facts,
    } = *inputs;
    let n_tensors = subgraph.tensor_count();
    let n_ops = subgraph.operator_count();
    let work_len = work.len();
    let mut work: &mut [u8] = work;
    let lower_bound = PlanOutcome {
        head_bytes: head_lower_bound(n_tensors),
        exact: false,
        plan_bytes: 0,
        work_bytes: 0,
    };

    let cached = |i: usize| -> Result<OpMemory, Error> {
        facts
            .get(i)
            .map(|f| f.memory(fuse))
            .ok_or(Error::Internal("op facts"))
    };
    let op_memory: &dyn Fn(usize) -> Result<OpMemory, Error> = &cached;
    let Some(lives) = take::<TensorLife>(&mut work, n_tensors) else {
        return Ok(lower_bound);
    };
    let aliases = |i: usize| op_memory(i).is_ok_and(|m| m.aliases_input);
    let fused = |i: usize| op_memory(i).is_ok_and(|m| m.fused & FUSED_WITH_NEXT != 0);
    lifetimes::compute(
        subgraph,
        lives,
        aliases,
        fused,
        options.preserve_all_tensors,
    )?;

    let offline = if options.ignore_offline_plan || options.preserve_all_tensors {
        None
    } else {
        model
            .metadata(OfflinePlan::METADATA_NAME)
            .map(OfflinePlan::parse)
            .transpose()?
    };

    // Request index of every tensor owning head bytes, in tensor order.
    let Some(request_index) = take::<u32>(&mut work, n_tensors) else {
        return Ok(lower_bound);
    };
    let mut n_tensor_requests = 0u32;
    for (t, (index, life)) in request_index.iter_mut().zip(lives.iter()).enumerate() {
        *index = if owns_head_bytes(life, t) && !life.is_constant() {
            n_tensor_requests += 1;
            n_tensor_requests - 1
        } else {
            NONE
        };
    }
    let planning = Planning {
        subgraph,
        lives,
        request_index,
        offline: offline.as_ref(),
        op_memory,
    };
    // In-place grants: per op, the input position its output overwrites.
    let Some(grants) = take::<u32>(&mut work, n_ops) else {
        return Ok(lower_bound);
    };
    let in_place_allowed = options.in_place && !options.preserve_all_tensors;
    // Granting only adds scratch requests: size the work for the grants.
    let (scratch_requests, any_granted) = planning.fill_grants(grants, in_place_allowed)?;
    let n_tensor_requests = n_tensor_requests as usize;
    let n_requests = n_tensor_requests + scratch_requests;
    let Some(requests) = take::<PlanRequest>(&mut work, n_requests) else {
        return Ok(lower_bound);
    };
    let Some(offsets) = take::<usize>(&mut work, n_requests) else {
        return Ok(lower_bound);
    };
    let plan_bytes = if options.preserve_all_tensors {
        let count = planning.build_requests(grants, requests)?;
        let requests = &*requests;
        let source = RequestFn::new(count, |k| requests.get(k).map(to_request));
        LinearPlanner::default().plan(&source, offsets)?
    } else {
        let scratch_len = GreedyPlanner::compact_scratch_len(n_requests);
        let Some(scratch) = take::<u32>(&mut work, scratch_len) else {
            return Ok(lower_bound);
        };
        let mut search = Search {
            planning: &planning,
            grants,
            requests,
            offsets,
            scratch,
            any_granted,
        };
        (options.plan_search.run)(&mut search)?
    };
    let work_used = work_len - work.len();
    let head_bytes = align_up(plan_bytes.max(work_used)).ok_or(Error::SizeOverflow)?;
    if let Some(commit) = commit {
        let placed = Placed {
            lives,
            grants,
            offsets,
            tensor_requests: n_tensor_requests,
        };
        write_plan(subgraph, &placed, op_memory, commit)?;
    }
    Ok(PlanOutcome {
        head_bytes,
        exact: true,
        plan_bytes,
        work_bytes: work_used,
    })
}

/// How hard [`Interpreter::new`](crate::Interpreter::new) looks for a small
/// arena: which placement orders it tries and whether it drops in-place
/// grants one by one. Only the searches a program names are linked in.
#[derive(Clone, Copy)]
pub struct PlanSearch {
    name: &'static str,
    run: fn(&mut Search<'_, '_, '_>) -> Result<usize, Error>,
}

impl PlanSearch {
    /// The default: the plan with every in-place grant under four orders
    /// (largest first, first use, latest last use) against TFLM's plain
    /// layout without grants, the smaller kept. Five placements of O(n²)
    /// each, so start-up stays below TFLM's `AllocateTensors`. On every
    /// model in reference-models/ and ../shared/models within 48 bytes of
    /// [`Self::THOROUGH`] with the host's kernels, 176 with the compact
    /// ones (docs/embedded.md).
    pub const QUICK: Self = Self {
        name: "quick",
        run: quick_search,
    };

    /// Every order the multi-order planner knows, with and without grants,
    /// then each grant dropped in turn and kept dropped when the head does
    /// not grow (fewer row buffers, faster eval). About 25 + one per grant
    /// placements: for the host, or at build time.
    pub const THOROUGH: Self = Self {
        name: "thorough",
        run: thorough_search,
    };

    /// `"quick"` or `"thorough"`.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl PartialEq for PlanSearch {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for PlanSearch {}

impl core::fmt::Debug for PlanSearch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name)
    }
}

/// Largest first allowing and seeking in-place overlaps, first use and
/// latest last use allowing them (the multi-order planner's trials 1, 2, 3
/// and 5): see [`PlanSearch::QUICK`] for how close it comes to
/// [`PlanSearch::THOROUGH`].
const QUICK_WITH_GRANTS: TrialSet = TrialSet(0b10_1110);
/// TFLM's layout: largest first, no overlap (trial 0).
const TFLM_ORDER: TrialSet = TrialSet(0b1);

/// The state a search works on: grants, request and offset arrays, the
/// planner scratch.
pub struct Search<'s, 'p, 'm> {
    planning: &'s Planning<'p, 'm>,
    grants: &'s mut [u32],
    requests: &'s mut [PlanRequest],
    offsets: &'s mut [usize],
    scratch: &'s mut [u32],
    any_granted: bool,
}

impl Search<'_, '_, '_> {
    /// Places the requests of the current grants with the best of `trials`
    /// (or exactly `trial`), leaving its offsets.
    fn run(&mut self, trials: TrialSet, trial: Option<Trial>) -> Result<(usize, Trial), Error> {
        self.planning.place(
            self.grants,
            trials,
            trial,
            self.requests,
            self.offsets,
            self.scratch,
        )
    }
}

fn quick_search(s: &mut Search<'_, '_, '_>) -> Result<usize, Error> {
    if !s.any_granted {
        return Ok(s.run(TFLM_ORDER, None)?.0);
    }
    // Without grants first, so that when the grants win (as they usually
    // do) their winning placement is the last one and needs no replay.
    s.planning.fill_grants(s.grants, false)?;
    let (without, _) = s.run(TFLM_ORDER, None)?;
    s.planning.fill_grants(s.grants, true)?;
    let (with, _) = s.run(QUICK_WITH_GRANTS, None)?;
    if with < without {
        return Ok(with);
    }
    s.planning.fill_grants(s.grants, false)?;
    Ok(s.run(TFLM_ORDER, None)?.0)
}

fn thorough_search(s: &mut Search<'_, '_, '_>) -> Result<usize, Error> {
    if !s.any_granted {
        return Ok(s.run(TrialSet::ALL, None)?.0);
    }
    // In place only where it makes the head smaller (it costs row buffers
    // and some speed): compare with the plan without grants, then drop
    // each grant the head does not need (replanning with the winning order
    // only).
    let (with, trial) = s.run(TrialSet::ALL, None)?;
    s.planning.fill_grants(s.grants, false)?;
    let (without, _) = s.run(TrialSet::ALL, None)?;
    if with >= without {
        return Ok(without);
    }
    s.planning.fill_grants(s.grants, true)?;
    if refinement_affordable(s.grants, s.requests.len()) {
        let mut best = with;
        for i in 0..s.grants.len() {
            let Some(kept) = s.grants.get(i).copied().filter(|&k| k != NONE) else {
                continue;
            };
            set_grant(s.grants, i, NONE);
            let (total, _) = s.run(TrialSet::ALL, Some(trial))?;
            if total <= best {
                best = total;
            } else {
                set_grant(s.grants, i, kept);
            }
        }
    }
    // Offsets of the grants kept, every order tried again.
    Ok(s.run(TrialSet::ALL, None)?.0)
}

/// Most placement steps (grants × requests²) spent trying to drop in-place
/// grants one by one; larger graphs keep every useful-as-a-whole grant.
const REFINEMENT_BUDGET: usize = 1 << 24;

/// Whether dropping grants one by one (a plan per grant) fits
/// [`REFINEMENT_BUDGET`].
fn refinement_affordable(grants: &[u32], n_requests: usize) -> bool {
    let n_grants = grants.iter().filter(|&&k| k != NONE).count();
    n_requests
        .checked_mul(n_requests)
        .and_then(|n| n.checked_mul(n_grants))
        .is_some_and(|steps| steps <= REFINEMENT_BUDGET)
}

fn set_grant(grants: &mut [u32], i: usize, value: u32) {
    if let Some(grant) = grants.get_mut(i) {
        *grant = value;
    }
}

/// The facts planning works from, and the steps that turn grants into a
/// plan.
struct Planning<'p, 'm> {
    subgraph: &'p Subgraph<'m>,
    lives: &'p [TensorLife],
    /// Per tensor: the index of its buffer request, or `NONE`.
    request_index: &'p [u32],
    offline: Option<&'p OfflinePlan<'m>>,
    op_memory: &'p dyn Fn(usize) -> Result<OpMemory, Error>,
}

impl Planning<'_, '_> {
    /// Request index of tensor `t`'s buffer, if it owns one.
    fn request_of(&self, t: usize) -> Option<usize> {
        self.request_index
            .get(t)
            .copied()
            .filter(|&k| k != NONE)
            .map(|k| k as usize)
    }

    /// Decide every op's in-place grant (none unless `allowed`); returns
    /// the number of ops needing a head block (scratch, state) and whether
    /// any grant was made.
    fn fill_grants(&self, grants: &mut [u32], allowed: bool) -> Result<(usize, bool), Error> {
        let (mut scratch_requests, mut any) = (0, false);
        for (i, grant) in grants.iter_mut().enumerate() {
            let memory = (self.op_memory)(i)?;
            // Fused ops read and write bands, never in place.
            let offer = memory.in_place.filter(|_| allowed && memory.fused == 0);
            let granted = in_place::grant(self.subgraph, self.lives, i, offer, self.offline)?;
            any |= granted.is_some();
            *grant = granted.map_or(Ok(NONE), to_u32)?;
            if memory.fused & FUSED_WITH_PREVIOUS == 0 && memory.scratch_with(granted)? > 0 {
                scratch_requests += 1;
            }
        }
        Ok((scratch_requests, any))
    }

    /// Write the requests for `grants` into `requests`: every tensor owning
    /// head bytes (in tensor order), then one scratch per op needing it,
    /// (its state first, when it has some), with in-place links from
    /// granted outputs to their inputs' buffers.
    /// Returns the number written.
    fn build_requests(&self, grants: &[u32], requests: &mut [PlanRequest]) -> Result<usize, Error> {
        let granted = |i: usize| {
            grants
                .get(i)
                .copied()
                .filter(|&k| k != NONE)
                .map(|k| k as usize)
        };
        let mut count = 0usize;
        let mut push = |request: PlanRequest| -> Result<(), Error> {
            *requests.get_mut(count).ok_or(Error::Internal("requests"))? = request;
            count += 1;
            Ok(())
        };
        for (t, life) in self.lives.iter().enumerate() {
            if self.request_of(t).is_none() {
                continue;
            }
            let tensor = self
                .subgraph
                .tensor(t)
                .ok_or(Error::Internal("tensor index"))?;
            // A resource handle (VAR_HANDLE's output) holds no bytes here:
            // the interpreter resolves its variable at prepare.
            let handle = tensor.dtype() == microlite_model::TensorType::Resource;
            let size = tensor
                .byte_size()
                .or(handle.then_some(0))
                .ok_or(Error::BadGraphTensor { tensor: t })?;
            let mut request = PlanRequest::new(to_u32(size)?, life.first, life.last);
            if let Some(offset) = self.offline.and_then(|p| p.offset_for_tensor(t)) {
                request.offline = u32::try_from(offset).map_err(|_| Error::SizeOverflow)?;
            }
            push(request)?;
        }
        let n_ops = self.subgraph.operator_count();
        for i in 0..n_ops {
            let memory = (self.op_memory)(i)?;
            if memory.fused & FUSED_WITH_PREVIOUS != 0 {
                // Inside the producer's scratch.
                continue;
            }
            let scratch = memory.scratch_with(granted(i))?;
            if memory.state_bytes > 0 {
                // State lives across invokes: from before the first
                // operator to after the last.
                push(PlanRequest::new(scratch, 0, to_u32(n_ops)?))?;
            } else if scratch > 0 {
                let at = to_u32(i)?;
                // A fused step runs at the producer's and the consumer's
                // positions both.
                let last = at + u32::from(memory.fused & FUSED_WITH_NEXT != 0);
                push(PlanRequest::new(scratch, at, last))?;
            }
        }
        for i in 0..n_ops {
            let Some(k) = granted(i) else { continue };
            let op = self
                .subgraph
                .operator(i)
                .ok_or(Error::Internal("operator index"))?;
            let output = op.output(0).ok_or(Error::Internal("granted output"))?;
            let input = op.input(k).ok_or(Error::Internal("granted input"))?;
            let root = self
                .lives
                .get(input)
                .ok_or(Error::Internal("granted input"))?
                .root as usize;
            let offer = (self.op_memory)(i)?
                .in_place
                .ok_or(Error::Internal("grant without offer"))?;
            let (Some(out_request), Some(in_request)) =
                (self.request_of(output), self.request_of(root))
            else {
                return Err(Error::Internal("granted buffers without requests"));
            };
            let request = requests
                .get_mut(out_request)
                .ok_or(Error::Internal("requests"))?;
            request.partner = to_u32(in_request)?;
            request.lead = offer.lead_bytes;
        }
        Ok(count)
    }

    /// Build the requests for `grants` and plan them: every order of the
    /// multi-order greedy planner, or only `trial`. Returns the plan's bytes
    /// (offsets in `offsets`) and the winning trial.
    fn place(
        &self,
        grants: &[u32],
        trials: TrialSet,
        trial: Option<Trial>,
        requests: &mut [PlanRequest],
        offsets: &mut [usize],
        scratch: &mut [u32],
    ) -> Result<(usize, Trial), Error> {
        let count = self.build_requests(grants, requests)?;
        let requests = requests
            .get_mut(..count)
            .ok_or(Error::Internal("requests"))?;
        Ok(MultiOrderPlanner::default().plan_compact(requests, offsets, scratch, trials, trial)?)
    }
}

fn owns_head_bytes(life: &TensorLife, t: usize) -> bool {
    life.is_used() && life.root as usize == t
}

fn to_u32(n: usize) -> Result<u32, Error> {
    u32::try_from(n).map_err(|_| Error::SizeOverflow)
}

/// The byte TFLM's `ResetVariableTensors` sets a variable tensor's bytes
/// to: the low byte of an int8 tensor's first zero point (it `memset`s it),
/// else 0.
fn reset_byte(tensor: &microlite_model::Tensor<'_>) -> u8 {
    if tensor.dtype() != microlite_model::TensorType::Int8 {
        return 0;
    }
    tensor
        .raw()
        .quantization()
        .and_then(|q| q.zero_point())
        .and_then(|z| z.iter().next())
        .map_or(0, |z| z as u8)
}

/// What planning decided, for [`write_plan`].
struct Placed<'p> {
    lives: &'p [TensorLife],
    /// Per op: the input position granted in place, or `NONE`.
    grants: &'p [u32],
    /// Offsets of the tensor requests, then of the scratch requests.
    offsets: &'p [usize],
    tensor_requests: usize,
}

/// Write homes and offsets: owned tensors first, then views (aliases) copy
/// their root's home; then op scratch ranges and in-place grants.
fn write_plan(
    subgraph: &Subgraph<'_>,
    placed: &Placed<'_>,
    op_memory: &dyn Fn(usize) -> Result<OpMemory, Error>,
    commit: Commit<'_>,
) -> Result<(), Error> {
    let Commit { tensors, ops, base } = commit;
    let lives = placed.lives;
    let at = |offset: usize| offset.checked_add(base).ok_or(Error::SizeOverflow);
    let mut tensor_offsets = placed.offsets.iter();
    for (t, life) in lives.iter().enumerate() {
        let tensor = subgraph.tensor(t).ok_or(Error::Internal("tensor index"))?;
        let slot = tensors.get_mut(t).ok_or(Error::Internal("tensor slot"))?;
        let len = to_u32(tensor.byte_size().unwrap_or(0))?;
        *slot = if life.is_variable() {
            let offset = *tensor_offsets.next().ok_or(Error::Internal("offsets"))?;
            TensorSlot::head(to_u32(at(offset)?)?, len).variable(reset_byte(&tensor))
        } else if let Some(data) = tensor.data_range() {
            TensorSlot::constant(to_u32(data.start)?, to_u32(data.len())?)
        } else if owns_head_bytes(life, t) {
            let offset = *tensor_offsets.next().ok_or(Error::Internal("offsets"))?;
            TensorSlot::head(to_u32(at(offset)?)?, len)
        } else {
            // Not placed yet; a view (alias) gets its root's home below but
            // keeps its own length.
            TensorSlot::unused(len)
        };
    }
    for (t, life) in lives.iter().enumerate() {
        if life.is_used() && life.root as usize != t && life.root != NONE {
            let root = *tensors
                .get(life.root as usize)
                .ok_or(Error::Internal("alias root"))?;
            let slot = tensors.get_mut(t).ok_or(Error::Internal("tensor slot"))?;
            *slot = root.with_len(slot.len.min(root.len));
        }
    }
    let mut scratch_offsets = placed
        .offsets
        .get(placed.tensor_requests..)
        .ok_or(Error::Internal("offsets"))?
        .iter();
    for (i, op) in ops.iter_mut().enumerate() {
        let grant = placed.grants.get(i).copied().unwrap_or(NONE);
        let granted = (grant != NONE).then_some(grant as usize);
        let memory = op_memory(i)?;
        op.flags = (op.flags & (ALIASES_INPUT | IN_HEAD_FRAME | CALLS_SUBGRAPH)) | memory.fused;
        // The head block: the state (if any), then the scratch.
        let block_len = memory.scratch_with(granted)?;
        op.scratch_len = block_len.saturating_sub(u32::from(memory.state_bytes));
        // A fused consumer's scratch lies in the producer's: its length is
        // kept for the step's layout, it has no request of its own.
        let own_request = memory.fused & FUSED_WITH_PREVIOUS == 0;
        op.scratch_offset = if !own_request {
            // Relative to the producer's scratch, where the step keeps it.
            memory.step_offset
        } else if block_len > 0 {
            let offset = scratch_offsets.next().ok_or(Error::Internal("offsets"))?;
            to_u32(at(*offset)?)?
                .checked_add(u32::from(memory.state_bytes))
                .ok_or(Error::SizeOverflow)?
        } else {
            0
        };
        op.state_len = memory.state_bytes;
        op.in_place_input = match granted {
            Some(k) => u16::try_from(k).map_err(|_| Error::Internal("granted input"))?,
            None => NO_INPUT,
        };
    }
    Ok(())
}
