//! Memory planners: where each activation buffer lives inside the head.
//!
//! A planner receives one [`BufferRequest`] per buffer (through a
//! [`RequestSource`]), writes an offset per request into a caller-supplied
//! slice and returns the head size. Planners never allocate: the greedy
//! planners work in caller-supplied scratch of [`GreedyPlanner::scratch_len`]
//! words.
//!
//! * [`GreedyPlanner`]: TensorFlow Lite Micro's layout (largest first, lowest
//!   fitting offset).
//! * [`MultiOrderPlanner`]: the same placement under several orders, keeping
//!   the smallest; never larger than TFLM's layout.
//! * [`LinearPlanner`]: no reuse.
//!
//! A request may carry an [`InPlace`] permission to overlap the memory of an
//! input that dies where it is born (in-place execution).
//!
//! Sizes are rounded up to the configured alignment (16 by default) before
//! planning, as TensorFlow Lite Micro does, so every online offset is aligned.

mod config;
mod error;
mod greedy;
mod linear;
mod multi_order;
mod offline;
mod request;
mod sort;
mod verify;

pub use config::PlannerConfig;
pub use error::PlanError;
pub use greedy::{CompactRequest, GreedyPlanner};
pub use linear::LinearPlanner;
pub use multi_order::{MultiOrderPlanner, Trial, TrialSet};
pub use offline::OfflinePlan;
pub use request::{BufferRequest, InPlace, RequestFn, RequestSource};
pub use verify::verify_plan;

/// Common interface of the planners.
pub trait MemoryPlanner {
    /// Scratch words (`u32`) that planning `count` requests needs; saturates
    /// at `usize::MAX` (then planning reports [`PlanError::TooManyBuffers`]).
    fn scratch_len(&self, count: usize) -> usize;

    /// Plans `requests`, writing the offset of request `i` to `offsets[i]`
    /// and returning the head size in bytes (the end of the last buffer).
    ///
    /// # Errors
    /// A [`PlanError`] naming the offending request or the short slice.
    fn plan<R: RequestSource + ?Sized>(
        &self,
        requests: &R,
        offsets: &mut [usize],
        scratch: &mut [u32],
    ) -> Result<usize, PlanError>;
}
