//! Offline memory plans stored in model metadata.
//!
//! A model may carry metadata named [`OfflinePlan::METADATA_NAME`] whose
//! buffer is a little-endian `i32` array:
//!
//! | word  | meaning                                               |
//! |-------|-------------------------------------------------------|
//! | 0     | format version (TFLM writes 1 and does not check it)  |
//! | 1     | subgraph the plan applies to (TFLM ignores it)        |
//! | 2     | number of offsets `n`                                 |
//! | 3 + i | head offset of tensor `i` in bytes, or -1 = plan online |
//!
//! Tensors are numbered across all subgraphs, subgraph 0 first, and
//! TensorFlow Lite Micro requires `n` to equal that total
//! ([`OfflinePlan::check_tensor_count`]).

use super::error::PlanError;

/// Bytes in the header (version, subgraph, count).
const HEADER_BYTES: usize = 12;

/// A validated, zero-copy view of an offline memory plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflinePlan<'m> {
    version: u32,
    subgraph: u32,
    /// Exactly `4 * len` bytes of little-endian `i32` entries.
    entries: &'m [u8],
}

impl<'m> OfflinePlan<'m> {
    /// Name of the model metadata entry holding the plan.
    pub const METADATA_NAME: &'static str = "OfflineMemoryAllocation";

    /// Parses and validates `bytes` (need not be aligned). Bytes after the
    /// last entry are ignored.
    ///
    /// # Errors
    /// [`PlanError::OfflineTooShort`] if the header or the entries are cut
    /// off, [`PlanError::OfflineBadEntry`] for a negative entry other than -1.
    pub fn parse(bytes: &'m [u8]) -> Result<Self, PlanError> {
        let available = bytes.len();
        let word = |i: usize| -> Result<u32, PlanError> {
            read_word(bytes, i).ok_or(PlanError::OfflineTooShort {
                needed: HEADER_BYTES,
                available,
            })
        };
        let version = word(0)?;
        let subgraph = word(1)?;
        let count = word(2)?;
        let needed = usize::try_from(count)
            .ok()
            .and_then(|n| n.checked_mul(4))
            .and_then(|n| n.checked_add(HEADER_BYTES))
            .unwrap_or(usize::MAX);
        let entries = bytes
            .get(HEADER_BYTES..needed)
            .ok_or(PlanError::OfflineTooShort { needed, available })?;
        for tensor in 0..entries.len() / 4 {
            let value = read_entry(entries, tensor).unwrap_or(-1);
            if value < -1 {
                return Err(PlanError::OfflineBadEntry { tensor, value });
            }
        }
        Ok(Self {
            version,
            subgraph,
            entries,
        })
    }

    /// Format version word.
    #[must_use]
    pub const fn version(&self) -> u32 {
        self.version
    }

    /// Subgraph word.
    #[must_use]
    pub const fn subgraph(&self) -> u32 {
        self.subgraph
    }

    /// Number of entries.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.entries.len() / 4
    }

    /// Whether the plan has no entries.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Offline offset of tensor `tensor`, or `None` if it is planned online
    /// (entry -1) or out of range.
    #[must_use]
    pub fn offset_for_tensor(&self, tensor: usize) -> Option<usize> {
        usize::try_from(read_entry(self.entries, tensor)?).ok()
    }

    /// Checks that the plan has one entry per tensor, as TFLM requires.
    ///
    /// # Errors
    /// [`PlanError::OfflineCountMismatch`].
    pub const fn check_tensor_count(&self, tensors: usize) -> Result<(), PlanError> {
        if self.len() == tensors {
            Ok(())
        } else {
            Err(PlanError::OfflineCountMismatch {
                entries: self.len(),
                tensors,
            })
        }
    }
}

/// Little-endian 32-bit word `index` of `bytes`.
fn read_word(bytes: &[u8], index: usize) -> Option<u32> {
    let start = index.checked_mul(4)?;
    let chunk = bytes.get(start..start.checked_add(4)?)?;
    let mut word = [0u8; 4];
    word.copy_from_slice(chunk);
    Some(u32::from_le_bytes(word))
}

/// Little-endian signed entry `index` of `bytes`.
fn read_entry(bytes: &[u8], index: usize) -> Option<i32> {
    read_word(bytes, index).map(|word| i32::from_le_bytes(word.to_le_bytes()))
}
