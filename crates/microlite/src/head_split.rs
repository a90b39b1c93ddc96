//! Splitting the planned head into the disjoint byte slices one operator
//! needs at once: mutable output and scratch, shared inputs.

use core::ops::Range;

use microlite_ops::MAX_OP_OUTPUTS;

use crate::error::Error;

/// Most byte ranges [`HeadSplit::many`] hands out mutable: every output of
/// an operator, and its scratch.
pub const MAX_MUTABLE: usize = MAX_OP_OUTPUTS + 1;

/// The head around an operator's outputs and scratch: read-only gaps, each
/// with the head offset where it starts.
pub struct HeadSplit<'h> {
    gaps: [(usize, &'h [u8]); MAX_MUTABLE + 1],
}

impl<'h> HeadSplit<'h> {
    /// Split `head` so that `a` and `b` (disjoint byte ranges, `b` may be
    /// empty) come out mutable and everything else readable.
    pub fn new(
        head: &'h mut [u8],
        a: Range<usize>,
        b: Range<usize>,
    ) -> Result<(Self, &'h mut [u8], &'h mut [u8]), Error> {
        let swap = !b.is_empty() && b.start < a.start;
        let (first, second) = if swap {
            (b.clone(), a.clone())
        } else {
            (a.clone(), b.clone())
        };
        let second = if second.is_empty() {
            first.end..first.end
        } else {
            second
        };
        if first.start > first.end || first.end > second.start || second.start > second.end {
            return Err(Error::Internal("operator buffers overlap"));
        }
        let (gap0, rest) = head
            .split_at_mut_checked(first.start)
            .ok_or(Error::Internal("buffer beyond head"))?;
        let (m0, rest) = rest
            .split_at_mut_checked(first.end - first.start)
            .ok_or(Error::Internal("buffer beyond head"))?;
        let (gap1, rest) = rest
            .split_at_mut_checked(second.start - first.end)
            .ok_or(Error::Internal("buffer beyond head"))?;
        let (m1, gap2) = rest
            .split_at_mut_checked(second.end - second.start)
            .ok_or(Error::Internal("buffer beyond head"))?;
        let mut gaps: [(usize, &'h [u8]); MAX_MUTABLE + 1] = Default::default();
        let [g0, g1, g2, ..] = &mut gaps;
        (*g0, *g1, *g2) = ((0, &*gap0), (first.end, &*gap1), (second.end, &*gap2));
        let split = Self { gaps };
        let (ra, rb) = if swap { (m1, m0) } else { (m0, m1) };
        Ok((split, ra, rb))
    }

    /// Split `head` so that every range of `ranges` (pairwise disjoint;
    /// empty ones give empty slices) comes out mutable, in the order given,
    /// and everything else readable.
    pub fn many(
        head: &'h mut [u8],
        ranges: &[Range<usize>; MAX_MUTABLE],
    ) -> Result<(Self, [&'h mut [u8]; MAX_MUTABLE]), Error> {
        let mut pieces: [&'h mut [u8]; MAX_MUTABLE] = Default::default();
        let mut gaps: [(usize, &'h [u8]); MAX_MUTABLE + 1] = Default::default();
        let mut taken = [false; MAX_MUTABLE];
        let mut gap_slots = gaps.iter_mut();
        let mut rest: &'h mut [u8] = head;
        let mut at = 0usize;
        // Non-empty ranges by start (at most 17: a scan per range).
        loop {
            let next = ranges
                .iter()
                .zip(taken)
                .enumerate()
                .filter(|(_, (range, taken))| !range.is_empty() && !taken)
                .min_by_key(|(_, (range, _))| range.start);
            let Some((k, (range, _))) = next else { break };
            if range.start < at {
                return Err(Error::Internal("operator buffers overlap"));
            }
            let (gap, after) = rest
                .split_at_mut_checked(range.start - at)
                .ok_or(Error::Internal("buffer beyond head"))?;
            let (piece, after) = after
                .split_at_mut_checked(range.end - range.start)
                .ok_or(Error::Internal("buffer beyond head"))?;
            *gap_slots.next().ok_or(Error::Internal("head gaps"))? = (at, gap);
            *pieces.get_mut(k).ok_or(Error::Internal("head pieces"))? = piece;
            *taken.get_mut(k).ok_or(Error::Internal("head pieces"))? = true;
            rest = after;
            at = range.end;
        }
        *gap_slots.next().ok_or(Error::Internal("head gaps"))? = (at, rest);
        Ok((Self { gaps }, pieces))
    }

    /// The bytes at `range` of the head; they must lie wholly in one gap.
    pub fn get(&self, range: Range<usize>) -> Result<&'h [u8], Error> {
        for (start, gap) in self.gaps {
            if range.start >= start && range.end <= start + gap.len() {
                return gap
                    .get(range.start - start..range.end - start)
                    .ok_or(Error::Internal("input range"));
            }
        }
        Err(Error::Internal("operator input overlaps its output"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_around_two_ranges_in_either_order() {
        let mut head = [0u8; 32];
        for (i, b) in head.iter_mut().enumerate() {
            *b = i as u8;
        }
        let (split, out, scratch) = HeadSplit::new(&mut head, 16..20, 4..8).unwrap();
        assert_eq!(out, &[16, 17, 18, 19]);
        assert_eq!(scratch, &[4, 5, 6, 7]);
        assert_eq!(split.get(0..4).unwrap(), &[0, 1, 2, 3]);
        assert_eq!(split.get(8..16).unwrap().len(), 8);
        assert_eq!(split.get(24..32).unwrap()[0], 24);
        assert!(split.get(6..10).is_err());
        assert!(split.get(18..22).is_err());
    }

    #[test]
    fn empty_second_range() {
        let mut head = [0u8; 8];
        let (split, out, scratch) = HeadSplit::new(&mut head, 2..4, 0..0).unwrap();
        assert_eq!(out.len(), 2);
        assert!(scratch.is_empty());
        assert!(split.get(4..8).is_ok());
        assert!(split.get(0..2).is_ok());
    }

    #[test]
    fn many_ranges_in_any_order() {
        let mut head = [0u8; 32];
        for (i, b) in head.iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut ranges: [Range<usize>; MAX_MUTABLE] = Default::default();
        ranges[0] = 20..24;
        ranges[1] = 4..8;
        ranges[2] = 10..12;
        ranges[4] = 28..32;
        let (split, pieces) = HeadSplit::many(&mut head, &ranges).unwrap();
        assert_eq!(pieces[0], &[20, 21, 22, 23]);
        assert_eq!(pieces[1], &[4, 5, 6, 7]);
        assert_eq!(pieces[2], &[10, 11]);
        assert!(pieces[3].is_empty());
        assert_eq!(pieces[4], &[28, 29, 30, 31]);
        assert_eq!(split.get(0..4).unwrap(), &[0, 1, 2, 3]);
        assert_eq!(split.get(8..10).unwrap(), &[8, 9]);
        assert_eq!(split.get(12..20).unwrap().len(), 8);
        assert_eq!(split.get(24..28).unwrap(), &[24, 25, 26, 27]);
        assert!(split.get(6..9).is_err());
        assert!(split.get(26..30).is_err());
        ranges[2] = 6..12;
        assert!(HeadSplit::many(&mut head, &ranges).is_err());
    }

    #[test]
    fn overlapping_ranges_are_an_error() {
        let mut head = [0u8; 8];
        assert!(HeadSplit::new(&mut head, 2..6, 4..8).is_err());
    }
}
