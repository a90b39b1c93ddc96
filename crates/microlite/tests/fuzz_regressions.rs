//! Replays every recorded fuzz finding through the same harness function the
//! fuzz target runs, and smoke-tests the harness on the reference models.
//!
//! A finding is a file in `fuzz/regressions/<target>/` (target names as in
//! `fuzz/fuzz_targets/`). Hostile models may be accepted or rejected; the
//! test fails only on a panic or, for `kernel_diff`, a kernel/oracle
//! mismatch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use microlite_fuzz_harness::smoke::{load_allocate_invoke, SMOKE_ARENA_BYTES};
use microlite_fuzz_harness::{AlignedBytes, Target};
use microlite_kernels::KernelError;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn recorded_fuzz_findings_do_not_panic() {
    let mut replayed = 0;
    for target in Target::ALL {
        for path in files_in(&fuzz_dir().join("regressions").join(target.name())) {
            let data = std::fs::read(&path).unwrap();
            match target.run(&data) {
                Ok(outcome) => println!("{} {}: {outcome}", target.name(), path.display()),
                Err(mismatch) => panic!("{}: {mismatch}", path.display()),
            }
            replayed += 1;
        }
    }
    if replayed == 0 {
        println!("no regressions recorded");
    }
}

fn reference_models() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-models");
    let mut models = Vec::new();
    for group in files_or_dirs(&root) {
        for case in files_or_dirs(&group) {
            let model = case.join("model.tflite");
            if model.is_file() {
                models.push(model);
            }
        }
    }
    models
}

fn files_or_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    paths.sort();
    paths
}

/// The smoke path must accept every reference model whose ops all exist
/// (or refuse its zeroed inputs at invoke where TFLM's eval does, e.g. a
/// FLOOR_DIV by zero), and reject the others with `UnsupportedOp` — never
/// anything else, and never panic. This is what makes the harness able to fail even with no
/// recorded findings.
#[test]
fn smoke_path_runs_every_reference_model() {
    let models = reference_models();
    assert!(
        models.len() > 100,
        "reference models missing: found {}",
        models.len()
    );
    let (mut ran, mut unsupported, mut refused) = (0, 0, 0);
    for path in &models {
        let bytes = AlignedBytes::copy_of(&std::fs::read(path).unwrap());
        let mut arena = AlignedBytes::zeroed(1 << 20);
        match load_allocate_invoke(bytes.as_slice(), arena.as_mut_slice()) {
            Ok(()) => ran += 1,
            Err(microlite::Error::UnsupportedOp { .. }) => unsupported += 1,
            Err(microlite::Error::Op {
                error: microlite::OpError::Kernel(KernelError::InvalidValue { .. }),
                ..
            }) => refused += 1,
            Err(e) => panic!("{}: {e}", path.display()),
        }
        // The fuzz targets' own path (64 KiB arena) must not panic either.
        for target in [Target::Load, Target::LoadAllocateInvoke] {
            target.run(bytes.as_slice()).unwrap();
        }
    }
    println!(
        "{ran} reference models ran, {refused} refused zero inputs, \
         {unsupported} need ops not yet implemented"
    );
    assert!(ran > 0, "no reference model ran through the smoke path");
}

/// The smoke path on the demo model in the fuzz targets' arena size.
#[test]
fn smoke_path_fits_the_demo_model_in_the_fuzz_arena() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../reference-models/models/mlp_int8/model.tflite");
    let bytes = AlignedBytes::copy_of(&std::fs::read(path).unwrap());
    let mut arena = AlignedBytes::zeroed(SMOKE_ARENA_BYTES);
    load_allocate_invoke(bytes.as_slice(), arena.as_mut_slice()).unwrap();
    // Misaligned model bytes are an error, not a panic.
    let mut shifted = AlignedBytes::zeroed(bytes.as_slice().len() + 1);
    shifted.as_mut_slice()[1..].copy_from_slice(bytes.as_slice());
    assert!(load_allocate_invoke(&shifted.as_slice()[1..], arena.as_mut_slice()).is_err());
}

/// A short fixed sweep of the structure-aware mutator and the kernel oracle,
/// so the fuzz logic itself runs in every `cargo test`.
#[test]
fn mutator_and_kernel_oracle_sweep() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..300 {
        let input: Vec<u8> = (0..96)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        Target::MutateModel.run(&input).unwrap();
        Target::KernelDiff
            .run(&input)
            .unwrap_or_else(|m| panic!("{m}"));
    }
}
