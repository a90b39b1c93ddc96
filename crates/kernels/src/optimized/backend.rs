//! Which implementation the optimized entry points run: [`Backend`], and the
//! process-wide choice ([`active_backend`], [`set_active_backend`]).

use core::sync::atomic::{AtomicU8, Ordering};

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

    fn code(self) -> u8 {
        match self {
            Self::Reference => REFERENCE,
            Self::Portable => PORTABLE,
            Self::Compact => COMPACT,
            Self::CortexM => CORTEX_M,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2(_) => AVX2,
        }
    }
}

const UNSET: u8 = 0;
const REFERENCE: u8 = 1;
const PORTABLE: u8 = 2;
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const AVX2: u8 = 3;
const COMPACT: u8 = 4;
const CORTEX_M: u8 = 5;

/// The process-wide backend code; [`UNSET`] until first use.
static ACTIVE: AtomicU8 = AtomicU8::new(UNSET);

/// The backend the ops crate runs. Chosen by [`Backend::detect`] on first use
/// unless [`set_active_backend`] picked one; always [`Backend::Reference`]
/// with the crate feature `reference-only`.
///
/// On bare-metal targets (`target_os = "none"`) the choice is fixed at
/// compile time, [`Backend::BARE_METAL`] (or the reference kernels with
/// `reference-only`), so that only one set of kernels is linked; the
/// kernels' entry points ignore the `backend` argument there.
pub fn active_backend() -> Backend {
    if cfg!(feature = "reference-only") {
        return Backend::Reference;
    }
    if cfg!(target_os = "none") {
        return Backend::BARE_METAL;
    }
    match ACTIVE.load(Ordering::Relaxed) {
        REFERENCE => Backend::Reference,
        PORTABLE => Backend::Portable,
        COMPACT => Backend::Compact,
        CORTEX_M => Backend::CortexM,
        #[cfg(target_arch = "x86_64")]
        // Stored only by `set_active_backend(Backend::Avx2(token))`, so a
        // token has existed and `Avx2::proven` returns one.
        AVX2 => Avx2::proven().map_or(Backend::Portable, Backend::Avx2),
        _ => {
            let detected = Backend::detect();
            ACTIVE.store(detected.code(), Ordering::Relaxed);
            detected
        }
    }
}

/// Makes `backend` the one [`active_backend`] returns from now on (no effect
/// with the crate feature `reference-only`). All backends give identical
/// results, so changing it while kernels run elsewhere is harmless.
pub fn set_active_backend(backend: Backend) {
    ACTIVE.store(backend.code(), Ordering::Relaxed);
}

/// The backend the entry points run given `requested`: on bare-metal
/// targets always the compile-time choice of [`active_backend`] (a
/// constant, so the other kernels are not linked), elsewhere `requested`.
#[inline(always)]
pub(crate) fn effective(requested: Backend) -> Backend {
    if cfg!(target_os = "none") {
        active_backend()
    } else {
        requested
    }
}
