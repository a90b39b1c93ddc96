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
    /// This buffer may share memory with another one that dies where this
    /// one is born (in-place execution), on the terms given.
    pub in_place: Option<InPlace>,
}

/// Permission for a buffer (an operator's output) to overlap the memory of
/// request `input` (an input of the same operator whose last use is this
/// buffer's first use), provided the output starts at least `lead` bytes
/// before the input: `offset(output) + lead <= offset(input)`. A negative
/// lead lets the output start up to `-lead` bytes after the input.
///
/// Without overlap the two buffers may be anywhere, as any other pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InPlace {
    /// Index of the request whose memory may be overwritten.
    pub input: usize,
    /// Smallest displacement of the output before the input, in bytes.
    pub lead: isize,
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
            in_place: None,
        }
    }

    /// The same request, allowed to overlap request `input` on the terms of
    /// [`InPlace`].
    #[must_use]
    pub const fn in_place_of(self, input: usize, lead: isize) -> Self {
        Self {
            in_place: Some(InPlace { input, lead }),
            ..self
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
            in_place: None,
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

/// Checks the in-place permission of request `index` (if any): the input is
/// another request whose last use is this request's first use.
pub(crate) fn check_in_place<R: RequestSource + ?Sized>(
    source: &R,
    index: usize,
    checked: &Checked,
    align: usize,
) -> Result<(), PlanError> {
    let Some(in_place) = checked.request.in_place else {
        return Ok(());
    };
    if in_place.input == index || in_place.input >= source.request_count() {
        return Err(PlanError::InvalidInPlace { index });
    }
    let input = fetch(source, in_place.input, align)?;
    if input.request.last_use != checked.request.first_use {
        return Err(PlanError::InvalidInPlace { index });
    }
    Ok(())
}

/// Whether request `a` at `a_offset` and request `b` at `b_offset` collide:
/// live at the same time and intersecting in memory, unless one may overlap
/// the other in place on its terms.
pub(crate) fn collide(
    (a_index, a, a_offset): (usize, &Checked, usize),
    (b_index, b, b_offset): (usize, &Checked, usize),
) -> bool {
    if !a.request.overlaps_in_time(&b.request)
        || !ranges_intersect(a_offset, a.size, b_offset, b.size)
    {
        return false;
    }
    let allowed = |out: &Checked, out_offset: usize, input_index: usize, input_offset: usize| {
        out.request
            .in_place
            .is_some_and(|p| p.input == input_index && leads(out_offset, p.lead, input_offset))
    };
    !(allowed(a, a_offset, b_index, b_offset) || allowed(b, b_offset, a_index, a_offset))
}

/// Whether `output + lead <= input` (without overflow).
pub(crate) fn leads(output: usize, lead: isize, input: usize) -> bool {
    if lead >= 0 {
        output
            .checked_add(lead.unsigned_abs())
            .is_some_and(|end| end <= input)
    } else {
        output <= input.saturating_add(lead.unsigned_abs())
    }
}

/// Whether byte ranges `[a, a + a_len)` and `[b, b + b_len)` intersect (empty
/// ranges intersect nothing). Saturates instead of overflowing.
pub(crate) const fn ranges_intersect(a: usize, a_len: usize, b: usize, b_len: usize) -> bool {
    a_len != 0 && b_len != 0 && a < b.saturating_add(b_len) && b < a.saturating_add(a_len)
}
