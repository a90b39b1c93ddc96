//! Linear planner: no reuse, every buffer after the previous one.
//!
//! Used to keep every tensor readable after a run ("preserve all tensors"
//! debugging). Offline offsets are ignored, as in TensorFlow Lite Micro's
//! linear planner.

use super::config::PlannerConfig;
use super::error::PlanError;
use super::request::{fetch, RequestSource};
use super::MemoryPlanner;

/// Places request `i` right after request `i - 1`; needs no scratch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinearPlanner {
    config: PlannerConfig,
}

impl LinearPlanner {
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

    /// Plans `requests`, writing offsets and returning the head size (the sum
    /// of the aligned sizes).
    ///
    /// # Errors
    /// [`PlanError::InvalidAlignment`], [`PlanError::OffsetsTooSmall`],
    /// [`PlanError::MissingRequest`], [`PlanError::InvalidLifetime`],
    /// [`PlanError::SizeOverflow`].
    pub fn plan<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
    ) -> Result<usize, PlanError> {
        let align = self.config.alignment();
        if !align.is_power_of_two() {
            return Err(PlanError::InvalidAlignment { align });
        }
        let count = requests.request_count();
        let available = offsets.len();
        let offsets = offsets.get_mut(..count).ok_or(PlanError::OffsetsTooSmall {
            needed: count,
            available,
        })?;
        let mut end = 0usize;
        for (index, slot) in offsets.iter_mut().enumerate() {
            let checked = fetch(requests, index, align)?;
            *slot = end;
            end = end
                .checked_add(checked.size)
                .ok_or(PlanError::SizeOverflow { index })?;
        }
        Ok(end)
    }
}

impl MemoryPlanner for LinearPlanner {
    fn scratch_len(&self, _count: usize) -> usize {
        0
    }

    fn plan<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        _scratch: &mut [u32],
    ) -> Result<usize, PlanError> {
        LinearPlanner::plan(self, requests, offsets)
    }
}
