//! Heap-free tensor arena and memory planners for microlite.
//!
//! * [`Arena`] hands out memory from one caller-supplied `&mut [u8]`: a
//!   persistent tail, scoped temporaries and a committed head, all 16-byte
//!   aligned by default, without `unsafe` and without panicking.
//! * [`SizeCounter`] replays the arena's rounding without a buffer, so the
//!   exact buffer size can be computed ahead of time.
//! * [`planner`] lays out activation buffers in the head: a greedy planner
//!   matching TensorFlow Lite Micro's layout, a multi-order greedy planner
//!   never larger than it, a linear one and the parser for offline plans
//!   stored in model metadata. Requests may allow an operator's output to
//!   overlap a dying input (in-place execution).
//!
//! # Typical interpreter flow
//!
//! ```
//! use microlite_arena::planner::{BufferRequest, GreedyPlanner};
//! use microlite_arena::{Arena, ArenaError, SizeCounter};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let requests = [BufferRequest::new(100, 0, 1), BufferRequest::new(40, 1, 2)];
//! let mut buffer = [0u8; 1024];
//! let mut arena = Arena::new(&mut buffer);
//!
//! // 1. Persistent data: tensor metadata, op data...
//! let offsets_kept: &mut [u32] = arena.alloc_persistent(requests.len())?;
//!
//! // 2. Plan with temporary scratch taken from the front.
//! let head_size = {
//!     let mut temp = arena.temp();
//!     let offsets: &mut [usize] = temp.alloc(requests.len())?;
//!     let scratch: &mut [u32] = temp.alloc(GreedyPlanner::scratch_len(requests.len()))?;
//!     let size = GreedyPlanner::default().plan(&requests[..], offsets, scratch)?;
//!     for (kept, &offset) in offsets_kept.iter_mut().zip(offsets.iter()) {
//!         *kept = u32::try_from(offset)?;
//!     }
//!     size
//! };
//!
//! // 3. Commit the planned head (it reuses the scratch's memory).
//! let head = arena.commit_head(head_size)?;
//! assert_eq!(head.len(), 160);
//! assert_eq!(offsets_kept, [0, 112]);
//!
//! // The same sequence on a counter gives the exact buffer size needed.
//! let mut counter = SizeCounter::new();
//! counter.alloc_persistent::<u32>(2)?;
//! {
//!     let mut temp = counter.temp();
//!     temp.alloc::<usize>(2)?;
//!     temp.alloc::<u32>(GreedyPlanner::scratch_len(2))?;
//! }
//! counter.commit_head(head_size)?;
//! assert_eq!(counter, *arena.counter());
//! assert_eq!(counter.required_bytes(), arena.required_bytes());
//! # let _: Option<ArenaError> = None;
//! # Ok(())
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
// Untrusted models must not be able to push any index out of bounds.
#![deny(clippy::indexing_slicing)]

mod align;
mod arena;
mod error;
pub mod planner;
mod size_counter;

pub use align::{align_up, is_supported_alignment, padding_for_address, ARENA_ALIGN};
pub use arena::{Arena, TempArena};
pub use error::ArenaError;
pub use size_counter::{SizeCounter, TempCounter};
