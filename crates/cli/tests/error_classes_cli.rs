//! One test per class of bad model or bad use (issue 5's list), through
//! `microlite run`: the CLI prints the library's error as one `error:` line
//! naming the culprit, with exit status 1. The library's typed error for each
//! class is checked by the test of the same name in
//! `crates/microlite/tests/error_classes.rs`; both build their models with
//! `crates/microlite/tests/common/error_models.rs`. `docs/errors.md` lists
//! every class with its tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../model/tests/common/builder.rs"]
#[allow(dead_code)]
mod builder;
#[path = "../../microlite/tests/common/error_models.rs"]
#[allow(dead_code)]
mod error_models;

use std::path::{Path, PathBuf};
use std::process::Command;

use builder::ModelSpec;
use error_models::*;
use microlite::TensorType;

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("microlite-error-classes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `microlite run MODEL ARGS...`: exit 1 and exactly one `error:` line
/// naming the model file, which is returned.
fn cli_run_error(model: &Path, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_microlite"))
        .arg("run")
        .arg(model)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let name = model.display();
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.lines().count() == 1,
        "{name}: {stderr:?}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{name}: {stderr}"
    );
    stderr
}

/// `microlite run` on `bytes` written to `<name>.tflite`; the error line
/// must name the file.
fn cli_error_bytes(bytes: &[u8], name: &str) -> String {
    let path = write_file(&format!("{name}.tflite"), bytes);
    let line = cli_run_error(&path, &[]);
    assert!(line.contains(&format!("{name}.tflite")), "{line}");
    line
}

fn cli_error(spec: &ModelSpec, name: &str) -> String {
    cli_error_bytes(&spec.build(), name)
}

fn assert_contains_all(line: &str, parts: &[&str]) {
    for part in parts {
        assert!(line.contains(part), "{part:?} missing from {line:?}");
    }
}

// ---------------------------------------------------------------------------
// The classes.
// ---------------------------------------------------------------------------

#[test]
fn valid_model_runs() {
    let path = write_file("valid.tflite", &fc_model().build());
    let out = Command::new(env!("CARGO_BIN_EXE_microlite"))
        .arg("run")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn empty_file() {
    let line = cli_error_bytes(&[], "empty");
    assert_contains_all(&line, &["0 bytes", "too short"]);
}

#[test]
fn wrong_identifier() {
    let line = cli_error(&wrong_identifier_model(), "wrong_identifier");
    assert_contains_all(&line, &["identifier", "\"TFL2\""]);
}

#[test]
fn unsupported_schema_version() {
    let line = cli_error(&schema_version_model(), "schema_version");
    assert_contains_all(&line, &["unsupported schema version 2"]);
}

#[test]
fn truncated_at_every_prefix() {
    // The CLI on every prefix: one `error:` line each, never a crash.
    let bytes = fc_model().build();
    let started = std::time::Instant::now();
    for n in 0..bytes.len() {
        cli_error_bytes(&bytes[..n], &format!("prefix_{n}"));
    }
    println!(
        "{} prefixes through the CLI in {:?}",
        bytes.len(),
        started.elapsed()
    );
}

#[test]
fn tensor_index_out_of_range() {
    let line = cli_error(&tensor_index_model(), "tensor_index");
    assert_contains_all(
        &line,
        &["operator 0 input #1", "tensor index 9 out of range"],
    );
}

#[test]
fn buffer_index_out_of_range() {
    let line = cli_error(&buffer_index_model(), "buffer_index");
    assert_contains_all(&line, &["tensor 1", "buffer index 7 out of range"]);
}

#[test]
fn opcode_index_out_of_range() {
    let line = cli_error(&opcode_index_model(), "opcode_index");
    assert_contains_all(&line, &["operator 0", "opcode index 3 out of range"]);
}

#[test]
fn constant_buffer_smaller_than_its_shape() {
    let line = cli_error(&short_buffer_model(), "short_buffer");
    assert_contains_all(&line, &["tensor 1", "buffer 1", "10", "8"]);
}

#[test]
fn shape_byte_size_overflows() {
    let line = cli_error(&shape_overflow_model(), "shape_overflow");
    assert_contains_all(&line, &["tensor 3"]);
}

#[test]
fn rank_above_supported() {
    let line = cli_error(&rank_model(), "rank");
    assert_contains_all(&line, &["operator 0", "tensor 1 has rank 3"]);
}

#[test]
fn zero_negative_and_non_finite_scales() {
    for (name, scale) in [
        ("zero", 0.0f32),
        ("negative", -0.5),
        ("nan", f32::NAN),
        ("inf", f32::INFINITY),
        ("neg_inf", f32::NEG_INFINITY),
    ] {
        let line = cli_error(&scale_model(scale), &format!("scale_{name}"));
        assert_contains_all(
            &line,
            &["operator 0", "tensor 0", "scale #0", &scale.to_string()],
        );
    }
}

#[test]
fn per_channel_scale_must_be_positive_too() {
    let line = cli_error(&negative_channel_scale_model(), "per_channel_scale");
    assert_contains_all(&line, &["tensor 1", "scale #1 is -0.125"]);
}

#[test]
fn zero_point_out_of_range() {
    let line = cli_error(&zero_point_model(), "zero_point");
    assert_contains_all(&line, &["tensor 3", "zero point 200", "[-128, 127]"]);
}

#[test]
fn per_channel_scale_count_differs_from_channels() {
    let line = cli_error(&per_channel_model(), "per_channel");
    assert_contains_all(&line, &["tensor 1", "3 per-channel scales for 2 channels"]);
}

#[test]
fn wrong_input_count() {
    let line = cli_error(&input_count_model(), "inputs");
    assert_contains_all(
        &line,
        &["operator 0", "expects 2 to 3 inputs, model gives 1"],
    );
}

#[test]
fn unsupported_op_names_op_and_version() {
    let line = cli_error(&unsupported_op_model(), "unsupported_op");
    assert_contains_all(&line, &["operator 0", "LSH_PROJECTION", "version 2"]);
}

#[test]
fn unsupported_dtype() {
    let line = cli_error(&dtype_model(), "dtype");
    assert_contains_all(
        &line,
        &["operator 0", "tensor 0 has unsupported dtype int64"],
    );
}

#[test]
fn arena_too_small_states_bytes_needed() {
    // The bytes the library needs for `fc_model` (its error for an arena 16
    // bytes short is checked in the library's test of the same name).
    let (needed, _) = arena_too_small_error();
    // The CLI with a fixed budget 16 bytes short names the exact need.
    let path = write_file("arena.tflite", &fc_model().build());
    let budget = (needed - 16).to_string();
    let line = cli_run_error(&path, &["--arena-bytes".as_ref(), budget.as_ref()]);
    assert_contains_all(
        &line,
        &[
            "arena.tflite",
            &format!("needs {needed} bytes, has {budget}"),
        ],
    );
    // A tiny arena cannot even hold the planning metadata: a lower bound.
    let line = cli_run_error(&path, &["--arena-bytes".as_ref(), "64".as_ref()]);
    assert_contains_all(&line, &["needs at least", "has 64"]);
    // With exactly the bytes needed it runs.
    let status = Command::new(env!("CARGO_BIN_EXE_microlite"))
        .arg("run")
        .arg(&path)
        .args(["--arena-bytes", &needed.to_string()])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
}

#[test]
fn input_of_wrong_dtype_or_length() {
    let model = write_file("input_model.tflite", &fc_model().build());
    let float_input = scratch_dir().join("float_input.npy");
    microlite_host::npy_io::write(&float_input, TensorType::Float32, &[1, 4], &[0u8; 16]).unwrap();
    let line = cli_run_error(&model, &["--input".as_ref(), float_input.as_os_str()]);
    assert_contains_all(
        &line,
        &[
            "float_input.npy",
            "input 0 must be int8 [1, 4]",
            "holds float32 [1, 4]",
        ],
    );
    let short_input = scratch_dir().join("short_input.npy");
    microlite_host::npy_io::write(&short_input, TensorType::Int8, &[1, 3], &[0u8; 3]).unwrap();
    let line = cli_run_error(&model, &["--input".as_ref(), short_input.as_os_str()]);
    assert_contains_all(
        &line,
        &[
            "short_input.npy",
            "input 0 must be int8 [1, 4]",
            "holds int8 [1, 3]",
        ],
    );
}
