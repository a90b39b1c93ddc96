//! Errors reported by the planners and the offline plan parser.

use core::fmt;

/// Why planning (or parsing an offline plan) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanError {
    /// The configured alignment is not a power of two.
    InvalidAlignment {
        /// The configured alignment.
        align: usize,
    },
    /// The request source had no request at an index below its count.
    MissingRequest {
        /// Request index.
        index: usize,
    },
    /// A request's lifetime ends before it starts.
    InvalidLifetime {
        /// Request index.
        index: usize,
        /// First op index using the buffer.
        first_use: usize,
        /// Last op index using the buffer (inclusive).
        last_use: usize,
    },
    /// A request's size (rounded to the alignment) or end offset overflows.
    SizeOverflow {
        /// Request index.
        index: usize,
    },
    /// More requests than the planner can index.
    TooManyBuffers {
        /// Number of requests.
        count: usize,
        /// Largest supported number of requests.
        max: usize,
    },
    /// The scratch slice is shorter than `scratch_len(count)`.
    ScratchTooSmall {
        /// Words needed.
        needed: usize,
        /// Words supplied.
        available: usize,
    },
    /// The offsets slice is shorter than the number of requests.
    OffsetsTooSmall {
        /// Entries needed.
        needed: usize,
        /// Entries supplied.
        available: usize,
    },
    /// A buffer offset (offline, or checked by [`verify_plan`](super::verify_plan))
    /// is not a multiple of the alignment.
    Misaligned {
        /// Request index.
        index: usize,
        /// The offline offset.
        offset: usize,
        /// The required alignment.
        align: usize,
    },
    /// Two buffers whose lifetimes overlap also overlap in memory.
    Overlap {
        /// Request index.
        index: usize,
        /// The request it collides with.
        other: usize,
    },
    /// A request's in-place permission names itself, a missing request, or
    /// a request that does not die where this one is born.
    InvalidInPlace {
        /// Request index.
        index: usize,
    },
    /// An offline plan buffer is shorter than its header says.
    OfflineTooShort {
        /// Bytes the header implies.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// An offline plan entry is negative but not -1 ("plan online").
    OfflineBadEntry {
        /// Tensor index of the entry.
        tensor: usize,
        /// The entry value.
        value: i32,
    },
    /// An offline plan has a different number of entries than tensors.
    OfflineCountMismatch {
        /// Entries in the plan.
        entries: usize,
        /// Tensors in the model.
        tensors: usize,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InvalidAlignment { align } => {
                write!(f, "planner alignment {align} is not a power of two")
            }
            Self::MissingRequest { index } => write!(f, "buffer request {index} is missing"),
            Self::InvalidLifetime {
                index,
                first_use,
                last_use,
            } => write!(
                f,
                "buffer request {index}: first use {first_use} is after last use {last_use}"
            ),
            Self::SizeOverflow { index } => {
                write!(f, "buffer request {index}: size or end offset overflows")
            }
            Self::TooManyBuffers { count, max } => {
                write!(
                    f,
                    "{count} buffer requests exceed the planner limit of {max}"
                )
            }
            Self::ScratchTooSmall { needed, available } => write!(
                f,
                "planner scratch too small: needs {needed} words, got {available}"
            ),
            Self::OffsetsTooSmall { needed, available } => write!(
                f,
                "planner offsets slice too small: needs {needed} entries, got {available}"
            ),
            Self::Misaligned {
                index,
                offset,
                align,
            } => write!(
                f,
                "buffer request {index}: offset {offset} is not a multiple of {align}"
            ),
            Self::Overlap { index, other } => write!(
                f,
                "buffer request {index} overlaps buffer {other} in memory while both are live"
            ),
            Self::InvalidInPlace { index } => write!(
                f,
                "buffer request {index}: in-place input is not another request ending where it starts"
            ),
            Self::OfflineTooShort { needed, available } => write!(
                f,
                "offline memory plan needs {needed} bytes but has {available}"
            ),
            Self::OfflineBadEntry { tensor, value } => write!(
                f,
                "offline memory plan entry for tensor {tensor} is {value} (expected -1 or >= 0)"
            ),
            Self::OfflineCountMismatch { entries, tensors } => write!(
                f,
                "offline memory plan has {entries} entries but the model has {tensors} tensors"
            ),
        }
    }
}

impl core::error::Error for PlanError {}
