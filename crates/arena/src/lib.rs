//! Memory planners for microlite: where each activation buffer lives inside
//! the planned head of the interpreter's arena.
//!
//! [`planner`] has a greedy planner matching TensorFlow Lite Micro's layout,
//! a multi-order greedy planner never larger than it, a linear one and the
//! parser for offline plans stored in model metadata. Requests may allow an
//! operator's output to overlap a dying input (in-place execution). The
//! planners never allocate: they work in caller-supplied slices.
//!
//! ```
//! use microlite_arena::planner::{BufferRequest, GreedyPlanner};
//!
//! # fn main() -> Result<(), microlite_arena::planner::PlanError> {
//! // Buffer 0 lives during op 0..=1, buffer 1 during op 1..=2.
//! let requests = [BufferRequest::new(100, 0, 1), BufferRequest::new(40, 1, 2)];
//! let mut offsets = [0usize; 2];
//! let mut scratch = [0u32; 64];
//! assert!(GreedyPlanner::scratch_len(requests.len()) <= scratch.len());
//! let head_size = GreedyPlanner::default().plan(&requests[..], &mut offsets, &mut scratch)?;
//! // Sizes are rounded up to 16: 112 + 48.
//! assert_eq!((offsets, head_size), ([0, 112], 160));
//! # Ok(())
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
// Untrusted models must not be able to push any index out of bounds.
#![deny(clippy::indexing_slicing)]

mod align;
pub mod planner;
