//! Tensor shapes.

use core::fmt;

use crate::flat::{Vector, VectorIter};

/// A verified tensor shape: every dimension is non-negative and the element
/// count fits in `usize`.
///
/// A missing or empty shape is a scalar (rank 0, one element).
#[derive(Clone, Copy)]
pub struct Shape<'a> {
    dims: Option<Vector<'a, i32>>,
}

impl<'a> Shape<'a> {
    pub(crate) fn new(dims: Option<Vector<'a, i32>>) -> Self {
        Self { dims }
    }

    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.dims.map_or(0, |d| d.len())
    }

    /// Size of dimension `k`, or `None` if `k >= rank()`.
    pub fn dim(&self, k: usize) -> Option<usize> {
        usize::try_from(self.dims?.get(k)?).ok()
    }

    /// The dimensions, outermost first.
    pub fn iter(&self) -> ShapeIter<'a> {
        ShapeIter {
            inner: self.dims.map(|d| d.iter()),
        }
    }

    /// Product of all dimensions (1 for a scalar).
    pub fn element_count(&self) -> usize {
        // Verification guarantees the product fits; saturate defensively.
        self.iter().fold(1usize, usize::saturating_mul)
    }

    /// The dimensions as a fixed-size array, if the rank is exactly `N`.
    pub fn to_array<const N: usize>(&self) -> Option<[usize; N]> {
        if self.rank() != N {
            return None;
        }
        let mut out = [0; N];
        for (slot, d) in out.iter_mut().zip(self.iter()) {
            *slot = d;
        }
        Some(out)
    }
}

impl PartialEq for Shape<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.rank() == other.rank() && self.iter().eq(other.iter())
    }
}

impl Eq for Shape<'_> {}

impl fmt::Debug for Shape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Display for Shape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (k, d) in self.iter().enumerate() {
            if k > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

impl<'a> IntoIterator for Shape<'a> {
    type Item = usize;
    type IntoIter = ShapeIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over the dimensions of a [`Shape`].
#[derive(Clone)]
pub struct ShapeIter<'a> {
    inner: Option<VectorIter<'a, i32>>,
}

impl Iterator for ShapeIter<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        // Dimensions are verified non-negative; a negative one would read as 0.
        self.inner
            .as_mut()?
            .next()
            .map(|d| usize::try_from(d).unwrap_or(0))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner
            .as_ref()
            .map_or((0, Some(0)), Iterator::size_hint)
    }
}

impl ExactSizeIterator for ShapeIter<'_> {}
