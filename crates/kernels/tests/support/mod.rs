//! What the optimised-kernel tests share: the backends to compare with the
//! reference and a deterministic pseudo-random stream.

use microlite_kernels::optimized::Backend;

/// Portable, the bare-metal ones (which run the reference) and AVX2 when
/// [`microlite_kernels::optimized::Avx2::detect`] (or, without the `std`
/// feature, the standard library's detection) finds it; prints why AVX2 is
/// skipped otherwise.
pub fn fast_backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Portable, Backend::Compact, Backend::CortexM];
    #[cfg(target_arch = "x86_64")]
    {
        use microlite_kernels::optimized::Avx2;
        let token = Avx2::detect().or_else(|| {
            // SAFETY: AVX2 is detected first.
            std::is_x86_feature_detected!("avx2").then(|| unsafe { Avx2::new_unchecked() })
        });
        match token {
            Some(token) => backends.push(Backend::Avx2(token)),
            None => println!("skipping the AVX2 backend: this CPU has no AVX2"),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    println!("skipping the AVX2 backend: not x86-64");
    backends
}

/// A deterministic pseudo-random stream (xorshift).
pub struct Stream(pub u64);

#[allow(dead_code)] // each test binary uses its own subset
impl Stream {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `n` random int8 values.
    pub fn i8s(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| self.next() as i8).collect()
    }
}
