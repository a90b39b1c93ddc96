//! Lists of tensor indices (subgraph and operator inputs/outputs).

use core::fmt;

use crate::flat::{Vector, VectorIter};

/// A verified list of tensor indices into a subgraph's tensors.
///
/// Every entry is either a valid tensor index or, in operator input lists
/// only, `-1` marking an absent optional input.
#[derive(Clone, Copy)]
pub struct TensorIndexList<'a> {
    raw: Option<Vector<'a, i32>>,
}

impl<'a> TensorIndexList<'a> {
    pub(crate) fn new(raw: Option<Vector<'a, i32>>) -> Self {
        Self { raw }
    }

    /// Number of entries, including absent (`-1`) ones.
    pub fn len(&self) -> usize {
        self.raw.map_or(0, |v| v.len())
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tensor index at position `k`; `None` if `k >= len()` or the entry
    /// is an absent optional input (`-1`).
    pub fn get(&self, k: usize) -> Option<usize> {
        usize::try_from(self.raw?.get(k)?).ok()
    }

    /// The raw entry at position `k` (`-1` for absent), or `None` if
    /// `k >= len()`.
    pub fn get_raw(&self, k: usize) -> Option<i32> {
        self.raw?.get(k)
    }

    /// The present tensor indices, in order; absent (`-1`) entries are
    /// skipped, so use [`slots`](Self::slots) when positions matter.
    pub fn iter(&self) -> impl Iterator<Item = usize> + 'a {
        self.slots().flatten()
    }

    /// One item per position: `Some(tensor index)` or `None` for an absent
    /// optional input.
    pub fn slots(&self) -> Slots<'a> {
        Slots {
            inner: self.raw.map(|v| v.iter()),
        }
    }
}

impl<'a> IntoIterator for TensorIndexList<'a> {
    type Item = usize;
    type IntoIter = core::iter::Flatten<Slots<'a>>;

    fn into_iter(self) -> Self::IntoIter {
        self.slots().flatten()
    }
}

/// Iterator over the positions of a [`TensorIndexList`]; see
/// [`TensorIndexList::slots`].
#[derive(Clone)]
pub struct Slots<'a> {
    inner: Option<VectorIter<'a, i32>>,
}

impl Iterator for Slots<'_> {
    type Item = Option<usize>;

    fn next(&mut self) -> Option<Option<usize>> {
        self.inner.as_mut()?.next().map(|i| usize::try_from(i).ok())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner
            .as_ref()
            .map_or((0, Some(0)), Iterator::size_hint)
    }
}

impl ExactSizeIterator for Slots<'_> {}

impl fmt::Debug for TensorIndexList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.raw.into_iter().flatten())
            .finish()
    }
}
