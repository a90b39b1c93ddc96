//! The whole load → allocate → invoke path on untrusted model bytes, as one
//! call: the body of the fuzz targets and of their regression tests.

use microlite::{Error, Interpreter, Model, OpResolver, Options};

/// Arena size the fuzz targets give [`load_allocate_invoke`] (64 KiB).
pub const SMOKE_ARENA_BYTES: usize = 64 * 1024;

/// Verifies `model_bytes`, builds an [`Interpreter`] with every op microlite
/// has in `arena`, zeroes every input, invokes once and reads every
/// output.
///
/// `model_bytes` must start at a 16-byte aligned address (see
/// [`Model::from_bytes`]). Any failure is returned as an [`Error`]; this
/// function never panics and never allocates, whatever the bytes.
pub fn load_allocate_invoke(model_bytes: &[u8], arena: &mut [u8]) -> Result<(), Error> {
    allocate_invoke(&Model::from_bytes(model_bytes)?, arena)
}

/// [`load_allocate_invoke`] after the load: every op, `arena`, zeroed
/// inputs, one invoke, every output read.
pub fn allocate_invoke(model: &Model<'_>, arena: &mut [u8]) -> Result<(), Error> {
    let resolver = OpResolver::with_all();
    let mut interpreter = Interpreter::new(model, &resolver, arena, Options::default())?;
    for k in 0..interpreter.input_count() {
        interpreter.input_mut(k)?.bytes_mut().fill(0);
    }
    interpreter.invoke()?;
    for k in 0..interpreter.output_count() {
        interpreter.output(k)?;
    }
    Ok(())
}
