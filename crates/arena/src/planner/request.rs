//! What a planner is asked to place.

use super::error::PlanError;
use crate::align::align_up;

/// One buffer to place: its size and the inclusive range of op indices during
/// which it is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BufferRequest {
    /// Size in bytes (rounded up to the planner alignment when planning).
    pub size: usize,
    /// First op index at which the buffer is live.
    pub first_use: usize,
    /// Last op index at which the buffer is live (inclusive).
    pub last_use: usize,
    /// Offset fixed by an offline plan, or `None` to plan online.
    pub offline_offset: Option<usize>,
}

impl BufferRequest {
    /// A request planned online.
    #[must_use]
    pub const fn new(size: usize, first_use: usize, last_use: usize) -> Self {
        Self {
            size,
            first_use,
            last_use,
            offline_offset: None,
        }
    }

    /// A request at an offset fixed by an offline plan.
    #[must_use]
    pub const fn offline(size: usize, first_use: usize, last_use: usize, offset: usize) -> Self {
        Self {
            size,
            first_use,
            last_use,
            offline_offset: Some(offset),
        }
    }

    /// Whether the lifetimes of `self` and `other` share an op index.
    #[must_use]
    pub const fn overlaps_in_time(&self, other: &Self) -> bool {
        self.first_use <= other.last_use && other.first_use <= self.last_use
    }
}

/// Indexed access to the requests being planned, so callers can compute them
/// on the fly instead of storing an array of [`BufferRequest`].
pub trait RequestSource {
    /// Number of requests.
    fn request_count(&self) -> usize;

    /// Request `index` (`index < request_count()`); `None` is reported as
    /// [`PlanError::MissingRequest`].
    fn request(&self, index: usize) -> Option<BufferRequest>;
}

impl RequestSource for [BufferRequest] {
    fn request_count(&self) -> usize {
        self.len()
    }

    fn request(&self, index: usize) -> Option<BufferRequest> {
        self.get(index).copied()
    }
}

impl<const N: usize> RequestSource for [BufferRequest; N] {
    fn request_count(&self) -> usize {
        N
    }

    fn request(&self, index: usize) -> Option<BufferRequest> {
        self.get(index).copied()
    }
}

/// A [`RequestSource`] computing request `i` with a closure.
#[derive(Debug, Clone, Copy)]
pub struct RequestFn<F> {
    count: usize,
    f: F,
}

impl<F: Fn(usize) -> Option<BufferRequest>> RequestFn<F> {
    /// `count` requests, request `i` being `f(i)`.
    pub const fn new(count: usize, f: F) -> Self {
        Self { count, f }
    }
}

impl<F: Fn(usize) -> Option<BufferRequest>> RequestSource for RequestFn<F> {
    fn request_count(&self) -> usize {
        self.count
    }

    fn request(&self, index: usize) -> Option<BufferRequest> {
        if index < self.count {
            (self.f)(index)
        } else {
            None
        }
    }
}

/// A request whose lifetime was checked and whose size is rounded to the
/// planner alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checked {
    /// The request as supplied.
    pub(crate) request: BufferRequest,
    /// `request.size` rounded up to the alignment.
    pub(crate) size: usize,
}

/// Fetches request `index` from `source`, checks its lifetime and rounds its
/// size to `align` (a power of two).
pub(crate) fn fetch<R: RequestSource + ?Sized>(
    source: &R,
    index: usize,
    align: usize,
) -> Result<Checked, PlanError> {
    let request = source
        .request(index)
        .ok_or(PlanError::MissingRequest { index })?;
    if request.first_use > request.last_use {
        return Err(PlanError::InvalidLifetime {
            index,
            first_use: request.first_use,
            last_use: request.last_use,
        });
    }
    let size = align_up(request.size, align).ok_or(PlanError::SizeOverflow { index })?;
    Ok(Checked { request, size })
}

/// Whether byte ranges `[a, a + a_len)` and `[b, b + b_len)` intersect (empty
/// ranges intersect nothing). Saturates instead of overflowing.
pub(crate) const fn ranges_intersect(a: usize, a_len: usize, b: usize, b_len: usize) -> bool {
    a_len != 0 && b_len != 0 && a < b.saturating_add(b_len) && b < a.saturating_add(a_len)
}
