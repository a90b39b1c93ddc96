//! Splitting the planned head into the disjoint byte slices one operator
//! needs at once: mutable output and scratch, shared inputs.

use core::ops::Range;

use crate::error::Error;

/// The head around an operator's output and scratch: up to three read-only
/// gaps, each with the head offset where it starts. (Ops with several
/// outputs split the head themselves: `microlite_ops::HeadFrame`.)
pub struct HeadSplit<'h> {
    gaps: [(usize, &'h [u8]); 3],
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
        let split = Self {
            gaps: [(0, gap0), (first.end, gap1), (second.end, gap2)],
        };
        let (ra, rb) = if swap { (m1, m0) } else { (m0, m1) };
        Ok((split, ra, rb))
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
    fn overlapping_ranges_are_an_error() {
        let mut head = [0u8; 8];
        assert!(HeadSplit::new(&mut head, 2..6, 4..8).is_err());
    }
}
