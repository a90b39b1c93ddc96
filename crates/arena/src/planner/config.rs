//! Planner settings.

use crate::align::ARENA_ALIGN;

/// Settings shared by the planners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannerConfig {
    alignment: usize,
    allow_offline_overlap: bool,
}

impl PlannerConfig {
    /// 16-byte alignment, offline buffers must not overlap while live.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            alignment: ARENA_ALIGN,
            allow_offline_overlap: false,
        }
    }

    /// Sets the alignment of sizes and offsets (a power of two; checked when
    /// planning).
    #[must_use]
    pub const fn with_alignment(mut self, alignment: usize) -> Self {
        self.alignment = alignment;
        self
    }

    /// Allows offline-planned buffers to overlap in memory while their
    /// lifetimes overlap. TensorFlow Lite Micro accepts such plans (the offline
    /// planner may know two tensors are never accessed at the same time), but
    /// safe Rust cannot hand out aliasing slices, so this is off by default.
    #[must_use]
    pub const fn with_offline_overlap(mut self, allow: bool) -> Self {
        self.allow_offline_overlap = allow;
        self
    }

    /// Alignment of sizes and offsets.
    #[must_use]
    pub const fn alignment(&self) -> usize {
        self.alignment
    }

    /// Whether live offline buffers may overlap.
    #[must_use]
    pub const fn allows_offline_overlap(&self) -> bool {
        self.allow_offline_overlap
    }
}

impl Default for PlannerConfig {
    fn default() -> Self {
        Self::new()
    }
}
