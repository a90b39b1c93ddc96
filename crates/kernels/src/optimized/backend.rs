//! Which implementation the optimized entry points run: [`Backend`]. There
//! is no process-wide choice: each caller (an interpreter, through its
//! `Options`) passes the backend to every entry point.

#[cfg(target_arch = "x86_64")]
use crate::arch::x86_64::Avx2;

/// An implementation of the int8 conv / fully connected kernels. All of them
/// produce the same bits; they differ in speed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// The reference kernels (`crate::conv`, `crate::fully_connected`, ...).
    Reference,
    /// Safe, portable Rust written for auto-vectorization.
    Portable,
    /// Small, general kernels ([`crate::compact`]): the fixed choice on
    /// bare-metal targets built with the crate feature `small-kernels`,
    /// where flash is scarcest.
    Compact,
    /// The microcontroller kernels ([`crate::cortex_m`]: int16 im2col pairs
    /// and, on cores with the Arm DSP extension, `SMLAD`): the fixed choice
    /// on bare-metal targets; portable Rust elsewhere.
    CortexM,
    /// AVX2 intrinsics (x86-64 only); the token proves the CPU has AVX2.
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
}

impl Backend {
    /// The fastest backend this CPU is known to support: AVX2 when
    /// [`Avx2::detect`] finds it, else [`Backend::Portable`]. With the crate
    /// feature `reference-only`, always [`Backend::Reference`].
    pub fn detect() -> Self {
        if cfg!(feature = "reference-only") {
            return Self::Reference;
        }
        if cfg!(target_os = "none") {
            return Self::BARE_METAL;
        }
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(token) = Avx2::detect() {
                return Self::Avx2(token);
            }
        }
        Self::Portable
    }

    /// The kernels bare-metal targets run: [`Backend::CortexM`], or
    /// [`Backend::Compact`] with the crate feature `small-kernels`.
    pub const BARE_METAL: Self = if cfg!(feature = "small-kernels") {
        Self::Compact
    } else {
        Self::CortexM
    };

    /// Which scratch sizes state prepared with this backend active holds,
    /// as a prepared image records it: 1 for [`Backend::Compact`], 2 for
    /// [`Backend::CortexM`], 0 for the host kernels (which fall back to the
    /// reference kernel when given less scratch than they want).
    pub const fn scratch_layout(self) -> u16 {
        match self {
            Self::Compact => 1,
            Self::CortexM => 2,
            _ => 0,
        }
    }

    /// The kernel set [`Backend::scratch_layout`] value `layout` names.
    pub const fn scratch_layout_name(layout: u16) -> &'static str {
        match layout {
            1 => "the small kernels (Backend::Compact, feature small-kernels)",
            2 => "the Cortex-M kernels (Backend::CortexM)",
            _ => "the host kernels",
        }
    }
}

impl Backend {
    /// The backend that actually runs when this one is asked for: itself,
    /// except with the crate feature `reference-only` (the reference
    /// kernels) and on bare-metal targets ([`Backend::BARE_METAL`]).
    pub fn effective(self) -> Self {
        effective(self)
    }

    /// Its name: "reference", "portable", "compact", "cortex-m" or "avx2".
    pub const fn name(self) -> &'static str {
        match self {
            Self::Reference => "reference",
            Self::Portable => "portable",
            Self::Compact => "compact",
            Self::CortexM => "cortex-m",
            #[cfg(target_arch = "x86_64")]
            Self::Avx2(_) => "avx2",
        }
    }
}

impl Default for Backend {
    /// [`Backend::detect`].
    fn default() -> Self {
        Self::detect()
    }
}

/// The backend the entry points run given `requested`: the reference
/// kernels with the crate feature `reference-only`; on bare-metal targets
/// always [`Backend::BARE_METAL`] (a constant, so the other kernels are not
/// linked); elsewhere `requested`.
#[inline(always)]
pub(crate) fn effective(requested: Backend) -> Backend {
    if cfg!(feature = "reference-only") {
        Backend::Reference
    } else if cfg!(target_os = "none") {
        Backend::BARE_METAL
    } else {
        requested
    }
}
