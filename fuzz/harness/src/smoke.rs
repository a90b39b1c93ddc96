//! The whole load → allocate → invoke path on untrusted model bytes, as one
//! call: the body of the fuzz targets and of their regression tests.

use microlite::{Error, Interpreter, Model, OpResolver, Options};

/// Arena size the fuzz targets give [`load_allocate_invoke`] (64 KiB).
pub const SMOKE_ARENA_BYTES: usize = 64 * 1024;

/// Most WHILE iterations per invoke (all loops together): a mutated loop condition may never
/// turn false (TFLM would loop forever too); past this the invoke fails
/// with a typed error instead of hanging the fuzzer.
pub const SMOKE_WHILE_LIMIT: u32 = 1000;

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
    let options = Options {
        max_while_iterations: SMOKE_WHILE_LIMIT,
        ..Options::default()
    };
    let mut interpreter = Interpreter::new(model, &resolver, arena, options)?;
    for k in 0..interpreter.input_count() {
        interpreter.input_mut(k)?.bytes_mut().fill(0);
    }
    interpreter.invoke()?;
    for k in 0..interpreter.output_count() {
        interpreter.output(k)?;
    }
    Ok(())
}
