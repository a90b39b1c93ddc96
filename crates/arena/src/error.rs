//! Errors reported by the arena and the size counter.

use core::fmt;

/// Why an arena (or size counter) allocation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArenaError {
    /// The caller's buffer is too small for the allocations made so far plus
    /// the failing one.
    TooSmall {
        /// Total length the caller's buffer must have (for this buffer's start
        /// address, i.e. including `padding`) for the allocation to succeed.
        needed: usize,
        /// Length of the caller's buffer.
        available: usize,
        /// Bytes skipped at the start of the buffer to reach 16-byte alignment
        /// (already included in `needed`).
        padding: usize,
    },
    /// A size computation overflowed `usize`.
    SizeOverflow {
        /// Number of bytes (or elements) requested.
        requested: usize,
    },
    /// The requested alignment is not a power of two or exceeds
    /// [`ARENA_ALIGN`](crate::ARENA_ALIGN).
    UnsupportedAlignment {
        /// The alignment that was requested.
        align: usize,
    },
    /// Typed allocations of zero-sized types are not supported.
    ZeroSizedType,
}

impl fmt::Display for ArenaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooSmall {
                needed,
                available,
                padding,
            } => write!(
                f,
                "arena too small: needs {needed} bytes but the buffer has {available} \
                 ({padding} bytes of start-alignment padding included in the need)"
            ),
            Self::SizeOverflow { requested } => {
                write!(
                    f,
                    "arena size computation overflowed for a request of {requested}"
                )
            }
            Self::UnsupportedAlignment { align } => write!(
                f,
                "unsupported alignment {align}: must be a power of two no larger than {}",
                crate::ARENA_ALIGN
            ),
            Self::ZeroSizedType => f.write_str("cannot allocate a slice of a zero-sized type"),
        }
    }
}

impl core::error::Error for ArenaError {}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn display_names_the_numbers() {
        let text = ArenaError::TooSmall {
            needed: 1234,
            available: 1000,
            padding: 7,
        }
        .to_string();
        assert!(text.contains("1234"), "{text}");
        assert!(text.contains("1000"), "{text}");
        assert!(text.contains('7'), "{text}");
        assert!(ArenaError::UnsupportedAlignment { align: 32 }
            .to_string()
            .contains("32"));
        assert!(ArenaError::SizeOverflow { requested: 99 }
            .to_string()
            .contains("99"));
    }
}
