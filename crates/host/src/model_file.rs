//! Reading a `.tflite` file into memory aligned the way `Model::from_bytes`
//! requires (16 bytes).

use std::path::Path;

/// File bytes stored in 16-byte aligned memory.
pub struct AlignedFile {
    words: Vec<u128>,
    len: usize,
}

impl AlignedFile {
    /// Read `path` whole.
    pub fn read(path: &Path) -> Result<Self, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(Self::from_bytes(&bytes))
    }

    /// Copy `bytes` into aligned memory.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut words = vec![0u128; bytes.len().div_ceil(16)];
        let dst: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
        dst[..bytes.len()].copy_from_slice(bytes);
        Self {
            words,
            len: bytes.len(),
        }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        let all: &[u8] = bytemuck::cast_slice(&self.words);
        &all[..self.len]
    }
}

/// A zeroed, 16-byte aligned arena of at least `len` bytes.
pub fn aligned_arena(len: usize) -> Vec<u128> {
    vec![0u128; len.div_ceil(16)]
}
