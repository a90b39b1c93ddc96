//! Fuzz harness logic for microlite, shared by the cargo-fuzz targets in
//! `fuzz/fuzz_targets/` and the regression test
//! `crates/microlite/tests/fuzz_regressions.rs`, so that every crash found by
//! fuzzing replays under a plain `cargo test`.
//!
//! Each [`Target`] maps fuzz input bytes to an outcome. Rejecting a hostile
//! model is a fine outcome; a panic (or, for [`Target::KernelDiff`], a
//! [`Mismatch`]) is a bug.

pub mod aligned;
pub mod decisions;
pub mod kernel_diff;
pub mod mutate;
pub mod naive;
pub mod seeds;
pub mod sites;
pub mod smoke;

use microlite::{Error, Model, ModelError};
use smoke::SMOKE_ARENA_BYTES;

pub use aligned::AlignedBytes;
pub use kernel_diff::{kernel_diff, Mismatch};
pub use mutate::{mutated_model, MutatedModel};

/// The fuzz targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Arbitrary bytes → aligned copy → `Model::from_bytes` → read every view.
    Load,
    /// Arbitrary bytes → model → interpreter in a 64 KiB arena → invoke.
    LoadAllocateInvoke,
    /// Seed model + patched fields → interpreter → invoke.
    MutateModel,
    /// Reference kernels against naive definitions.
    KernelDiff,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 4] = [
        Self::Load,
        Self::LoadAllocateInvoke,
        Self::MutateModel,
        Self::KernelDiff,
    ];

    /// The cargo-fuzz target name (also the directory name under
    /// `fuzz/corpus/` and `fuzz/regressions/`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Load => "load",
            Self::LoadAllocateInvoke => "load_allocate_invoke",
            Self::MutateModel => "mutate_model",
            Self::KernelDiff => "kernel_diff",
        }
    }

    /// Runs the target on one input. `Ok` carries a one-line description of
    /// the (acceptable) outcome; `Err` is a bug found by an oracle. Panics
    /// are bugs too and are left to propagate.
    pub fn run(self, data: &[u8]) -> Result<String, Mismatch> {
        Ok(match self {
            Self::Load => describe(load(data)),
            Self::LoadAllocateInvoke => {
                let verified = load_allocate_invoke(data);
                let trusted = run_trusted(AlignedBytes::copy_of(data).as_slice());
                if verified.is_ok() && trusted.is_err() {
                    return Err(Mismatch {
                        kernel: "Model::from_bytes_trusted",
                        detail: format!("verified model ran, trusted load failed: {trusted:?}"),
                    });
                }
                describe(verified)
            }
            Self::MutateModel => {
                let mutated = mutated_model(data);
                let outcome = describe(run_model(mutated.bytes.as_slice()));
                format!(
                    "{} with {} patches: {outcome}",
                    mutated.seed,
                    mutated.patches.len()
                )
            }
            Self::KernelDiff => {
                kernel_diff(data)?;
                "kernels agree".into()
            }
        })
    }
}

fn describe<E: core::fmt::Display>(result: Result<(), E>) -> String {
    match result {
        Ok(()) => "ok".into(),
        Err(e) => format!("rejected: {e}"),
    }
}

/// Verifies `data` (copied to aligned memory) and reads every part of the
/// view the way a runtime would; then reads every part of the unverified
/// view `Model::from_bytes_trusted` gives of the same bytes (which must not
/// panic either).
pub fn load(data: &[u8]) -> Result<(), ModelError> {
    let bytes = AlignedBytes::copy_of(data);
    if let Ok(model) = Model::from_bytes_trusted(bytes.as_slice()) {
        walk(&model);
    }
    let model = Model::from_bytes(bytes.as_slice())?;
    walk(&model);
    Ok(())
}

/// The whole load → allocate → invoke path with the unverified loader,
/// every op registered, zeroed inputs.
fn run_trusted(aligned: &[u8]) -> Result<(), Error> {
    let model = Model::from_bytes_trusted(aligned)?;
    let mut arena = AlignedBytes::zeroed(SMOKE_ARENA_BYTES);
    smoke::allocate_invoke(&model, arena.as_mut_slice())
}

/// Runs [`smoke::load_allocate_invoke`] on `data` (copied to aligned
/// memory) with a [`SMOKE_ARENA_BYTES`] arena.
pub fn load_allocate_invoke(data: &[u8]) -> Result<(), Error> {
    run_model(AlignedBytes::copy_of(data).as_slice())
}

fn run_model(aligned: &[u8]) -> Result<(), Error> {
    let mut arena = AlignedBytes::zeroed(SMOKE_ARENA_BYTES);
    smoke::load_allocate_invoke(aligned, arena.as_mut_slice())
}

/// Touches every accessor of a verified model; returns a checksum so the
/// reads are not optimised away.
fn walk(model: &Model<'_>) -> usize {
    let mut sum = 0usize;
    let mut add = |x: usize| sum = sum.wrapping_add(x);
    add(model.subgraph_count() + model.operator_code_count() + model.buffer_count());
    add(model.description().map_or(0, str::len));
    for name in model.metadata_names() {
        add(model.metadata(name).map_or(0, <[u8]>::len));
    }
    for subgraph in model.subgraphs() {
        add(subgraph.name().len());
        subgraph
            .inputs()
            .iter()
            .chain(subgraph.outputs().iter())
            .for_each(&mut add);
        for tensor in subgraph.tensors() {
            add(tensor.name().len() + tensor.buffer_index() % 7);
            add(tensor.element_count());
            add(tensor.byte_size().unwrap_or(0));
            add(tensor.data().map_or(0, <[u8]>::len));
            tensor.shape().iter().for_each(&mut add);
            add(tensor.shape().rank());
            add(usize::from(tensor.is_constant()) + usize::from(tensor.is_variable()));
            add(tensor.dtype().name().len() + tensor.dtype().alignment());
            if let Some(q) = tensor.quantization() {
                add(q.len() + usize::from(q.is_per_channel()));
                add(q.quantized_dimension());
                q.scales().for_each(|s| add(s.to_bits() as usize));
                q.zero_points().for_each(|z| add(z as usize));
            }
        }
        for op in subgraph.operators() {
            add(op.opcode_index());
            add(op.op_name().len() + op.custom_code().map_or(0, str::len));
            add(op.version() as usize);
            add(op.builtin_code_raw() as usize);
            (0..op.input_count()).for_each(|k| add(op.input(k).unwrap_or(0)));
            (0..op.output_count()).for_each(|k| add(op.output(k).unwrap_or(0)));
            add(op.intermediates().len());
        }
    }
    sum
}
