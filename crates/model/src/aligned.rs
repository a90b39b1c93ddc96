//! Helpers for placing model bytes at the 16-byte aligned address
//! [`crate::Model::from_bytes`] requires.

/// Model bytes stored at a 16-byte aligned address, for `static`s and
/// `const`s (e.g. a model embedded with `include_bytes!`; see
/// [`include_model!`](crate::include_model)).
///
/// ```
/// use microlite_model::AlignedModelBytes;
/// static BYTES: AlignedModelBytes<4> = AlignedModelBytes::new(*b"abcd");
/// assert_eq!(BYTES.as_bytes().as_ptr().addr() % 16, 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct AlignedModelBytes<const N: usize>(pub [u8; N]);

impl<const N: usize> AlignedModelBytes<N> {
    /// Wraps `bytes`.
    pub const fn new(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    /// The bytes, starting at a 16-byte aligned address.
    pub const fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Embeds a `.tflite` file in the program at a 16-byte aligned address and
/// evaluates to its bytes as `&'static [u8]`, ready for
/// [`Model::from_bytes`](crate::Model::from_bytes).
///
/// ```ignore
/// let model = Model::from_bytes(microlite_model::include_model!("model.tflite"))?;
/// ```
#[macro_export]
macro_rules! include_model {
    ($path:expr) => {{
        static BYTES: $crate::AlignedModelBytes<{ include_bytes!($path).len() }> =
            $crate::AlignedModelBytes::new(*include_bytes!($path));
        BYTES.as_bytes()
    }};
}

/// The 16-byte aligned window of `len` bytes inside `buf`, for callers that
/// read a model into memory they allocate themselves: give a buffer of at
/// least `len + 15` bytes, copy the file into the returned slice, then pass
/// that slice to [`Model::from_bytes`](crate::Model::from_bytes).
///
/// Returns `None` if `buf` is too small to contain such a window.
///
/// ```
/// let file = [1u8, 2, 3];
/// let mut storage = [0u8; 3 + 15];
/// let window = microlite_model::aligned_window(&mut storage, file.len()).unwrap();
/// window.copy_from_slice(&file);
/// assert_eq!(window.as_ptr().addr() % 16, 0);
/// ```
pub fn aligned_window(buf: &mut [u8], len: usize) -> Option<&mut [u8]> {
    let start = buf.as_ptr().align_offset(16);
    let end = start.checked_add(len)?;
    buf.get_mut(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_aligned_for_every_start_offset() {
        let mut storage = [0u8; 64];
        for skew in 0..16 {
            let buf = &mut storage[skew..skew + 40];
            let w = aligned_window(buf, 25).unwrap();
            assert_eq!(w.len(), 25);
            assert_eq!(w.as_ptr().addr() % 16, 0);
        }
        assert!(aligned_window(&mut storage[1..10], 9).is_none());
    }
}
