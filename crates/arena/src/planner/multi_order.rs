//! Greedy placement under several orders, keeping the smallest layout.

use super::config::PlannerConfig;
use super::error::PlanError;
use super::greedy::{CompactRequest, GreedyPlanner, Order, Overlap, Placement};
use super::request::RequestSource;
use super::MemoryPlanner;

/// The orders tried and how each uses in-place permissions. The first is
/// TFLM's plain greedy layout, so the result is never larger than TFLM's.
const TRIALS: [(Order, Overlap); 11] = [
    (Order::SizeDescending, Overlap::Off),
    (Order::SizeDescending, Overlap::Allowed),
    (Order::SizeDescending, Overlap::Preferred),
    (Order::FirstUse, Overlap::Allowed),
    (Order::FirstUse, Overlap::Preferred),
    (Order::LastUseDescending, Overlap::Allowed),
    (Order::LastUseDescending, Overlap::Preferred),
    (Order::LongestLife, Overlap::Allowed),
    (Order::LongestLife, Overlap::Preferred),
    (Order::LargestArea, Overlap::Allowed),
    (Order::LargestArea, Overlap::Preferred),
];

/// First-fit placement (as [`GreedyPlanner`]) run under several orders:
/// TFLM's (largest first) without in-place overlap, then largest first,
/// earliest first use, latest last use, longest lifetime and largest
/// size × lifetime, each honouring [`InPlace`](super::InPlace) permissions
/// where the lowest fit allows, and again seeking them (a buffer whose
/// partner is placed first tries the offset overlapping it most).
/// The smallest layout wins (the earliest trial on ties), so the head is
/// never larger than [`GreedyPlanner`]'s TFLM layout of the same requests
/// without in-place permissions.
///
/// Same scratch as [`GreedyPlanner`]; twelve placements of O(n²) each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MultiOrderPlanner {
    config: PlannerConfig,
}

impl MultiOrderPlanner {
    /// A planner with `config`.
    #[must_use]
    pub const fn new(config: PlannerConfig) -> Self {
        Self { config }
    }

    /// The planner's settings.
    #[must_use]
    pub const fn config(&self) -> &PlannerConfig {
        &self.config
    }

    /// Scratch words needed to plan `count` requests (as
    /// [`GreedyPlanner::scratch_len`]).
    #[must_use]
    pub const fn scratch_len(count: usize) -> usize {
        GreedyPlanner::scratch_len(count)
    }

    /// Plans `requests`; see [`MemoryPlanner::plan`].
    ///
    /// # Errors
    /// See [`GreedyPlanner::plan`].
    pub fn plan<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        scratch: &mut [u32],
    ) -> Result<usize, PlanError> {
        self.plan_best(requests, offsets, scratch)
            .map(|(total, _)| total)
    }

    /// [`MultiOrderPlanner::plan`], also telling which trial won, so that
    /// similar request sets can be replanned with that trial alone
    /// ([`MultiOrderPlanner::plan_trial`], one placement instead of all).
    ///
    /// # Errors
    /// See [`GreedyPlanner::plan`].
    pub fn plan_best<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        scratch: &mut [u32],
    ) -> Result<(usize, Trial), PlanError> {
        self.plan_best_of(requests, offsets, scratch, TrialSet::ALL)
    }

    /// [`MultiOrderPlanner::plan_best`] over the trials in `trials` only
    /// (over the first, TFLM's layout, when `trials` is empty).
    ///
    /// # Errors
    /// See [`GreedyPlanner::plan`].
    pub fn plan_best_of<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        scratch: &mut [u32],
        trials: TrialSet,
    ) -> Result<(usize, Trial), PlanError> {
        let mut work = Placement::new(&self.config, requests, offsets, scratch)?;
        best_of(&mut work, trials)
    }

    /// [`MultiOrderPlanner::plan_best_of`] for requests kept compact in the
    /// caller's memory ([`CompactRequest`]): they are checked in place (sizes
    /// rounded up to the alignment) and need only
    /// [`GreedyPlanner::compact_scratch_len`] words of scratch. With
    /// `trial`, exactly that trial is placed.
    ///
    /// # Errors
    /// See [`GreedyPlanner::plan`].
    pub fn plan_compact(
        &self,
        requests: &mut [CompactRequest],
        offsets: &mut [usize],
        scratch: &mut [u32],
        trials: TrialSet,
        trial: Option<Trial>,
    ) -> Result<(usize, Trial), PlanError> {
        let mut work = Placement::compact(&self.config, requests, offsets, scratch)?;
        match trial {
            Some(trial) => {
                let (order, overlap) = TRIALS.get(trial.0).copied().unwrap_or(TRIALS[0]);
                Ok((work.place(order, overlap)?, trial))
            }
            None => best_of(&mut work, trials),
        }
    }

    /// Plans `requests` with one trial only (a winner of
    /// [`MultiOrderPlanner::plan_best`]).
    ///
    /// # Errors
    /// See [`GreedyPlanner::plan`].
    pub fn plan_trial<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        scratch: &mut [u32],
        trial: Trial,
    ) -> Result<usize, PlanError> {
        let mut work = Placement::new(&self.config, requests, offsets, scratch)?;
        let (order, overlap) = TRIALS.get(trial.0).copied().unwrap_or(TRIALS[0]);
        work.place(order, overlap)
    }
}

/// Places under every trial of `trials` (the first when empty) and leaves
/// the smallest layout's offsets; returns its size and trial.
fn best_of(work: &mut Placement<'_>, trials: TrialSet) -> Result<(usize, Trial), PlanError> {
    let mut best: Option<(usize, usize)> = None;
    let mut last = None;
    let trials = if trials.0 & TrialSet::ALL.0 == 0 {
        TrialSet(1)
    } else {
        trials
    };
    for (index, (order, overlap)) in TRIALS.into_iter().enumerate() {
        if !trials.contains(index) {
            continue;
        }
        let total = work.place(order, overlap)?;
        last = Some(index);
        if best.is_none_or(|(smallest, _)| total < smallest) {
            best = Some((total, index));
        }
    }
    let Some((_, index)) = best else {
        return Ok((0, Trial(0)));
    };
    let (order, overlap) = TRIALS.get(index).copied().unwrap_or(TRIALS[0]);
    if last == Some(index) {
        // The offsets are the winner's already.
        let total = best.map_or(0, |(total, _)| total);
        return Ok((total, Trial(index)));
    }
    // Offsets of the winner (placement is deterministic).
    Ok((work.place(order, overlap)?, Trial(index)))
}

/// A set of the trials [`MultiOrderPlanner`] may run (bit `k`: trial `k`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialSet(pub u16);

impl TrialSet {
    /// Every trial.
    pub const ALL: Self = Self((1 << TRIALS.len()) - 1);

    fn contains(self, index: usize) -> bool {
        index < 16 && self.0 & (1 << index) != 0
    }
}

/// One of the orders [`MultiOrderPlanner`] tries (with how it uses in-place
/// permissions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trial(usize);

impl MemoryPlanner for MultiOrderPlanner {
    fn scratch_len(&self, count: usize) -> usize {
        Self::scratch_len(count)
    }

    fn plan<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        scratch: &mut [u32],
    ) -> Result<usize, PlanError> {
        MultiOrderPlanner::plan(self, requests, offsets, scratch)
    }
}
