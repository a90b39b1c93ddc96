//! Loading a model file and sizing an arena for it exactly.

use std::path::Path;

use microlite::{Error, Interpreter, Model, OpLookup, Options};

use crate::model_file::{aligned_arena, AlignedFile};

/// Largest arena `microlite` will try to size (1 GiB).
const MAX_WORK_BYTES: usize = 1 << 30;

/// Read and verify a model file.
pub fn load(path: &Path) -> Result<AlignedFile, String> {
    let file = AlignedFile::read(path)?;
    Model::from_bytes(file.bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(file)
}

/// The exact arena bytes `model` needs, found with growing work buffers.
pub fn required_arena_bytes(
    model: &Model<'_>,
    lookup: &dyn OpLookup,
    options: Options,
) -> Result<usize, Error> {
    let mut work_len = 1 << 20;
    loop {
        let mut work = aligned_arena(work_len);
        let work: &mut [u8] = bytemuck::cast_slice_mut(&mut work);
        match Interpreter::required_arena_bytes(model, lookup, work, options) {
            Err(Error::ArenaTooSmall {
                exact: false,
                needed,
                ..
            }) if work_len < MAX_WORK_BYTES => {
                work_len = (work_len * 4).max(needed.next_power_of_two());
            }
            other => return other,
        }
    }
}
