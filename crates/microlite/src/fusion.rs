//! Fusing a windowed op with the windowed op that alone reads its output
//! (DEPTHWISE_CONV_2D then MAX_POOL_2D, CONV_2D then AVERAGE_POOL_2D, ...;
//! batch 1): the pair runs as one step, band by band. For each chunk of
//! the consumer's output rows, the producer computes just the rows of the
//! intermediate tensor that chunk's windows read, into a band buffer, and
//! the consumer computes the chunk from it. The intermediate tensor is
//! never materialised, so the arena holds one band instead of it.
//!
//! Bits are unchanged: each op computes every output row from exactly the
//! input rows and taps of the whole problem (the ops' band evaluation is
//! the sub-problem of [`microlite_ops::ops::Rows::window`], as in-place row
//! streaming). Pairs fuse only when the consumer's windows never share rows
//! ([`microlite_ops::ops::Rows::windows_disjoint`]: pools with stride >= filter),
//! so no intermediate row is computed twice and fusing costs no work.

use microlite_model::{Operator, Subgraph};
use microlite_ops::ops::Rows;

use crate::layout::align_up;

/// Where a fused step's scratch parts lie in the producer's scratch:
/// `[band | consumer's scratch | producer's scratch]`, each part 16-byte
/// aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FusedScratch {
    /// Bytes of the band buffer (at offset 0).
    pub band: usize,
    /// Offset of the consumer's scratch.
    pub consumer_at: usize,
    /// Offset of the producer's own scratch.
    pub producer_at: usize,
    /// Total bytes.
    pub total: usize,
}

impl FusedScratch {
    /// The layout for a band of `band` bytes and the two ops' scratch.
    pub fn new(band: usize, consumer: usize, producer: usize) -> Option<Self> {
        let consumer_at = align_up(band)?;
        let producer_at = consumer_at.checked_add(align_up(consumer)?)?;
        Some(Self {
            band,
            consumer_at,
            producer_at,
            total: producer_at.checked_add(producer)?,
        })
    }
}

/// The consumer's geometry with the chunks a fused step walks: enough
/// consumer rows per step that the producer computes about the pixels it
/// would per streamed chunk (its per-call setup stays amortised), at least
/// the consumer's own chunk.
pub fn steps(producer: &Rows, consumer: &Rows) -> Rows {
    let per_consumer_row = producer.output_width.saturating_mul(consumer.stride).max(1);
    let rows = producer.chunk_pixels.div_ceil(per_consumer_row).max(1);
    Rows {
        chunk_pixels: rows
            .saturating_mul(consumer.output_width.max(1))
            .max(consumer.chunk_pixels),
        ..*consumer
    }
}

/// Bytes of the band buffer: the most intermediate rows one step of
/// `consumer` (as [`steps`] gives it) reads.
pub fn band_bytes(consumer: &Rows, element_size: usize) -> Option<usize> {
    consumer
        .max_window_rows()
        .checked_mul(consumer.input_row)?
        .checked_mul(element_size)
}

/// The band bytes when `producer` (geometry `p`) and the next operator
/// `consumer` (geometry `c`) can run fused: the producer's only output is
/// the consumer's input 0 and nothing else reads it (no other operator, not
/// a model output), the row geometries agree, the consumer's windows are
/// disjoint, and fusing can pay: the tensor is larger than the producer's
/// input and the consumer's output together (a bulge, as a depthwise x8
/// before a pool; between same-sized tensors in-place streaming already
/// does as well) and the band is at most half of it (a global pool reads
/// every row at once). Planning then keeps the fusion only if the head
/// shrinks.
pub fn fusable(
    subgraph: &Subgraph<'_>,
    producer: &Operator<'_>,
    p: &Rows,
    consumer: &Operator<'_>,
    c: &Rows,
) -> Option<usize> {
    if producer.outputs().len() != 1 || consumer.outputs().len() != 1 {
        return None;
    }
    let t = producer.output(0)?;
    let geometry_agrees = consumer.input(0) == Some(t)
        && p.output_height == c.input_height
        && p.output_row == c.input_row
        && c.windows_disjoint();
    if !geometry_agrees {
        return None;
    }
    let bytes = |t: Option<usize>| subgraph.tensor(t?)?.byte_size();
    let tensor = bytes(Some(t))?;
    let around = bytes(producer.input(0))?.checked_add(bytes(consumer.output(0))?)?;
    let element_size = subgraph.tensor(t)?.dtype().element_size()?;
    let band = band_bytes(&steps(p, c), element_size)?;
    if tensor <= around || band.checked_mul(2)? > tensor {
        return None;
    }
    // Last, as the costliest check: nothing else reads the tensor.
    if subgraph.outputs().iter().any(|o| o == t) {
        return None;
    }
    let readers: usize = subgraph
        .operators()
        .map(|op| op.inputs().iter().filter(|&k| k == t).count())
        .sum();
    (readers == 1).then_some(band)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_parts_are_aligned_and_disjoint() {
        let s = FusedScratch::new(288, 5, 70).unwrap();
        assert_eq!(
            (s.band, s.consumer_at, s.producer_at, s.total),
            (288, 288, 304, 374)
        );
        let s = FusedScratch::new(0, 0, 8).unwrap();
        assert_eq!((s.consumer_at, s.producer_at, s.total), (0, 0, 8));
        assert!(FusedScratch::new(usize::MAX, 0, 0).is_none());
    }
}
