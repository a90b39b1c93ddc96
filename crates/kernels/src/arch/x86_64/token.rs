//! The [`Avx2`] capability token.

/// Proof that the running CPU supports AVX2 (and that the operating system
/// saves the AVX registers). Obtained from [`Avx2::detect`] or, on hosts
/// without `std`, from [`Avx2::new_unchecked`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Avx2 {
    _private: (),
}

impl Avx2 {
    /// Returns the token if AVX2 is usable: always when the crate is built
    /// with `-C target-feature=+avx2`, otherwise through
    /// `std::is_x86_feature_detected!` with the `std` feature, and never on a
    /// `no_std` build (use [`Avx2::new_unchecked`] there).
    pub fn detect() -> Option<Self> {
        if cfg!(target_feature = "avx2") {
            return Some(Self { _private: () });
        }
        #[cfg(feature = "std")]
        {
            if std::is_x86_feature_detected!("avx2") {
                return Some(Self { _private: () });
            }
        }
        None
    }

    /// Creates the token without checking the CPU.
    ///
    /// # Safety
    ///
    /// The CPU running the program must support AVX2 and the operating system
    /// must have enabled the AVX register state (XCR0 bits 1 and 2). Running
    /// AVX2 code elsewhere is undefined behaviour.
    pub unsafe fn new_unchecked() -> Self {
        Self { _private: () }
    }
}
